/**
 * One stack of an org plan, in its own process (tools/plan/org.ts starts one per stack, a few at
 * a time): reads its job (the stack file, its name, the StackReference outputs), plans it, writes
 * the plan or the config error as JSON to the job's `out` file.
 */
import "./lazy-sdk-deps";
import * as fs from "node:fs";
import { ConfigError } from "@service-edges/contract";
import { runPlan } from "./run";
import { readStackConfig } from "./stack-config";

Error.stackTraceLimit = 0;
const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as {
  file: string;
  stack: string;
  stackOutputs: Record<string, Record<string, unknown>>;
  out: string;
};
const t0 = performance.now();
const write = (result: unknown) => fs.writeFileSync(job.out, JSON.stringify(result));
runPlan({
  config: readStackConfig(job.file, job.stack),
  mocks: { stackOutputs: job.stackOutputs },
})
  .then((plan) =>
    write({
      plan,
      ms: Math.round(performance.now() - t0),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  )
  .catch((e: unknown) =>
    write({
      error: {
        message: e instanceof Error ? e.message : String(e),
        ...(e instanceof ConfigError ? { issues: e.issues } : {}),
      },
      ms: Math.round(performance.now() - t0),
    }),
  );
