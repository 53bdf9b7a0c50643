#!/usr/bin/env node
/**
 * `service-edges [verb] [options]`: the installed command (`npx service-edges`), and what
 * `npm start` / `npm run plan -- ...` run in this repository. Plans the Pulumi program of the
 * project it runs in (the nearest Pulumi.yaml) under Pulumi's mock runtime; see `--help`.
 */
import { registerTypeScript } from "./program-loader";
import { EXIT, main, report, wasReported } from "./cli";
import { withoutStackTraces } from "./stack-traces";

// A TypeScript program is loaded as Pulumi's Node.js language host loads it: compiled on require.
registerTypeScript();

// The SDK captures a stack trace for every internal promise and resource; the plan never
// shows them.
if (!process.env.SERVICE_EDGES_DEBUG) withoutStackTraces();
// `npm run plan | head`: the reader went away; stop quietly, as other CLIs do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED")
      process.exit(process.exitCode ?? 0);
    throw e;
  });
}
// What the planned program prints is its diagnostics, as under `pulumi preview`: on stderr,
// so that stdout holds only the plan (one JSON object with --json).
console.log = console.info = (...args: unknown[]) => console.error(...args);
// An error inside the planned program's callbacks: say what it was, no stack trace.
process.on("unhandledRejection", (e) => {
  if (!wasReported()) process.exitCode = report(e, (s) => process.stderr.write(`${s}\n`));
  process.exit(process.exitCode || EXIT.invalid);
});
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
