/**
 * The test processes plan as the planner's own processes do (packages/cli/src/bin.ts,
 * org-worker.ts, test/mesh/support/plan-to-file.ts): with stack traces off. Otherwise the SDK
 * captures and formats a stack, through tsx's source maps, for every internal promise and every
 * resource's source position, which the plan never shows; that was about two thirds of an
 * in-process plan's CPU. An error keeps its message (an assertion's, with mocha's diff), not its
 * frames:
 * `SERVICE_EDGES_DEBUG=1 npx mocha FILE` keeps the frames, as it does for the planner.
 * Loaded by mocha (`require` in .mocharc.json and test/parallel.mocharc.js) in every worker.
 */
if (!process.env.SERVICE_EDGES_DEBUG) {
  // What the planner's withoutStackTraces() does (packages/cli/src/stack-traces.ts, which the
  // CLI package does not export).
  Error.stackTraceLimit = 0;
  process.setSourceMapsEnabled(false);
  Error.prepareStackTrace = (err: unknown) => Error.prototype.toString.call(err);
}
