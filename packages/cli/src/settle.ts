/**
 * Waiting for a program as the engine does: until it has nothing left to do, however it started
 * its work.
 *
 * Under `pulumi up` the language host runs the program in a Node process of its own, and the
 * deployment lasts as long as that process: Node exits only when its event loop is empty (no
 * timer, no I/O, no RPC in flight), and only then does the SDK's last `beforeExit` handler signal
 * the engine that the program is done (@pulumi/pulumi cmd/run/index.js, `beforeExitHandler` ->
 * `settings.signalAndWaitForShutdown`). `settings.disconnect` waits the same way for RPCs:
 * `waitForRPCs` (runtime/settings.js) re-waits whenever `rpcDone` changed, because every
 * registration chains itself onto it through `rpcKeepAlive`. So an entry point that calls an async
 * `main()` without awaiting it still has every resource it registers after a timer, an invoke or
 * any other turn of the event loop deployed.
 *
 * The planner runs the program in its own process, so it cannot wait for the process to exit.
 * Instead it waits until no RPC is pending, a full turn of the event loop started none, and
 * nothing the program started (a timer, a file read, a socket) is still alive.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as {
  /** The runtime's own "every RPC has finished" wait (internal to the SDK, not in its typings). */
  waitForRPCs: () => Promise<void>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getStore } = require("@pulumi/pulumi/runtime/state") as {
  getStore: () => { settings: { rpcDone: Promise<unknown> } };
};

/** A timer or immediate the program started (Node marks it `_destroyed` once run or cleared). */
interface ProgramTimer {
  hasRef?: () => boolean;
  _destroyed?: boolean;
}

// The planner's own timers, never the tracked ones.
const { setImmediate: ownImmediate, setTimeout: ownTimeout } = globalThis;
const nextTurn = () => new Promise<void>((resolve) => ownImmediate(resolve));
const shortly = () => new Promise<void>((resolve) => ownTimeout(resolve, 5));

/** The handles and requests that keep the event loop alive now, by kind (unref'd ones don't). */
function activeByKind(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo())
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** Timer kinds, told apart by tracking what the program itself schedules. */
const TIMER_KINDS = new Set(["Timeout", "Immediate"]);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const timersModule = require("node:timers") as Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const timersPromises = require("node:timers/promises") as Record<string, unknown>;
type AnyFunction = (...args: unknown[]) => unknown;

/**
 * What a program started that would keep a Node process alive: the timers and immediates it
 * schedules (`setTimeout`, `setInterval`, `setImmediate`, global or from `node:timers`, and
 * `node:timers/promises`), tracked while it runs; and any other handle or request (a file read, a
 * socket, a DNS lookup) beyond those alive before it started. The caller's own timers (a test
 * runner's timeout, the progress line) are not the program's and never make the plan wait.
 * Nothing here hooks promises: the plan runs at the runtime's full speed.
 */
export class ProgramActivity {
  private readonly timers = new Set<ProgramTimer>();
  private promiseTimers = 0;
  private readonly baseline = activeByKind();
  private restore?: () => void;

  /** Runs `fn` (the program, or the function it exported); tracks its timers until `stop`. */
  run<T>(fn: () => T): T {
    if (!this.restore) this.track();
    return fn();
  }

  private track(): void {
    const saved: [Record<string, unknown>, string, unknown][] = [];
    const wrap = (
      target: Record<string, unknown>,
      name: string,
      make: (f: AnyFunction) => AnyFunction,
    ) => {
      const original = target[name];
      if (typeof original !== "function") return;
      saved.push([target, name, original]);
      target[name] = make(original as AnyFunction);
    };
    const handle = (f: AnyFunction) =>
      function (this: unknown, ...args: unknown[]) {
        const t = f.apply(this, args);
        if (t && typeof t === "object") timers.add(t as ProgramTimer);
        return t;
      };
    const timers = this.timers;
    const global = globalThis as unknown as Record<string, unknown>;
    for (const target of [global, timersModule])
      for (const name of ["setTimeout", "setInterval", "setImmediate"]) wrap(target, name, handle);
    for (const name of ["setTimeout", "setImmediate"]) {
      wrap(timersPromises, name, (f) => (...args: unknown[]) => {
        this.promiseTimers++;
        return (f(...args) as Promise<unknown>).finally(() => this.promiseTimers--);
      });
    }
    this.restore = () => {
      for (const [target, name, original] of saved.reverse()) target[name] = original;
    };
  }

  /** Whether something the program started would still keep a Node process alive. */
  private busy(): boolean {
    if (this.promiseTimers > 0) return true;
    for (const t of this.timers) {
      if (t._destroyed) this.timers.delete(t);
      else if (typeof t.hasRef !== "function" || t.hasRef()) return true;
    }
    for (const [kind, n] of activeByKind())
      if (!TIMER_KINDS.has(kind) && n > (this.baseline.get(kind) ?? 0)) return true;
    return false;
  }

  /**
   * Resolves once the program has nothing left to do: no registration, invoke or read pending,
   * a full turn of the event loop started none, and nothing of its own (a timer, a file read, a
   * socket) is still alive that would run and register more. A program that never lets go (an
   * interval it never clears) would keep `pulumi up` running forever too.
   */
  async settled(): Promise<void> {
    try {
      for (;;) {
        await waitForRPCs();
        const pending = getStore().settings.rpcDone;
        // Timers that are due, I/O callbacks and immediates the program queued run in this turn.
        await nextTurn();
        if (getStore().settings.rpcDone !== pending) continue;
        if (!this.busy()) return;
        await shortly();
      }
    } finally {
      this.stop();
    }
  }

  /** Stops tracking (a plan that failed does not wait). */
  stop(): void {
    this.restore?.();
    this.restore = undefined;
    this.timers.clear();
  }
}
