import type { StackValidationPolicy } from "@pulumi/policy";
import { Mesh, describe } from "../lib/mesh";
import { privateLayerOf, publicAccessOf } from "../lib/private-endpoints";

/**
 * The mesh's private-endpoint subnets are the subnets of the stack (their NSG is the mesh's, and
 * changes to it are reviewed with the mesh). An endpoint to a mesh site from a subnet the stack
 * does not hold is filtered, if at all, by an NSG out of the mesh's hands.
 */
export const privateEndpointInMeshSubnet: StackValidationPolicy = {
  name: "private-endpoint-in-mesh-subnet",
  description:
    "A private endpoint to a mesh site must be in one of the mesh's private-endpoint subnets " +
    "(a subnet of the stack, whose NSG admits only the site's callers): a second endpoint in " +
    "another subnet is filtered by an NSG the mesh does not control.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const mesh = Mesh.of(args.resources);
    const layer = privateLayerOf(mesh, args.resources);
    for (const e of layer.endpoints) {
      if (e.subnet.kind !== "external") continue;
      // Only a site on the private-endpoint layer (an NSG-filtered endpoint reaches it, or its
      // public access is off): an endpoint to any other mesh site is no-private-endpoint-callee's.
      if (!layer.privateSites.has(e.site.key) && publicAccessOf(e.site) !== "Disabled") continue;
      report(
        `${e.endpoint.label} reaches mesh site ${e.site.label} from subnet ${describe(e.subnet)}, ` +
          `which is not one of the mesh's private-endpoint subnets (a subnet of this stack), so ` +
          `an NSG the mesh does not control decides who calls the site through it. Fix: remove ` +
          `that private endpoint; callers reach the site through its endpoint in the mesh's ` +
          `private-endpoint subnet, whose NSG admits only its callers.`,
        e.endpoint.res.urn,
      );
    }
  },
};
