/**
 * The plan's operating notes: callees in shadow and their last day, edges past their `expires`
 * (granting nothing) and edges about to expire. Empty when there is none of them.
 */
import { EXPIRY_WARNING_DAYS } from "@service-edges/contract";
import type { PlanDatedEdge, PlanResult } from "./run";

const days = (n: number) => `${n} day${n === 1 ? "" : "s"}`;
const edge = (e: PlanDatedEdge) => `${e.from} -> ${e.to} (${e.roles.join(", ")})`;

export function operationsText(plan: PlanResult): string {
  const out: string[] = [];
  const shadow = plan.services.filter((s) => s.enforcement === "shadow");
  if (shadow.length) {
    out.push("Shadow (admit every caller, record what enforcement would refuse):");
    for (const s of shadow) out.push(`  ${s.name}: until ${s.shadowUntil ?? "?"}`);
    out.push("");
  }
  const expired = plan.expiredEdges ?? [];
  if (expired.length) {
    out.push(
      `Expired edges (${expired.length}: they grant nothing; npm run plan -- prune-expired --stack ${plan.stack} --write removes them):`,
    );
    for (const e of expired) out.push(`  ${edge(e)}: expired ${e.expires}`);
    out.push("");
  }
  for (const e of plan.expiringEdges ?? [])
    out.push(
      `warning: ${edge(e)} expires ${e.expires} (${e.daysLeft === 0 ? "today is its last day" : `in ${days(e.daysLeft)}`}; within ${EXPIRY_WARNING_DAYS} days): renew it (a later expires) or let it lapse`,
    );
  if (plan.expiringEdges?.length) out.push("");
  return out.join("\n");
}
