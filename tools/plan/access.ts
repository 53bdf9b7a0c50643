/**
 * Access queries over a plan, across both layers, answered from the resources the program
 * registered (not from the config), so they say what would actually be deployed.
 */
import { RESOURCE_TYPES as R, TYPES, childName } from "@service-edges/contract";
import { MESH_NAME, type PlanResource, type PlanResult } from "./run";

type Obj = Record<string, unknown>;

export interface LayerAnswer {
  allowed: boolean;
  reason: string;
}

export interface AccessAnswer {
  caller: string;
  callee: string;
  allowed: boolean;
  network: LayerAnswer;
  identity: LayerAnswer & { roles: string[] };
}

/**
 * The mesh's resource of a type held by one of its components for a service: by its URN's tail
 * (component type, resource type, name), so a single-stack mesh and an org's stacks (the platform's
 * identities, a team's hosts and callees) answer alike.
 */
function find(
  plan: PlanResult,
  component: "host" | "callee" | "identity",
  type: string,
  service: string,
): PlanResource | undefined {
  const tail = `${TYPES[component]}$${type}::${childName(MESH_NAME, service)}`;
  return plan.resources.find((r) => r.urn.endsWith(tail));
}

/** Rule addresses that admit every address (ARM writes the implicit all-rule as `Any`). */
const EVERYONE = new Set(["Any", "0.0.0.0/0", "::/0", "*"]);

export class UnknownServiceError extends Error {}

export function checkAccess(plan: PlanResult, caller: string, callee: string): AccessAnswer {
  for (const s of [caller, callee]) {
    if (!plan.services.some((x) => x.name === s)) {
      throw new UnknownServiceError(
        `unknown service "${s}"; the stack has ${plan.services.map((x) => x.name).join(", ")}`,
      );
    }
  }
  const callerApp = find(plan, "host", R.app, caller)!;
  const calleeApp = find(plan, "host", R.app, callee)!;
  const subnetId = callerApp.inputs.virtualNetworkSubnetId as string | undefined;
  const cfg = (calleeApp.inputs.siteConfig ?? {}) as Obj;
  const rules = (cfg.ipSecurityRestrictions ?? []) as Obj[];

  let network: LayerAnswer;
  const allow = rules.filter((r) => r.action === "Allow");
  const everyone = allow.find((r) => EVERYONE.has(String(r.ipAddress)));
  const vnetRule = subnetId && allow.find((r) => r.vnetSubnetResourceId === subnetId);
  if (cfg.ipSecurityRestrictionsDefaultAction !== "Deny") {
    network = {
      allowed: true,
      reason: `${callee} admits everyone: its access restrictions do not deny by default`,
    };
  } else if (vnetRule) {
    network = {
      allowed: true,
      reason: `the access restriction "${String(vnetRule.name)}" on ${callee} allows the subnet of ${caller}, ${subnetId.split("/").pop()}`,
    };
  } else if (everyone) {
    network = {
      allowed: true,
      reason: `${callee} is public (ingress: public): the rule "${String(everyone.name)}" admits every address, ${caller} included`,
    };
  } else {
    const ingress = allow.filter((r) => !r.vnetSubnetResourceId).map((r) => String(r.ipAddress));
    const outside = ingress.length
      ? `; its ingress (${ingress.join(", ")}) admits sources outside the mesh only`
      : "";
    network = {
      allowed: false,
      reason: subnetId
        ? `${callee} denies by default and has no rule for ${caller}'s subnet ${subnetId.split("/").pop()}${outside}`
        : `${caller} has no integration subnet, so its calls leave from shared public addresses that ${callee} denies${outside}`,
    };
  }

  const sp = find(plan, "callee", R.servicePrincipal, callee);
  let identity: AccessAnswer["identity"];
  if (!sp) {
    identity = {
      allowed: true,
      roles: [],
      reason: `${callee} has no Entra application; no token is required by the mesh`,
    };
  } else {
    const reg = find(plan, "identity", R.servicePrincipal, caller);
    const uami = find(plan, "identity", R.userAssignedIdentity, caller)!;
    const principal = (reg ? reg.outputs.objectId : uami.outputs.principalId) as string;
    const application = find(plan, "callee", R.application, callee)!;
    const roleById = new Map(
      ((application.inputs.appRoles ?? []) as Obj[]).map((r) => [r.id as string, r]),
    );
    const roles = plan.resources
      .filter(
        (r) =>
          r.type === R.appRoleAssignment &&
          r.inputs.principalObjectId === principal &&
          r.inputs.resourceObjectId === sp.outputs.objectId,
      )
      .map((r) => roleById.get(r.inputs.appRoleId as string))
      .filter((r): r is Obj => r !== undefined && r.enabled !== false)
      .map((r) => r.value as string)
      .sort();
    identity =
      roles.length > 0
        ? {
            allowed: true,
            roles,
            reason: `the ${reg ? "app registration" : "managed identity"} of ${caller} holds ${roles.join(", ")} on ${callee}`,
          }
        : {
            allowed: false,
            roles,
            reason: `${callee} requires app role assignment and ${caller} holds none of its roles, so Entra issues ${caller} no token for it`,
          };
  }
  return { caller, callee, allowed: network.allowed && identity.allowed, network, identity };
}

export function describeAccess(a: AccessAnswer): string {
  const head = a.allowed
    ? `ALLOWED: ${a.caller} may call ${a.callee}${a.identity.roles.length ? ` with ${a.identity.roles.join(", ")}` : ""}`
    : `DENIED: ${a.caller} may not call ${a.callee}`;
  return [
    head,
    `  network:  ${a.network.allowed ? "allow" : "deny "} - ${a.network.reason}`,
    `  identity: ${a.identity.allowed ? "allow" : "deny "} - ${a.identity.reason}`,
  ].join("\n");
}

/** Who may call `service`, and whom it may call, checked on both layers. */
export function matchAccess(
  plan: PlanResult,
  service: string,
): { inbound: AccessAnswer[]; outbound: AccessAnswer[] } {
  if (!plan.services.some((x) => x.name === service)) {
    throw new UnknownServiceError(
      `unknown service "${service}"; the stack has ${plan.services.map((x) => x.name).join(", ")}`,
    );
  }
  const callers = plan.edges.filter((e) => e.to === service).map((e) => e.from);
  const callees = plan.edges.filter((e) => e.from === service).map((e) => e.to);
  return {
    inbound: callers.map((c) => checkAccess(plan, c, service)),
    outbound: callees.map((c) => checkAccess(plan, service, c)),
  };
}
