/**
 * The worker processes an org plan runs on: each plans one stack after another in its own
 * runtime, and idle ones are kept for the next org plan of the same process.
 */
import { type ChildProcess, fork } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ConfigIssue } from "@service-edges/contract";
import type { OrgStack } from "./org";
import type { ExistingResource } from "./recording-monitor";
import type { PlanResult } from "./run";

/**
 * What an org is planned against, when not against nothing: one subscription and tenant for
 * every stack's mocked ids, and each stack's existing state (a migration's moved resources).
 */
export interface PlanAgainst {
  mockScope?: string;
  stateOf?: (stack: string) => ExistingResource[] | undefined;
  /** The project every stack runs as (its URNs): `migrate --project`. */
  project?: string;
  /** The program every stack runs (default: this repository's index.ts). */
  program?: string;
}

/** Where the worker is and how to start it: the same Node flags as this process. */
const WORKER = path.join(__dirname, `org-worker${path.extname(__filename)}`);

export interface WorkerResult {
  plan?: PlanResult;
  error?: { message: string; issues?: ConfigIssue[] };
  ms: number;
  /** The worker's peak resident memory. */
  peakRssMiB?: number;
}

/**
 * A worker process (its own runtime, its own heap) that plans one stack after another, so each
 * pays Node's and the SDK's start-up once, not once per stack. Results come back in files (a
 * plan is megabytes), their paths over the IPC channel.
 */
class Worker {
  private readonly child: ChildProcess;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "service-edges-org-"));
  private stderr = "";
  private waiting?: { resolve: (r: WorkerResult) => void; reject: (e: Error) => void; out: string };
  private jobs = 0;

  /** `shareCores`: the workers together use the cores, so each keeps its GC on one thread. */
  constructor(shareCores: boolean) {
    this.child = fork(WORKER, [], {
      // V8 runs the garbage collector on helper threads too: a worker alone uses more than one
      // core, and workers side by side would contend for them instead of each using its own.
      execArgv: shareCores ? [...process.execArgv, "--single-threaded-gc"] : process.execArgv,
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      env: { ...process.env, INIT_CWD: process.cwd() },
    });
    this.child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.child.on("message", () => {
      const w = this.waiting;
      this.waiting = undefined;
      if (!w) return;
      try {
        w.resolve(JSON.parse(fs.readFileSync(w.out, "utf8")) as WorkerResult);
      } catch (e) {
        w.reject(e as Error);
      } finally {
        fs.rmSync(w.out, { force: true });
      }
    });
    this.child.on("exit", (code) => {
      this.waiting?.reject(new Error(`a planning worker exited ${code}: ${this.stderr.trim()}`));
      this.waiting = undefined;
    });
  }

  plan(
    stack: OrgStack,
    stackOutputs: Record<string, unknown>,
    against: PlanAgainst = {},
  ): Promise<WorkerResult> {
    const job = path.join(this.dir, `job-${++this.jobs}.json`);
    const out = path.join(this.dir, `result-${this.jobs}.json`);
    fs.writeFileSync(
      job,
      JSON.stringify({
        file: stack.file,
        stack: stack.name,
        stackOutputs,
        out,
        mockScope: against.mockScope,
        state: against.stateOf?.(stack.name),
        project: against.project,
        program: against.program,
      }),
    );
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject, out };
      this.child.send({ job });
    });
  }

  /** Whether it can take another job (it has not exited or lost its channel). */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.connected;
  }

  /**
   * Busy: the process and its channel keep this one's event loop alive while a job runs; idle in
   * the pool, they do not, so a finished command exits without closing its workers first.
   */
  hold(busy: boolean): void {
    const channel = (this.child as ChildProcess & { channel?: { ref(): void; unref(): void } })
      .channel;
    const stderr = this.child.stderr as
      (NodeJS.ReadableStream & { ref?(): void; unref?(): void }) | null;
    if (busy) {
      this.child.ref();
      channel?.ref();
      stderr?.ref?.();
    } else {
      this.child.unref();
      channel?.unref();
      stderr?.unref?.();
    }
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Idle workers by their GC mode, kept for the next org plan of this process: a review plans two
 * orgs, a query or a migration plans one more, and each worker's start-up (Node, the SDK, the
 * providers) is paid once, not once per plan. Closed when the process exits.
 */
const idle = new Map<boolean, Worker[]>();
process.on("exit", () => {
  for (const workers of idle.values()) for (const w of workers) w.close();
});

function takeWorkers(count: number, shareCores: boolean): Worker[] {
  const pooled = idle.get(shareCores) ?? [];
  const out = pooled.splice(0, count).filter((w) => w.alive);
  while (out.length < count) out.push(new Worker(shareCores));
  for (const w of out) w.hold(true);
  return out;
}

function giveBack(workers: Worker[], shareCores: boolean): void {
  const pooled = idle.get(shareCores) ?? [];
  idle.set(shareCores, pooled);
  for (const w of workers) {
    if (!w.alive) {
      w.close();
      continue;
    }
    w.hold(false);
    pooled.push(w);
  }
}

/**
 * Plans every stack on at most `jobs` workers, in the order given, one stack per worker at a
 * time; results keep the stacks' order.
 */
export async function planOnWorkers(
  jobs: number,
  work: Array<{ stack: OrgStack; stackOutputs: Record<string, unknown> }>,
  against: PlanAgainst,
): Promise<WorkerResult[]> {
  const results: WorkerResult[] = new Array(work.length);
  const count = Math.max(1, Math.min(jobs, work.length));
  // By the jobs asked for, not the work: the platform's worker then plans team stacks too.
  const shareCores = jobs > 1;
  const workers = takeWorkers(count, shareCores);
  let next = 0;
  try {
    await Promise.all(
      workers.map(async (w) => {
        while (next < work.length) {
          const i = next++;
          results[i] = await w.plan(work[i].stack, work[i].stackOutputs, against);
        }
      }),
    );
  } finally {
    giveBack(workers, shareCores);
  }
  return results;
}

/** The number of worker processes by default: one per core. */
export const DEFAULT_JOBS = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
