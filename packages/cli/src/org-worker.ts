/**
 * A worker of an org plan (packages/cli/src/org.ts starts one per lane): plans one stack per message,
 * one after another in the same process. A job file names the stack file, its name, the
 * StackReference outputs and where to write the plan (or the config error) as JSON; the worker
 * answers each job with a message once the file is written.
 */
import "./lazy-sdk-deps";
import { registerTypeScript } from "./program-loader";
import * as fs from "node:fs";
import { ConfigError } from "@service-edges/contract";
import type { ExistingResource } from "./recording-monitor";
import { runPlan } from "./run";
import { readStackConfig } from "./stack-config";
import { withoutStackTraces } from "./stack-traces";

registerTypeScript();
withoutStackTraces();

interface Job {
  file: string;
  stack: string;
  stackOutputs: Record<string, Record<string, unknown>>;
  out: string;
  mockScope?: string;
  state?: ExistingResource[];
  /** The project the stack runs as (`migrate --project`); default: the config's. */
  project?: string;
  /** The program the stack runs; default: this repository's. */
  program?: string;
}

async function planJob(path: string): Promise<void> {
  const job = JSON.parse(fs.readFileSync(path, "utf8")) as Job;
  const t0 = performance.now();
  const write = (result: object) =>
    fs.writeFileSync(
      job.out,
      JSON.stringify({
        ...result,
        ms: Math.round(performance.now() - t0),
        peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      }),
    );
  try {
    const plan = await runPlan({
      config: readStackConfig(job.file, job.stack),
      mocks: { stackOutputs: job.stackOutputs },
      mockScope: job.mockScope,
      state: job.state,
      ...(job.project ? { project: job.project } : {}),
      ...(job.program ? { program: job.program } : {}),
    });
    write({ plan });
  } catch (e) {
    write({
      error: {
        message: e instanceof Error ? e.message : String(e),
        ...(e instanceof ConfigError ? { issues: e.issues } : {}),
      },
    });
  }
}

let queue = Promise.resolve();
process.on("message", (m: { job: string }) => {
  queue = queue.then(() => planJob(m.job)).then(() => void process.send!({ done: m.job }));
});
process.on("disconnect", () => process.exit(0));
