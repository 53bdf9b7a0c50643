import type { StackValidationPolicy } from "@pulumi/policy";
import { Mesh, SubnetNode } from "../lib/mesh";

/** Why each subnet must carry the endpoint, in a stable order, keyed by subnet node. */
function subnetsInScope(mesh: Mesh): Map<SubnetNode, string> {
  const reasons = new Map<SubnetNode, string>();
  const note = (s: SubnetNode, why: string) => {
    if (!reasons.has(s)) reasons.set(s, why);
  };
  for (const s of mesh.subnets.nodes) {
    if (s.delegatedToWeb === true) note(s, "is delegated to Microsoft.Web/serverFarms");
  }
  // Sites and site configurations as their own resources (`sites/config/web`) hold rules alike.
  for (const site of [...mesh.sites.nodes, ...mesh.siteWriters]) {
    const integration = mesh.integrationSubnetOf(site);
    if (integration.kind === "node") {
      note(integration.node, `is the integration subnet of ${site.label}`);
    }
    if (!Array.isArray(site.rules)) continue;
    for (const rule of site.rules) {
      if (!rule.subnet) continue;
      const source = mesh.subnets.resolve(rule.subnet);
      if (source.kind === "node")
        note(source.node, `is admitted by an access rule of ${site.label}`);
    }
  }
  return reasons;
}

export const integrationSubnetServiceEndpoint: StackValidationPolicy = {
  name: "integration-subnet-service-endpoint",
  description:
    "An integration subnet (delegated to Microsoft.Web/serverFarms, used by an app's " +
    "virtualNetworkSubnetId, or admitted by a subnet access rule) must enable the Microsoft.Web " +
    "service endpoint: without it, calls to App Service leave from public addresses and a " +
    "callee's subnet rule never matches them.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const mesh = Mesh.of(args.resources);
    for (const [subnet, why] of subnetsInScope(mesh)) {
      if (subnet.webServiceEndpoint !== false) continue;
      report(
        `${subnet.label} ${why} but has no Microsoft.Web service endpoint, so its calls reach ` +
          `App Service from public addresses and subnet access rules never match them. ` +
          `Fix: add { service: "Microsoft.Web" } to the subnet's serviceEndpoints.`,
        subnet.owner.urn,
      );
    }
  },
};
