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
 * contract names.ts), for a plan saved before plans listed their meshes.
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

/** The Azure names of the sites a program registered (a program without a mesh component). */
function siteNames(plan: PlanResult): string[] {
  const sites = readMesh(plan.resources.filter((r) => isMeshType(r.type)).map(modelResource), {
    namePrefix: "",
    services: [],
  }).deployed.sites.all.values();
  return [...new Set([...sites].filter((s) => s.slot === undefined).map((s) => s.name))].sort();
}

/**
 * The services queries may name: the meshes' (qualified `mesh/service` when a program has several
 * meshes), or, in a program without a mesh component, its sites by their Azure names.
 */
export function queryableServices(plan: PlanResult): string[] {
  return plan.services.length > 0 || (plan.meshes?.length ?? 0) > 0
    ? plan.services.map((s) => s.name)
    : siteNames(plan);
}

/** One mesh of a plan, read by the model, and how its services are named in the plan. */
interface Scope {
  model: MeshModel;
  /** The plan's name of a service of this mesh. */
  named: (local: string) => string;
}

const scopes = new WeakMap<PlanResult, Map<string, Scope>>();

/** The model of each mesh of the plan (read once per plan), by mesh name ("" for the only one). */
function scopesOf(plan: PlanResult): Map<string, Scope> {
  let m = scopes.get(plan);
  if (m) return m;
  m = new Map();
  const resources = plan.resources.filter((r) => isMeshType(r.type)).map(modelResource);
  const meshes = plan.meshes ?? [];
  if (meshes.length > 1) {
    for (const mesh of meshes) {
      const prefix = `${mesh.name}/`;
      const services = plan.services
        .filter((s) => s.mesh === mesh.name)
        .map((s) => s.name.slice(prefix.length));
      m.set(mesh.name, {
        model: readMesh(resources, { namePrefix: mesh.namePrefix, services }),
        named: (local) => `${prefix}${local}`,
      });
    }
  } else {
    const namePrefix = meshes[0]?.namePrefix ?? namePrefixOf(plan) ?? "";
    const services = queryableServices(plan);
    m.set("", { model: readMesh(resources, { namePrefix, services }), named: (s) => s });
  }
  scopes.set(plan, m);
  return m;
}

/** The model of the plan's mesh: its only (or first) mesh, or its sites when it has none. */
export function meshOfPlan(plan: PlanResult): MeshModel {
  return [...scopesOf(plan).values()][0].model;
}

/** Where a plan's service name lives: its mesh's scope and its name there. */
function scoped(plan: PlanResult, service: string): { scope: Scope; local: string; mesh: string } {
  const all = scopesOf(plan);
  const only = all.get("");
  if (only) return { scope: only, local: service, mesh: "" };
  const slash = service.indexOf("/");
  const mesh = service.slice(0, slash);
  // A mesh only one side of a review has: its pairs are judged by a model without its sites.
  const scope = all.get(mesh) ?? [...all.values()][0];
  return { scope, local: service.slice(slash + 1), mesh };
}

/**
 * Both layers' decision for one pair of the plan's services, by the model; a pair in two
 * different meshes has no path (their VNets and Entra applications are their own).
 */
export function planReach(plan: PlanResult, caller: string, callee: string): Reach {
  const a = scoped(plan, caller);
  const b = scoped(plan, callee);
  const scope = a.mesh === b.mesh ? a.scope : b.scope;
  const r = reach(scope.model, a.mesh === b.mesh ? a.local : caller, b.local);
  return { ...r, caller, callee };
}

/** Every pair a rule or grant of the plan names, in the plan's service names. */
export function planPairs(plan: PlanResult): { caller: string; callee: string }[] {
  return [...scopesOf(plan).values()].flatMap((s) =>
    namedPairs(s.model).map((p) => ({
      ...p,
      caller: s.named(p.caller),
      callee: s.named(p.callee),
    })),
  );
}

function assertService(plan: PlanResult, service: string): void {
  const names = queryableServices(plan);
  if (names.includes(service)) return;
  throw new UnknownServiceError(
    names.length === 0
      ? `unknown service "${service}": the plan has no services (the program registered no mesh component and no App Service sites). Fix: plan the stack that declares it (--stack NAME, --config FILE or --program FILE)`
      : `unknown service "${service}"; the ${plan.services.length > 0 ? "stack has" : "program's sites are"} ${names.join(", ")}`,
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
  const r = planReach(plan, caller, callee);
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
  const pairs = [...plan.edges.map((e) => ({ caller: e.from, callee: e.to })), ...planPairs(plan)];
  const callers = new Set(pairs.filter((p) => p.callee === service).map((p) => p.caller));
  const callees = new Set(pairs.filter((p) => p.caller === service).map((p) => p.callee));
  const names = new Set(queryableServices(plan));
  const known = (s: string) => names.has(s);
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
