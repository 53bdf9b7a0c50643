/**
 * A changed input as review lines that show what changed. A value that is JSON in a string (the
 * `MESH_*` app settings: MESH_CALLEES, MESH_ALLOWED_CALLERS, keyed by callee or by client id) is
 * compared entry by entry, so each line names the entry that changed, whatever its place in the
 * text; any other long text is cut around its first difference, never before it.
 */
import { type InputChange, inputChanges } from "./diff";

/** The widest a value is shown on a review line. */
const WIDTH = 80;

const text = (v: unknown) =>
  v === undefined ? "unset" : typeof v === "string" ? v : JSON.stringify(v);

const fit = (s: string) => (s.length > WIDTH ? `${s.slice(0, WIDTH - 3)}...` : s);

/** A JSON object or array inside a string, or undefined. */
function parsedJson(v: unknown): object | undefined {
  if (typeof v !== "string" || !/^\s*[[{]/.test(v)) return undefined;
  try {
    const parsed = JSON.parse(v) as unknown;
    return typeof parsed === "object" && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Both texts from a little before their first difference, so the change is in view. */
function aroundFirstDifference(before: string, after: string): [string, string] {
  let i = 0;
  while (i < before.length && i < after.length && before[i] === after[i]) i++;
  const from = Math.max(0, i - 20);
  const cut = (s: string) => {
    const part = `${from > 0 ? "..." : ""}${s.slice(from)}`;
    return fit(part);
  };
  return [cut(before), cut(after)];
}

/** `path: before -> after`, one line per changed entry of a JSON value. */
export function changeLines(c: InputChange): string[] {
  const a = parsedJson(c.before);
  const b = parsedJson(c.after);
  if (a && b) {
    return inputChanges(a, b).map(
      (inner) =>
        // An entry is shown whole: it is what changed, and one entry is short.
        `${c.path} ${inner.path.startsWith("[") ? "" : "."}${inner.path}: ${text(inner.before)} -> ${text(inner.after)}`,
    );
  }
  const before = text(c.before);
  const after = text(c.after);
  if (typeof c.before === "string" && typeof c.after === "string") {
    if (before.length > WIDTH || after.length > WIDTH) {
      const [x, y] = aroundFirstDifference(before, after);
      return [`${c.path}: ${x} -> ${y}`];
    }
  }
  return [`${c.path}: ${fit(before)} -> ${fit(after)}`];
}
