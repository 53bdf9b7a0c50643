import type { StackValidationPolicy } from "@pulumi/policy";
import { Mesh } from "../lib/mesh";
import { extraAdmissions, privateLayerOf } from "../lib/private-endpoints";
import { isUnknown } from "../lib/values";

/**
 * Azure's default inbound rule 65000 AllowVnetInBound admits the VirtualNetwork tag: the VNet,
 * peered VNets and on-premises ranges behind a gateway (MS Learn, "Network security groups",
 * default security rules). An NSG that filters per edge needs an explicit Deny ahead of it.
 */
export const privateEndpointNsgDeniesVirtualNetwork: StackValidationPolicy = {
  name: "private-endpoint-nsg-denies-virtual-network",
  description:
    "The NSG of a mesh private-endpoint subnet must deny, ahead of Azure's default rule 65000 " +
    "AllowVnetInBound, every source it does not admit on purpose: the VirtualNetwork tag " +
    "includes peered VNets and on-premises ranges.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const mesh = Mesh.of(args.resources);
    for (const e of privateLayerOf(mesh, args.resources).endpoints) {
      const found = extraAdmissions(mesh, e);
      if (isUnknown(found) || e.nsg.kind !== "node") continue;
      for (const a of found) {
        if (a.kind !== "default-vnet") continue;
        report(
          `${e.nsg.node.label} leaves VirtualNetwork traffic to ${e.endpoint.label} ` +
            `(${e.site.label}) to Azure's default rule ${a.by.name} (${a.by.priority}), which ` +
            `admits every address of the VNet, its peered VNets and on-premises ranges. Fix: add ` +
            `an inbound Deny rule for every source ("*", any protocol and port) with a priority ` +
            `after the callers' Allow rules and before 65000 (e.g. 4096).`,
          e.nsg.node.res.urn,
        );
      }
    }
  },
};
