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
import {
  type AddressRange,
  type Flow,
  type NsgDecision,
  type NsgRule,
  covers,
  decideNsg,
  rulesToward,
  enforcesNsg,
  nsgRulesOf,
  parseRange,
  rangesOf,
} from "@service-edges/model";
import { RESOURCE_TYPES } from "@service-edges/contract/tokens";
import { normalizeId, rgScopedId } from "./arm";
import { calleeServicePrincipals, callerPrincipals, hasAssignment } from "./identity";
import {
  Index,
  type Mesh,
  type Node,
  type Resolution,
  type SiteNode,
  type StackResourceLike,
  type SubnetNode,
  depsOf,
  keyOf,
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

// ---------------------------------------------------------------------------------------------
// Who an endpoint's NSG admits

export type Admission =
  /** An integration subnet of the stack whose sites are not declared callers of the site. */
  | {
      kind: "caller-subnet";
      subnet: SubnetNode;
      prefix: string;
      callers: SiteNode[];
      holder: string;
      sps: string;
      by: NsgDecision["rule"];
    }
  /** A range that is neither a declared caller's subnet nor a range the site declares. */
  | { kind: "range"; prefix: string; by: NsgDecision["rule"] }
  /** A tag or `*`: every address of the VirtualNetwork (or more) by the NSG's own rule. */
  | { kind: "tag"; prefix: string; by: NsgDecision["rule"] }
  /** Azure's default AllowVnetInBound decides for the VirtualNetwork: no explicit Deny. */
  | { kind: "default-vnet"; by: NsgDecision["rule"] };

const firstRange = (prefixes: Tri<string[]>): AddressRange[] =>
  Array.isArray(prefixes)
    ? prefixes.map((p) => parseRange(p)).filter((r): r is AddressRange => r !== undefined)
    : [];

/** The ranges a site declares itself: IP rules of its access restrictions, its ingress tag. */
function declaredRanges(site: SiteNode): AddressRange[] {
  const out: AddressRange[] = [];
  if (Array.isArray(site.rules)) {
    for (const r of site.rules) {
      if (r.opaque || r.synthetic || r.subnet !== undefined) continue;
      if (typeof r.action === "string" && !sameText(r.action, "Allow")) continue;
      if (typeof r.tag === "string" && !sameText(r.tag, "Default")) continue;
      if (typeof r.ipAddress !== "string" || /^\s*any\s*$/i.test(r.ipAddress)) continue;
      out.push(
        ...(rangesOf(r.ipAddress, typeof r.subnetMask === "string" ? r.subnetMask : undefined) ??
          []),
      );
    }
  }
  const tag = asString(at(site.p, "tags", INGRESS_TAG));
  if (typeof tag === "string") {
    for (const part of tag.split(",")) {
      const r = parseRange(part.trim());
      if (r && r.prefix > 0) out.push(r);
    }
  }
  return out;
}

/** Every source the endpoint's NSG admits that the site does not declare; UNKNOWN when unsure. */
export function extraAdmissions(mesh: Mesh, e: MeshEndpoint): Admission[] | typeof UNKNOWN {
  // Two policies ask for each endpoint; the answer is the mesh's, read once.
  let byEndpoint = admissions.get(mesh);
  if (!byEndpoint) admissions.set(mesh, (byEndpoint = new Map()));
  let found = byEndpoint.get(e);
  if (found === undefined) byEndpoint.set(e, (found = admissionsOf(mesh, e)));
  return found;
}

const admissions = new WeakMap<Mesh, Map<MeshEndpoint, Admission[] | typeof UNKNOWN>>();

function admissionsOf(mesh: Mesh, e: MeshEndpoint): Admission[] | typeof UNKNOWN {
  if (e.nsg.kind !== "node" || e.subnet.kind !== "node") return UNKNOWN;
  const all = e.nsg.node.rules;
  if (isUnknown(all) || isUnknown(e.asgs)) return UNKNOWN;
  const destination = {
    ...(firstRange(e.subnet.node.prefixes)[0]
      ? { address: firstRange(e.subnet.node.prefixes)[0] }
      : {}),
    tags: ["VirtualNetwork"],
    asgs: e.asgs,
  };
  const flow = (source: Flow["source"]): Flow => ({
    protocol: "Tcp",
    source,
    destination,
    destinationPort: 443,
  });
  // Only the rules that reach this endpoint decide anything about it (an NSG holds every callee's
  // rules of its subnet): the same decisions, a hundredth of the rules in a full subnet.
  const rules = rulesToward(all, flow({ tags: [] }));
  const out: Admission[] = [];
  const vnet = decideNsg(rules, flow({ tags: ["VirtualNetwork"] }));
  if (vnet.allowed && vnet.rule.isDefault) out.push({ kind: "default-vnet", by: vnet.rule });

  // The integration subnets of the stack, and whether their sites are declared callers.
  const sps = calleeServicePrincipals(mesh, e.site);
  const declared: AddressRange[] = declaredRanges(e.site);
  const callerSubnets = new Map<string, { subnet: SubnetNode; sites: SiteNode[] }>();
  for (const s of mesh.sites.nodes) {
    const sub = mesh.integrationSubnetOf(s);
    const key = keyOf(sub);
    if (!key || sub.kind !== "node") continue;
    const entry = callerSubnets.get(key) ?? { subnet: sub.node, sites: [] };
    entry.sites.push(s);
    callerSubnets.set(key, entry);
  }
  const undeclaredSubnets: AddressRange[] = [];
  for (const { subnet, sites } of callerSubnets.values()) {
    const ranges = firstRange(subnet.prefixes);
    if (ranges.length === 0) continue;
    const callers = sites.filter((s) => s.appKey !== e.site.appKey);
    if (callers.length === 0) continue;
    let anyDeclared = false;
    let certain = sps.complete && sps.sps.length > 0;
    const names: string[] = [];
    for (const c of callers) {
      const principals = callerPrincipals(mesh, c);
      names.push(...principals.names);
      const granted = hasAssignment(mesh, principals, sps.sps);
      if (granted === true) anyDeclared = true;
      else if (isUnknown(granted) || !principals.complete) certain = false;
    }
    if (anyDeclared) {
      declared.push(...ranges);
      continue;
    }
    undeclaredSubnets.push(...ranges);
    if (!certain) continue;
    const d = decideNsg(rules, flow({ address: ranges[0], tags: ["VirtualNetwork"] }));
    if (!d.allowed || d.rule.isDefault) continue;
    out.push({
      kind: "caller-subnet",
      subnet,
      prefix: ranges[0].text,
      callers,
      holder:
        names.length > 0
          ? `none of its identities (${names.join(", ")}) holds an app role assignment on`
          : "it has no identity, so it holds no app role assignment on",
      sps: sps.sps.map((s) => s.label).join(", "),
      by: d.rule,
    });
  }

  // Every other source an Allow rule names.
  const seen = new Set<string>();
  for (const r of rules) {
    if (r.direction !== "Inbound" || r.access !== "Allow") continue;
    for (const prefix of r.sourceAddressPrefixes) {
      if (seen.has(prefix.toLowerCase())) continue;
      seen.add(prefix.toLowerCase());
      const range = parseRange(prefix);
      if (!range) {
        if (sameText(prefix, "AzureLoadBalancer")) continue;
        const d = decideNsg(rules, flow({ tags: [prefix, "VirtualNetwork"] }));
        if (d.allowed && !d.rule.isDefault) out.push({ kind: "tag", prefix, by: d.rule });
        continue;
      }
      if (declared.some((x) => covers(x, range))) continue;
      // An undeclared caller's own subnet is reported as that (above).
      if (undeclaredSubnets.some((x) => x.text === range.text)) continue;
      if (range.prefix === 0) {
        const d = decideNsg(rules, flow({ address: range, tags: ["VirtualNetwork"] }));
        if (d.allowed && !d.rule.isDefault) out.push({ kind: "tag", prefix, by: d.rule });
        continue;
      }
      const d = decideNsg(rules, flow({ address: range, tags: ["VirtualNetwork"] }));
      if (d.allowed && !d.rule.isDefault)
        out.push({ kind: "range", prefix: range.text, by: d.rule });
    }
  }
  return out;
}
