/**
 * The graph against what really happened: every caller → callee pair that is declared or was seen
 * in the logs, per layer, as `used`, `unused`, `undeclared-denied` or `undeclared-allowed`.
 *
 * How the layers combine into a pair's one status:
 * - declared: `used` when either layer shows success (a call that passed the access restrictions,
 *   or a token Entra issued), else `unused` — "no successful call or token in the window".
 * - undeclared: `undeclared-allowed` when either layer let it through, else `undeclared-denied`.
 *   The layers are two independent locks: one that opens for a caller without an edge is a hole
 *   (or a shadow callee, or a door the plan leaves open, e.g. `ingress: public`) even when the
 *   other one held; the per-layer fields say which.
 * A layer's own field is one of those four, or `unseen` (undeclared, nothing at this layer),
 * `not-applicable` (identity on a callee without an Entra application) or `no-data` (the tables
 * that record it were not exported).
 * Pure: no Pulumi, no files.
 */
import { type Cidr } from "@service-edges/contract";
import { type MeshDirectory, addressOf, inside, pairKey } from "./directory";
import type { HttpRow, IpSecRow, SignInRow, TableName, UsageLogs } from "./tables";

export const STATUSES = ["used", "unused", "undeclared-denied", "undeclared-allowed"] as const;
export type UsageStatus = (typeof STATUSES)[number];
export type LayerStatus = UsageStatus | "unseen" | "not-applicable" | "no-data";
export type LayerName = "network" | "identity";

export interface LayerEvidence {
  /** Rows that let it through: Allowed by the access restrictions, a request that reached the site, a token issued. */
  allowed: number;
  /** Rows that refused it: Denied, 403.503, a failed sign-in. */
  refused: number;
  /** The last row's time (ISO), or null. */
  last: string | null;
}

export interface UsagePair {
  /** A service, `unknown <address>` or `unknown app <app id>`. */
  from: string;
  to: string;
  declared: boolean;
  status: UsageStatus;
  network: LayerStatus;
  identity: LayerStatus;
  /** The declared edge's roles. */
  roles: string[];
  evidence: Record<LayerName, LayerEvidence>;
  /** An undeclared call that got through a layer the plan says refuses it, on an enforced callee. */
  hole: boolean;
  notes: string[];
}

export interface UsageReport {
  stack: string;
  window: { from: string; to: string };
  tables: Array<{ table: TableName; rows: number | null; inWindow: number }>;
  pairs: UsagePair[];
  /** Callers from outside the mesh that a callee's ingress admits (not pairs: nobody to declare). */
  ingress: Array<{ to: string; rows: number; addresses: number }>;
  ignored: {
    /** Rows outside the window. */
    outsideWindow: number;
    /** Access-restriction and HTTP rows of sites the plan does not hold. */
    otherSites: number;
    /** Sign-ins for resources that are no callee of the mesh (Graph, Key Vault, token exchange). */
    otherResources: number;
    /** Requests to a service's scm site from its scm allowed ranges (deployments). */
    deployments: number;
    /** A service calling itself. */
    selfCalls: number;
  };
  holes: number;
}

interface Sighting {
  layer: LayerName;
  from: string;
  to: string;
  allowed: boolean;
  time: Date;
  /** Rows it stands for: `count_` of a `summarize count()` export, else 1. */
  count: number;
  note?: string;
}

/** What the rows said about one pair, summed as they are read (a month of logs is many rows). */
interface Seen {
  layers: Record<LayerName, { allowed: number; refused: number; last: Date | null }>;
  notes: Set<string>;
}

const UNKNOWN = "unknown ";
const isUnknown = (from: string) => from.startsWith(UNKNOWN);

/** `…/providers/Microsoft.Web/sites/<name>` → the site name, lower-case. */
function siteOf(resourceId: string | undefined): string | undefined {
  const m = /\/providers\/microsoft\.web\/sites\/([^/]+)/i.exec(resourceId ?? "");
  return m?.[1].toLowerCase();
}

export interface Window {
  start: Date;
  end: Date;
}

export function classifyUsage(
  dir: MeshDirectory,
  logs: UsageLogs,
  window: Window,
  stack: string,
): UsageReport {
  const ignored: UsageReport["ignored"] = {
    outsideWindow: 0,
    otherSites: 0,
    otherResources: 0,
    deployments: 0,
    selfCalls: 0,
  };
  const tables: UsageReport["tables"] = [];
  const seen = new Map<string, Seen>();
  const record = (s: Sighting) => {
    const key = pairKey(s.from, s.to);
    let pair = seen.get(key);
    if (!pair) {
      const none = () => ({ allowed: 0, refused: 0, last: null });
      pair = { layers: { network: none(), identity: none() }, notes: new Set() };
      seen.set(key, pair);
    }
    const layer = pair.layers[s.layer];
    if (s.allowed) layer.allowed += s.count;
    else layer.refused += s.count;
    if (!layer.last || s.time > layer.last) layer.last = s.time;
    if (s.note) pair.notes.add(s.note);
  };
  const ingress = new Map<string, { rows: number; addresses: Set<string> }>();

  const inWindow = (t: Date) => t >= window.start && t < window.end;
  const addresses = new Map<string, Cidr | undefined>();
  const owners = new Map<string, string | undefined>();
  const serviceAt = (a: Cidr) => {
    if (!owners.has(a.text))
      owners.set(a.text, dir.subnets.find((s) => inside(s.cidr, a))?.service);
    return owners.get(a.text);
  };

  const network = (row: IpSecRow | HttpRow, allowed: boolean) => {
    const host = row.CsHost?.toLowerCase().replace(/:\d+$/, "");
    const byHost = host ? dir.hosts.get(host) : undefined;
    const site = byHost ? undefined : siteOf(row._ResourceId);
    const to = byHost?.service ?? (site ? dir.sites.get(site) : undefined);
    if (!to) return void (ignored.otherSites += row.count_);
    const scm = byHost?.scm ?? false;
    const callee = dir.callees.get(to);
    if (!addresses.has(row.CIp!)) addresses.set(row.CIp!, addressOf(row.CIp!));
    const address = addresses.get(row.CIp!);
    let from = address ? serviceAt(address) : undefined;
    if (!from && address && callee) {
      if (scm && callee.scmRanges.some((r) => inside(r, address)))
        return void (ignored.deployments += row.count_);
      const inMesh = dir.addressSpaces.some((r) => inside(r, address));
      const admitted =
        !scm &&
        !inMesh &&
        (callee.ingressRanges.some((r) => inside(r, address)) || (callee.ingressTags && allowed));
      if (admitted) {
        const i = ingress.get(to) ?? { rows: 0, addresses: new Set<string>() };
        i.rows += row.count_;
        i.addresses.add(address.text);
        ingress.set(to, i);
        return;
      }
    }
    from ??= `${UNKNOWN}${address?.text ?? row.CIp}`;
    if (from === to) return void (ignored.selfCalls += row.count_);
    record({
      layer: "network",
      count: row.count_,
      from,
      to,
      allowed,
      time: row.TimeGenerated,
      ...(scm ? { note: "scm" } : {}),
    });
  };

  const identity = (row: SignInRow) => {
    const to =
      dir.calleeIds.get(row.ResourceIdentity?.toLowerCase() ?? "") ??
      dir.calleeIds.get(row.ResourceServicePrincipalId?.toLowerCase() ?? "");
    if (!to) return void (ignored.otherResources += row.count_);
    const from =
      dir.callerIds.get(row.AppId?.toLowerCase() ?? "") ??
      dir.callerIds.get(row.ServicePrincipalId?.toLowerCase() ?? "") ??
      `${UNKNOWN}app ${row.AppId ?? row.ServicePrincipalId ?? "(no app id)"}`;
    if (from === to) return void (ignored.selfCalls += row.count_);
    record({
      layer: "identity",
      count: row.count_,
      from,
      to,
      // ResultType "0": the token was issued; anything else is the AADSTS error code.
      allowed: row.ResultType === "0",
      time: row.TimeGenerated,
      ...(row.ServicePrincipalName && isUnknown(from)
        ? { note: `signs in as "${row.ServicePrincipalName}"` }
        : {}),
      ...(row.ResultType !== "0"
        ? {
            note: `Entra refused a token: AADSTS${row.ResultType}${row.ResultType === "501051" ? " (not assigned to a role of the callee)" : ""}`,
          }
        : {}),
    });
  };

  const each = <T extends { TimeGenerated: Date; count_: number }>(
    table: TableName,
    rows: T[] | undefined,
    take: (row: T) => void,
  ) => {
    let n = 0;
    for (const row of rows ?? []) {
      if (!inWindow(row.TimeGenerated)) {
        ignored.outsideWindow += row.count_;
        continue;
      }
      n += row.count_;
      take(row);
    }
    tables.push({ table, rows: rows ? rows.length : null, inWindow: n });
  };
  each("AppServiceIPSecAuditLogs", logs.AppServiceIPSecAuditLogs, (r) =>
    network(r, /^allowed$/i.test(r.Result!)),
  );
  // A request the access restrictions refuse is answered 403.503 ("IP address rejected"; MS Learn
  // archive, "IP Restrictions on Azure App Service as expected behavior", B. Perkins); any other
  // row is a request that passed them.
  each("AppServiceHTTPLogs", logs.AppServiceHTTPLogs, (r) =>
    network(r, !(r.ScStatus === "403" && r.ScSubStatus === "503")),
  );
  each("AADManagedIdentitySignInLogs", logs.AADManagedIdentitySignInLogs, identity);
  each("AADServicePrincipalSignInLogs", logs.AADServicePrincipalSignInLogs, identity);

  const keys = new Set<string>([...dir.edges.keys()]);
  for (const key of seen.keys()) keys.add(key);
  const pairs = [...keys].map((key) => {
    const [from, to] = key.split(">");
    return pairOf(dir, logs, from, to, seen.get(key));
  });
  pairs.sort(
    (a, b) =>
      Number(isUnknown(a.from)) - Number(isUnknown(b.from)) ||
      a.from.localeCompare(b.from) ||
      a.to.localeCompare(b.to),
  );
  return {
    stack,
    window: { from: window.start.toISOString(), to: window.end.toISOString() },
    tables,
    pairs,
    ingress: [...ingress]
      .map(([to, i]) => ({ to, rows: i.rows, addresses: i.addresses.size }))
      .sort((a, b) => a.to.localeCompare(b.to)),
    ignored,
    holes: pairs.filter((p) => p.hole).length,
  };
}

function evidenceOf(seen: Seen | undefined, layer: LayerName): LayerEvidence {
  const l = seen?.layers[layer];
  return {
    allowed: l?.allowed ?? 0,
    refused: l?.refused ?? 0,
    last: l?.last ? l.last.toISOString() : null,
  };
}

/** Whether the logs hold the tables that would record this pair's layer. */
function hasData(dir: MeshDirectory, logs: UsageLogs, from: string, layer: LayerName): boolean {
  if (layer === "network") return !!(logs.AppServiceIPSecAuditLogs || logs.AppServiceHTTPLogs);
  const kind = dir.identityKind.get(from);
  if (kind === "managed") return !!logs.AADManagedIdentitySignInLogs;
  if (kind === "registration") return !!logs.AADServicePrincipalSignInLogs;
  return !!(logs.AADManagedIdentitySignInLogs || logs.AADServicePrincipalSignInLogs);
}

function pairOf(
  dir: MeshDirectory,
  logs: UsageLogs,
  from: string,
  to: string,
  seen: Seen | undefined,
): UsagePair {
  const roles = dir.edges.get(pairKey(from, to));
  const declared = roles !== undefined;
  const callee = dir.callees.get(to);
  const expected = isUnknown(from) ? undefined : dir.expected(from, to);
  const evidence = {
    network: evidenceOf(seen, "network"),
    identity: evidenceOf(seen, "identity"),
  };
  const notes: string[] = [];
  let hole = false;

  const layerStatus = (layer: LayerName): LayerStatus => {
    const e = evidence[layer];
    if (layer === "identity" && !callee?.roles.length && e.allowed + e.refused === 0)
      return "not-applicable";
    if (e.allowed + e.refused === 0 && !hasData(dir, logs, from, layer)) return "no-data";
    if (declared) {
      if (e.refused > 0) {
        const why = !expected
          ? ""
          : expected[layer].allowed
            ? ": the plan admits it, so what is deployed differs from the plan (run audit)"
            : `: ${expected[layer].reason}`;
        notes.push(`declared, but refused ${e.refused} time(s) at the ${layer} layer${why}`);
      }
      return e.allowed > 0 ? "used" : "unused";
    }
    if (e.allowed > 0) {
      const byDesign =
        layer === "network"
          ? expected
            ? expected.network.allowed
            : !callee?.deniesByDefault
          : expected
            ? expected.identity.allowed
            : !callee?.assignmentRequired;
      if (callee?.shadow) {
        notes.push(`${to} is in shadow: enforcement would refuse it at the ${layer} layer`);
      } else if (byDesign) {
        const why = expected ? expected[layer].reason : `${to} does not refuse it`;
        notes.push(`admitted at the ${layer} layer by design: ${why}`);
      } else {
        hole = true;
        const why = expected ? ` (the plan: ${expected[layer].reason})` : "";
        notes.push(
          `got through the ${layer} layer of the enforced callee ${to} with no edge: a hole${why}`,
        );
      }
      return "undeclared-allowed";
    }
    return e.refused > 0 ? "undeclared-denied" : "unseen";
  };
  const networkStatus = layerStatus("network");
  const identityStatus = layerStatus("identity");
  const layers = [networkStatus, identityStatus];

  let status: UsageStatus;
  if (declared) status = layers.includes("used") ? "used" : "unused";
  else status = layers.includes("undeclared-allowed") ? "undeclared-allowed" : "undeclared-denied";

  if (status === "unused") notes.push(`declared (${roles!.join(", ")}) and not used in the window`);
  for (const n of seen?.notes ?? [])
    notes.push(n === "scm" ? `includes requests to ${to}'s scm (Kudu) site` : n);
  if (!declared && !isUnknown(from) && networkStatus === "unseen" && identityStatus !== "unseen")
    notes.push(`seen at the identity layer only: ${from} asked Entra for a token to ${to}`);
  return {
    from,
    to,
    declared,
    status,
    network: networkStatus,
    identity: identityStatus,
    roles: roles ?? [],
    evidence,
    hole,
    notes,
  };
}
