import type { StackValidationPolicy } from "@pulumi/policy";
import { Mesh, Node, Resolution, SiteNode, SubnetNode, describe, keyOf } from "../lib/mesh";
import { labelsOf } from "../lib/values";

interface Group<N extends Node> {
  target: Resolution<N>;
  members: Map<string, string>;
  integrated: boolean;
  firstSite: SiteNode;
}

function add<N extends Node>(
  groups: Map<string, Group<N>>,
  key: string,
  target: Resolution<N>,
  site: SiteNode,
): Group<N> {
  let g = groups.get(key);
  if (!g) {
    g = { target, members: new Map(), integrated: false, firstSite: site };
    groups.set(key, g);
  }
  return g;
}

export const distinguishableCallers: StackValidationPolicy = {
  name: "distinguishable-callers",
  description:
    "A VNet-integrated App Service plan must host exactly one app, and an integration subnet must " +
    "serve exactly one plan: every app on a plan leaves from the plan's integration subnet, so a " +
    "callee's subnet rule cannot tell those apps apart. Give each calling app its own plan and " +
    "its own integration subnet.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const mesh = Mesh.of(args.resources);
    const byPlan = new Map<string, Group<Node>>();
    const bySubnet = new Map<string, Group<SubnetNode>>();
    for (const site of mesh.sites.nodes) {
      const plan = mesh.planOf(site);
      const planKey = keyOf(plan);
      const subnet = mesh.integrationSubnetOf(site);
      const subnetKey = keyOf(subnet);
      if (planKey) {
        const g = add(byPlan, planKey, plan, site);
        // Slots run on their site's plan and share its identity as a service: count the app once.
        const app = site.slot ? undefined : site.appKey;
        if (app) g.members.set(app, site.label);
        if (subnet.kind !== "unset") g.integrated = true;
      }
      if (subnetKey && planKey) {
        add(bySubnet, subnetKey, subnet, site).members.set(planKey, describe(plan));
      }
    }
    for (const g of byPlan.values()) {
      if (!g.integrated || g.members.size < 2) continue;
      const where = g.target.kind === "node" ? g.target.node.res.urn : g.firstSite.res.urn;
      report(
        `${describe(g.target)} is VNet-integrated and hosts ${g.members.size} apps ` +
          `(${labelsOf(g.members)}): they share its integration subnet and outbound addresses, so a ` +
          `callee cannot tell them apart. Fix: give each calling app its own App Service plan ` +
          `and integration subnet.`,
        where,
      );
    }
    for (const g of bySubnet.values()) {
      if (g.members.size < 2) continue;
      const where = g.target.kind === "node" ? g.target.node.owner.urn : g.firstSite.res.urn;
      report(
        `${describe(g.target)} is the integration subnet of ${g.members.size} App Service plans ` +
          `(${labelsOf(g.members)}): a callee's subnet rule admits all of them at once. ` +
          `Fix: give each plan its own integration subnet.`,
        where,
      );
    }
  },
};
