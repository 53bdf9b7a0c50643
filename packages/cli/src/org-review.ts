/**
 * `npm run plan -- --org DIR --base BASE`: a PR across an org, each changed stack reviewed as its
 * engine will run it (review.ts), plus what only shows across stacks: Azure's refusals (the
 * platform's VNet drops a subnet a team stack's site is integrated in), and the order the stacks
 * deploy in (deletes in the team stacks before the platform removes what they used).
 */
import * as path from "node:path";
import { PROJECT, RESOURCE_TYPES as R } from "@service-edges/contract";
import { DEFAULT_JOBS, type OrgStack, type PlanAgainst, planOrgStacks } from "./org";
import { type Review, reviewPlans, reviewSummary, reviewText } from "./review";
import { type PlanResource, type PlanResult, emptyPlan } from "./run";

type Obj = Record<string, unknown>;

/** One side of the review: each stack's plan and its stack file, by stack name. */
export interface OrgSide {
  plans: ReadonlyMap<string, PlanResult>;
  kinds: ReadonlyMap<string, OrgStack>;
}

const subnetsOf = (vnet: PlanResource | undefined) =>
  new Map(
    ((vnet?.inputs.subnets ?? []) as Obj[])
      .filter((s) => typeof s.name === "string")
      .map((s) => [s.name as string, s]),
  );

/** The service an integration subnet belongs to (contract names.ts: `snet-<service>`). */
const serviceOfSubnet = (subnet: string) => subnet.replace(/^snet-/, "");

const platformOf = (side: OrgSide) => [...side.kinds.values()].find((s) => s.kind === "platform");

/**
 * Subnets the platform's VNet update removes or resizes while a team stack's site is integrated
 * in them. Azure refuses the update ("Subnet … is in use by …/serviceAssociationLinks/AppServiceLink",
 * Azure/deployment-stacks#150), and within one change nothing makes the platform wait for the
 * team stack that deletes the site: team stacks read the platform as deployed and deploy on
 * their own. Retirement (retired: true in both stacks) keeps the subnet while the site goes.
 */
export function subnetsInUseBlocking(base: OrgSide, head: OrgSide): Review["blocking"] {
  const platformBase = platformOf(base);
  const platformHead = platformOf(head);
  if (!platformBase || !platformHead) return [];
  const baseVnets = base.plans.get(platformBase.name)!.resources.filter((r) => r.type === R.vnet);
  const headPlan = head.plans.get(platformHead.name)!;
  const platformFile = path.basename(platformHead.file);
  const out: Review["blocking"] = [];
  for (const vnet of baseVnets.filter((v) => v.id)) {
    const headVnet = headPlan.resources.find((r) => r.urn === vnet.urn);
    const kept = subnetsOf(headVnet);
    for (const [name, old] of subnetsOf(vnet)) {
      const now = kept.get(name);
      const resized = now !== undefined && now.addressPrefix !== old.addressPrefix;
      if (now && !resized) continue;
      const subnetId = `${vnet.id!}/subnets/${name}`.toLowerCase();
      for (const [stack, plan] of base.plans) {
        if (base.kinds.get(stack)?.kind !== "team") continue;
        for (const site of plan.resources.filter((r) => r.type === R.app)) {
          const integrated = site.inputs.virtualNetworkSubnetId;
          if (typeof integrated !== "string" || integrated.toLowerCase() !== subnetId) continue;
          const service = serviceOfSubnet(name);
          const team = head.kinds.get(stack) ?? base.kinds.get(stack)!;
          const teamFile = path.basename(team.file);
          const vnetName = String(vnet.inputs.virtualNetworkName ?? vnet.name);
          const siteName = String(site.inputs.name ?? site.name);
          const stays = head.plans
            .get(stack)
            ?.resources.some(
              (r) =>
                r.type === R.app &&
                r.inputs.name === site.inputs.name &&
                String(r.inputs.virtualNetworkSubnetId).toLowerCase() === subnetId,
            );
          out.push({
            urn: headVnet?.urn ?? vnet.urn,
            message:
              `subnet ${name} is ${resized ? `changed (${String(old.addressPrefix)} -> ${String(now.addressPrefix)}) in` : "removed from"} ${vnetName} while ${siteName} (team stack ${stack}) is integrated in it: ` +
              `Azure refuses the platform's VNet update while the site is integrated ("Subnet ${name} is in use by .../serviceAssociationLinks/AppServiceLink", Azure/deployment-stacks#150), ` +
              (stays
                ? "and the site stays integrated in it. "
                : `and in one change nothing makes the platform wait for ${stack} to disconnect and delete the site (team stacks read the platform as deployed and deploy on their own). `) +
              (resized
                ? `Fix: a subnet's address cannot change while an app is integrated in it; add the service again under a new name with the new subnet, move its edges, and retire ${service} in two deployments.`
                : `Fix: retire ${service} in two deployments: first set service-edges:services.${service}.retired: true in both ${platformFile} and ${teamFile} (keep both entries), remove every edge and calls naming ${service}, and deploy the team stacks, then the platform: its site is disconnected, then deleted, its identity deleted, and the subnet stays; then remove both entries and deploy again.`),
          });
        }
      }
    }
  }
  return out;
}

const deletes = (r: Review) => r.steps.some((s) => s.op === "delete" || s.op === "delete-replaced");

/**
 * The registry entries a team stack's head config uses (its own services and the callers its
 * edges name) that the platform adds or changes in this change: the stack reads them only once
 * the platform is deployed.
 */
function usesNewRegistry(team: OrgStack, base: OrgSide, head: OrgSide): string[] {
  const registryOf = (side: OrgSide) =>
    (side.plans.get(platformOf(side)!.name)?.outputs.registry ?? {}) as Record<string, Obj>;
  const before = registryOf(base);
  const after = registryOf(head);
  const v = team.config.values;
  const services = (v[`${PROJECT}:services`] ?? {}) as Record<string, Obj | undefined>;
  const edges = (Array.isArray(v[`${PROJECT}:edges`]) ? v[`${PROJECT}:edges`] : []) as Obj[];
  const named = new Set([
    ...Object.keys(services).filter((n) => ![true, "true"].includes(services[n]?.retired as never)),
    ...edges.map((e) => e?.from).filter((f): f is string => typeof f === "string"),
  ]);
  return [...named]
    .filter((n) => after[n] && !after[n].retired)
    .filter((n) => JSON.stringify(after[n]) !== JSON.stringify(before[n]))
    .sort();
}

export interface DeployPlan {
  /** The changed stacks, in the order to deploy them. */
  order: string[];
  /** Team stacks that deploy before the platform (they delete what the platform then removes). */
  beforePlatform: string[];
  /** Per team stack, why it cannot be ordered (blocking). */
  blocking: Map<string, Review["blocking"]>;
}

/**
 * The deploy order of a changed org. Creates and updates need the platform first (team stacks
 * read its outputs); but the engine runs a stack's deletes at its end (pulumi/pulumi #9979), so
 * when the platform removes something (an identity, a subnet), the team stacks that delete run
 * before it: their sites, plans and assignments go while what they used still exists. (A caller's
 * principal deleted first takes its app role assignments with it, and the callee team's stack
 * then fails to delete them: the azuread provider's delete fails on any error, 404 included —
 * hashicorp/terraform-provider-azuread, internal/services/approleassignments/
 * app_role_assignment_resource.go, appRoleAssignmentResourceDelete.) A team stack that both
 * deletes and uses what the platform adds in the same change cannot be ordered.
 */
export function deployPlan(
  changed: ReadonlyArray<{
    name: string;
    kind: "platform" | "team";
    deleted: boolean;
    review: Review;
  }>,
  base: OrgSide,
  head: OrgSide,
  platformRemovesSubnet: boolean,
): DeployPlan {
  const platform = changed.find((s) => s.kind === "platform");
  const teams = changed.filter((s) => s.kind === "team" && !s.deleted);
  const blocking = new Map<string, Review["blocking"]>();
  if (!platform) return { order: teams.map((s) => s.name), beforePlatform: [], blocking };
  const platformRemoves = platformRemovesSubnet || deletes(platform.review);
  const before = platformRemoves ? teams.filter((s) => deletes(s.review)) : [];
  for (const s of before) {
    const stack = head.kinds.get(s.name);
    const uses = stack ? usesNewRegistry(stack, base, head) : [];
    if (uses.length === 0) continue;
    const first = s.review.steps.find((x) => x.op === "delete" || x.op === "delete-replaced")!;
    blocking.set(s.name, [
      {
        urn: first.urn,
        message:
          `${s.name} deletes resources, so it deploys before the platform, which removes what they use; but it also uses ${uses.join(", ")}, which the platform adds or changes in this change and ${s.name} reads only once the platform is deployed. ` +
          `Fix: split the change: first the part that adds or changes ${uses.join(", ")} (deploy the platform, then ${s.name}), then the removal.`,
      },
    ]);
  }
  const order = [
    ...before.map((s) => s.name),
    ...(platform.deleted ? [] : [platform.name]),
    ...teams.filter((s) => !before.includes(s)).map((s) => s.name),
  ];
  return { order, beforePlatform: before.map((s) => s.name), blocking };
}

export interface OrgReview {
  stacks: Array<{
    name: string;
    kind: "platform" | "team";
    change: "added" | "deleted" | "changed";
    review: Review;
  }>;
  /**
   * The stacks to deploy, in order: the platform first when it changed (team stacks read its
   * outputs), then the teams; but when the platform removes something, the team stacks that
   * delete go before it.
   */
  deployOrder: string[];
  /** The team stacks that deploy before the platform (they delete what it then removes). */
  beforePlatform: string[];
}

/**
 * A PR across an org: both orgs planned, then each stack reviewed as the engine will run it;
 * stacks without changes are left out. Azure's refusals that only show across stacks (a subnet
 * the platform drops while a team's site is integrated in it) block the platform's review; team
 * stacks do not depend on each other.
 */
export async function reviewOrg(
  baseDir: string,
  headDir: string,
  jobs = DEFAULT_JOBS,
  against: PlanAgainst = {},
): Promise<OrgReview> {
  const base = await planOrgStacks(baseDir, jobs, against);
  const head = await planOrgStacks(headDir, jobs, against);
  const names = [...new Set([...base.plans.keys(), ...head.plans.keys()])];
  const stacks: OrgReview["stacks"] = [];
  const inUse = subnetsInUseBlocking(base, head);
  for (const name of names) {
    const b = base.plans.get(name);
    const h = head.plans.get(name);
    const review = reviewPlans(b ?? emptyPlan(name), h ?? emptyPlan(name));
    const kind = (head.kinds.get(name) ?? base.kinds.get(name))!.kind as "platform" | "team";
    if (kind === "platform") review.blocking.push(...inUse);
    if (review.resources.length === 0 && review.access.length === 0) continue;
    stacks.push({ name, kind, change: !b ? "added" : !h ? "deleted" : "changed", review });
  }
  stacks.sort((a, b) =>
    a.kind === b.kind ? (a.name < b.name ? -1 : 1) : a.kind === "platform" ? -1 : 1,
  );
  const order = deployPlan(
    stacks.map((s) => ({ ...s, deleted: s.change === "deleted" })),
    base,
    head,
    inUse.length > 0,
  );
  for (const s of stacks) s.review.blocking.push(...(order.blocking.get(s.name) ?? []));
  return { stacks, deployOrder: order.order, beforePlatform: order.beforePlatform };
}

/** An org review as text: the deploy order first, then each stack's review. */
export function orgReviewText(r: OrgReview): string {
  const out: string[] = [];
  if (r.stacks.length === 0) return "No stack changes.";
  const platform = r.stacks.find((s) => s.kind === "platform" && s.change !== "deleted");
  const why =
    r.deployOrder.length <= 1
      ? ""
      : r.beforePlatform.length > 0
        ? ` (${r.beforePlatform.join(", ")} first: ${r.beforePlatform.length === 1 ? "it deletes" : "they delete"} what the platform then removes; then the platform${r.deployOrder.length > r.beforePlatform.length + 1 ? ", then the other teams in any order" : ""})`
        : platform
          ? " (the platform first: team stacks read its outputs; the teams in any order)"
          : " (in any order: team stacks do not depend on each other)";
  out.push(
    `Deploy order: ${r.deployOrder.length ? r.deployOrder.map((s, i) => `${i + 1}. ${s}`).join("  ") : "nothing to deploy"}${why}`,
  );
  for (const s of r.stacks) {
    out.push("", `== ${s.kind} stack ${s.name} (${s.change}): ${reviewSummary(s.review)}`);
    out.push(reviewText(s.review));
  }
  return out.join("\n");
}
