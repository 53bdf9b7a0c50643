/**
 * The review of a config PR as the engine will execute it: per resource the operation, the
 * changed inputs (old -> new), why a resource is replaced (from the providers' own replacement
 * facts), the steps in the engine's order, and Azure's known refusals of that order as blocking.
 *
 * The engine's order (pulumi/pulumi, pkg/resource/deploy/step_generator.go and
 * step_executor.go; pulumi/pulumi#9979): creates, updates and replacement creates run in
 * dependency order; deletes, and deletes of replaced resources, run last, in reverse dependency
 * order. A replacement creates the new resource before deleting the old one unless the provider
 * asks for delete-before-replace.
 *
 * Its parts: the review's data (review-model.ts), replacements and their risks
 * (review-replacements.ts), Azure's refusals (review-blocking.ts) and the text (review-text.ts).
 */
import { planPairs, planReach } from "./access";
import { adopt } from "./adoption";
import { inputChanges } from "./diff";
import { enforcementChanges } from "./enforcement-review";
import { blockingOf } from "./review-blocking";
import type { AccessChange, Op, ResourceReview, Review, StepOp } from "./review-model";
import { deletesBeforeReplace, recomputed, replaceReasonsOf, risksOf } from "./review-replacements";
import type { PlanResult } from "./run";

export type { AccessChange, Op, ResourceReview, Review, StepOp } from "./review-model";
export { reviewMarkdown, reviewSummary, reviewText } from "./review-text";

/** Topological order of `urns` by `deps`, keeping the given order among independent ones. */
function dependencyOrder(urns: string[], deps: (urn: string) => readonly string[]): string[] {
  const wanted = new Set(urns);
  const done = new Set<string>();
  const out: string[] = [];
  const visit = (u: string, stack: Set<string>) => {
    if (done.has(u) || stack.has(u)) return;
    stack.add(u);
    for (const d of deps(u)) if (wanted.has(d)) visit(d, stack);
    stack.delete(u);
    done.add(u);
    out.push(u);
  };
  for (const u of urns) visit(u, new Set());
  return out;
}

export function reviewPlans(base: PlanResult, head: PlanResult): Review {
  const before = new Map(base.resources.map((r) => [r.urn, r]));
  const now = new Map(head.resources.map((r) => [r.urn, r]));
  const adopted = adopt(head.resources, new Set(before.keys()));
  const taken = new Set(adopted.values());
  const resources: ResourceReview[] = [];
  const opOf = new Map<string, Op>();

  // Head resources in registration order, so a replaced resource is known before its dependents.
  const reviewed = new Map<string, ResourceReview>();
  for (const r of head.resources) {
    const was = adopted.get(r.urn);
    const old = was === undefined ? undefined : before.get(was);
    if (!old) {
      reviewed.set(r.urn, {
        urn: r.urn,
        type: r.type,
        op: "create",
        changes: [],
        replaceReasons: [],
        risks: [],
      });
      opOf.set(r.urn, "create");
      continue;
    }
    const changes = [...inputChanges(old.inputs, r.inputs), ...recomputed(r, reviewed, now)];
    if (changes.length === 0) continue;
    const replaceReasons = replaceReasonsOf(r.type, changes);
    const op: Op = replaceReasons.length > 0 ? "replace" : "update";
    opOf.set(r.urn, op);
    reviewed.set(r.urn, {
      urn: r.urn,
      type: r.type,
      op,
      changes,
      replaceReasons,
      risks: risksOf(r, op),
    });
  }
  resources.push(...reviewed.values());
  for (const r of base.resources) {
    if (taken.has(r.urn)) continue;
    resources.push({
      urn: r.urn,
      type: r.type,
      op: "delete",
      changes: [],
      replaceReasons: [],
      risks: risksOf(r, "delete"),
    });
    opOf.set(r.urn, "delete");
  }

  // Steps: creates, updates and replacement creates in dependency order; deletes last, reversed.
  const headDeps = new Map(
    head.resources.map((r) => [r.urn, r.dependencies.concat(r.parent ? [r.parent] : [])]),
  );
  const baseDeps = new Map(
    base.resources.map((r) => [r.urn, r.dependencies.concat(r.parent ? [r.parent] : [])]),
  );
  const forward = head.resources
    .map((r) => r.urn)
    .filter((u) => ["create", "update", "replace"].includes(opOf.get(u) ?? ""));
  const steps: Review["steps"] = [];
  for (const urn of dependencyOrder(forward, (u) => headDeps.get(u) ?? [])) {
    const op = opOf.get(urn)!;
    if (op === "replace" && deletesBeforeReplace(now.get(urn)!.type)) {
      steps.push({ urn, op: "delete-replaced" });
    }
    steps.push({ urn, op: op === "replace" ? "create-replacement" : (op as StepOp) });
  }
  const backward = dependencyOrder(
    [
      ...base.resources.map((r) => r.urn).filter((u) => !taken.has(u)),
      ...[...adopted]
        .filter(([u]) => opOf.get(u) === "replace" && !deletesBeforeReplace(now.get(u)!.type))
        .map(([, old]) => old),
    ],
    (u) => baseDeps.get(u) ?? [],
  ).reverse();
  const replacedBy = new Map([...adopted].map(([now, old]) => [old, now]));
  for (const urn of backward) {
    const now = replacedBy.get(urn);
    steps.push(
      now && opOf.get(now) === "replace"
        ? { urn: now, op: "delete-replaced" }
        : { urn, op: "delete" },
    );
  }

  return {
    access: accessChanges(base, head),
    resources: resources.sort((a, b) => (a.urn < b.urn ? -1 : 1)),
    steps,
    blocking: blockingOf(base, head, adopted, opOf, steps),
    violations: head.violations,
    enforcement: enforcementChanges(base, head),
  };
}

/**
 * Who may newly call whom, who no longer may, and whose roles change — asked of the model
 * (`@service-edges/model`, as `check` asks it) for the resources each side registers: every
 * declared edge of either side and every pair a rule or a grant names, both layers allowed.
 */
function accessChanges(base: PlanResult, head: PlanResult): AccessChange[] {
  const key = (caller: string, callee: string) => `${caller}\u0000${callee}`;
  const pairs = new Map<string, { caller: string; callee: string }>();
  for (const p of [base, head]) {
    for (const e of p.edges) pairs.set(key(e.from, e.to), { caller: e.from, callee: e.to });
    for (const n of planPairs(p)) pairs.set(key(n.caller, n.callee), n);
  }
  const granted = (p: PlanResult, caller: string, callee: string): string[] | undefined => {
    const r = planReach(p, caller, callee);
    return r.allowed === true ? r.identity.roles : undefined;
  };
  const out: AccessChange[] = [];
  for (const { caller: from, callee: to } of pairs.values()) {
    const before = granted(base, from, to);
    const after = granted(head, from, to);
    if (!before && after) {
      out.push({ change: "added", from, to, rolesBefore: [], rolesAfter: after });
    } else if (before && !after) {
      out.push({ change: "removed", from, to, rolesBefore: before, rolesAfter: [] });
    } else if (before && after && before.join() !== after.join()) {
      out.push({ change: "roles-changed", from, to, rolesBefore: before, rolesAfter: after });
    }
  }
  // Added and roles changed in the head's order, then removed (as the edges were listed).
  const rank = { added: 0, "roles-changed": 0, removed: 1 } as const;
  return out.sort((a, b) => rank[a.change] - rank[b.change]);
}
