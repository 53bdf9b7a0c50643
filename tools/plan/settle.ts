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

import { type AsyncHook, AsyncLocalStorage, createHook } from "node:async_hooks";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as {
  /** The runtime's own "every RPC has finished" wait (internal to the SDK, not in its typings). */
  waitForRPCs: () => Promise<void>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getStore } = require("@pulumi/pulumi/runtime/state") as {
  getStore: () => { settings: { rpcDone: Promise<unknown> } };
};

/** A handle or request the program started (a Timeout has `hasRef`; an unref'd one never waits). */
interface ProgramResource {
  hasRef?: () => boolean;
}

/** The program's own async context: what it starts, and what that starts, carries this store. */
const programContext = new AsyncLocalStorage<symbol>();

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const shortly = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

/**
 * The timers, I/O requests, sockets and immediates a program started, from its first line until
 * it has nothing left to do. Only what the program's own code (and code it called) started
 * counts: the caller's handles (a test runner's timeout, a worker's IPC channel, the progress
 * line) never make the plan wait. Promises are not tracked (they keep nothing alive by themselves;
 * the RPCs behind them are `waitForRPCs`'s).
 */
export class ProgramActivity {
  private readonly token = Symbol("planned program");
  private readonly alive = new Map<number, ProgramResource>();
  private readonly hook: AsyncHook;

  constructor() {
    this.hook = createHook({
      init: (id, type, _trigger, resource) => {
        if (type !== "PROMISE" && programContext.getStore() === this.token)
          this.alive.set(id, resource as ProgramResource);
      },
      destroy: (id) => {
        this.alive.delete(id);
      },
    });
  }

  /** Runs `fn` (the program, or the function it exported) as the program's own work. */
  run<T>(fn: () => T): T {
    this.hook.enable();
    return programContext.run(this.token, fn);
  }

  /** Whether something the program started would still keep a Node process alive. */
  private busy(): boolean {
    for (const r of this.alive.values())
      if (typeof r.hasRef !== "function" || r.hasRef()) return true;
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
    this.hook.disable();
    this.alive.clear();
  }
}
