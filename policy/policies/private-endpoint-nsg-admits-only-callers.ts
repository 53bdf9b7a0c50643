import type { StackValidationPolicy } from "@pulumi/policy";
import { Mesh, describe } from "../lib/mesh";
import { extraAdmissions, privateLayerOf } from "../lib/private-endpoints";
import { isUnknown } from "../lib/values";

/**
 * Least privilege per edge on the private layer: the NSG of a mesh private-endpoint subnet admits
 * to a site's endpoint exactly its declared callers' integration subnets (a caller is declared by
 * an app role assignment of its identity on the site's service principal, the identity edge) and
 * the ranges the site declares itself (the IP rules of its access restrictions, its
 * `service-edges-ingress` tag). Which rule admits a source is the model's decision (decideNsg).
 */
export const privateEndpointNsgAdmitsOnlyCallers: StackValidationPolicy = {
  name: "private-endpoint-nsg-admits-only-callers",
  description:
    "The NSG of a mesh private-endpoint subnet must admit to each site's endpoint only the " +
    "integration subnets of the site's declared callers (their identities hold an app role " +
    "assignment on the site's service principal) and the ranges the site declares (its access " +
    "restrictions' IP rules, its service-edges-ingress tag): no other subnet, range or tag.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const mesh = Mesh.of(args.resources);
    for (const e of privateLayerOf(mesh, args.resources).endpoints) {
      const found = extraAdmissions(mesh, e);
      if (isUnknown(found) || e.nsg.kind !== "node") continue;
      const nsg = e.nsg.node.label;
      const to = `${e.endpoint.label} (${e.site.label})`;
      for (const a of found) {
        if (a.kind === "default-vnet") continue;
        const rule = `rule "${a.by.name}" (priority ${a.by.priority})`;
        if (a.kind === "caller-subnet") {
          const who = a.callers.map((c) => c.label).join(", ");
          report(
            `${nsg} admits ${describe({ kind: "node", node: a.subnet })} (${a.prefix}), the ` +
              `integration subnet of ${who}, to ${to} by ${rule}, but ${who} is no declared ` +
              `caller of ${e.site.label}: ${a.holder} ${a.sps}. Fix: remove ${a.prefix} from ` +
              `that rule's sources, or declare the edge (an app role assignment of the caller's ` +
              `identity on the callee's service principal).`,
            e.nsg.node.res.urn,
          );
        } else if (a.kind === "range") {
          report(
            `${nsg} admits ${a.prefix} to ${to} by ${rule}, but ${a.prefix} is neither a ` +
              `declared caller's integration subnet nor a range ${e.site.label} declares (an IP ` +
              `rule of its access restrictions, its service-edges-ingress tag). Fix: remove it ` +
              `from that rule's sources; admit to each endpoint only its callers' integration ` +
              `subnets and its declared ingress ranges.`,
            e.nsg.node.res.urn,
          );
        } else {
          report(
            `${nsg} admits "${a.prefix}" to ${to} by ${rule}: that source takes in every ` +
              `address of the VNet, its peered VNets and on-premises ranges (or more). Fix: name ` +
              `the callers' integration subnets instead, and deny everything else ahead of 65000.`,
            e.nsg.node.res.urn,
          );
        }
      }
    }
  },
};
