/**
 * Where services go: their integration subnets (sized for their scale-out, inside a virtual
 * network, never overlapping, a free range suggested for a caller without one) and their
 * resource groups (no group above Azure's plans-per-group limit). Pure: no Pulumi imports.
 */
import { type Cidr, contains, nextFreeRange, overlaps, parseCidr } from "./cidr";
import { shown } from "./errors";
import { type Issues, listed } from "./graph-issues";
import {
  PLANS_PER_RESOURCE_GROUP,
  SERVICE_GROUPS,
  hashedGroupOf,
  placementLabel,
  webspaceClassOf,
} from "./placement";
import type { RawService } from "./schema";
import { MAX_SUBNETS_PER_VNET, type VnetSpace } from "./service-graph";
import { instancesFitting, subnetPrefixFor } from "./sizing";
import type { SkuFacts } from "./skus";

/** Declared subnets (fit, inside, no overlap), and suggestions for callers without one. */
export function checkSubnets(
  raw: ReadonlyMap<string, RawService>,
  skus: ReadonlyMap<string, SkuFacts>,
  calleesOf: ReadonlyMap<string, string[]>,
  addressSpace: Cidr | undefined,
  vnets: readonly VnetSpace[],
  { add, keys }: Issues,
): Map<string, Cidr> {
  const subnets = new Map<string, Cidr>();
  const spaces = vnets.length > 1 ? vnets.map((v) => v.space.text).join(", ") : addressSpace?.text;
  const withSubnet: Array<[string, Cidr]> = [];
  for (const [name, s] of raw) {
    if (s.subnet === undefined) continue;
    const at = ["services", name, "subnet"];
    const parsed = parseCidr(s.subnet);
    if (!parsed.ok) {
      add(
        at,
        `${shown(s.subnet)} ${parsed.reason}`,
        parsed.fix ?? "write it as a.b.c.d/prefix, e.g. 10.40.0.0/27",
      );
      continue;
    }
    const cidr = parsed.cidr;
    if (addressSpace && !vnets.some((v) => contains(v.space, cidr))) {
      add(
        at,
        `${cidr.text} is outside the address space ${spaces}`,
        vnets.length > 1
          ? `pick a range inside one virtual network's space (${spaces})`
          : `pick a range inside ${keys.key(["network", "addressSpace"])} (${addressSpace.text})`,
      );
      continue;
    }
    const facts = skus.get(name);
    if (facts && s.maxInstances >= 1 && instancesFitting(cidr.prefix) < s.maxInstances) {
      const need = subnetPrefixFor(s.maxInstances);
      add(
        at,
        cidr.prefix > 28
          ? `${cidr.text} is smaller than /28, the smallest integration subnet App Service accepts`
          : `${cidr.text} holds ${instancesFitting(cidr.prefix)} instances (2 addresses each during upgrades, plus 5 reserved), but maxInstances is ${s.maxInstances}`,
        `use a /${need} or larger; its size cannot change once an app is integrated`,
      );
    }
    withSubnet.push([name, cidr]);
  }
  // Overlaps: sort by start, sweep keeping the furthest end; linear after the sort.
  withSubnet.sort((a, b) =>
    a[1].start < b[1].start ? -1 : a[1].start > b[1].start ? 1 : a[0] < b[0] ? -1 : 1,
  );
  let reach: [string, Cidr] | undefined;
  for (const [name, cidr] of withSubnet) {
    if (reach && overlaps(reach[1], cidr)) {
      add(
        ["services", name, "subnet"],
        `${cidr.text} overlaps ${reach[1].text} of service ${shown(reach[0])}`,
        "give every service its own range; each plan needs its own integration subnet",
      );
      continue;
    }
    subnets.set(name, cidr);
    if (!reach || cidr.end > reach[1].end) reach = [name, cidr];
  }
  // Callers without a subnet get a suggestion that also avoids earlier suggestions.
  const taken = withSubnet.map(([, c]) => c);
  for (const [name, s] of raw) {
    if (s.subnet !== undefined || !calleesOf.has(name)) continue;
    const prefix = subnetPrefixFor(Math.max(1, s.maxInstances));
    const free = addressSpace ? nextFreeRange(addressSpace, taken, prefix) : undefined;
    if (free) taken.push(free);
    add(
      ["services", name, "subnet"],
      `is missing; ${name} calls ${listed(calleesOf.get(name)!)} and every caller needs its own integration subnet`,
      free
        ? `set it to ${free.text} (the next free /${prefix}; a /${prefix} holds ${instancesFitting(prefix)} instances): ${keys.set(["services", name, "subnet"], free.text)}`
        : addressSpace
          ? `the address space ${addressSpace.text} has no free /${prefix} left; enlarge ${keys.key(["network", "addressSpace"])}`
          : `set a valid ${keys.key(["network", "addressSpace"])} first, then a /${prefix} inside it`,
    );
  }
  for (const v of vnets) {
    const held = withSubnet.filter(([, c]) => contains(v.space, c)).length;
    if (held > MAX_SUBNETS_PER_VNET) {
      add(
        v.name ? ["network", "vnets", v.name] : ["services"],
        `${held} integration subnets are in ${v.name ? `virtual network ${v.name}` : "the address space"} (${v.space.text}), but a virtual network holds at most ${MAX_SUBNETS_PER_VNET}`,
        `add another virtual network under ${keys.key(["network", "vnets"])} (name: address space) and put new callers' subnets there (MS Learn, "Azure subscription and service limits", Networking: 3,000 subnets per virtual network)`,
      );
    }
  }

  return subnets;
}

export function placeServices(
  raw: ReadonlyMap<string, RawService>,
  skus: ReadonlyMap<string, SkuFacts>,
  { add }: Issues,
): Map<string, { group: number; placement: string }> {
  const placed = new Map<string, { group: number; placement: string }>();
  const members = new Map<string, string[]>();
  for (const [name, s] of raw) {
    const sku = skus.get(name);
    if (!sku) continue; // its SKU's own error is reported
    const group = s.group ?? hashedGroupOf(name);
    const placement = placementLabel(webspaceClassOf(sku.family), group);
    placed.set(name, { group, placement });
    (members.get(placement) ?? members.set(placement, []).get(placement)!).push(name);
  }
  for (const [label, list] of members) {
    if (list.length <= PLANS_PER_RESOURCE_GROUP) continue;
    const cls = webspaceClassOf(skus.get(list[0])!.family);
    const roomy = [...Array(SERVICE_GROUPS).keys()].filter(
      (k) => (members.get(placementLabel(cls, k))?.length ?? 0) < PLANS_PER_RESOURCE_GROUP,
    );
    add(
      ["services"],
      `resource group ${label} would hold ${list.length} App Service plans; Azure allows ${PLANS_PER_RESOURCE_GROUP}`,
      `pin ${list.length - PLANS_PER_RESOURCE_GROUP} of its newest services (${list.slice(-3).join(", ")}, ...) elsewhere with group: <n>, e.g. group: ${roomy[0] ?? 0}`,
    );
  }

  return placed;
}
