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
 * Instead it waits until no RPC is pending, a full turn of the event loop started none, and the
 * process keeps no more timers, I/O or other handles alive than before the program started.
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

/** What keeps the event loop alive, by kind (`Timeout`, `FSReqCallback`, `TCPWRAP`, ...). */
export type ActiveResources = ReadonlyMap<string, number>;

/** The handles and requests that keep this process's event loop alive now (unref'd ones don't). */
export function activeResources(): ActiveResources {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo())
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** Whether anything keeps the event loop alive that did not before (`baseline`). */
function busierThan(baseline: ActiveResources): boolean {
  for (const [kind, n] of activeResources()) if (n > (baseline.get(kind) ?? 0)) return true;
  return false;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const shortly = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

/**
 * Resolves once the program has nothing left to do: no registration, invoke or read pending, and
 * nothing of its own (a timer, a file read, a socket) that would still run and register more.
 * `baseline`: what kept the event loop alive before the program started (the caller's own
 * handles: a test runner's timer, a worker's IPC channel). A program that never lets go (an
 * interval it never clears) would keep `pulumi up` running forever too.
 */
export async function programSettled(baseline: ActiveResources): Promise<void> {
  for (;;) {
    await waitForRPCs();
    const pending = getStore().settings.rpcDone;
    // Timers that are due, I/O callbacks and immediates the program queued run in this turn.
    await nextTurn();
    if (getStore().settings.rpcDone !== pending) continue;
    if (!busierThan(baseline)) return;
    // Something of the program's is still alive (a timer not yet due, a read in flight).
    await shortly();
  }
}
