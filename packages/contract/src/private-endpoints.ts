/**
 * The private-endpoint network layer (`service-edges:network.inbound: privateEndpoints`): which
 * services get a private endpoint, in which of `network.privateEndpointSubnets`, and the NSG
 * rules of each of those subnets. Validated like the caller subnets, every error with its key and
 * its fix. Pure: no Pulumi imports.
 *
 * Why it can filter per edge: with the subnet's `privateEndpointNetworkPolicies` on for NSGs, NSG
 * rules apply to traffic to the private endpoints in it (MS Learn, "Manage network policies for
 * private endpoints", learn.microsoft.com/azure/private-link/disable-private-endpoint-network-policy).
 * A private endpoint joins an application security group, so one rule names one endpoint (MS
 * Learn, "Configure an application security group with a private endpoint",
 * learn.microsoft.com/azure/private-link/configure-asg-private-endpoint).
 */
import { type Cidr, contains, nextFreeRange, overlaps, parseCidr } from "./cidr";
import type { Ingress } from "./ingress";
import { usableAddresses } from "./sizing";

/**
 * How callees are reached. `serviceAndPrivateEndpoints` is the step between the two, in either
 * direction: private endpoints, NSGs and DNS exist while public access still admits the callers.
 */
export const INBOUND_MODES = [
  "serviceEndpoints",
  "serviceAndPrivateEndpoints",
  "privateEndpoints",
] as const;
export type InboundMode = (typeof INBOUND_MODES)[number];

/** Whether the mode deploys private endpoints (with their NSGs and DNS). */
export const hasPrivateEndpoints = (mode: InboundMode) => mode !== "serviceEndpoints";
/** Whether the mode turns public network access off on every site. */
export const publicAccessOff = (mode: InboundMode) => mode === "privateEndpoints";

/**
 * The guardrail (components/private-mode-guardrail-rules.ts) that denies public network access on
 * mesh sites in privateEndpoints mode: named here so the review can tell when leaving that mode
 * would delete its assignment after the sites it refuses (the CLI does not load the component).
 */
export const PUBLIC_ACCESS_OFF_GUARDRAIL = "mesh-site-public-access-off";

/**
 * NSG limits (MS Learn, "Azure subscription and service limits", Networking limits - Azure
 * Resource Manager, per region per subscription; the table is MicrosoftDocs/azure-docs
 * includes/azure-virtual-network-limits.md): "NSG rules per NSG" 1,000; "IP addresses and ranges
 * specified for source or destination in a security group (The limit applies separately to source
 * and destination)" 4,000; "Application security groups that can be specified within all security
 * rules of a network security group" 100. Prefixes are counted here sources and destinations
 * together against the 4,000, which is stricter than the limit. Private endpoints per virtual
 * network: 1,000 (same page, Private Link limits: includes/private-link-limits.md, "Number of
 * private endpoints per virtual network").
 */
export const NSG_LIMITS = { rules: 1000, addressPrefixes: 4000, asgs: 100 } as const;
export const MAX_PRIVATE_ENDPOINTS_PER_VNET = 1000;

/**
 * NSG priorities run 100..4096, lower first (MS Learn, "Network security groups", security
 * rules). Callee rules are hashed into 100..3999; the deployment agents' rule is 4000; the
 * explicit Deny is 4096, the last a user rule can take, yet ahead of Azure's default 65000
 * AllowVnetInBound (which admits peered VNets and on-premises ranges as VirtualNetwork).
 */
export const FIRST_ALLOW_PRIORITY = 100;
export const LAST_ALLOW_PRIORITY = 3999;
export const DEPLOY_AGENTS_PRIORITY = 4000;
export const DENY_ALL_PRIORITY = 4096;
/** The port callers use: sites are httpsOnly. */
export const CALLEE_PORT = "443";

export type NsgRuleKind = "callers" | "ingress" | "deployAgents" | "denyAll";

/** One inbound rule of a private-endpoint subnet's NSG, as planned (ids filled in by the component). */
export interface PlannedNsgRule {
  name: string;
  kind: NsgRuleKind;
  priority: number;
  /** The service whose private endpoint (application security group) the rule names. */
  callee?: string;
  /** Source prefixes: callers' integration subnets, ingress ranges, deployment agents. */
  sources: string[];
  /** Callers (kind callers) whose subnets are the sources, in the same order. */
  callers?: string[];
  description: string;
}

export interface PrivateEndpointSubnet {
  /** The inline subnet's name, from its range: `pe-10-40-1-0-25`. */
  name: string;
  cidr: Cidr;
  /** Its virtual network: "" for the first, else its `network.vnets` name. */
  vnet: string;
  /** Services with a private endpoint here, sorted. */
  services: string[];
  rules: PlannedNsgRule[];
}

export interface PrivateEndpointPlan {
  subnets: PrivateEndpointSubnet[];
  /** Service -> the name of its private endpoint's subnet. */
  subnetOf: ReadonlyMap<string, string>;
}

/** `pe-10-40-1-0-25`: never `snet-<service>`, so it cannot collide with an integration subnet. */
export function privateEndpointSubnetName(cidr: Cidr): string {
  return `pe-${cidr.text.replace(/[./]/g, "-")}`;
}
export function privateEndpointName(prefix: string, service: string): string {
  return `${prefix}-${service}-pe`;
}
export function privateEndpointNicName(prefix: string, service: string): string {
  return `${prefix}-${service}-pe-nic`;
}
export function applicationSecurityGroupName(prefix: string, service: string): string {
  return `${prefix}-${service}-asg`;
}
export function privateEndpointNsgName(prefix: string, subnet: string): string {
  return `${prefix}-nsg-${subnet}`;
}
/** The App Service private DNS zone (MS Learn, "Azure Private Endpoint private DNS zone values"). */
export const SITES_PRIVATE_DNS_ZONE = "privatelink.azurewebsites.net";
/** The private-link sub-resource (group id) of a site (MS Learn, same page: Microsoft.Web/sites, sites). */
export const SITES_GROUP_ID = "sites";

/** A service needs a private endpoint when anything may reach it: it is a callee, or declares ingress. */
export function needsPrivateEndpoint(s: { roles: readonly string[]; ingress: Ingress }): boolean {
  return s.roles.length > 0 || s.ingress.kind === "sources";
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

/**
 * Priorities from names: each rule's slot is a hash of its name in 100..3999, probing upwards on a
 * collision, rules taken in name order. Edges never move a priority (a callee has one rule, and
 * an edge changes only its sources); adding a callee moves another's rule only when their hashes
 * collide in the same NSG, and then inside the NSG's one PUT, between Allow rules whose
 * destinations are disjoint, so no packet is judged differently.
 */
export function allocatePriorities(names: readonly string[]): Map<string, number> {
  const span = LAST_ALLOW_PRIORITY - FIRST_ALLOW_PRIORITY + 1;
  if (names.length > span) throw new Error(`more than ${span} rules in one NSG`);
  const taken = new Set<number>();
  const out = new Map<string, number>();
  for (const name of [...names].sort()) {
    let slot = fnv1a(name) % span;
    while (taken.has(slot)) slot = (slot + 1) % span;
    taken.add(slot);
    out.set(name, FIRST_ALLOW_PRIORITY + slot);
  }
  return out;
}

/** What `planPrivateEndpoints` needs of the graph being built. */
export interface PrivateEndpointInput {
  inbound: InboundMode;
  /** `network.privateEndpointSubnets`, as written. */
  subnetTexts: readonly string[];
  /** Per service (not retired): roles, ingress, callers, and its `privateEndpointSubnet` pin. */
  services: ReadonlyMap<
    string,
    { roles: readonly string[]; ingress: Ingress; callers: readonly string[]; pin?: string }
  >;
  /** Every declared integration subnet (retired ones too), by service. */
  callerSubnets: ReadonlyMap<string, Cidr>;
  vnets: ReadonlyArray<{ name: string; space: Cidr }>;
  scmAllowedRanges: readonly Cidr[];
  /** `network.privateDnsZoneId`, as written. */
  privateDnsZoneId?: string;
}

type Add = (segs: Array<string | number>, message: string, fix: string) => void;

const LIMITS_SOURCE = 'MS Learn, "Azure subscription and service limits", Networking';

/** The private endpoints, subnets and NSG rules of the mesh, or undefined in serviceEndpoints mode. */
export function planPrivateEndpoints(
  input: PrivateEndpointInput,
  add: Add,
): PrivateEndpointPlan | undefined {
  const { inbound } = input;
  if (!hasPrivateEndpoints(inbound)) {
    if (input.subnetTexts.length > 0)
      add(
        ["network", "privateEndpointSubnets"],
        "only applies with network.inbound: privateEndpoints (or serviceAndPrivateEndpoints)",
        "remove it, or set service-edges:network.inbound to serviceAndPrivateEndpoints (see README, Day-2 operations: moving between modes)",
      );
    for (const [name, s] of input.services)
      if (s.pin !== undefined)
        add(
          ["services", name, "privateEndpointSubnet"],
          "only applies with network.inbound: privateEndpoints (or serviceAndPrivateEndpoints)",
          "remove it",
        );
    return undefined;
  }
  const withEndpoint = [...input.services]
    .filter(([, s]) => needsPrivateEndpoint(s))
    .map(([n]) => n)
    .sort();
  refuseUnreachableIngress(input, add);
  if (
    input.privateDnsZoneId !== undefined &&
    !new RegExp(
      `^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Network/privateDnsZones/${SITES_PRIVATE_DNS_ZONE.replace(/\./g, "\\.")}$`,
      "i",
    ).test(input.privateDnsZoneId)
  )
    add(
      ["network", "privateDnsZoneId"],
      `${JSON.stringify(input.privateDnsZoneId)} is not the resource id of a ${SITES_PRIVATE_DNS_ZONE} zone`,
      `use the zone's id: az network private-dns zone show -g <group> -n ${SITES_PRIVATE_DNS_ZONE} --query id, or remove it (the mesh creates its own zone)`,
    );
  const used = [...input.callerSubnets.values()];
  const first = input.vnets[0]?.space;
  const hint = (prefix: number, extra: readonly Cidr[] = []) => {
    const free = first ? nextFreeRange(first, [...used, ...extra], prefix) : undefined;
    return free ? ` (the next free /${prefix} is ${free.text})` : "";
  };
  const fullSubnetPrefix = prefixHolding(NSG_LIMITS.asgs);
  if (input.subnetTexts.length === 0) {
    add(
      ["network", "privateEndpointSubnets"],
      `is missing; network.inbound is ${inbound} and ${withEndpoint.length} services need a private endpoint`,
      `list at least ${Math.max(1, Math.ceil(withEndpoint.length / NSG_LIMITS.asgs))} subnet(s) for private endpoints, a /${fullSubnetPrefix} each holds ${NSG_LIMITS.asgs}${hint(fullSubnetPrefix)}: pulumi config set --path 'service-edges:network.privateEndpointSubnets[0]' <range>`,
    );
    return undefined;
  }
  const subnets: PrivateEndpointSubnet[] = [];
  const accepted: Cidr[] = [];
  input.subnetTexts.forEach((text, i) => {
    const at = ["network", "privateEndpointSubnets", i];
    const parsed = parseCidr(String(text));
    if (!parsed.ok) {
      add(
        at,
        `${JSON.stringify(text)} ${parsed.reason}`,
        parsed.fix ?? "write it as a.b.c.d/prefix, e.g. 10.40.255.0/25",
      );
      return;
    }
    const cidr = parsed.cidr;
    const vnet = input.vnets.find((v) => contains(v.space, cidr));
    if (!vnet) {
      add(
        at,
        `${cidr.text} is outside the address space ${input.vnets.map((v) => v.space.text).join(", ")}`,
        `pick a range inside a mesh virtual network${hint(cidr.prefix, accepted)}`,
      );
      return;
    }
    const clashCaller = [...input.callerSubnets].find(([, c]) => overlaps(c, cidr));
    if (clashCaller) {
      add(
        at,
        `${cidr.text} overlaps ${clashCaller[1].text}, the integration subnet of service "${clashCaller[0]}"`,
        `give private endpoints their own range${hint(cidr.prefix, accepted)}`,
      );
      return;
    }
    const clash = accepted.find((c) => overlaps(c, cidr));
    if (clash) {
      add(
        at,
        `${cidr.text} overlaps ${clash.text}, listed before it`,
        `list each range once, without overlaps${hint(cidr.prefix, accepted)}`,
      );
      return;
    }
    accepted.push(cidr);
    subnets.push({
      name: privateEndpointSubnetName(cidr),
      cidr,
      vnet: vnet.name,
      services: [],
      rules: [],
    });
  });
  if (subnets.length !== input.subnetTexts.length) return undefined;

  // Placement: a pin, else the first listed subnet. Adding a callee never moves another, and
  // neither does adding a subnet: only a pin (a config change on that service) moves one.
  const byText = new Map(subnets.map((s) => [s.cidr.text, s]));
  const subnetOf = new Map<string, string>();
  for (const name of withEndpoint) {
    const pin = input.services.get(name)!.pin;
    const target = pin === undefined ? subnets[0] : byText.get(pin);
    if (!target) {
      add(
        ["services", name, "privateEndpointSubnet"],
        `${JSON.stringify(pin)} is not one of network.privateEndpointSubnets`,
        `use one of ${subnets.map((s) => s.cidr.text).join(", ")}, or add it to service-edges:network.privateEndpointSubnets`,
      );
      continue;
    }
    target.services.push(name);
    subnetOf.set(name, target.name);
  }
  for (const [name, s] of input.services)
    if (s.pin !== undefined && !needsPrivateEndpoint(s))
      add(
        ["services", name, "privateEndpointSubnet"],
        "is set, but the service gets no private endpoint (it exposes no roles and declares no ingress)",
        "remove it",
      );

  for (const subnet of subnets) subnet.rules = nsgRules(subnet, input);
  checkCapacity(subnets, input, add, hint, fullSubnetPrefix);
  return { subnets, subnetOf };
}

/** The longest prefix whose subnet holds `n` private endpoints (one address each). */
function prefixHolding(n: number): number {
  for (let p = 29; p >= 8; p--) if (usableAddresses(p) >= n) return p;
  return 8;
}

/** Public ingress and service tags cannot pass a site whose public access is off. */
function refuseUnreachableIngress(input: PrivateEndpointInput, add: Add): void {
  if (!publicAccessOff(input.inbound)) return;
  const fix =
    "put a Front Door Premium in front of it with a Private Link origin to this site, or an Application Gateway in the VNet, and list that gateway's subnet as a range in ingress";
  for (const [name, s] of input.services) {
    if (s.ingress.kind === "public")
      add(
        ["services", name, "ingress"],
        "is public, but network.inbound is privateEndpoints: public network access is off on every site, so the internet cannot reach it",
        fix,
      );
    else if (s.ingress.kind === "sources")
      s.ingress.sources.forEach((src, i) => {
        if (src.kind === "serviceTag")
          add(
            ["services", name, "ingress", i],
            `the service tag ${src.tag} reaches sites over their public endpoint, which network.inbound: privateEndpoints turns off`,
            fix,
          );
      });
  }
}

function nsgRules(subnet: PrivateEndpointSubnet, input: PrivateEndpointInput): PlannedNsgRule[] {
  const planned: Array<Omit<PlannedNsgRule, "priority">> = [];
  for (const name of subnet.services) {
    const s = input.services.get(name)!;
    const callers = s.callers.filter((c) => input.callerSubnets.has(c));
    if (callers.length > 0)
      planned.push({
        name: `allow-${name}-callers`,
        kind: "callers",
        callee: name,
        callers: [...callers],
        sources: callers.map((c) => input.callerSubnets.get(c)!.text),
        description: `edges ${callers.join(", ")} -> ${name}`.slice(0, 140),
      });
    const ranges =
      s.ingress.kind === "sources" ? s.ingress.sources.filter((x) => x.kind === "cidr") : [];
    if (ranges.length > 0)
      planned.push({
        name: `allow-${name}-ingress`,
        kind: "ingress",
        callee: name,
        sources: ranges.map((r) => (r.kind === "cidr" ? r.text : "")),
        description: `ingress -> ${name}`,
      });
  }
  const priorities = allocatePriorities(planned.map((r) => r.name));
  const rules: PlannedNsgRule[] = planned
    .map((r) => ({ ...r, priority: priorities.get(r.name)! }))
    .sort((a, b) => a.priority - b.priority);
  if (input.scmAllowedRanges.length > 0)
    rules.push({
      name: "allow-deploy-agents",
      kind: "deployAgents",
      sources: input.scmAllowedRanges.map((c) => c.text),
      priority: DEPLOY_AGENTS_PRIORITY,
      description:
        "network.scmAllowedRanges -> every private endpoint here (SCM and main site share its address)",
    });
  rules.push({
    name: "deny-all-else",
    kind: "denyAll",
    sources: ["*"],
    priority: DENY_ALL_PRIORITY,
    description:
      "everything else, ahead of the default 65000 AllowVnetInBound (peered VNets, on-premises)",
  });
  return rules;
}

/** What one NSG spends of Azure's limits. */
export function nsgUsage(subnet: PrivateEndpointSubnet): {
  rules: number;
  addressPrefixes: number;
  asgs: number;
} {
  let addressPrefixes = 0;
  for (const r of subnet.rules) {
    if (r.kind === "denyAll") continue;
    addressPrefixes += r.sources.length + (r.kind === "deployAgents" ? 1 : 0);
  }
  return { rules: subnet.rules.length, addressPrefixes, asgs: subnet.services.length };
}

function checkCapacity(
  subnets: readonly PrivateEndpointSubnet[],
  input: PrivateEndpointInput,
  add: Add,
  hint: (prefix: number, extra?: readonly Cidr[]) => string,
  fullSubnetPrefix: number,
): void {
  const total = { rules: 0, addressPrefixes: 0, asgs: 0 };
  let over = false;
  subnets.forEach((subnet) => {
    const i = input.subnetTexts.findIndex((t) => t === subnet.cidr.text);
    const at = ["network", "privateEndpointSubnets", i];
    const use = nsgUsage(subnet);
    total.rules += use.rules;
    total.addressPrefixes += use.addressPrefixes;
    total.asgs += use.asgs;
    const pin = `pin services (new ones, so no deployed endpoint moves) to another subnet with services.<name>.privateEndpointSubnet`;
    const exceeded: string[] = [];
    if (use.asgs > NSG_LIMITS.asgs)
      exceeded.push(
        `${use.asgs} private endpoints, each its own application security group named by its rules (at most ${NSG_LIMITS.asgs} per NSG)`,
      );
    if (use.rules > NSG_LIMITS.rules)
      exceeded.push(`${use.rules} NSG rules (at most ${NSG_LIMITS.rules})`);
    if (use.addressPrefixes > NSG_LIMITS.addressPrefixes)
      exceeded.push(
        `${use.addressPrefixes} source and destination prefixes in its NSG rules (at most ${NSG_LIMITS.addressPrefixes})`,
      );
    if (exceeded.length > 0) {
      over = true;
      add(at, `${subnet.cidr.text} would hold ${exceeded.join(", and ")} (${LIMITS_SOURCE})`, pin);
    } else if (usableAddresses(subnet.cidr.prefix) < subnet.services.length) {
      add(
        at,
        `${subnet.cidr.text} has ${Math.max(0, usableAddresses(subnet.cidr.prefix))} usable addresses (5 are reserved), but ${subnet.services.length} private endpoints are placed in it (one address each)`,
        `use a /${prefixHolding(subnet.services.length)} or larger${hint(
          prefixHolding(subnet.services.length),
          subnets.map((s) => s.cidr),
        )}, or ${pin}`,
      );
    }
  });
  if (over) {
    const needed = Math.max(
      Math.ceil(total.asgs / NSG_LIMITS.asgs),
      Math.ceil(total.rules / (NSG_LIMITS.rules - 2)),
      Math.ceil(total.addressPrefixes / NSG_LIMITS.addressPrefixes),
    );
    const more = Math.max(1, needed - subnets.length);
    add(
      ["network", "privateEndpointSubnets"],
      `${subnets.length} subnet(s) cannot hold the mesh's ${total.asgs} private endpoints within the NSG limits; it needs at least ${needed}`,
      `add ${more} more subnet(s) (a /${fullSubnetPrefix} holds ${NSG_LIMITS.asgs} endpoints)${hint(
        fullSubnetPrefix,
        subnets.map((s) => s.cidr),
      )}, and pin services to them with services.<name>.privateEndpointSubnet`,
    );
  }
  for (const v of input.vnets) {
    const count = subnets
      .filter((s) => s.vnet === v.name)
      .reduce((n, s) => n + s.services.length, 0);
    if (count > MAX_PRIVATE_ENDPOINTS_PER_VNET)
      add(
        ["network", "privateEndpointSubnets"],
        `${count} private endpoints are in ${v.name ? `virtual network ${v.name}` : "the first virtual network"}, but a virtual network holds at most ${MAX_PRIVATE_ENDPOINTS_PER_VNET} (${LIMITS_SOURCE})`,
        "list a private-endpoint subnet in another of network.vnets and pin services to it",
      );
  }
}
