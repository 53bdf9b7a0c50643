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
import { type AccessChange, type Review, reviewMarkdown, reviewSummary } from "./review";
import type { PlanResult } from "./run";
import { operationsText } from "./operations-render";

function table(head: string[]): Table.Table {
  return new Table({
    head,
    style: { head: [], border: [] },
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
  });
}

/**
 * `teamOf`: in a team stack, the callers of other teams (their edges are here, their plans and
 * apps in their own team's stack), shown with their team instead of facts this stack lacks.
 */
export function servicesTable(
  graph: ServiceGraph,
  teamOf: ReadonlyMap<string, string> = new Map(),
): string {
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
    const team = teamOf.get(s.name);
    if (team) {
      t.push([
        `${s.name} (caller, team ${team})`,
        s.kind,
        "-",
        String(s.maxInstances),
        s.subnet?.text ?? "-",
        s.subnet ? `${headroomOf(s.subnet.prefix, s.maxInstances)} free` : "-",
        s.identity,
        "-",
        "-",
      ]);
      continue;
    }
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

/** What a flowchart draws: the graph's services and edges. */
export type GraphView = Pick<ServiceGraph, "services" | "edges">;

/** Link colours of a review's graph (GitHub's own green, orange and red). */
export const EDGE_STYLE = {
  added: "stroke:#2da44e,stroke-width:3px",
  reduced: "stroke:#e16f24,stroke-width:3px",
  removed: "stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 5",
} as const;

/**
 * A Mermaid flowchart of services and edges. With a review's edge changes: added edges, and
 * edges that only gained roles, thick and green; edges that lost a role thick and orange (their
 * label says what was lost); removed edges dashed and red (drawn from the base, their services
 * too when they are gone); the rest as they are. `linkStyle` counts every link in the order it
 * is declared: the graph's edges, then the removed ones, then the dotted ingress links.
 */
export function mermaid(graph: GraphView, changes: readonly AccessChange[] = []): string {
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
  const key = (e: { from: string; to: string }) => `${e.from}.${e.to}`;
  const changed = new Map(changes.filter((c) => c.change !== "removed").map((c) => [key(c), c]));
  const removed = changes.filter((c) => c.change === "removed");
  // Services that are gone but had edges: drawn so their removed edges have both ends.
  const declared = new Set(graph.services.map((s) => s.name));
  for (const c of removed)
    for (const name of [c.from, c.to])
      if (!declared.has(name)) {
        declared.add(name);
        lines.push(`  ${nodeId(name)}["${name}<br/>removed"]`);
      }
  const styled: Record<keyof typeof EDGE_STYLE, number[]> = { added: [], reduced: [], removed: [] };
  let n = 0;
  for (const e of graph.edges) {
    const c = changed.get(key(e));
    const lost = c ? c.rolesBefore.filter((r) => !c.rolesAfter.includes(r)) : [];
    const label = `${e.roles.join(", ")}${lost.length ? `<br/>lost: ${lost.join(", ")}` : ""}`;
    lines.push(`  ${nodeId(e.from)} ${c ? "==>" : "-->"}|"${label}"| ${nodeId(e.to)}`);
    if (c) styled[lost.length ? "reduced" : "added"].push(n);
    n++;
  }
  for (const c of removed) {
    lines.push(`  ${nodeId(c.from)} -.->|"${c.rolesBefore.join(", ")}"| ${nodeId(c.to)}`);
    styled.removed.push(n++);
  }
  lines.push(...outside);
  for (const kind of ["added", "reduced", "removed"] as const)
    if (styled[kind].length > 0)
      lines.push(`  linkStyle ${styled[kind].join(",")} ${EDGE_STYLE[kind]}`);
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
  const teamOf = new Map(plan.services.flatMap((s) => (s.team ? [[s.name, s.team] as const] : [])));
  const others = teamOf.size > 0 ? ` (and ${teamOf.size} callers of other teams)` : "";
  return [
    `Plan of stack ${plan.stack} (${file}): ${graph.services.length - teamOf.size} services${others}, ${graph.edges.length} edges, ${plan.resources.length} resources`,
    "",
    "Services",
    servicesTable(graph, teamOf),
    "",
    "Edges",
    edgesTable(graph, plan),
    "",
    ...[operationsText(plan)].filter(Boolean),
    violationsText(plan),
    "",
    "Totals",
    totals(plan),
  ].join("\n");
}

export interface MarkdownReviewOptions {
  /**
   * The engine's review: its summary (REPLACES / DELETES / BLOCKED) and blocking come first, and
   * its access changes colour the graph. Without it, changed edges are drawn green.
   */
  review?: Review;
  /** Said right under the title (a new stack, a deleted stack config, where the base came from). */
  notes?: readonly string[];
}

/**
 * A PR comment, the verdict first: the engine's summary and blocking, the counts, the access
 * delta, policy violations, the graph (added green, roles lost orange, removed red and dashed),
 * the engine's replacements and deletes; then the details, collapsed.
 */
export function markdownReview(
  graph: GraphView,
  head: PlanResult,
  d: import("./diff").PlanDiff,
  shortUrn: (u: string) => string,
  options: MarkdownReviewOptions = {},
): string {
  const { review } = options;
  const out: string[] = [];
  out.push(`### service-edges plan: stack \`${head.stack}\``, "");
  for (const note of options.notes ?? []) out.push(`> ${note}`, "");
  if (review) {
    out.push(`**${reviewSummary(review)}**`, "");
    if (review.blocking.length) {
      out.push("> [!CAUTION]", "> **Blocking: Azure will refuse this deployment as ordered.**");
      for (const b of review.blocking) out.push(`> - \`${shortUrn(b.urn)}\`: ${b.message}`);
      out.push("");
    }
  }
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
  if (head.violations.length > 0) {
    out.push(
      "",
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
  }
  const changes: AccessChange[] =
    review?.access ??
    [...d.newEdges].map((k) => {
      const [from, to] = k.split(".");
      return { change: "added", from, to, rolesBefore: [], rolesAfter: [] };
    });
  out.push(
    "",
    review
      ? "#### Graph (added edges green, roles lost orange, removed edges red and dashed)"
      : "#### Graph (changed edges in bold green)",
    "",
    "```mermaid",
    mermaid(graph, changes),
    "```",
    "",
  );
  if (review) {
    // What the engine will do: destructive steps visible, the rest collapsed (blocking is above).
    out.push(
      "#### Resources, as the engine will run them",
      "",
      reviewMarkdown({ ...review, blocking: [] }),
      "",
    );
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
