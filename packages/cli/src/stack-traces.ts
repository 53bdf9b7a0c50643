/**
 * Stack traces off for a plan. The SDK captures one for every internal promise (bounded by
 * Error.stackTraceLimit) and one for every resource's source position (`Resource.callsites`,
 * which lifts the limit to Infinity for it and parses the formatted text); with tsx's source maps
 * on, formatting each of those maps every frame. The plan never shows them: the source position
 * goes into the RegisterResource request, which the recording monitor does not keep, and errors
 * are reported without their stack (cli.ts `report`). An error's `stack` becomes its first line.
 */
export function withoutStackTraces(): void {
  Error.stackTraceLimit = 0;
  process.setSourceMapsEnabled(false);
  Error.prepareStackTrace = (err: unknown) => Error.prototype.toString.call(err);
}
