/**
 * The audit's report: findings (extra and missing paths, in words), who can call whom, what each
 * site exposes; and its text and markdown forms.
 */

export interface Finding {
  kind: "extra" | "missing";
  layer: "network" | "identity";
  /** The service whose access is in question (the callee, or the service being reached). */
  service: string;
  /** Who gets in, or who should and does not: a service, `everyone`, `principal <id>`, ... */
  subject: string;
  message: string;
}

export interface AccessEntry {
  from: string;
  to: string;
  /** The roles of the declared edge, or null when there is none. */
  declared: string[] | null;
  network: { admitted: boolean | null; by: string[] };
  /** token: whether Entra issues `from` a token for `to` (null: `to` has no Entra application). */
  identity: { roles: string[]; token: boolean | null };
}

export interface SiteSummary {
  service: string;
  site: string;
  found: boolean;
  publicNetworkAccess: string | null;
  defaultAction: string | null;
  rules: string[];
  scm: { useMain: boolean | null; defaultAction: string | null; rules: string[] };
  privateEndpoints: Array<{ name: string; status: string }>;
}

export interface AuditReport {
  stack: string;
  matches: boolean;
  findings: Finding[];
  access: AccessEntry[];
  sites: SiteSummary[];
  notes: string[];
}

const mark = (f: Finding) => (f.kind === "extra" ? "+" : "-");

function headline(r: AuditReport): string {
  const n = r.findings.length;
  return r.matches
    ? "The deployed mesh matches the graph."
    : `The deployed mesh does not match the graph: ${n} difference${n === 1 ? "" : "s"}.`;
}

function reachableFrom(r: AuditReport, service: string): string {
  const list = r.access
    .filter((a) => a.to === service && a.network.admitted === true)
    .map((a) => a.from);
  return list.length ? list.join(", ") : "nobody";
}

function tokensFor(r: AuditReport, service: string): string {
  const list = r.access
    .filter((a) => a.to === service && (a.identity.roles.length > 0 || a.identity.token === true))
    .map((a) => (a.identity.roles.length ? `${a.from} (${a.identity.roles.join(", ")})` : a.from));
  return list.length ? list.join(", ") : "nobody";
}

export function auditText(r: AuditReport, sources: string): string {
  const lines = [`Audit of stack ${r.stack}: ${sources}`, headline(r), ""];
  for (const site of r.sites) {
    const own = r.findings.filter((f) => f.service === site.service);
    lines.push(`${site.service} (${site.site}${site.found ? "" : ", not deployed"})`);
    lines.push(`  reachable from: ${reachableFrom(r, site.service)}`);
    if (r.access.some((a) => a.to === site.service && a.identity.token !== null)) {
      lines.push(`  tokens for:     ${tokensFor(r, site.service)}`);
    }
    for (const f of own) lines.push(`  ${mark(f)} ${f.layer.padEnd(8)} ${f.message}`);
    if (own.length === 0) lines.push("  = matches the graph");
  }
  if (!r.matches)
    lines.push(
      "",
      "+ extra: access the graph does not declare; - missing: a declared path that does not work.",
    );
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join("\n");
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function auditMarkdown(r: AuditReport, sources: string): string {
  const lines = [
    `### service-edges audit of \`${r.stack}\`: ${r.matches ? "matches the graph" : `${r.findings.length} difference${r.findings.length === 1 ? "" : "s"} from the graph`}`,
    "",
    `${r.matches ? ":white_check_mark:" : ":x:"} ${headline(r)} Inputs: ${sources}.`,
    "",
  ];
  if (!r.matches) {
    lines.push("| | Layer | Service | Finding |", "|---|---|---|---|");
    for (const f of r.findings) {
      lines.push(
        `| ${f.kind === "extra" ? "extra" : "**missing**"} | ${f.layer} | ${f.service} | ${cell(f.message)} |`,
      );
    }
    lines.push("");
  }
  lines.push(
    "<details><summary>Who can call whom right now</summary>",
    "",
    "| Service | Reachable from (network) | Can get a token (identity) |",
    "|---|---|---|",
  );
  for (const s of r.sites) {
    const tokens = r.access.some((a) => a.to === s.service && a.identity.token !== null)
      ? tokensFor(r, s.service)
      : "no Entra application";
    lines.push(`| ${s.service} | ${cell(reachableFrom(r, s.service))} | ${cell(tokens)} |`);
  }
  lines.push("", "</details>");
  for (const n of r.notes) lines.push("", `> note: ${cell(n)}`);
  return lines.join("\n");
}
