/**
 * `usage --logs DIR [--stack S | --config F] [--since 30d] [--now YYYY-MM-DD] [--json] [--suggest]`:
 * the planned graph against four Log Analytics tables exported from the workspace. Exit 0, or 4
 * (as `audit`) when an undeclared call got through an enforced callee.
 */
import type { Command } from "commander";
import { dayValue } from "@service-edges/contract";
import { EXIT_MISMATCH } from "../audit";
import type { PlanResult } from "../run";
import { UsageError, cliPath } from "../stack-config";
import { type UsageReport, type Window, classifyUsage } from "./classify";
import { type MeshDirectory, buildDirectory } from "./directory";
import { suggestYaml, usageText } from "./render";
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

export function addUsageCommand(
  program: Command,
  planOf: (flags: { stack?: string; config?: string }) => Promise<PlanResult>,
  out: (s: string) => void,
  err: (s: string) => void,
  done: (code: number) => void,
): void {
  program
    .command("usage")
    .description(
      "the graph against what really happened: every caller -> callee pair in exported Log Analytics tables, per layer; exit 4 when an undeclared call got through an enforced callee",
    )
    .requiredOption(
      "--logs <dir>",
      "AppServiceIPSecAuditLogs.json, AppServiceHTTPLogs.json, AADManagedIdentitySignInLogs.json, AADServicePrincipalSignInLogs.json (az monitor log-analytics query -o json)",
    )
    .option("--stack <name>", "the graph of Pulumi.<name>.yaml (default: dev)")
    .option("--config <file>", "the graph of this stack config file")
    .option("--since <length>", "how far back from --now: 30d (default), 12h, 2w")
    .option("--now <date>", "the window's last day, YYYY-MM-DD (default: today, UTC)")
    .option(
      "--json",
      "print { stack, window, tables, pairs: [{ from, to, declared, status, network, identity, ... }], ingress, ignored, holes }",
    )
    .option(
      "--suggest",
      "print the service-edges:edges entries that would declare the undeclared calls",
    )
    .action(async (flags: UsageFlags) => {
      if (flags.json && flags.suggest) throw new UsageError("give --json or --suggest, not both");
      // Bad flags and unreadable logs are refused before the stack is planned.
      const window = usageWindow(flags.since, flags.now);
      const { logs, warnings } = readLogs(cliPath(flags.logs));
      const plan = await planOf(flags);
      const { report, dir } = usageReport(plan, logs, window);
      for (const w of warnings) err(`warning: ${w}`);
      if (flags.json) out(JSON.stringify(report, null, 2));
      else if (flags.suggest) out(suggestYaml(report, dir));
      else out(usageText(report));
      done(report.holes > 0 ? EXIT_MISMATCH : 0);
    });
}
