/**
 * `usage --logs DIR [--stack S | --config F] [--since 30d] [--now YYYY-MM-DD] [--json] [--suggest]`:
 * the planned graph against four Log Analytics tables exported from the workspace. Exit 0, or 4
 * (as `audit`) when an undeclared call got through an enforced callee.
 */
import { dayValue } from "@service-edges/contract";
import type { PlanResult } from "../run";
import { UsageError } from "../stack-config";
import { type UsageReport, type Window, classifyUsage } from "./classify";
import { type MeshDirectory, buildDirectory } from "./directory";
import { type UsageLogs, readUsageLogs } from "./tables";

export interface UsageFlags {
  logs: string;
  stack?: string;
  config?: string;
  since?: string;
  now?: string;
  json?: boolean;
  suggest?: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const UNIT_MS: Record<string, number> = { h: 60 * 60 * 1000, d: DAY_MS, w: 7 * DAY_MS };

/** `--now YYYY-MM-DD` (default today, UTC): the day the window ends with. */
export function parseNow(now: string | undefined, today = new Date()): Date {
  if (now === undefined)
    return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
  const ms = dayValue(now);
  if (ms === undefined)
    throw new UsageError(`--now ${now}: give a date as YYYY-MM-DD, e.g. 2026-12-06`);
  return new Date(ms);
}

/**
 * The window: it ends at the end of the `--now` day (UTC, so that day's rows count) and starts
 * `--since` before that (`30d`, `12h`, `2w`; default 30d).
 */
export function usageWindow(since = "30d", now?: string, today?: Date): Window {
  const m = /^(\d+)([hdw])$/.exec(since);
  if (!m || Number(m[1]) === 0)
    throw new UsageError(`--since ${since}: give a length such as 30d, 12h or 2w`);
  const end = new Date(parseNow(now, today).getTime() + DAY_MS);
  return { start: new Date(end.getTime() - Number(m[1]) * UNIT_MS[m[2]]), end };
}

/** The exported tables in `logsDir`, and a warning for each one that is not there. */
export function readLogs(logsDir: string): { logs: UsageLogs; warnings: string[] } {
  const { logs, missing } = readUsageLogs(logsDir);
  const warnings = missing.map(
    (t) =>
      `${t}.json is not in ${logsDir}: the layer it records shows no-data where only it could say`,
  );
  return { logs, warnings };
}

/** The report, from a plan and the exported tables. */
export function usageReport(
  plan: PlanResult,
  logs: UsageLogs,
  window: Window,
): { report: UsageReport; dir: MeshDirectory } {
  const dir = buildDirectory(plan);
  return { report: classifyUsage(dir, logs, window, plan.stack), dir };
}
