/**
 * `usage` for people: a table of the pairs, what needs acting on, and `--suggest`'s edges.
 * Pure: strings in, strings out.
 */
import Table from "cli-table3";
import type { MeshDirectory } from "./directory";
import type { LayerEvidence, LayerStatus, UsagePair, UsageReport } from "./classify";

const day = (iso: string) => iso.slice(0, 10);

/** Refused unknown sources listed per callee in the text table. */
export const STRANGERS_SHOWN = 10;

function layerCell(status: LayerStatus, e: LayerEvidence): string {
  const counts = [e.allowed ? `${e.allowed} ok` : "", e.refused ? `${e.refused} refused` : ""]
    .filter(Boolean)
    .join(", ");
  return counts ? `${status} (${counts})` : status;
}

/** The window's last day: the window ends at midnight after it. */
function lastDay(report: UsageReport): string {
  return day(new Date(Date.parse(report.window.to) - 1).toISOString());
}

export function usageText(report: UsageReport): string {
  const lines: string[] = [];
  const read = report.tables
    .map((t) => (t.rows === null ? `${t.table}: not exported` : `${t.table}: ${t.inWindow}`))
    .join("; ");
  lines.push(
    `Usage of stack ${report.stack} from ${day(report.window.from)} to ${lastDay(report)} (rows in the window: ${read})`,
  );
  lines.push("");
  const table = new Table({
    head: ["from", "to", "declared", "status", "network", "identity"],
    style: { head: [], border: [] },
  });
  // Strangers a closed callee refused (internet scanners, mostly): the first few per callee in the
  // table, the rest counted; --json lists them all.
  const refusedStrangers = new Map<string, number>();
  const shown = report.pairs.filter((p) => {
    if (!p.from.startsWith("unknown ") || p.status !== "undeclared-denied") return true;
    const n = (refusedStrangers.get(p.to) ?? 0) + 1;
    refusedStrangers.set(p.to, n);
    return n <= STRANGERS_SHOWN;
  });
  for (const p of shown)
    table.push([
      p.from,
      p.to,
      p.declared ? "yes" : "no",
      p.hole ? `${p.status} (hole)` : p.status,
      layerCell(p.network, p.evidence.network),
      layerCell(p.identity, p.evidence.identity),
    ]);
  lines.push(table.toString());
  for (const [to, n] of refusedStrangers)
    if (n > STRANGERS_SHOWN)
      lines.push(
        `... and ${n - STRANGERS_SHOWN} more unknown source(s) refused by ${to} (--json lists them)`,
      );
  const noted = shown.filter((p) => p.notes.length > 0);
  if (noted.length) {
    lines.push("", "Notes:");
    for (const p of noted) for (const n of p.notes) lines.push(`  ${p.from} -> ${p.to}: ${n}`);
  }
  if (report.ingress.length) {
    lines.push("", "Ingress (callers outside the mesh that a callee's ingress admits):");
    for (const i of report.ingress)
      lines.push(`  ${i.to}: ${i.rows} row(s) from ${i.addresses} address(es)`);
  }
  const ig = report.ignored;
  const skipped = [
    [ig.outsideWindow, "outside the window"],
    [ig.otherSites, "for sites outside the mesh"],
    [ig.otherResources, "sign-ins for resources outside the mesh"],
    [ig.deployments, "deployments to scm sites from their allowed ranges"],
    [ig.selfCalls, "services calling themselves"],
  ].filter(([n]) => n);
  if (skipped.length)
    lines.push("", `Not counted: ${skipped.map(([n, what]) => `${n} ${what}`).join("; ")}.`);
  lines.push("");
  const count = (s: string) => report.pairs.filter((p) => p.status === s).length;
  lines.push(
    `${report.pairs.length} pair(s): ${count("used")} used, ${count("unused")} unused, ${count("undeclared-denied")} undeclared-denied, ${count("undeclared-allowed")} undeclared-allowed.`,
  );
  if (report.holes)
    lines.push(
      `${report.holes} undeclared call(s) got through an enforced callee: see the notes (exit 4).`,
    );
  return lines.join("\n");
}

/**
 * `--suggest`: `service-edges:edges` entries that would declare the undeclared calls between
 * services. None of the four tables records which app role a token was for (a client-credentials
 * request asks for `<resource>/.default`), so a callee with one role gets it and a callee with
 * several gets an empty list that the config check refuses until someone picks.
 */
export function suggestYaml(report: UsageReport, dir: MeshDirectory): string {
  const undeclared = report.pairs.filter((p) => !p.declared);
  const known = undeclared.filter((p) => !p.from.startsWith("unknown "));
  const lines = [
    `# service-edges:edges entries that would declare the undeclared calls seen in stack ${report.stack}`,
    `# from ${day(report.window.from)} to ${lastDay(report)}; add them under service-edges:edges.`,
  ];
  if (known.length === 0) lines.push("# No undeclared calls between services were seen.");
  for (const p of known) {
    const roles = dir.callees.get(p.to)?.roles ?? [];
    lines.push(`# ${p.status}: ${why(p)}`);
    if (roles.length === 0) {
      lines.push(
        `# - from: ${p.from}`,
        `#   to: ${p.to}   # ${p.to} exposes no roles, so it is no callee: give it roles first`,
      );
      continue;
    }
    lines.push(`- from: ${p.from}`, `  to: ${p.to}`);
    if (roles.length === 1) lines.push(`  roles: [${roles[0]}] # the only role ${p.to} exposes`);
    else
      lines.push(
        `  roles: [] # FIXME: pick from ${roles.join(", ")}; the sign-in logs do not say which role was used`,
      );
  }
  const strangers = undeclared.filter((p) => p.from.startsWith("unknown "));
  if (strangers.length) {
    lines.push("# Not suggested: sources that belong to no service (find their owner first):");
    for (const p of strangers) lines.push(`#   ${p.from} -> ${p.to} (${p.status})`);
  }
  return lines.join("\n");
}

function why(p: UsagePair): string {
  const layers = (["network", "identity"] as const)
    .filter((l) => p.evidence[l].allowed + p.evidence[l].refused > 0)
    .map((l) => `${l} ${p[l]}`);
  return layers.join(", ");
}
