/**
 * Operating the mesh, in the graph: shadow enforcement per callee (`enforcement`, `shadowUntil`),
 * expiring edges (`edges[].expires`) and where refusals are recorded (`observability`). The days
 * are read through dates.ts, so the planner's `--now` and the pack agree with the program.
 * Pure: no Pulumi imports.
 */
import { EXPIRY_WARNING_DAYS, daysBetween, isDay, isPast } from "./dates";
import { shown } from "./errors";
import { observabilitySchema, type RawService } from "./schema";

export type Enforcement = "enforced" | "shadow";

/** A Log Analytics workspace's ARM id (ARM compares ids case-insensitively). */
const WORKSPACE_ID =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+$/i;

/** An action group's ARM id (Microsoft.Insights/actionGroups; ARM compares ids case-insensitively). */
const ACTION_GROUP_ID =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.Insights\/actionGroups\/[^/]+$/i;

/** `service-edges:observability`, validated. */
export interface Observability {
  /** The Log Analytics workspace's ARM id, as configured. */
  workspaceId: string;
  /** The action groups the alert rules notify (ARM ids), as configured; empty: none. */
  actionGroupIds: string[];
}

type Add = (segs: Array<string | number>, message: string, fix: string) => void;

/** Thirty days after today: the example `shadowUntil` a fix suggests. */
function exampleDay(now: string): string {
  return new Date(Date.parse(`${now}T00:00:00Z`) + 30 * 86_400_000).toISOString().slice(0, 10);
}

/** A service's enforcement mode and its last day of shadow, or the issues with them. */
export function checkEnforcement(
  name: string,
  s: RawService,
  now: string,
  add: Add,
): { enforcement: Enforcement; shadowUntil?: string } {
  const at = ["services", name];
  if (s.enforcement !== "shadow") {
    if (s.shadowUntil !== undefined)
      add(
        [...at, "shadowUntil"],
        `is set, but ${name} is enforced`,
        `remove shadowUntil, or set services.${name}.enforcement: shadow to run ${name} in shadow until then`,
      );
    return { enforcement: "enforced" };
  }
  if (s.roles.length === 0)
    add(
      [...at, "enforcement"],
      `shadow is for callees, but ${name} exposes no roles, so no caller of it is refused`,
      `remove enforcement, or declare ${name}'s roles`,
    );
  if (s.easyAuth)
    add(
      [...at, "easyAuth"],
      "is on, but Easy Auth has no report-only mode: in shadow it would still answer undeclared callers 401 before the token library records them",
      `set easyAuth: false while ${name} is in shadow (turn it back on with enforcement: enforced), or remove enforcement: shadow`,
    );
  if (s.shadowUntil === undefined) {
    add(
      [...at, "shadowUntil"],
      `is missing; enforcement: shadow needs the last day of shadow, after which the policy pack refuses ${name} until it is enforced`,
      `set it, e.g. pulumi config set --path 'service-edges:services.${name}.shadowUntil' ${exampleDay(now)}`,
    );
    return { enforcement: "shadow" };
  }
  if (!isDay(s.shadowUntil)) {
    add(
      [...at, "shadowUntil"],
      `${shown(s.shadowUntil)} is not a day`,
      `write the last day of shadow as YYYY-MM-DD, e.g. ${exampleDay(now)}`,
    );
    return { enforcement: "shadow" };
  }
  return { enforcement: "shadow", shadowUntil: s.shadowUntil };
}

/** An edge's `expires`, when it is not a day. */
export function checkExpires(at: Array<string | number>, expires: string, add: Add): boolean {
  if (isDay(expires)) return true;
  add(
    [...at, "expires"],
    `${shown(expires)} is not a day`,
    "write the edge's last day as YYYY-MM-DD, e.g. 2026-12-31, or remove expires",
  );
  return false;
}

/** An edge that has (or will soon have) run out: its last day, and days left (negative: past). */
export interface DatedEdge {
  from: string;
  to: string;
  roles: string[];
  expires: string;
  /** Days from today to `expires`: 0 on the last day, negative once past. */
  daysLeft: number;
}

/**
 * Edges past their `expires` grant nothing (they leave the graph's edges); edges within
 * EXPIRY_WARNING_DAYS of it still grant and are listed to warn.
 */
export function splitByExpiry<
  E extends { from: string; to: string; roles: string[]; expires?: string },
>(edges: readonly E[], now: string): { live: E[]; expired: DatedEdge[]; expiring: DatedEdge[] } {
  const live: E[] = [];
  const expired: DatedEdge[] = [];
  const expiring: DatedEdge[] = [];
  for (const e of edges) {
    if (e.expires === undefined) {
      live.push(e);
      continue;
    }
    const dated: DatedEdge = {
      from: e.from,
      to: e.to,
      roles: e.roles,
      expires: e.expires,
      daysLeft: daysBetween(now, e.expires),
    };
    if (isPast(e.expires, now)) {
      expired.push(dated);
      continue;
    }
    live.push(e);
    if (dated.daysLeft <= EXPIRY_WARNING_DAYS) expiring.push(dated);
  }
  return { live, expired, expiring };
}

/** `service-edges:observability`, or undefined when unset. */
export function checkObservability(value: unknown, add: Add): Observability | undefined {
  if (value === undefined) return undefined;
  const parsed = observabilitySchema.safeParse(value);
  if (!parsed.success || !WORKSPACE_ID.test(parsed.data.workspaceId)) {
    const got = (value as { workspaceId?: unknown } | null)?.workspaceId;
    add(
      ["observability", "workspaceId"],
      parsed.success || got !== undefined
        ? `${shown(got ?? value)} is not a Log Analytics workspace id`
        : "is missing",
      "set it to the workspace's ARM id: pulumi config set --path 'service-edges:observability.workspaceId' $(az monitor log-analytics workspace show -g <group> -n <name> --query id -o tsv)",
    );
    return undefined;
  }
  const actionGroupIds = parsed.data.actionGroupIds ?? [];
  let ok = true;
  actionGroupIds.forEach((id, i) => {
    if (ACTION_GROUP_ID.test(id)) return;
    ok = false;
    add(
      ["observability", "actionGroupIds", i],
      `${shown(id)} is not an action group id`,
      `set it to the action group's ARM id: pulumi config set --path 'service-edges:observability.actionGroupIds[${i}]' $(az monitor action-group show -g <group> -n <name> --query id -o tsv)`,
    );
  });
  if (new Set(actionGroupIds.map((id) => id.toLowerCase())).size !== actionGroupIds.length) {
    ok = false;
    add(
      ["observability", "actionGroupIds"],
      "lists an action group twice",
      "list each action group once",
    );
  }
  return ok ? { workspaceId: parsed.data.workspaceId, actionGroupIds } : undefined;
}
