/**
 * "May A reach B?", per layer, with what decided it — the one answer `check`, `match`, the
 * review's access changes, `audit` and the pack give.
 *
 * Network: a call from A leaves through A's integration subnet when A routes its outbound
 * application traffic through the integration (`outboundVnetRouting`, which supersedes the
 * legacy `vnetRouteAllEnabled`) and that subnet has the Microsoft.Web service endpoint; B's
 * public endpoint then matches it by subnet rules. Otherwise it leaves from App Service's shared
 * public addresses, which B admits only if it admits every address. Each way into B is a
 * network path; the public endpoint (access restrictions) is the first, and a path through a
 * private endpoint (its subnet's NSG, nsg.ts) plugs into NETWORK_PATHS.
 *
 * Identity: B's callee application requires app role assignment (`appRoleAssignmentRequired`),
 * so Entra issues A a token for B only if one of A's principals (its managed identity, its app
 * registration's service principal) holds an enabled app role of B
 * (https://learn.microsoft.com/en-us/entra/identity-platform/howto-restrict-your-app-to-a-set-of-users).
 */
import { type AddressRange, EVERY_ADDRESS, covers, parseRange } from "./addresses";
import type { Request } from "./access-restrictions";
import { type Site, siteAccessOf } from "./deployed";
import type { MeshModel, PrincipalKind } from "./mesh";
import { decideNsg } from "./nsg";
import { type PrivateEndpointInfo, enforcesNsg, nsgOf } from "./private-links";
import { type SiteDecision, decideSite } from "./site-access";
import { type Verdict, sameText } from "./unknown";

/** How the caller's calls leave it. */
export type Egress =
  | { kind: "subnet"; subnetId: string; subnetName: string }
  | {
      kind: "public";
      why: "no-site" | "no-integration" | "routing-off" | "no-service-endpoint";
      subnetName?: string;
    };

export interface NetworkReach {
  allowed: Verdict;
  /** The path that decided: the first that admits, else the public endpoint's refusal. */
  path: string;
  egress: Egress;
  /** Undefined when the callee has no site. */
  decision?: PathDecision;
}

/**
 * A call to one of the callee's private endpoints, decided by the NSG of the endpoint's subnet:
 * `unfiltered` when the subnet does not enforce NSGs on private endpoints (every address with line
 * of sight gets in), `no-nsg` when it does but has none, else the NSG rule that decided
 * (decideNsg: priority, first match, then Azure's defaults).
 */
export interface PrivateEndpointDecision {
  allowed: Verdict;
  by: {
    kind: "private-endpoint";
    endpoint: string;
    subnet: string;
    basis: "unfiltered" | "no-nsg" | "nsg-rule";
    nsg?: string;
    rule?: { name: string; priority: number; isDefault: boolean };
  };
  undecided: [];
}

export type PathDecision = SiteDecision | PrivateEndpointDecision;

export type IdentityBasis =
  /** The callee has no Entra application: the mesh requires no token. */
  | "no-application"
  /** The callee's application has no service principal: Entra issues no token for it. */
  | "no-service-principal"
  /** The service principal does not require app role assignment: any application gets one. */
  | "assignment-not-required"
  | "grant"
  | "no-assignment";

export interface IdentityReach {
  allowed: Verdict;
  basis: IdentityBasis;
  roles: string[];
  /** Whose grants gave the roles. */
  via?: PrincipalKind;
}

export interface Reach {
  caller: string;
  callee: string;
  allowed: Verdict;
  network: NetworkReach;
  identity: IdentityReach;
}

const both = (a: Verdict, b: Verdict): Verdict =>
  a === false || b === false ? false : a === "unknown" || b === "unknown" ? "unknown" : true;

/** How a caller's calls leave it, and the request the callee's front end sees. */
export function egressOf(model: MeshModel, caller: string): { egress: Egress; request: Request } {
  const everyone: Request = { from: EVERY_ADDRESS[0] };
  const site: Site | undefined = model.site(caller);
  if (!site) {
    // A caller of another stack (an org's team stack): integrated into the subnet the platform's
    // registry gives it, as the mesh's component integrates and routes every caller.
    const subnetId = model.deployed.registry.get(caller)?.subnetId;
    if (!subnetId) return { egress: { kind: "public", why: "no-site" }, request: everyone };
    const sub = model.deployed.subnets.get(subnetId.toLowerCase());
    const subnetName = sub?.name ?? subnetId.split("/").pop()!;
    return { egress: { kind: "subnet", subnetId, subnetName }, request: { subnetId } };
  }
  if (!site.subnetId)
    return { egress: { kind: "public", why: "no-integration" }, request: everyone };
  const sub = model.deployed.subnets.get(site.subnetId.toLowerCase());
  const subnetName = sub?.name ?? site.subnetId.split("/").pop()!;
  if ((site.outboundRouting ?? site.routeAll) === false) {
    return { egress: { kind: "public", why: "routing-off", subnetName }, request: everyone };
  }
  if (sub && !sub.webEndpoint) {
    return {
      egress: { kind: "public", why: "no-service-endpoint", subnetName },
      request: everyone,
    };
  }
  return {
    egress: { kind: "subnet", subnetId: site.subnetId, subnetName },
    request: { subnetId: site.subnetId },
  };
}

/** One way into a site. */
export interface NetworkPath {
  name: string;
  decide(
    model: MeshModel,
    callee: Site,
    request: Request,
    caller: string,
  ): PathDecision | undefined;
}

/** The site's public endpoint: public network access, then the main site's access restrictions. */
export const PUBLIC_ENDPOINT: NetworkPath = {
  name: "public endpoint",
  decide: (_model, callee, request) => decideSite(siteAccessOf(callee), "main", request),
};

/** The caller's integration subnet id (its site's, or the org registry's), if it has one. */
function integrationSubnetOf(model: MeshModel, caller: string): string | undefined {
  return model.site(caller)?.subnetId ?? model.deployed.registry.get(caller)?.subnetId;
}

/** The endpoints connected (approved) to the site itself, not to a slot. */
export function endpointsOf(model: MeshModel, site: Site): PrivateEndpointInfo[] {
  if (site.slot) return [];
  return model.deployed.privateLinks.endpoints.filter((e) =>
    e.targets.some((t) => {
      const m = /\/sites\/([^/]+)$/i.exec(t.siteId);
      return m !== null && sameText(m[1], site.name) && sameText(t.status, "Approved");
    }),
  );
}

/**
 * The site's private endpoints: a caller's calls leave through its integration subnet into the
 * VNet (private addresses go through the integration whatever the routing setting), and reach an
 * endpoint through the NSG of the endpoint's subnet, on TCP 443 (sites are httpsOnly). App
 * Service access restrictions do not apply to traffic through a private endpoint
 * (overview-private-endpoint), so this path is decided by the NSG alone.
 */
export const PRIVATE_ENDPOINT: NetworkPath = {
  name: "private endpoint",
  decide: (model, callee, _request, caller) => {
    const endpoints = endpointsOf(model, callee);
    const subnetId = integrationSubnetOf(model, caller);
    if (endpoints.length === 0 || !subnetId) return undefined;
    const links = model.deployed.privateLinks;
    const from: AddressRange | undefined = links.subnets.get(subnetId.toLowerCase())?.prefixes[0];
    let first: PrivateEndpointDecision | undefined;
    for (const e of endpoints) {
      const subnet = e.subnetId ? links.subnets.get(e.subnetId.toLowerCase()) : undefined;
      const base = {
        kind: "private-endpoint" as const,
        endpoint: e.name,
        subnet: subnet?.name ?? e.subnetId?.split("/").pop() ?? "?",
      };
      let d: PrivateEndpointDecision;
      const nsg =
        subnet && enforcesNsg(subnet.endpointPolicies) ? nsgOf(links, subnet.nsgId) : undefined;
      if (!subnet || !enforcesNsg(subnet.endpointPolicies)) {
        d = { allowed: true, by: { ...base, basis: "unfiltered" }, undecided: [] };
      } else if (!nsg) {
        d = { allowed: true, by: { ...base, basis: "no-nsg" }, undecided: [] };
      } else {
        const decision = decideNsg(nsg.rules, {
          protocol: "Tcp",
          source: { ...(from ? { address: from } : {}), tags: ["VirtualNetwork"] },
          destination: {
            ...((e.addresses[0] ?? subnet.prefixes[0])
              ? { address: e.addresses[0] ?? subnet.prefixes[0] }
              : {}),
            tags: ["VirtualNetwork"],
            asgs: e.asgs,
          },
          destinationPort: 443,
        });
        d = {
          allowed: decision.allowed,
          by: { ...base, basis: "nsg-rule", nsg: nsg.name, rule: decision.rule },
          undecided: [],
        };
      }
      if (d.allowed === true) return d;
      first ??= d;
    }
    return first;
  },
};

/** The ways into a site, in the order they are asked; the first that admits decides. */
export const NETWORK_PATHS: NetworkPath[] = [PUBLIC_ENDPOINT, PRIVATE_ENDPOINT];

export function networkReach(model: MeshModel, caller: string, callee: string): NetworkReach {
  const { egress, request } = egressOf(model, caller);
  const site = model.site(callee);
  if (!site) return { allowed: false, path: "none", egress };
  let first: NetworkReach | undefined;
  for (const path of NETWORK_PATHS) {
    const decision = path.decide(model, site, request, caller);
    if (!decision) continue;
    const r: NetworkReach = { allowed: decision.allowed, path: path.name, egress, decision };
    if (decision.allowed === true) return r;
    // A public endpoint that is off says less than the private path that refuses the caller.
    const closedPublic = first?.decision?.by.kind === "public-access-disabled";
    if (!first || closedPublic || (first.allowed === false && decision.allowed === "unknown"))
      first = r;
  }
  return first ?? { allowed: false, path: "none", egress };
}

const ZERO_ROLE = /^0{8}-(0{4}-){3}0{12}$/;

export function identityReach(model: MeshModel, caller: string, callee: string): IdentityReach {
  const target = model.entra(callee);
  if (!target.app) return { allowed: true, basis: "no-application", roles: [] };
  if (!target.sp) return { allowed: false, basis: "no-service-principal", roles: [] };
  const from = model.entra(caller);
  const principals: [string, PrincipalKind][] = [];
  if (from.registration) principals.push([from.registration.objectId, "app registration"]);
  if (from.managedIdentity) principals.push([from.managedIdentity, "managed identity"]);
  const spId = target.sp.objectId;
  const roles = new Set<string>();
  let via: PrincipalKind | undefined;
  let defaultAccess = false;
  for (const [principal, kind] of principals) {
    for (const g of model.grantsOn(spId)) {
      if (!sameText(g.principalId, principal)) continue;
      if (ZERO_ROLE.test(g.appRoleId)) defaultAccess = true;
      const role = target.app.roles.get(g.appRoleId.toLowerCase());
      if (!role || !role.enabled) continue;
      roles.add(role.value);
      via ??= kind;
    }
  }
  const list = [...roles].sort();
  const required = target.sp.assignmentRequired;
  if (required !== true) {
    return {
      allowed: required === "hidden" ? "unknown" : true,
      basis: "assignment-not-required",
      roles: list,
      ...(via ? { via } : {}),
    };
  }
  if (list.length > 0 || defaultAccess) {
    return { allowed: true, basis: "grant", roles: list, ...(via ? { via } : {}) };
  }
  return { allowed: false, basis: "no-assignment", roles: [] };
}

/** Whether `caller` may reach `callee`, per layer. */
export function reach(model: MeshModel, caller: string, callee: string): Reach {
  const network = networkReach(model, caller, callee);
  const identity = identityReach(model, caller, callee);
  return {
    caller,
    callee,
    allowed: both(network.allowed, identity.allowed),
    network,
    identity,
  };
}

/**
 * The pairs a rule or a grant names specifically: the callee's access restrictions name the
 * caller's integration subnet, or one of the caller's principals holds an app role assignment on
 * the callee. (Pairs admitted only because a site admits everyone are not listed: every service
 * is such a pair.)
 */
export function namedPairs(model: MeshModel): Array<{ caller: string; callee: string }> {
  const out = new Map<string, { caller: string; callee: string }>();
  const add = (caller: string, callee: string) => {
    if (caller !== callee) out.set(`${caller}\u0000${callee}`, { caller, callee });
  };
  for (const callee of model.services) {
    const site = model.site(callee);
    for (const rules of [site?.rules]) {
      if (!Array.isArray(rules)) continue;
      for (const r of rules) {
        const subnet =
          typeof r === "object" && r !== null
            ? (r as Record<string, unknown>).vnetSubnetResourceId
            : undefined;
        const owner = typeof subnet === "string" ? model.serviceOfSubnet(subnet) : undefined;
        if (owner) add(owner, callee);
      }
    }
    // The callee's private endpoints: every service whose integration subnet an Allow rule of the
    // endpoint subnet's NSG names (the review then sees an NSG rule change as an access change).
    if (site) {
      const links = model.deployed.privateLinks;
      for (const e of endpointsOf(model, site)) {
        const sub = e.subnetId ? links.subnets.get(e.subnetId.toLowerCase()) : undefined;
        const nsg = sub ? nsgOf(links, sub.nsgId) : undefined;
        if (!nsg) continue;
        const named = nsg.rules
          .filter((r) => r.direction === "Inbound" && r.access === "Allow")
          .flatMap((r) => r.sourceAddressPrefixes)
          .map((p) => parseRange(p))
          .filter((r): r is AddressRange => r !== undefined && r.prefix > 0);
        for (const caller of model.services) {
          const id = integrationSubnetOf(model, caller);
          const range = id ? links.subnets.get(id.toLowerCase())?.prefixes[0] : undefined;
          if (range && named.some((n) => covers(n, range))) add(caller, callee);
        }
      }
    }
    const sp = model.entra(callee).sp;
    if (!sp) continue;
    for (const g of model.grantsOn(sp.objectId)) {
      const who = model.principals.get(g.principalId.toLowerCase());
      if (who && who.kind !== "callee application") add(who.service, callee);
    }
  }
  return [...out.values()];
}
