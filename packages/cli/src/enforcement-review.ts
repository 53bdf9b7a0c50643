/**
 * What a change does to enforcement, for the review: a callee leaving shadow starts refusing every
 * caller without an edge, on both layers, at once; a callee entering shadow stops refusing anyone.
 * Both are said loudly. A plan saved by an older planner has no `enforcement`: enforced.
 */
import type { PlanResult } from "./run";

export interface EnforcementChange {
  service: string;
  /** on: shadow -> enforced; off: enforced -> shadow; enters: a new callee in shadow; extended. */
  change: "on" | "off" | "enters-shadow" | "shadow-moved";
  shadowUntilBefore?: string;
  shadowUntilAfter?: string;
}

export function enforcementChanges(base: PlanResult, head: PlanResult): EnforcementChange[] {
  const before = new Map(base.services.map((s) => [s.name, s]));
  const out: EnforcementChange[] = [];
  for (const s of head.services) {
    const was = before.get(s.name);
    const now = s.enforcement ?? "enforced";
    const then = was ? (was.enforcement ?? "enforced") : undefined;
    if (then === undefined) {
      if (now === "shadow")
        out.push({ service: s.name, change: "enters-shadow", shadowUntilAfter: s.shadowUntil });
    } else if (then === "shadow" && now === "enforced") {
      out.push({ service: s.name, change: "on", shadowUntilBefore: was!.shadowUntil });
    } else if (then === "enforced" && now === "shadow") {
      out.push({ service: s.name, change: "off", shadowUntilAfter: s.shadowUntil });
    } else if (now === "shadow" && was!.shadowUntil !== s.shadowUntil) {
      out.push({
        service: s.name,
        change: "shadow-moved",
        shadowUntilBefore: was!.shadowUntil,
        shadowUntilAfter: s.shadowUntil,
      });
    }
  }
  return out.sort((a, b) => (a.service < b.service ? -1 : 1));
}

/** One line per change; `on` and `off` in capitals, as a review says replacements. */
export function enforcementLine(c: EnforcementChange): string {
  switch (c.change) {
    case "on":
      return `ENFORCEMENT ON for ${c.service}: it now refuses every caller without an edge (network: unmatched traffic denied; identity: assignment required, so undeclared callers get AADSTS501051; the token library enforces). Check first that usage shows no undeclared-allowed caller of ${c.service}.`;
    case "off":
      return `ENFORCEMENT OFF for ${c.service}: in shadow until ${c.shadowUntilAfter ?? "?"}, it admits every caller on both layers and only records what it would refuse.`;
    case "enters-shadow":
      return `${c.service} enters the mesh in shadow until ${c.shadowUntilAfter ?? "?"}: it admits every caller and records what enforcement would refuse.`;
    default:
      return `${c.service} stays in shadow, now until ${c.shadowUntilAfter ?? "?"} (was ${c.shadowUntilBefore ?? "?"}).`;
  }
}

/** The summary's loud part: `ENFORCEMENT ON (1) · ENFORCEMENT OFF (1)`, or nothing. */
export function enforcementSummary(changes: readonly EnforcementChange[]): string {
  const on = changes.filter((c) => c.change === "on").length;
  const off = changes.filter((c) => c.change === "off").length;
  return [on ? `ENFORCEMENT ON (${on})` : "", off ? `ENFORCEMENT OFF (${off})` : ""]
    .filter(Boolean)
    .join(" · ");
}
