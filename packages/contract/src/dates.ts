/**
 * Calendar days, the one place the mesh reads "today": `shadowUntil` and `edges[].expires` are
 * days (`YYYY-MM-DD`, UTC), compared as days. `pulumi up` and `preview` use the real date; the
 * offline planner runs the program and the policy pack "as of" its `--now` day, set here for the
 * duration of its run. The day is kept on `globalThis` under a registered symbol, so the program's
 * copy of this module and the copy compiled into the policy pack's bundle read the same day.
 * Pure: no Pulumi imports.
 */

/** How soon before an edge expires the plan warns. */
export const EXPIRY_WARNING_DAYS = 14;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const PLANNING_DAY = Symbol.for("service-edges.planning-day");
const MS_PER_DAY = 86_400_000;

/** The day's UTC midnight in ms, or undefined when the text is not a real `YYYY-MM-DD` day. */
export function dayValue(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  const m = DAY.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  // 2026-02-30 rolls over to March: refuse it rather than silently move the date.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return undefined;
  return ms;
}

export function isDay(text: unknown): text is string {
  return dayValue(text) !== undefined;
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Today (UTC), or the planner's `--now` day while it plans. */
export function today(): string {
  const set = (globalThis as Record<symbol, unknown>)[PLANNING_DAY];
  return typeof set === "string" ? set : dayOf(Date.now());
}

/** Runs `fn` with `today()` answering `day` (the planner's `--now`); restores it after. */
export async function asOfDay<T>(day: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (day === undefined) return fn();
  if (!isDay(day)) throw new Error(`--now: "${day}" is not a day; write it as YYYY-MM-DD`);
  const g = globalThis as Record<symbol, unknown>;
  const before = g[PLANNING_DAY];
  g[PLANNING_DAY] = day;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete g[PLANNING_DAY];
    else g[PLANNING_DAY] = before;
  }
}

/** Whole days from `from` to `to` (negative when `to` is earlier); both valid days. */
export function daysBetween(from: string, to: string): number {
  return Math.round((dayValue(to)! - dayValue(from)!) / MS_PER_DAY);
}

/** A day is past once today is after it: an edge with `expires: D` still grants on day D. */
export function isPast(day: string, now: string = today()): boolean {
  return daysBetween(now, day) < 0;
}
