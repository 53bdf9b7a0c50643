/**
 * Who a private endpoint's NSG admits that its site does not declare (the private layer's half of
 * "who may reach whom", `private-endpoints.ts`): integration subnets of the stack whose sites hold
 * no app role assignment on the site, ranges no declared caller or ingress covers, tags, and
 * Azure's default AllowVnetInBound where no explicit Deny stands ahead of it. The decisions are
 * the model's (`decideNsg`); this module picks the flows to ask about.
 *
 * Which integration subnets are asked: only those an Allow rule of the endpoint's NSG names a range
 * overlapping (every one when an Allow rule names `*`, `Any` or `VirtualNetwork`). A rule admits a
 * subnet's flow only when its source covers the subnet's range or is such a tag (model
 * `prefixMatches`), and a subnet that overlaps no Allow source neither covers nor equals one, so
 * the subnets left out change no answer. It keeps a mesh of 1,000 callees from asking about a
 * million pairs. Pure: no Pulumi imports.
 */
import {
  type AddressRange,
  type Flow,
  type NsgDecision,
  type NsgRule,
  covers,
  decideNsg,
  parseRange,
  rangesOf,
  rulesToward,
} from "@service-edges/model";
import {
  type Principals,
  calleeServicePrincipals,
  callerPrincipals,
  hasAssignment,
} from "./identity";
import { type Mesh, type SiteNode, type SubnetNode, keyOf } from "./mesh";
import { INGRESS_TAG, type MeshEndpoint } from "./private-endpoints";
import { type Tri, UNKNOWN, asString, at, isUnknown, sameText } from "./values";

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

const rangesIn = (prefixes: Tri<string[]>): AddressRange[] =>
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

/** One integration subnet of the stack and the sites integrated into it. */
interface CallerSubnet {
  /** Its place in the mesh's site order (the order findings are reported in). */
  order: number;
  subnet: SubnetNode;
  sites: SiteNode[];
  ranges: AddressRange[];
}

/** The stack's integration subnets, and their ranges sorted for overlap lookups. */
interface CallerSubnets {
  all: CallerSubnet[];
  /** Every range of every subnet, by family then start. */
  sorted: { range: AddressRange; entry: CallerSubnet }[];
  /** The largest end among sorted[0..i] of the same family (to stop a backward scan). */
  maxEnd: bigint[];
  principals: Map<SiteNode, Principals>;
}

const perMesh = new WeakMap<Mesh, CallerSubnets>();

function callerSubnetsOf(mesh: Mesh): CallerSubnets {
  const hit = perMesh.get(mesh);
  if (hit) return hit;
  const byKey = new Map<string, CallerSubnet>();
  for (const s of mesh.sites.nodes) {
    const sub = mesh.integrationSubnetOf(s);
    const key = keyOf(sub);
    if (!key || sub.kind !== "node") continue;
    let entry = byKey.get(key);
    if (!entry) {
      entry = {
        order: byKey.size,
        subnet: sub.node,
        sites: [],
        ranges: rangesIn(sub.node.prefixes),
      };
      byKey.set(key, entry);
    }
    entry.sites.push(s);
  }
  const all = [...byKey.values()];
  const sorted = all
    .flatMap((entry) => entry.ranges.map((range) => ({ range, entry })))
    .sort((a, b) =>
      a.range.family !== b.range.family
        ? a.range.family - b.range.family
        : a.range.start < b.range.start
          ? -1
          : a.range.start > b.range.start
            ? 1
            : 0,
    );
  const maxEnd: bigint[] = [];
  sorted.forEach(({ range }, i) => {
    const before = i > 0 && sorted[i - 1].range.family === range.family ? maxEnd[i - 1] : -1n;
    maxEnd.push(range.end > before ? range.end : before);
  });
  const found = { all, sorted, maxEnd, principals: new Map() };
  perMesh.set(mesh, found);
  return found;
}

/** The subnets with a range overlapping `r`. */
function overlapping(index: CallerSubnets, r: AddressRange, into: Set<CallerSubnet>): void {
  const { sorted, maxEnd } = index;
  // The last range starting at or before r's end (family first, then start).
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const m = sorted[mid].range;
    if (m.family < r.family || (m.family === r.family && m.start <= r.end)) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1; i >= 0 && sorted[i].range.family === r.family; i--) {
    if (maxEnd[i] < r.start) break;
    if (sorted[i].range.end >= r.start) into.add(sorted[i].entry);
  }
}

/** The integration subnets an Allow rule could admit or cover (see the module comment). */
function subnetsToAsk(index: CallerSubnets, rules: readonly NsgRule[]): CallerSubnet[] {
  const wanted = new Set<CallerSubnet>();
  for (const r of rules) {
    if (r.direction !== "Inbound" || r.access !== "Allow") continue;
    for (const prefix of r.sourceAddressPrefixes) {
      const range = parseRange(prefix);
      if (range) overlapping(index, range, wanted);
      else if (/^\s*(\*|any|virtualnetwork)\s*$/i.test(prefix)) return index.all;
    }
  }
  return [...wanted].sort((a, b) => a.order - b.order);
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
  const address = rangesIn(e.subnet.node.prefixes)[0];
  const destination = { ...(address ? { address } : {}), tags: ["VirtualNetwork"], asgs: e.asgs };
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
  const index = callerSubnetsOf(mesh);
  const principalsOf = (site: SiteNode) => {
    let p = index.principals.get(site);
    if (!p) index.principals.set(site, (p = callerPrincipals(mesh, site)));
    return p;
  };
  const sps = calleeServicePrincipals(mesh, e.site);
  const declared: AddressRange[] = declaredRanges(e.site);
  const undeclaredSubnets: AddressRange[] = [];
  for (const { subnet, sites, ranges } of subnetsToAsk(index, rules)) {
    if (ranges.length === 0) continue;
    const callers = sites.filter((s) => s.appKey !== e.site.appKey);
    if (callers.length === 0) continue;
    let anyDeclared = false;
    let certain = sps.complete && sps.sps.length > 0;
    const names: string[] = [];
    for (const c of callers) {
      const principals = principalsOf(c);
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
