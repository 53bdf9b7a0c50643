import type { StackValidationPolicy } from "@pulumi/policy";
import { Mesh, describe } from "../lib/mesh";
import { privateLayerOf, publicAccessOf } from "../lib/private-endpoints";
import { isUnknown } from "../lib/values";
import { enforcesNsg } from "@service-edges/model";

/**
 * A private endpoint to a mesh site is filtered only by its subnet's NSG, and only when the subnet
 * enforces NSGs on private endpoints (`privateEndpointNetworkPolicies` Enabled or
 * NetworkSecurityGroupEnabled; MS Learn, "Manage network policies for private endpoints").
 * Judged for sites with public access Disabled (the private-endpoint layer); an endpoint to a site
 * that keeps its public endpoint is no-private-endpoint-callee's.
 */
export const privateEndpointSubnetEnforcesNsg: StackValidationPolicy = {
  name: "private-endpoint-subnet-enforces-nsg",
  description:
    "A private endpoint to a mesh site must sit in a subnet that enforces NSGs on private " +
    "endpoints (privateEndpointNetworkPolicies: NetworkSecurityGroupEnabled or Enabled) and has " +
    "a network security group: otherwise every host with line of sight to the endpoint can call " +
    "the site.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const mesh = Mesh.of(args.resources);
    for (const e of privateLayerOf(mesh, args.resources).endpoints) {
      if (e.subnet.kind !== "node" || isUnknown(e.policies)) continue;
      // A site that keeps its public endpoint is the service-endpoint layer's: an endpoint to it
      // is refused (or exempted by its knob) by no-private-endpoint-callee, not twice.
      if (publicAccessOf(e.site) !== "Disabled") continue;
      const where = `${e.endpoint.label} reaches mesh site ${e.site.label} from ${describe(e.subnet)}`;
      if (!(typeof e.policies === "string" && enforcesNsg(e.policies))) {
        report(
          `${where}, whose privateEndpointNetworkPolicies is ` +
            `${typeof e.policies === "string" ? `"${e.policies}"` : "unset (Disabled)"}, so NSG ` +
            `rules do not apply to the endpoint and every host with line of sight to it can call ` +
            `the site. Fix: set privateEndpointNetworkPolicies to "NetworkSecurityGroupEnabled" ` +
            `on that subnet, and give it an NSG that admits to the endpoint only the site's ` +
            `callers' integration subnets (TCP 443) and denies everything else ahead of 65000.`,
          e.endpoint.res.urn,
        );
      } else if (e.nsg.kind === "unset") {
        report(
          `${where}, which enforces NSGs on private endpoints but has no network security ` +
            `group, so every host with line of sight to the endpoint can call the site. Fix: ` +
            `attach an NSG to the subnet (networkSecurityGroup.id) that admits to the endpoint ` +
            `only the site's callers' integration subnets (TCP 443) and denies everything else ` +
            `ahead of 65000.`,
          e.endpoint.res.urn,
        );
      }
    }
  },
};
