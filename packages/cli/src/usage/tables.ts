/**
 * The rows `usage` reads: four Log Analytics tables as `az monitor log-analytics query -o json`
 * prints them, one file per table (`<Table>.json`), each an array of objects keyed by column name.
 *
 * Columns, from Microsoft's Azure Monitor table reference
 * (learn.microsoft.com/azure/azure-monitor/reference/tables/<table>; source
 * MicrosoftDocs/azure-reference-other azure-monitor-ref/tables/includes/<table>-include.md):
 * - AppServiceIPSecAuditLogs: `CIp` (client address), `CsHost` (Host header), `Result` ("Allowed"
 *   or "Denied" by the access restrictions), `Details`, `_ResourceId`, `TimeGenerated`.
 * - AppServiceHTTPLogs: `CIp`, `CsHost`, `ScStatus` (int), `ScSubStatus`, `_ResourceId`,
 *   `TimeGenerated`.
 * - AADManagedIdentitySignInLogs and AADServicePrincipalSignInLogs (same columns): `AppId` (the
 *   client signing in), `ServicePrincipalId`, `ServicePrincipalName`, `ResourceIdentity` (the app id
 *   of the resource the token is for), `ResourceServicePrincipalId`, `ResultType` ("0" on success,
 *   else the AADSTS code, e.g. 501051: not assigned to a role), `IPAddress`, `TimeGenerated`.
 *
 * `az monitor log-analytics query` writes every value with Python's `str()` and adds a `TableName`
 * key (Azure/azure-cli-extensions src/log-analytics/azext_loganalytics/_format.py,
 * `transform_query_output`): a status code arrives as "403" and an empty value as "None". Both
 * forms, and JSON numbers and nulls from other exports, are read alike.
 * Pure: reads files, no Pulumi.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { UsageError } from "../stack-config";

export const TABLES = [
  "AppServiceIPSecAuditLogs",
  "AppServiceHTTPLogs",
  "AADManagedIdentitySignInLogs",
  "AADServicePrincipalSignInLogs",
] as const;
export type TableName = (typeof TABLES)[number];

/** What `str(None)`, JSON null or an empty cell leave: no value; numbers and booleans as text. */
const cell = (v: unknown) =>
  v === null || v === undefined || v === "" || v === "None"
    ? undefined
    : typeof v === "number" || typeof v === "boolean"
      ? String(v)
      : v;
const text = z.preprocess(cell, z.string().optional());
const required = z.preprocess(cell, z.string({ error: "is empty" }));
/**
 * `count_`: a `summarize count() by ...` export stands for that many rows (the way to read a month
 * of a few hundred sites); absent, a row is one.
 */
const count = z.preprocess(
  (v) =>
    v === undefined || v === null || v === "None" ? 1 : typeof v === "string" ? Number(v) : v,
  z.number({ error: "is not a count" }).int({ error: "is not a count" }).min(1),
);
const time = z.preprocess(
  (v) => (typeof v === "string" ? v.trim() : v),
  z
    .string({ error: "is missing" })
    .refine((v) => !Number.isNaN(Date.parse(v)), { message: "is not a date and time" })
    .transform((v) => new Date(v)),
);

const ipSecRow = z.object({
  TimeGenerated: time,
  CIp: required,
  CsHost: text,
  Result: required,
  _ResourceId: text,
  count_: count,
});
const httpRow = z.object({
  TimeGenerated: time,
  CIp: required,
  CsHost: text,
  ScStatus: required,
  ScSubStatus: text,
  _ResourceId: text,
  count_: count,
});
const signInRow = z.object({
  TimeGenerated: time,
  AppId: text,
  ServicePrincipalId: text,
  ServicePrincipalName: text,
  ResourceIdentity: text,
  ResourceServicePrincipalId: text,
  ResultType: required,
  IPAddress: text,
  count_: count,
});

export type IpSecRow = z.infer<typeof ipSecRow>;
export type HttpRow = z.infer<typeof httpRow>;
export type SignInRow = z.infer<typeof signInRow>;

const SCHEMAS = {
  AppServiceIPSecAuditLogs: ipSecRow,
  AppServiceHTTPLogs: httpRow,
  AADManagedIdentitySignInLogs: signInRow,
  AADServicePrincipalSignInLogs: signInRow,
} as const;

/** The rows of each table found in the directory; a table whose file is absent is undefined. */
export interface UsageLogs {
  AppServiceIPSecAuditLogs?: IpSecRow[];
  AppServiceHTTPLogs?: HttpRow[];
  AADManagedIdentitySignInLogs?: SignInRow[];
  AADServicePrincipalSignInLogs?: SignInRow[];
}

/** The query that exports a table as this reads it, for messages. */
export function exportCommand(table: TableName, since = "30d"): string {
  return `az monitor log-analytics query --workspace <workspace id> --analytics-query "${table} | where TimeGenerated > ago(${since})" -o json > ${table}.json`;
}

/** Parses one table's rows; a bad row is refused with its index, its column and the fix. */
export function parseTable(table: TableName, rows: unknown, file = `${table}.json`): UsageLogs {
  if (!Array.isArray(rows)) {
    throw new UsageError(`${file} is not an array of rows: export it with ${exportCommand(table)}`);
  }
  const schema = SCHEMAS[table];
  const parsed = rows.map((row, i) => {
    if (!row || typeof row !== "object" || Array.isArray(row)) {
      throw new UsageError(`${file}[${i}] is not an object keyed by column name`);
    }
    const r = schema.safeParse(row);
    if (r.success) return r.data;
    const issue = r.error.issues[0];
    const column = issue.path.join(".");
    const missing = !(column in (row as object));
    throw new UsageError(
      missing
        ? `${file}[${i}] has no column ${column}: export the table's columns as they are (no project that drops ${column}): ${exportCommand(table)}`
        : `${file}[${i}].${column} ${issue.message}`,
    );
  });
  return { [table]: parsed } as UsageLogs;
}

/** Reads `<Table>.json` for each of the four tables from `dir`; at least one must be there. */
export function readUsageLogs(dir: string): { logs: UsageLogs; missing: TableName[] } {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`--logs ${dir}: no such directory`);
  }
  const logs: UsageLogs = {};
  const missing: TableName[] = [];
  for (const table of TABLES) {
    const file = path.join(dir, `${table}.json`);
    if (!fs.existsSync(file)) {
      missing.push(table);
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
      throw new UsageError(`${file} is not JSON: ${(e as Error).message}`);
    }
    Object.assign(logs, parseTable(table, json, file));
  }
  if (missing.length === TABLES.length) {
    throw new UsageError(
      `--logs ${dir} holds none of ${TABLES.map((t) => `${t}.json`).join(", ")}; export them with ${exportCommand("AppServiceIPSecAuditLogs")} (and likewise for the others)`,
    );
  }
  return { logs, missing };
}
