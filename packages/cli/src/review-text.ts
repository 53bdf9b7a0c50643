/**
 * A review said for people: one summary line that cannot be misread, the full text (blocking
 * first, then replacements and deletes with their reasons and risks, then the steps in the
 * engine's order), and the markdown section of a PR comment.
 */
import { changeLines } from "./change-text";
import { shortUrn } from "./diff";
import { enforcementLine, enforcementSummary } from "./enforcement-review";
import type { AccessChange, Op, Review } from "./review-model";

/** One line that cannot be misread: replacements and deletes first, and loud. */
export function reviewSummary(r: Review): string {
  const count = (op: Op) => r.resources.filter((x) => x.op === op).length;
  const parts = [
    count("replace") ? `REPLACES ${count("replace")}` : "",
    count("delete") ? `DELETES ${count("delete")}` : "",
    `${count("create")} to create`,
    `${count("update")} to update`,
  ].filter(Boolean);
  const loud = enforcementSummary(r.enforcement ?? []);
  return `${parts.join(", ")}${r.blocking.length ? ` · BLOCKED (${r.blocking.length})` : ""}${loud ? ` · ${loud}` : ""}`;
}

function accessLine(a: AccessChange): string {
  if (a.change === "added") return `${a.from} may now call ${a.to} with ${a.rolesAfter.join(", ")}`;
  if (a.change === "removed") return `${a.from} may no longer call ${a.to}`;
  const gained = a.rolesAfter.filter((x) => !a.rolesBefore.includes(x));
  const lost = a.rolesBefore.filter((x) => !a.rolesAfter.includes(x));
  return [
    gained.length ? `${a.from} gains ${gained.join(", ")} on ${a.to}` : "",
    lost.length ? `${a.from} loses ${lost.join(", ")} on ${a.to}` : "",
  ]
    .filter(Boolean)
    .join("; ");
}

/** The review as text: blocking first, then replacements and deletes, then the steps in order. */
export function reviewText(r: Review): string {
  const out: string[] = [`Review: ${reviewSummary(r)}`, ""];
  if (r.blocking.length) {
    out.push("BLOCKING (Azure will refuse this deployment as ordered):");
    for (const b of r.blocking) out.push(`  ! ${shortUrn(b.urn)}`, `    ${b.message}`);
    out.push("");
  }
  if (r.enforcement?.length) {
    out.push("Enforcement:");
    for (const c of r.enforcement)
      out.push(`  ${c.change === "on" || c.change === "off" ? "!" : "-"} ${enforcementLine(c)}`);
    out.push("");
  }
  out.push(`Access changes:${r.access.length ? "" : " none"}`);
  for (const a of r.access) out.push(`  - ${accessLine(a)}`);
  out.push("");
  const mark: Record<Op, string> = { create: "+", update: "~", replace: "+-", delete: "-" };
  for (const op of ["replace", "delete", "create", "update"] as const) {
    const rs = r.resources.filter((x) => x.op === op);
    if (rs.length === 0) continue;
    out.push(
      `${op === "replace" ? "REPLACE" : op === "delete" ? "DELETE" : op[0].toUpperCase() + op.slice(1)} (${rs.length}):`,
    );
    for (const x of rs) {
      out.push(`  ${mark[op]} ${shortUrn(x.urn)}`);
      for (const why of x.replaceReasons) out.push(`      replaced because ${why}`);
      for (const c of x.changes) for (const line of changeLines(c)) out.push(`      ${line}`);
      for (const risk of x.risks) out.push(`      WARNING: ${risk}`);
    }
    out.push("");
  }
  if (r.steps.length) {
    out.push("Steps, in the order the engine runs them:");
    r.steps.forEach((s, i) =>
      out.push(`  ${String(i + 1).padStart(3)}. ${s.op.padEnd(18)} ${shortUrn(s.urn)}`),
    );
  }
  return out.join("\n");
}

/** The review's resource section for a PR comment (blocking and destructive steps first). */
export function reviewMarkdown(r: Review): string {
  const out: string[] = [`**${reviewSummary(r)}**`, ""];
  if (r.blocking.length) {
    out.push("> [!CAUTION]", "> **Blocking: Azure will refuse this deployment as ordered.**");
    for (const b of r.blocking) out.push(`> - \`${shortUrn(b.urn)}\`: ${b.message}`);
    out.push("");
  }
  const loud = (r.enforcement ?? []).filter((c) => c.change === "on" || c.change === "off");
  if (loud.length) {
    out.push("> [!WARNING]");
    for (const c of loud) out.push(`> **${enforcementLine(c)}**`);
    out.push("");
  }
  const destructive = r.resources.filter((x) => x.op === "replace" || x.op === "delete");
  if (destructive.length) {
    out.push("| op | resource | why / risk |", "|---|---|---|");
    for (const x of destructive) {
      const why = [...x.replaceReasons, ...x.risks.map((w) => `⚠️ ${w}`)].join("<br>");
      out.push(`| **${x.op}** | \`${shortUrn(x.urn)}\` | ${why.replace(/\|/g, "\\|")} |`);
    }
    out.push("");
  }
  out.push(
    "<details><summary>Changes and steps</summary>",
    "",
    "```",
    reviewText({ ...r, blocking: [] }),
    "```",
    "",
    "</details>",
  );
  return out.join("\n");
}
