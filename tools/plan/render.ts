/**
 * Human views of a plan: tables, totals, and a Mermaid flowchart.
 */
import Table from "cli-table3";
import {
  type ServiceGraph,
  describeIngress,
  headroomOf,
  isCallee,
  isCaller,
  subnetName,
} from "@service-edges/contract";
import type { PlanResult } from "./run";

function table(head: string[]): Table.Table {
  return new Table({
    head,
    style: { head: [], border: [] },
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
  });
}

export function servicesTable(graph: ServiceGraph): string {
  const t = table([
    "service",
    "kind",
    "sku",
    "max",
    "subnet",
    "headroom",
    "identity",
    "roles",
    "ingress",
  ]);
  for (const s of graph.services) {
    const side = [isCaller(s) ? "caller" : "", isCallee(s) ? "callee" : ""]
      .filter(Boolean)
      .join("+");
    t.push([
      `${s.name}${side ? ` (${side})` : ""}`,
      s.kind,
      s.sku.name,
      String(s.maxInstances),
      s.subnet?.text ?? "-",
      s.subnet ? `${headroomOf(s.subnet.prefix, s.maxInstances)} free` : "-",
      s.identity,
      s.roles.join(", ") || "-",
      describeIngress(s.ingress),
    ]);
  }
  return t.toString();
}

export function edgesTable(graph: ServiceGraph, plan: PlanResult): string {
  const t = table(["caller -> callee", "roles", "network rule on callee", "app role assignments"]);
  for (const [i, e] of graph.edges.entries()) {
    const caller = graph.byName.get(e.from)!;
    t.push([
      `${e.from} -> ${e.to}`,
      e.roles.join(", "),
      `allow ${subnetName(e.from)} (${caller.subnet!.text})`,
      plan.edges[i].urns.assignments.map((u) => u.split("::").pop()).join("\n") || "-",
    ]);
  }
  return t.toString();
}

export function totals(plan: PlanResult): string {
  const byType = new Map<string, number>();
  for (const r of plan.resources) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
  const t = table(["resource type", "count"]);
  for (const [type, n] of [...byType].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    t.push([type, String(n)]);
  t.push(["total", String(plan.resources.length)]);
  return t.toString();
}

export function violationsText(plan: PlanResult): string {
  if (plan.violations.length === 0) return "Policy pack: no violations.";
  return [
    `Policy pack: ${plan.violations.length} violation${plan.violations.length === 1 ? "" : "s"}`,
    ...plan.violations.map(
      (v) =>
        `  [${v.enforcementLevel}] ${v.policy}${v.urn ? ` on ${v.urn}` : ""}\n      ${v.message.replace(/\n/g, "\n      ")}`,
    ),
  ].join("\n");
}

function nodeId(name: string): string {
  return `s_${name.replace(/-/g, "_")}`;
}

/** A Mermaid flowchart of services and edges; `highlight` edges (from.to keys) are drawn thick. */
export function mermaid(graph: ServiceGraph, highlight: ReadonlySet<string> = new Set()): string {
  const lines = ["flowchart LR"];
  const outside: string[] = [];
  for (const s of graph.services) {
    lines.push(
      `  ${nodeId(s.name)}["${s.name}<br/>${s.kind} ${s.sku.name}${s.subnet ? `<br/>${s.subnet.text}` : ""}"]`,
    );
    if (s.ingress.kind !== "none") {
      // Ingress from outside the mesh, dotted: the internet for a public front door.
      const from =
        s.ingress.kind === "public"
          ? `internet(("internet"))`
          : `${nodeId(s.name)}_in(("outside"))`;
      outside.push(`  ${from} -.->|"${describeIngress(s.ingress)}"| ${nodeId(s.name)}`);
    }
  }
  let n = 0;
  const thick: number[] = [];
  for (const e of graph.edges) {
    const key = `${e.from}.${e.to}`;
    lines.push(
      `  ${nodeId(e.from)} ${highlight.has(key) ? "==>" : "-->"}|"${e.roles.join(", ")}"| ${nodeId(e.to)}`,
    );
    if (highlight.has(key)) thick.push(n);
    n++;
  }
  lines.push(...outside);
  if (thick.length > 0)
    lines.push(`  linkStyle ${thick.join(",")} stroke:#2da44e,stroke-width:3px`);
  return lines.join("\n");
}

/** A program that is not a service-edges mesh: its resources and the policy results. */
export function programPlan(plan: PlanResult, file: string): string {
  return [
    `Plan of stack ${plan.stack} (${file}): ${plan.resources.length} resources`,
    "",
    violationsText(plan),
    "",
    "Totals",
    totals(plan),
  ].join("\n");
}

export function humanPlan(graph: ServiceGraph, plan: PlanResult, file: string): string {
  return [
    `Plan of stack ${plan.stack} (${file}): ${graph.services.length} services, ${graph.edges.length} edges, ${plan.resources.length} resources`,
    "",
    "Services",
    servicesTable(graph),
    "",
    "Edges",
    edgesTable(graph, plan),
    "",
    violationsText(plan),
    "",
    "Totals",
    totals(plan),
  ].join("\n");
}

/** A PR comment: access delta, the graph with new edges highlighted, resource changes, policy. */
export function markdownReview(
  graph: ServiceGraph,
  head: PlanResult,
  d: import("./diff").PlanDiff,
  shortUrn: (u: string) => string,
): string {
  const out: string[] = [];
  out.push(`### service-edges plan: stack \`${head.stack}\``, "");
  out.push(
    `**${d.added.length}** to add, **${d.changed.length}** to change, **${d.removed.length}** to remove · ` +
      `${graph.services.length} services, ${graph.edges.length} edges · ` +
      (head.violations.length === 0
        ? "policy pack: no violations"
        : `policy pack: **${head.violations.length} violation${head.violations.length === 1 ? "" : "s"}**`),
    "",
  );
  out.push("#### Access changes", "");
  if (d.access.length === 0) out.push("_None._");
  for (const a of d.access) out.push(`- ${a}`);
  out.push(
    "",
    "#### Graph (changed edges in bold green)",
    "",
    "```mermaid",
    mermaid(graph, d.newEdges),
    "```",
    "",
  );
  if (head.violations.length > 0) {
    out.push(
      "#### Policy violations",
      "",
      "| level | policy | resource | message |",
      "|---|---|---|---|",
    );
    for (const v of head.violations) {
      out.push(
        `| ${v.enforcementLevel} | ${v.policy} | ${v.urn ? `\`${shortUrn(v.urn)}\`` : ""} | ${v.message.replace(/\|/g, "\\|").replace(/\n/g, " ")} |`,
      );
    }
    out.push("");
  }
  out.push(
    "<details><summary>Resource changes</summary>",
    "",
    "| | resource | changed properties |",
    "|---|---|---|",
  );
  for (const r of d.added) out.push(`| + | \`${shortUrn(r.urn)}\` | |`);
  for (const r of d.changed)
    out.push(
      `| ~ | \`${shortUrn(r.urn)}\` | ${r.properties.map((p) => `\`${p}\``).join("<br>")} |`,
    );
  for (const r of d.removed) out.push(`| - | \`${shortUrn(r.urn)}\` | |`);
  out.push("", "</details>");
  return out.join("\n");
}
