/**
 * The private-endpoint layer as the pack sees it (service-edges `network.inbound:
 * privateEndpoints`, or any hand-written equivalent): the private endpoints that reach mesh sites,
 * their subnets' `privateEndpointNetworkPolicies` and network security groups, and who each NSG
 * admits to each endpoint. Who gets through is the model's decision (`@service-edges/model`
 * decideNsg: priority, first match, then Azure's default rules), asked with the flows that matter:
 * from every integration subnet of the stack, from every range an Allow rule names, and from an
 * address of the VirtualNetwork that no rule names (a peered VNet, an on-premises range).
 *
 * Facts behind it:
 * - NSG rules apply to traffic to a private endpoint only when its subnet's
 *   `privateEndpointNetworkPolicies` is `Enabled` or `NetworkSecurityGroupEnabled` (MS Learn,
 *   "Manage network policies for private endpoints",
 *   learn.microsoft.com/azure/private-link/disable-private-endpoint-network-policy).
 * - Azure's default inbound rule 65000 `AllowVnetInBound` admits the VirtualNetwork tag, which
 *   includes peered VNets and on-premises ranges (MS Learn, "Network security groups", default
 *   security rules), so filtering needs an explicit Deny ahead of it.
 *
 * The mode: a mesh site is on the private layer when a private endpoint reaches it from a subnet
 * of the stack that enforces NSGs on private endpoints; the stack is in private mode when such a
 * site has public network access Disabled (read from the resources, not from a tag: what the
 * resources say is what Azure enforces, a tag can say otherwise). Every finding is certain: an
 * unknown value (preview) silences what depends on it. Pure: no Pulumi imports.
 */
import { type NsgRule, enforcesNsg, nsgRulesOf } from "@service-edges/model";
import { RESOURCE_TYPES } from "@service-edges/contract/tokens";
import { normalizeId, rgScopedId } from "./arm";
import {
  Index,
  type Mesh,
  type Node,
  type Resolution,
  type SiteNode,
  type StackResourceLike,
  type SubnetNode,
  depsOf,
  meshSite,
} from "./mesh";
import { label } from "./types";
import {
  type Plain,
  type Tri,
  UNKNOWN,
  asString,
  at,
  isUnknown,
  plainProps,
  sameText,
} from "./values";

export const NETWORK_T = {
  networkSecurityGroup: RESOURCE_TYPES.networkSecurityGroup,
  securityRule: RESOURCE_TYPES.securityRule,
} as const;

/** The tag the program puts on a site to say what its `ingress` declares (contract ingress.ts). */
export const INGRESS_TAG = "service-edges-ingress";

export interface NsgNode extends Node {
  /** The rules (inline and separate `SecurityRule`s), or UNKNOWN when any part is not known. */
  rules: NsgRule[] | typeof UNKNOWN;
}

/** One private endpoint to one mesh site. */
export interface MeshEndpoint {
  endpoint: Node;
  site: SiteNode;
  subnet: Resolution<SubnetNode>;
  /** The subnet's `privateEndpointNetworkPolicies` (undefined: unset, the API's Disabled). */
  policies: Tri<string>;
  nsg: Resolution<NsgNode>;
  /** Its application security groups' ids (normalized); UNKNOWN when not known. */
  asgs: string[] | typeof UNKNOWN;
}

export interface PrivateLayer {
  endpoints: MeshEndpoint[];
  /** Keys of mesh sites reached from a stack subnet that enforces NSGs. */
  privateSites: Set<string>;
  /** Some private-layer site has public access Disabled. */
  privateMode: boolean;
}

/** A plain value with no unknown inside, else UNKNOWN. */
function known(v: Plain | undefined): unknown {
  if (isUnknown(v)) return UNKNOWN;
  if (Array.isArray(v)) {
    const out = v.map(known);
    return out.some((x) => x === UNKNOWN) ? UNKNOWN : out;
  }
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = known(x);
      if (out[k] === UNKNOWN) return UNKNOWN;
    }
    return out;
  }
  return v;
}

function normalizedRules(raw: unknown): NsgRule[] {
  return nsgRulesOf(raw).map((r) => ({
    ...r,
    ...(r.sourceApplicationSecurityGroups
      ? { sourceApplicationSecurityGroups: r.sourceApplicationSecurityGroups.map(normalizeId) }
      : {}),
    ...(r.destinationApplicationSecurityGroups
      ? {
          destinationApplicationSecurityGroups:
            r.destinationApplicationSecurityGroups.map(normalizeId),
        }
      : {}),
  }));
}

function nsgIndex(resources: readonly StackResourceLike[]): Index<NsgNode> {
  const nodes: NsgNode[] = [];
  const separate: Array<{ res: StackResourceLike; p: ReturnType<typeof plainProps> }> = [];
  for (const res of resources) {
    if (res.type === NETWORK_T.securityRule) separate.push({ res, p: plainProps(res.props) });
    if (res.type !== NETWORK_T.networkSecurityGroup) continue;
    const p = plainProps(res.props);
    const id = asString(p["id"]);
    const rg = asString(p["resourceGroupName"]);
    const name = asString(p["networkSecurityGroupName"] ?? p["name"]);
    const rules = known(p["securityRules"]);
    nodes.push({
      res,
      p,
      key: res.urn,
      label: label(res.type, res.name),
      fullIds: typeof id === "string" && id ? [normalizeId(id)] : [],
      scopeIds:
        typeof rg === "string" && typeof name === "string"
          ? [rgScopedId(rg, "Microsoft.Network", "networkSecurityGroups", name)]
          : [],
      rules: rules === UNKNOWN ? UNKNOWN : normalizedRules(rules ?? []),
    });
  }
  const index = new Index(nodes);
  for (const { res, p } of separate) {
    const rg = asString(p["resourceGroupName"]);
    const name = asString(p["networkSecurityGroupName"]);
    const target = index.resolve({
      value:
        typeof rg === "string" && typeof name === "string"
          ? rgScopedId(rg, "Microsoft.Network", "networkSecurityGroups", name)
          : UNKNOWN,
      deps: depsOf(res, "networkSecurityGroupName"),
    });
    if (target.kind !== "node" || isUnknown(target.node.rules)) continue;
    const rule = known(p);
    if (rule === UNKNOWN) {
      target.node.rules = UNKNOWN;
      continue;
    }
    const r = rule as Record<string, unknown>;
    const [one] = normalizedRules([{ ...r, name: r.securityRuleName ?? r.name }]);
    target.node.rules = [...target.node.rules.filter((x) => !sameText(x.name, one.name)), one];
  }
  return index;
}

const layers = new WeakMap<Mesh, PrivateLayer>();

/** Where an inline subnet's or a Subnet resource's NSG reference comes from. */
function nsgRefOf(subnet: SubnetNode) {
  const inline = subnet.key !== subnet.owner.urn;
  return {
    value: asString(at(subnet.p, "networkSecurityGroup", "id")),
    deps: depsOf(subnet.owner, inline ? "subnets" : "networkSecurityGroup"),
  };
}

/** The private endpoints to mesh sites, their subnets and NSGs (built once per mesh). */
export function privateLayerOf(mesh: Mesh, resources: readonly StackResourceLike[]): PrivateLayer {
  const hit = layers.get(mesh);
  if (hit) return hit;
  const nsgs = nsgIndex(resources);
  const endpoints: MeshEndpoint[] = [];
  const privateSites = new Set<string>();
  for (const c of mesh.privateEndpointConnections) {
    const groups = c.groups;
    if (!Array.isArray(groups) || !groups.some((g) => sameText(g, "sites"))) continue;
    const target = mesh.sites.resolve(c.target);
    if (target.kind !== "node" || target.node.slot) continue;
    const site = target.node;
    if (meshSite(mesh, site).mesh !== true) continue;
    const ep = c.endpoint;
    const subnet = mesh.subnets.resolve({
      value: asString(at(ep.p, "subnet", "id")),
      deps: depsOf(ep.res, "subnet"),
    });
    const policies =
      subnet.kind === "node" ? asString(subnet.node.p["privateEndpointNetworkPolicies"]) : UNKNOWN;
    const nsg: Resolution<NsgNode> =
      subnet.kind === "node" ? nsgs.resolve(nsgRefOf(subnet.node)) : { kind: "unknown" };
    const asgList = known(ep.p["applicationSecurityGroups"]);
    const asgs =
      asgList === UNKNOWN
        ? UNKNOWN
        : (Array.isArray(asgList) ? asgList : [])
            .map((g) => (g && typeof g === "object" ? (g as { id?: unknown }).id : undefined))
            .filter((g): g is string => typeof g === "string")
            .map(normalizeId);
    if (endpoints.some((e) => e.endpoint === ep && e.site === site)) continue;
    endpoints.push({ endpoint: ep, site, subnet, policies, nsg, asgs });
    if (typeof policies === "string" && enforcesNsg(policies)) privateSites.add(site.key);
  }
  const privateMode = mesh.sites.nodes.some(
    (s) => privateSites.has(s.key) && publicAccessOf(s) === "Disabled",
  );
  const layer = { endpoints, privateSites, privateMode };
  layers.set(mesh, layer);
  return layer;
}

/** `publicNetworkAccess` as the site sets it (site or siteConfig), "unset" when it does not. */
export function publicAccessOf(site: SiteNode): Tri<string> | "unset" {
  const values = [
    asString(site.p["publicNetworkAccess"]),
    asString(at(site.p, "siteConfig", "publicNetworkAccess")),
  ];
  if (values.some(isUnknown)) return UNKNOWN;
  const set = values.find((v): v is string => typeof v === "string" && v !== "");
  if (!set) return "unset";
  return sameText(set, "Disabled") ? "Disabled" : set;
}

/** Whether the endpoint's own `subnet` reference states NSG enforcement (the resource view). */
export function statesNsgEnforcement(endpointProps: ReturnType<typeof plainProps>): boolean {
  const v = asString(at(endpointProps, "subnet", "privateEndpointNetworkPolicies"));
  return typeof v === "string" && enforcesNsg(v);
}

export { type Admission, extraAdmissions } from "./endpoint-admissions";
