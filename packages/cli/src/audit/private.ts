/**
 * The audit's private-endpoint layer: each site's private endpoints, their subnets'
 * `privateEndpointNetworkPolicies` and NSGs, as the state export (and `--network`, the JSON of
 * `az network nsg show` / `az network private-endpoint list`) shows them. Who gets through is the
 * model's decision (`@service-edges/model`: the PRIVATE_ENDPOINT path, decideNsg); this file
 * compares it with the graph: every source an NSG admits that is no declared caller, ingress
 * range or deployment agent is an extra path.
 */
import type { ServiceNode } from "@service-edges/contract";
import {
  type AddressRange,
  type Flow,
  type NetworkSecurityGroupInfo,
  type PrivateEndpointInfo,
  type Site,
  covers,
  decideNsg,
  endpointsOf,
  enforcesNsg,
  nsgOf,
  parseRange,
} from "@service-edges/model";
import type { AuditContext } from "./context";

/** One endpoint of a site with what filters it: its subnet's NSG rules, or why nothing does. */
interface Filtered {
  endpoint: PrivateEndpointInfo;
  subnet: string;
  nsg?: NetworkSecurityGroupInfo;
  destination: Flow["destination"];
}

function filteredOf(ctx: AuditContext, e: PrivateEndpointInfo): Filtered {
  const links = ctx.model.deployed.privateLinks;
  const sub = e.subnetId ? links.subnets.get(e.subnetId.toLowerCase()) : undefined;
  const subnet = sub?.name ?? e.subnetId?.split("/").pop() ?? "an unknown subnet";
  const address = e.addresses[0] ?? sub?.prefixes[0];
  const destination = { ...(address ? { address } : {}), tags: ["VirtualNetwork"], asgs: e.asgs };
  if (!sub || !enforcesNsg(sub.endpointPolicies)) {
    return { endpoint: e, subnet, destination };
  }
  const nsg = nsgOf(links, sub.nsgId);
  if (!nsg) {
    return { endpoint: e, subnet, destination };
  }
  return { endpoint: e, subnet, destination, nsg };
}

/** The site's endpoints whose subnet's NSG filters them (the others are reported as open). */
export function filteredEndpointNames(ctx: AuditContext, site: Site): Set<string> {
  return new Set(
    endpointsOf(ctx.model, site)
      .map((e) => filteredOf(ctx, e))
      .filter((f) => f.nsg)
      .map((f) => f.endpoint.name.toLowerCase()),
  );
}

const flowFrom = (f: Filtered, source: Flow["source"]): Flow => ({
  protocol: "Tcp",
  source,
  destination: f.destination,
  destinationPort: 443,
});

/** Whether the site's private endpoints admit a range (a declared ingress, deployment agents). */
export function privateAdmitsRange(ctx: AuditContext, site: Site, text: string): boolean {
  const range = parseRange(text);
  if (!range) return false;
  return endpointsOf(ctx.model, site).some((e) => {
    const f = filteredOf(ctx, e);
    if (!f.nsg) return true;
    return decideNsg(f.nsg.rules, flowFrom(f, { address: range, tags: ["VirtualNetwork"] }))
      .allowed;
  });
}

/** Every extra path through the service's private endpoints. */
export function auditPrivateEndpoints(ctx: AuditContext, s: ServiceNode): void {
  const site = ctx.site(s.name);
  if (!site) return;
  const callers = new Set((ctx.graph.incoming.get(s.name) ?? []).map((e) => e.from));
  const declared: AddressRange[] = [
    ...(s.ingress.kind === "sources" ? s.ingress.sources : [])
      .map((x) => (x.kind === "cidr" ? parseRange(x.text) : undefined))
      .filter((r): r is AddressRange => r !== undefined),
    ...ctx.graph.scmAllowedRanges
      .map((r) => parseRange(r.text))
      .filter((r): r is AddressRange => r !== undefined),
  ];
  const links = ctx.model.deployed.privateLinks;
  const subnetOf = (service: string) => {
    const id = ctx.site(service)?.subnetId ?? ctx.model.deployed.registry.get(service)?.subnetId;
    const sub = id ? links.subnets.get(id.toLowerCase()) : undefined;
    return sub && sub.prefixes[0] ? { name: sub.name, range: sub.prefixes[0] } : undefined;
  };
  for (const c of callers) {
    const r = subnetOf(c)?.range;
    if (r) declared.push(r);
  }
  for (const e of endpointsOf(ctx.model, site)) {
    const f = filteredOf(ctx, e);
    const at = `${s.name}'s private endpoint ${e.name}`;
    // An endpoint no NSG filters is reported with the site's open endpoints (network.ts).
    if (!f.nsg) continue;
    const rules = f.nsg.rules;
    const nsg = f.nsg.name;
    const vnet = decideNsg(rules, flowFrom(f, { tags: ["VirtualNetwork"] }));
    if (vnet.allowed) {
      ctx.add(
        "extra",
        "network",
        s.name,
        "the VirtualNetwork",
        vnet.rule.isDefault
          ? `${nsg} leaves ${at} to Azure's default rule ${vnet.rule.name} (${vnet.rule.priority}): every address of the VNet, its peered VNets and on-premises ranges gets in`
          : `the NSG rule "${vnet.rule.name}" (priority ${vnet.rule.priority}) of ${nsg} admits every address of the VirtualNetwork to ${at}`,
      );
    }
    // Every other service with an integration subnet: is it admitted without an edge?
    for (const other of ctx.graph.services) {
      if (other.name === s.name || callers.has(other.name)) continue;
      const sub = subnetOf(other.name);
      if (!sub) continue;
      const d = decideNsg(rules, flowFrom(f, { address: sub.range, tags: ["VirtualNetwork"] }));
      if (!d.allowed || d.rule.isDefault) continue;
      ctx.add(
        "extra",
        "network",
        s.name,
        other.name,
        `the NSG rule "${d.rule.name}" (priority ${d.rule.priority}) of ${nsg} admits ${other.name}'s subnet ${sub.name} to ${at}, but ${other.name} has no edge to ${s.name}`,
      );
    }
    // Every range an Allow rule names that the graph does not declare.
    const seen = new Set<string>();
    for (const r of rules) {
      if (r.direction !== "Inbound" || r.access !== "Allow") continue;
      for (const p of r.sourceAddressPrefixes) {
        const range = parseRange(p);
        if (!range || seen.has(range.text) || range.prefix === 0) continue;
        seen.add(range.text);
        if (declared.some((x) => covers(x, range))) continue;
        if (ctx.graph.services.some((o) => subnetOf(o.name)?.range.text === range.text)) continue;
        const d = decideNsg(rules, flowFrom(f, { address: range, tags: ["VirtualNetwork"] }));
        if (!d.allowed || d.rule.isDefault) continue;
        ctx.add(
          "extra",
          "network",
          s.name,
          `addresses in ${range.text}`,
          `the NSG rule "${d.rule.name}" (priority ${d.rule.priority}) of ${nsg} admits addresses in ${range.text} to ${at}, which the graph does not declare`,
        );
      }
    }
  }
}
