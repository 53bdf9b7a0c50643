/**
 * The private-endpoint network layer as resources: private endpoints (their subnet, application
 * security groups, addresses and the sites they connect to), network security groups (inline
 * rules and separate `SecurityRule`s), and the subnets' prefixes, NSG and
 * `privateEndpointNetworkPolicies`. Read from planned resources, a state export, or the JSON of
 * `az network nsg show` / `az network private-endpoint list` (same ARM shapes, properties
 * flattened). Pure: no Pulumi imports.
 *
 * Why the subnet's policies matter: NSG rules apply to traffic to a private endpoint only when its
 * subnet's `privateEndpointNetworkPolicies` is `Enabled` or `NetworkSecurityGroupEnabled` (MS
 * Learn, "Manage network policies for private endpoints",
 * learn.microsoft.com/azure/private-link/disable-private-endpoint-network-policy); with
 * `Disabled` (the API's default) or `RouteTableEnabled`, every address with line of sight to the
 * endpoint reaches it.
 */
import { RESOURCE_TYPES as R } from "@service-edges/contract";
import { type AddressRange, parseRange } from "./addresses";
import { type NsgRule, nsgRulesOf } from "./nsg";
import { sameText } from "./unknown";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const lower = (s: string) => s.toLowerCase();
/** ARM properties may come nested (`properties.x`, REST) or flattened (azure-native, az CLI). */
const flat = (o: Obj): Obj => (isObj(o.properties) ? { ...o, ...o.properties } : o);
const idOf = (v: unknown): string | undefined => (isObj(v) ? str(v.id) : undefined);

/** The resource types of the private-endpoint layer (the contract's tokens). */
export const PRIVATE_LINK_TYPES = {
  networkSecurityGroup: R.networkSecurityGroup,
  securityRule: R.securityRule,
  applicationSecurityGroup: R.applicationSecurityGroup,
  privateEndpoint: R.privateEndpoint,
  subnet: R.subnet,
  virtualNetwork: R.vnet,
} as const;

/** Whether NSG rules apply to private endpoints in a subnet with this policy value. */
export function enforcesNsg(policy: string | undefined): boolean {
  return sameText(policy, "Enabled") || sameText(policy, "NetworkSecurityGroupEnabled");
}

export interface EndpointSubnet {
  id: string;
  name: string;
  prefixes: AddressRange[];
  /** `privateEndpointNetworkPolicies` as set; undefined is the API's default, Disabled. */
  endpointPolicies?: string;
  /** The NSG's id (lower-cased). */
  nsgId?: string;
}

export interface PrivateEndpointInfo {
  name: string;
  /** Its id (lower-cased), else its name. */
  key: string;
  subnetId?: string;
  /** Application security group ids (lower-cased). */
  asgs: string[];
  /** Its private addresses (static ip configurations, or the DNS configs Azure returns). */
  addresses: AddressRange[];
  /** The sites it connects to (`privateLinkServiceId` a site, group `sites`). */
  targets: Array<{ siteId: string; status: string }>;
}

export interface NetworkSecurityGroupInfo {
  id: string;
  name: string;
  rules: NsgRule[];
}

export interface PrivateLinks {
  endpoints: PrivateEndpointInfo[];
  /** By id (lower-cased). */
  nsgs: Map<string, NetworkSecurityGroupInfo>;
  /** By id (lower-cased). */
  subnets: Map<string, EndpointSubnet>;
}

export function emptyPrivateLinks(): PrivateLinks {
  return { endpoints: [], nsgs: new Map(), subnets: new Map() };
}

function prefixesOf(p: Obj): AddressRange[] {
  const texts = [
    ...(str(p.addressPrefix) ? [p.addressPrefix as string] : []),
    ...(Array.isArray(p.addressPrefixes) ? p.addressPrefixes : []),
  ];
  return texts
    .filter((t): t is string => typeof t === "string")
    .map((t) => parseRange(t))
    .filter((r): r is AddressRange => r !== undefined);
}

function addressesOf(p: Obj): AddressRange[] {
  const out: string[] = [];
  for (const c of Array.isArray(p.ipConfigurations) ? p.ipConfigurations : []) {
    if (isObj(c) && str(flat(c).privateIPAddress)) out.push(flat(c).privateIPAddress as string);
  }
  for (const c of Array.isArray(p.customDnsConfigs) ? p.customDnsConfigs : []) {
    if (isObj(c) && Array.isArray(c.ipAddresses)) {
      for (const a of c.ipAddresses) if (typeof a === "string") out.push(a);
    }
  }
  return [...new Set(out)]
    .map((a) => parseRange(a))
    .filter((r): r is AddressRange => r !== undefined);
}

/** One subnet (a VNet's inline element, a `Subnet` resource, or a REST/az subnet object). */
export function addEndpointSubnet(links: PrivateLinks, id: string | undefined, raw: Obj): void {
  if (!id) return;
  const p = flat(raw);
  const nsgId = idOf(p.networkSecurityGroup);
  const prev = links.subnets.get(lower(id));
  links.subnets.set(lower(id), {
    id,
    name: str(p.subnetName) ?? str(p.name) ?? id.split("/").pop()!,
    prefixes: prefixesOf(p).length > 0 ? prefixesOf(p) : (prev?.prefixes ?? []),
    ...(str(p.privateEndpointNetworkPolicies)
      ? { endpointPolicies: p.privateEndpointNetworkPolicies as string }
      : prev?.endpointPolicies
        ? { endpointPolicies: prev.endpointPolicies }
        : {}),
    ...(nsgId ? { nsgId: lower(nsgId) } : prev?.nsgId ? { nsgId: prev.nsgId } : {}),
  });
}

/** One NSG (azure-native inputs/outputs, or `az network nsg show`), its inline rules included. */
export function addNetworkSecurityGroup(links: PrivateLinks, id: string | undefined, raw: Obj) {
  const p = flat(raw);
  const nsgId = id ?? str(p.id);
  if (!nsgId) return;
  const name = str(p.networkSecurityGroupName) ?? str(p.name) ?? nsgId.split("/").pop()!;
  const held = `nsg-by-name:${lower(name)}`;
  const prev = links.nsgs.get(lower(nsgId)) ?? links.nsgs.get(held);
  links.nsgs.delete(held);
  const own = nsgRulesOf(p.securityRules);
  const names = new Set(own.map((r) => lower(r.name)));
  links.nsgs.set(lower(nsgId), {
    id: nsgId,
    name,
    // Separate SecurityRule resources read before the NSG stay, unless the NSG lists them too.
    rules: [...own, ...(prev?.rules ?? []).filter((r) => !names.has(lower(r.name)))],
  });
  // `az network nsg show` lists the subnets the NSG is attached to.
  for (const s of Array.isArray(p.subnets) ? p.subnets : []) {
    const sid = idOf(s);
    if (!sid) continue;
    const sub = links.subnets.get(lower(sid));
    if (sub) sub.nsgId ??= lower(nsgId);
    else addEndpointSubnet(links, sid, { networkSecurityGroup: { id: nsgId } });
  }
}

/** A separate `SecurityRule` (its NSG named by `networkSecurityGroupName`, or its own id). */
function addSecurityRule(links: PrivateLinks, id: string | undefined, p: Obj): void {
  const fromId = id && /^(.*\/networkSecurityGroups\/[^/]+)\/securityRules\/[^/]+$/i.exec(id);
  const nsgName = str(p.networkSecurityGroupName) ?? (fromId ? fromId[1].split("/").pop() : "");
  const nsg =
    (fromId && links.nsgs.get(lower(fromId[1]))) ??
    [...links.nsgs.values()].find((n) => sameText(n.name, nsgName));
  const [rule] = nsgRulesOf([{ ...p, name: str(p.securityRuleName) ?? str(p.name) }]);
  if (nsg) {
    nsg.rules = [...nsg.rules.filter((r) => !sameText(r.name, rule.name)), rule];
    return;
  }
  // The NSG comes later in the list (or is not in it): hold the rule under a placeholder id.
  const key = fromId ? fromId[1] : `nsg-by-name:${lower(nsgName ?? "")}`;
  links.nsgs.set(lower(key), { id: key, name: nsgName ?? key, rules: [rule] });
}

/** One private endpoint (azure-native, or an element of `az network private-endpoint list`). */
export function addPrivateEndpoint(links: PrivateLinks, id: string | undefined, raw: Obj): void {
  const p = flat(raw);
  const name = str(p.privateEndpointName) ?? str(p.name) ?? id?.split("/").pop() ?? "?";
  const endpointId = id ?? str(p.id);
  const targets: PrivateEndpointInfo["targets"] = [];
  for (const [list, status] of [
    ["privateLinkServiceConnections", "Approved"],
    ["manualPrivateLinkServiceConnections", "Pending"],
  ] as const) {
    for (const c0 of Array.isArray(p[list]) ? (p[list] as unknown[]) : []) {
      if (!isObj(c0)) continue;
      const c = flat(c0);
      const target = str(c.privateLinkServiceId);
      if (!target || !/\/providers\/microsoft\.web\/sites\/[^/]+$/i.test(target)) continue;
      const groups = Array.isArray(c.groupIds) ? c.groupIds : [];
      if (groups.length > 0 && !groups.some((g) => typeof g === "string" && sameText(g, "sites")))
        continue;
      const state = isObj(c.privateLinkServiceConnectionState)
        ? str(c.privateLinkServiceConnectionState.status)
        : undefined;
      targets.push({ siteId: target, status: state ?? status });
    }
  }
  const subnetId = idOf(p.subnet);
  if (subnetId && isObj(p.subnet)) {
    // The endpoint's subnet reference may state the subnet's policies; the subnet itself decides.
    if (!links.subnets.has(lower(subnetId))) addEndpointSubnet(links, subnetId, {});
  }
  links.endpoints = links.endpoints.filter((e) => e.key !== lower(endpointId ?? name));
  links.endpoints.push({
    name,
    key: lower(endpointId ?? name),
    ...(subnetId ? { subnetId } : {}),
    asgs: (Array.isArray(p.applicationSecurityGroups) ? p.applicationSecurityGroups : [])
      .map(idOf)
      .filter((g): g is string => g !== undefined)
      .map(lower),
    addresses: addressesOf(p),
    targets,
  });
}

/** Reads one resource of the layer into `links`; false for a type it does not read. */
export function readPrivateLink(
  links: PrivateLinks,
  r: { type: string; id?: string; p: Obj },
): boolean {
  const T = PRIVATE_LINK_TYPES;
  const p = r.p;
  switch (r.type) {
    case T.networkSecurityGroup:
      addNetworkSecurityGroup(links, r.id ?? str(p.id), p);
      return true;
    case T.securityRule:
      addSecurityRule(links, r.id ?? str(p.id), p);
      return true;
    case T.privateEndpoint:
      addPrivateEndpoint(links, r.id ?? str(p.id), p);
      return true;
    case T.subnet:
      addEndpointSubnet(links, r.id ?? str(p.id), p);
      return true;
    case T.virtualNetwork: {
      const vnetId = r.id ?? str(p.id);
      for (const s of Array.isArray(p.subnets) ? p.subnets : []) {
        if (!isObj(s)) continue;
        const name = str(s.name);
        addEndpointSubnet(
          links,
          str(s.id) ?? (vnetId && name ? `${vnetId}/subnets/${name}` : undefined),
          s,
        );
      }
      return true;
    }
  }
  return false;
}

/** The NSG of a subnet: by id, else (a placeholder held for separate rules) by name. */
export function nsgOf(links: PrivateLinks, nsgId: string | undefined) {
  if (!nsgId) return undefined;
  const exact = links.nsgs.get(lower(nsgId));
  if (exact) return exact;
  const name = nsgId.split("/").pop()!;
  return links.nsgs.get(`nsg-by-name:${lower(name)}`);
}
