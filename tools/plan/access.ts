/**
 * Access queries over a plan, across both layers, answered by the model
 * (`@service-edges/model`) from the resources the program registered (not from the config), so
 * they say what would actually be deployed — the same answer `audit` gives for the same
 * resources.
 */
import { TYPES, RESOURCE_TYPES as R, childName } from "@service-edges/contract";
import {
  type MeshModel,
  type Reach,
  type PathDecision,
  isMeshType,
  modelResource,
  namedPairs,
  reach,
  readMesh,
} from "@service-edges/model";
import { MESH_NAME, type PlanResult } from "./run";

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

export class UnknownServiceError extends Error {}

/**
 * The stack's name prefix, from a site the mesh registered for a service (`<prefix>-<service>`,
 * contract names.ts), found by its URN's tail (component type, resource type, name) so a single
 * stack and an org's stacks answer alike.
 */
function namePrefixOf(plan: PlanResult): string | undefined {
  for (const s of plan.services) {
    const tail = `${TYPES.host}$${R.app}::${childName(MESH_NAME, s.name)}`;
    const app = plan.resources.find((r) => r.urn.endsWith(tail));
    const name = app?.inputs.name;
    if (typeof name === "string" && name.endsWith(`-${s.name}`)) {
      return name.slice(0, -s.name.length - 1);
    }
  }
  return undefined;
}

const models = new WeakMap<PlanResult, MeshModel>();

/** The model of the plan's mesh (read once per plan). */
export function meshOfPlan(plan: PlanResult): MeshModel {
  let m = models.get(plan);
  if (!m) {
    m = readMesh(plan.resources.filter((r) => isMeshType(r.type)).map(modelResource), {
      namePrefix: namePrefixOf(plan) ?? "",
      services: plan.services.map((s) => s.name),
    });
    models.set(plan, m);
  }
  return m;
}

function assertService(plan: PlanResult, service: string): void {
  if (plan.services.some((x) => x.name === service)) return;
  throw new UnknownServiceError(
    plan.services.length === 0
      ? `unknown service "${service}": the plan has no mesh services (the program registered no mesh sites: its stack config declares no services, or the program uses no ServiceMesh). Fix: plan the stack that declares it (--stack NAME, --config FILE or --program FILE)`
      : `unknown service "${service}"; the stack has ${plan.services.map((x) => x.name).join(", ")}`,
  );
}

const subnetShort = (id: string) => id.split("/").pop() ?? id;

/** The network answer in words: which rule or default decided, or why it never got that far. */
function networkReason(plan: PlanResult, r: Reach): string {
  const { caller, callee } = r;
  const n = r.network;
  const d: PathDecision | undefined = n.decision;
  if (!d) return `${callee} has no site in the plan`;
  const sub = n.egress.kind === "subnet" ? n.egress.subnetName : undefined;
  const from = sub ? `${caller}'s subnet ${sub}` : `${caller}`;
  if (d.by.kind === "private-endpoint") {
    const via = `${callee}'s private endpoint ${d.by.endpoint} in ${d.by.subnet}`;
    const own = n.egress.subnetName;
    const src = own ? `${caller}'s subnet ${own}` : caller;
    if (d.by.basis === "unfiltered") {
      return `${via} admits ${src}: the subnet does not enforce NSGs on private endpoints (privateEndpointNetworkPolicies), so every address with line of sight gets in`;
    }
    if (d.by.basis === "no-nsg") return `${via} admits ${src}: the subnet has no NSG`;
    const rule = d.by.rule!;
    const named = rule.isDefault
      ? `Azure's default rule ${rule.name} (${rule.priority})`
      : `the NSG rule "${rule.name}" (priority ${rule.priority})`;
    return `${named} of ${d.by.nsg} ${n.allowed === true ? "allows" : "denies"} ${src} to ${via}`;
  }
  if (d.by.kind === "public-access-disabled") {
    return `${callee} disables public network access${d.by.basis === "private-endpoint" ? " (unset, with a private endpoint)" : ""}, and access restrictions only admit traffic to its public endpoint`;
  }
  if (d.by.kind === "unknown") return `${callee}'s ${d.by.what} are not known in the plan`;
  if (d.by.kind === "rule") {
    const rule = d.by.rule;
    const src = d.by.source;
    const at = `"${rule.name}" on ${callee} (priority ${String(rule.priority)})`;
    if (!n.allowed) {
      return `the access restriction ${at} denies ${from} first`;
    }
    if (typeof src === "object" && src.kind === "subnet") {
      return `the access restriction "${rule.name}" on ${callee} allows the subnet of ${caller}, ${sub ?? subnetShort(String(src.subnetId))}`;
    }
    const isPublic = plan.services.find((s) => s.name === callee)?.ingress === "public";
    return `${callee} is public${isPublic ? " (ingress: public)" : ""}: the rule "${rule.name}" admits every address, ${caller} included`;
  }
  // The unmatched-traffic action decided.
  if (d.by.basis === "no-rules") {
    return `${callee} admits everyone: it has no access restrictions and no unmatched-traffic action`;
  }
  if (n.allowed) {
    return `${callee} admits ${caller}: no rule matches ${sub ? `its subnet ${sub}` : "it"} and its unmatched-traffic action is Allow`;
  }
  const denies =
    d.by.basis === "implicit-deny"
      ? `${callee} sets no unmatched-traffic action, so its rules end in Azure's implicit deny-all,`
      : `${callee} denies by default`;
  if (n.egress.kind === "subnet") return `${denies} and has no rule for ${from}`;
  const why = {
    "no-site": `${caller} has no site in the plan`,
    "no-integration": `${caller} has no integration subnet`,
    "routing-off": `${caller} does not route its outbound calls through ${n.egress.subnetName}`,
    "no-service-endpoint": `${caller}'s subnet ${n.egress.subnetName} has no Microsoft.Web service endpoint`,
  }[n.egress.why];
  return `${why}, so its calls leave from shared public addresses that ${callee} does not admit (${denies.replace(/,$/, "")})`;
}

function identityAnswer(r: Reach): AccessAnswer["identity"] {
  const { caller, callee } = r;
  const i = r.identity;
  const allowed = i.allowed === true;
  switch (i.basis) {
    case "no-application":
      return {
        allowed,
        roles: [],
        reason: `${callee} has no Entra application; no token is required by the mesh`,
      };
    case "no-service-principal":
      return {
        allowed,
        roles: [],
        reason: `${callee}'s Entra application has no service principal, so Entra issues no token for it`,
      };
    case "assignment-not-required":
      return {
        allowed,
        roles: i.roles,
        reason: `${callee}'s service principal does not require app role assignment, so any application in the tenant gets a token for it`,
      };
    case "grant":
      return {
        allowed,
        roles: i.roles,
        reason: `the ${i.via ?? "identity"} of ${caller} holds ${i.roles.join(", ")} on ${callee}`,
      };
    case "no-assignment":
      return {
        allowed,
        roles: [],
        reason: `${callee} requires app role assignment and ${caller} holds none of its roles, so Entra issues ${caller} no token for it`,
      };
  }
}

export function checkAccess(plan: PlanResult, caller: string, callee: string): AccessAnswer {
  for (const s of [caller, callee]) assertService(plan, s);
  const r = reach(meshOfPlan(plan), caller, callee);
  const network = { allowed: r.network.allowed === true, reason: networkReason(plan, r) };
  const identity = identityAnswer(r);
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

/**
 * Who may call `service`, and whom it may call, checked on both layers: its declared edges and
 * every pair a rule or grant names (so access the config does not declare shows too).
 */
export function matchAccess(
  plan: PlanResult,
  service: string,
): { inbound: AccessAnswer[]; outbound: AccessAnswer[] } {
  assertService(plan, service);
  const pairs = [
    ...plan.edges.map((e) => ({ caller: e.from, callee: e.to })),
    ...namedPairs(meshOfPlan(plan)),
  ];
  const callers = new Set(pairs.filter((p) => p.callee === service).map((p) => p.caller));
  const callees = new Set(pairs.filter((p) => p.caller === service).map((p) => p.callee));
  const known = (s: string) => plan.services.some((x) => x.name === s);
  return {
    inbound: [...callers]
      .filter(known)
      .sort()
      .map((c) => checkAccess(plan, c, service)),
    outbound: [...callees]
      .filter(known)
      .sort()
      .map((c) => checkAccess(plan, service, c)),
  };
}
