import type { StackValidationPolicy } from "@pulumi/policy";
import { AppRoleInfo, Mesh, ServicePrincipalNode } from "../lib/mesh";
import { isUnknown } from "../lib/values";
import { daysBetween, today } from "@service-edges/contract/dates";
import { shadowUntilInNote } from "@service-edges/contract/shadow";

function exposedRole(roles: AppRoleInfo[] | unknown): AppRoleInfo | undefined {
  if (!Array.isArray(roles)) return undefined;
  return (roles as AppRoleInfo[]).find((r) => r.forApplications === true && r.enabled !== false);
}

function roleName(r: AppRoleInfo): string {
  return typeof r.value === "string" ? `"${r.value}"` : "(unnamed)";
}

/** Why this service principal needs assignment required, or undefined if nothing says so. */
function reasonFor(mesh: Mesh, sp: ServicePrincipalNode): string | undefined {
  const app = mesh.applicationsByClientId.resolve(sp.client);
  if (app.kind === "node") {
    const inline = exposedRole(app.node.roles);
    if (inline) return `exposes app role ${roleName(inline)} to applications (${app.node.label})`;
    for (const role of mesh.appRoles) {
      const owner = mesh.applicationsById.resolve(role.application);
      if (owner.kind !== "node" || owner.node.key !== app.node.key) continue;
      if (role.role.forApplications === true && role.role.enabled !== false) {
        return `exposes app role ${roleName(role.role)} to applications (${role.label})`;
      }
    }
  }
  const own = exposedRole(sp.roles);
  if (own) return `exposes app role ${roleName(own)} to applications`;
  for (const a of mesh.assignments) {
    const target = mesh.servicePrincipals.resolve(a.resource);
    if (target.kind === "node" && target.node.key === sp.key) {
      return `is the resource of ${a.label}`;
    }
  }
  return undefined;
}

export const assignmentRequired: StackValidationPolicy = {
  name: "assignment-required",
  description:
    "The service principal of an application that exposes app roles to applications, or that " +
    "an app role assignment points at, must set appRoleAssignmentRequired: true; otherwise any " +
    "application in the tenant can get a token for it and only application code stands between " +
    "it and every caller.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const mesh = Mesh.of(args.resources);
    for (const sp of mesh.servicePrincipals.nodes) {
      if (sp.assignmentRequired === true || isUnknown(sp.assignmentRequired)) continue;
      // A callee in shadow does not require assignment on purpose (Entra would refuse undeclared
      // callers before the token library could record them); shadow-enforcement reports its site.
      // Only until its last day: from the next day the marker excuses nothing, so a service
      // principal left (or marked) in shadow is refused here like any other.
      const until = shadowUntilInNote(sp.p.notes);
      if (until && daysBetween(today(), until) >= 0) continue;
      const reason = reasonFor(mesh, sp);
      if (!reason) continue;
      report(
        `${sp.label} ${reason}, but appRoleAssignmentRequired is ` +
          `${sp.assignmentRequired === false ? "false" : "unset"}: any application in the tenant ` +
          `can get a token for it. Fix: set appRoleAssignmentRequired: true so that only callers ` +
          `with an app role assignment get tokens.`,
        sp.res.urn,
      );
    }
  },
};
