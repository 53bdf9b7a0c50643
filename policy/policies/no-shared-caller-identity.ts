import type { StackValidationPolicy } from "@pulumi/policy";
import { managedPrincipals, servicePrincipalsOfApplication } from "../lib/identity";
import { Mesh, Node, SiteNode, depsOf } from "../lib/mesh";
import { asArray, asObject, asString, at, isUnknown, labelsOf } from "../lib/values";

interface Holder {
  node: Node;
  apps: Map<string, string>;
}

function attach(into: Map<string, Holder>, node: Node, site: SiteNode): void {
  // A slot whose site is not known could be the same app as another holder: do not count it.
  if (site.slot && site.appKey === site.res.urn) return;
  const h = into.get(node.key) ?? { node, apps: new Map<string, string>() };
  // A slot is the same service as its site: count the app once.
  if (!h.apps.has(site.appKey) || !site.slot) h.apps.set(site.appKey, site.label);
  into.set(node.key, h);
}

/** True when some app role assignment is granted to this principal. */
function holdsAssignment(mesh: Mesh, principal: { ids: string[]; urns: string[] }): boolean {
  return mesh.assignments.some((a) => Mesh.principalMatches(a.principal, principal) === true);
}

export const noSharedCallerIdentity: StackValidationPolicy = {
  name: "no-shared-caller-identity",
  description:
    "An identity that holds app role assignments (a user-assigned managed identity, or an app " +
    "registration trusted through federated credentials) must belong to exactly one app: every " +
    "app that can use it gets the same token, so a callee cannot tell those callers apart and " +
    "each of them gets all of the others' roles.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const mesh = Mesh.of(args.resources);
    const byIdentity = new Map<string, Holder>();
    const byApplication = new Map<string, Holder>();
    for (const site of mesh.sites.nodes) {
      const uai = at(site.p, "identity", "userAssignedIdentities");
      const arr = asArray(uai);
      const map = asObject(uai);
      const ids = Array.isArray(arr)
        ? arr.map((e) => asString(e))
        : map && !isUnknown(map)
          ? Object.keys(map)
          : [];
      const deps = depsOf(site.res, "identity");
      for (const id of ids) {
        const target = mesh.identities.resolve({ value: id, deps });
        if (target.kind === "node") attach(byIdentity, target.node, site);
      }
      const managed = managedPrincipals(mesh, site);
      for (const fic of mesh.federatedCredentials) {
        if (Mesh.principalMatches(fic.subject, managed) !== true) continue;
        const app = mesh.applicationsById.resolve(fic.application);
        if (app.kind === "node") attach(byApplication, app.node, site);
      }
    }
    for (const h of byIdentity.values()) {
      if (h.apps.size < 2) continue;
      const node = mesh.identities.nodes.find((n) => n.key === h.node.key)!;
      const principal = {
        ids: typeof node.principalId === "string" ? [node.principalId] : [],
        urns: [node.res.urn],
      };
      if (!holdsAssignment(mesh, principal)) continue;
      report(
        `${node.label} holds app role assignments and is attached to ${h.apps.size} apps ` +
          `(${labelsOf(h.apps)}): each of them calls with the same token, so callees cannot tell ` +
          `them apart and each gets the others' roles. Fix: give every calling app its own ` +
          `user-assigned identity and grant each only its own edges.`,
        node.res.urn,
      );
    }
    for (const h of byApplication.values()) {
      if (h.apps.size < 2) continue;
      const app = mesh.applicationsById.nodes.find((n) => n.key === h.node.key)!;
      const sps = servicePrincipalsOfApplication(mesh, app);
      const principal = {
        ids: sps.flatMap((s) => (typeof s.objectId === "string" ? [s.objectId] : [])),
        urns: sps.map((s) => s.res.urn),
      };
      if (!holdsAssignment(mesh, principal)) continue;
      report(
        `${app.label} holds app role assignments and trusts the managed identities of ` +
          `${h.apps.size} apps (${labelsOf(h.apps)}) through federated credentials: each of them ` +
          `calls with the same token, so callees cannot tell them apart. Fix: give every calling ` +
          `app its own app registration, trusting only that app's identity.`,
        app.res.urn,
      );
    }
  },
};
