/**
 * Network security group rules, decided once: the rules of one direction sorted by priority
 * (lower number first), the first rule whose protocol, source, source port, destination and
 * destination port all match decides, then the default rules, which come last because of their
 * priorities (65000 and up). The second network layer of a mesh (an NSG on the subnet of a
 * private endpoint) plugs in here.
 *
 * Azure's semantics ("Network security groups", "Security rules" and "Default security rules",
 * https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview):
 * "Rules are processed in priority order, with lower numbers processed before higher numbers
 * ... Once traffic matches a rule, processing stops." Inbound defaults: AllowVnetInBound (65000,
 * VirtualNetwork -> VirtualNetwork), AllowAzureLoadBalancerInBound (65001, AzureLoadBalancer ->
 * any), DenyAllInBound (65500); outbound: AllowVnetOutBound (65000), AllowInternetOutBound
 * (65001), DenyAllOutBound (65500). A prefix is an address or range, `*`, or a service tag.
 */
import { type AddressRange, covers, parseRange } from "./addresses";
import type { Action } from "./access-restrictions";
import { sameText } from "./unknown";

export type Direction = "Inbound" | "Outbound";

export interface NsgRule {
  name: string;
  priority: number;
  direction: Direction;
  access: Action;
  /** `Tcp`, `Udp`, `Icmp`, `Esp`, `Ah` or `*`. */
  protocol: string;
  /** Addresses, ranges, `*` or service tags (`VirtualNetwork`, `AzureLoadBalancer`, `Internet`). */
  sourceAddressPrefixes: readonly string[];
  /** `*`, `443`, `1024-65535`. */
  sourcePortRanges: readonly string[];
  destinationAddressPrefixes: readonly string[];
  destinationPortRanges: readonly string[];
  /** Application security group ids (lower-cased) the source must belong to, instead of prefixes. */
  sourceApplicationSecurityGroups?: readonly string[];
  /** Application security group ids (lower-cased): a private endpoint or NIC that joined one. */
  destinationApplicationSecurityGroups?: readonly string[];
}

/** One end of a flow: its address (if known) and the service tags it belongs to. */
export interface FlowEnd {
  address?: AddressRange;
  /** `VirtualNetwork` for an address in the VNet (or peered, or on-premises via a gateway). */
  tags: readonly string[];
  /** Application security group ids (lower-cased) the end belongs to. */
  asgs?: readonly string[];
}

export interface Flow {
  protocol: string;
  source: FlowEnd;
  sourcePort?: number;
  destination: FlowEnd;
  destinationPort: number;
}

const any = (what: string): NsgRule["sourceAddressPrefixes"] => [what];

/** The default rules every NSG has, that no rule can delete (only override by priority). */
export const DEFAULT_NSG_RULES: readonly NsgRule[] = Object.freeze([
  {
    name: "AllowVnetInBound",
    priority: 65000,
    direction: "Inbound",
    access: "Allow",
    protocol: "*",
    sourceAddressPrefixes: any("VirtualNetwork"),
    sourcePortRanges: any("*"),
    destinationAddressPrefixes: any("VirtualNetwork"),
    destinationPortRanges: any("*"),
  },
  {
    name: "AllowAzureLoadBalancerInBound",
    priority: 65001,
    direction: "Inbound",
    access: "Allow",
    protocol: "*",
    sourceAddressPrefixes: any("AzureLoadBalancer"),
    sourcePortRanges: any("*"),
    destinationAddressPrefixes: any("*"),
    destinationPortRanges: any("*"),
  },
  {
    name: "DenyAllInBound",
    priority: 65500,
    direction: "Inbound",
    access: "Deny",
    protocol: "*",
    sourceAddressPrefixes: any("*"),
    sourcePortRanges: any("*"),
    destinationAddressPrefixes: any("*"),
    destinationPortRanges: any("*"),
  },
  {
    name: "AllowVnetOutBound",
    priority: 65000,
    direction: "Outbound",
    access: "Allow",
    protocol: "*",
    sourceAddressPrefixes: any("VirtualNetwork"),
    sourcePortRanges: any("*"),
    destinationAddressPrefixes: any("VirtualNetwork"),
    destinationPortRanges: any("*"),
  },
  {
    name: "AllowInternetOutBound",
    priority: 65001,
    direction: "Outbound",
    access: "Allow",
    protocol: "*",
    sourceAddressPrefixes: any("*"),
    sourcePortRanges: any("*"),
    destinationAddressPrefixes: any("Internet"),
    destinationPortRanges: any("*"),
  },
  {
    name: "DenyAllOutBound",
    priority: 65500,
    direction: "Outbound",
    access: "Deny",
    protocol: "*",
    sourceAddressPrefixes: any("*"),
    sourcePortRanges: any("*"),
    destinationAddressPrefixes: any("*"),
    destinationPortRanges: any("*"),
  },
]);

function prefixMatches(prefix: string, end: FlowEnd): boolean {
  const p = prefix.trim();
  if (p === "*" || sameText(p, "Any")) return true;
  if (/^[0-9a-f.:/]+$/i.test(p) && /[.:]/.test(p)) {
    const range = parseRange(p);
    return range !== undefined && end.address !== undefined && covers(range, end.address);
  }
  return end.tags.some((t) => sameText(t, p));
}

function portMatches(ranges: readonly string[], port: number | undefined): boolean {
  return ranges.some((r) => {
    const t = r.trim();
    if (t === "*") return true;
    if (port === undefined) return false;
    const m = /^(\d+)(?:-(\d+))?$/.exec(t);
    if (!m) return false;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    return lo <= port && port <= hi;
  });
}

/**
 * A rule names either prefixes or application security groups on each side ("Application
 * security groups": a rule's source or destination is an ASG, and matches the network interfaces,
 * or private endpoints, that joined it; learn.microsoft.com/azure/virtual-network/application-security-groups,
 * learn.microsoft.com/azure/private-link/configure-asg-private-endpoint).
 */
function endMatches(
  prefixes: readonly string[],
  asgs: readonly string[] | undefined,
  end: FlowEnd,
) {
  if (asgs && asgs.length > 0) {
    return asgs.some((g) => (end.asgs ?? []).some((a) => sameText(a, g)));
  }
  return prefixes.some((p) => prefixMatches(p, end));
}

export function nsgRuleMatches(rule: NsgRule, flow: Flow): boolean {
  return (
    (rule.protocol === "*" || sameText(rule.protocol, flow.protocol)) &&
    endMatches(rule.sourceAddressPrefixes, rule.sourceApplicationSecurityGroups, flow.source) &&
    portMatches(rule.sourcePortRanges, flow.sourcePort) &&
    endMatches(
      rule.destinationAddressPrefixes,
      rule.destinationApplicationSecurityGroups,
      flow.destination,
    ) &&
    portMatches(rule.destinationPortRanges, flow.destinationPort)
  );
}

/**
 * The rules that can match some flow to this destination (its protocol, address or groups, and
 * port): deciding many sources against one destination needs only these. Any other rule never
 * matches a flow there, so `decideNsg(rulesToward(rules, to), flow)` is `decideNsg(rules, flow)`
 * for every flow to `to`.
 */
export function rulesToward(
  rules: readonly NsgRule[],
  to: Pick<Flow, "protocol" | "destination" | "destinationPort">,
): NsgRule[] {
  return rules.filter(
    (r) =>
      (r.protocol === "*" || sameText(r.protocol, to.protocol)) &&
      endMatches(
        r.destinationAddressPrefixes,
        r.destinationApplicationSecurityGroups,
        to.destination,
      ) &&
      portMatches(r.destinationPortRanges, to.destinationPort),
  );
}

export interface NsgDecision {
  allowed: boolean;
  rule: { name: string; priority: number; isDefault: boolean };
}

/** The first rule (own rules, then the defaults) by priority that matches the flow decides. */
export function decideNsg(
  rules: readonly NsgRule[],
  flow: Flow,
  direction: Direction = "Inbound",
): NsgDecision {
  const own = rules.filter((r) => r.direction === direction);
  const all = [
    ...own.map((r) => ({ r, isDefault: false })),
    ...DEFAULT_NSG_RULES.filter((r) => r.direction === direction).map((r) => ({
      r,
      isDefault: true,
    })),
  ].sort((a, b) => a.r.priority - b.r.priority);
  for (const { r, isDefault } of all) {
    if (nsgRuleMatches(r, flow)) {
      return {
        allowed: r.access === "Allow",
        rule: { name: r.name, priority: r.priority, isDefault },
      };
    }
  }
  // Unreachable: DenyAll* matches every flow.
  throw new Error(`no ${direction} rule matched`);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const groups = (v: unknown): string[] =>
  Array.isArray(v)
    ? v
        .map((g) => (isObj(g) && typeof g.id === "string" ? g.id.toLowerCase() : undefined))
        .filter((g): g is string => g !== undefined)
    : [];
const list = (one: unknown, many: unknown): string[] => [
  ...(typeof one === "string" && one !== "" ? [one] : []),
  ...(Array.isArray(many) ? many.filter((x): x is string => typeof x === "string") : []),
];

/** ARM `securityRules[]` (as NSG inputs or `Microsoft.Network/networkSecurityGroups/securityRules`). */
export function nsgRulesOf(raw: unknown): NsgRule[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isObj).map((r0) => {
    const r = isObj(r0.properties) ? { ...r0, ...r0.properties } : r0;
    return {
      name: typeof r.name === "string" ? r.name : "?",
      priority: typeof r.priority === "number" ? r.priority : 4096,
      direction: sameText(String(r.direction), "Outbound") ? "Outbound" : "Inbound",
      access: sameText(String(r.access), "Allow") ? "Allow" : "Deny",
      protocol: typeof r.protocol === "string" ? r.protocol : "*",
      sourceAddressPrefixes: list(r.sourceAddressPrefix, r.sourceAddressPrefixes),
      sourcePortRanges: list(r.sourcePortRange, r.sourcePortRanges),
      destinationAddressPrefixes: list(r.destinationAddressPrefix, r.destinationAddressPrefixes),
      destinationPortRanges: list(r.destinationPortRange, r.destinationPortRanges),
      ...(groups(r.sourceApplicationSecurityGroups).length > 0
        ? { sourceApplicationSecurityGroups: groups(r.sourceApplicationSecurityGroups) }
        : {}),
      ...(groups(r.destinationApplicationSecurityGroups).length > 0
        ? { destinationApplicationSecurityGroups: groups(r.destinationApplicationSecurityGroups) }
        : {}),
    };
  });
}
