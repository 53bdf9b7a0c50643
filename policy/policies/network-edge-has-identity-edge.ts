import type { StackValidationPolicy } from "@pulumi/policy";
import {
  Principals,
  calleeServicePrincipals,
  callerPrincipals,
  hasAssignment,
} from "../lib/identity";
import { admitsSubnet, mainRuleList } from "../lib/access";
import { Mesh, SiteNode, describe, keyOf, meshSites } from "../lib/mesh";

export const networkEdgeHasIdentityEdge: StackValidationPolicy = {
  name: "network-edge-has-identity-edge",
  description:
    "Every subnet access rule that lets a caller app reach a callee should be matched by an app " +
    "role assignment of that caller's identity on the callee's service principal; a network " +
    "edge without an identity edge is either dead configuration or a token check that will " +
    "fail. Advisory: the caller may authenticate with an identity the stack does not show.",
  enforcementLevel: "advisory",
  validateStack: (args, report) => {
    const mesh = Mesh.of(args.resources);
    const callersBySubnet = new Map<string, SiteNode[]>();
    const principalsOf = new Map<string, Principals>();
    for (const site of mesh.sites.nodes) {
      const key = keyOf(mesh.integrationSubnetOf(site));
      if (!key) continue;
      const list = callersBySubnet.get(key);
      if (list) list.push(site);
      else callersBySubnet.set(key, [site]);
    }
    // Callers are any integrated site; callees are mesh sites (a subnet rule makes one). Whether
    // the callee admits a caller's subnet is the model's decision (priority, first match, then
    // the unmatched-traffic action): a Deny for that subnet that comes first admits nobody.
    for (const callee of meshSites(mesh)) {
      if (!Array.isArray(callee.rules)) continue;
      const rules = callee.rules.filter((r) => r.list === "main" && r.subnet !== undefined);
      if (rules.length === 0) continue;
      const list = mainRuleList(mesh, callee);
      const sps = calleeServicePrincipals(mesh, callee);
      if (sps.sps.length === 0 || !sps.complete) continue;
      const seen = new Set<string>();
      for (const rule of rules) {
        const subnet = mesh.subnets.resolve(rule.subnet!);
        const key = keyOf(subnet);
        if (!key || seen.has(key)) continue;
        seen.add(key);
        if (admitsSubnet(list, key) !== true) continue;
        for (const caller of callersBySubnet.get(key) ?? []) {
          if (caller.appKey === callee.appKey) continue;
          let principals = principalsOf.get(caller.key);
          if (!principals) {
            principals = callerPrincipals(mesh, caller);
            principalsOf.set(caller.key, principals);
          }
          const granted = hasAssignment(mesh, principals, sps.sps);
          if (granted !== false) continue;
          if (!principals.complete) continue;
          const holder =
            principals.names.length > 0
              ? `none of its identities (${principals.names.join(", ")}) holds an app role ` +
                `assignment on`
              : "it has no identity, so it holds no app role assignment on";
          report(
            `${callee.label} admits ${describe(subnet)}, the integration subnet of ` +
              `${caller.label}, but ${holder} ` +
              `${sps.sps.map((s) => s.label).join(", ")}: the network allows a call that the ` +
              `token check will refuse. Fix: add an azuread AppRoleAssignment (principalObjectId: ` +
              `the caller identity's principal id, resourceObjectId: the callee service ` +
              `principal's object id, appRoleId: the granted role), or remove the access rule.`,
            callee.res.urn,
          );
        }
      }
    }
  },
};
