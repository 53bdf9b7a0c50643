/**
 * `audit`: sites integrated into a mesh subnet that are not its owner. Callees admit a caller by
 * its integration subnet, so any other site (or slot) in `snet-<service>` calls in as that
 * service. The guardrail `mesh-subnet-only-its-site` refuses this when it is written through the
 * site or slot (`virtualNetworkSubnetId`) or the older `virtualNetworkConnections`, but the swift
 * connection (`Microsoft.Web/sites/networkConfig`, what Bicep, Terraform's
 * `azurerm_app_service_virtual_network_swift_connection` and PowerShell write) has no policy
 * alias for its subnet (none in Azure/azure-policy's built-ins), so Azure Policy cannot see it on
 * a site outside the mesh. This finds it in what is deployed instead, by the same naming the
 * guardrail uses (contract names.ts): a subnet of a VNet in `<prefix>-network` belongs to the site
 * `<prefix>-<service>` when it is `snet-<service>`, and to nobody otherwise.
 *
 * Pure: takes the deployed sites (from the state and `--sites`), returns findings.
 */
import { siteName, subnetName } from "@service-edges/contract";

/** A deployed site or slot and the subnet it is integrated into. */
export interface IntegratedSite {
  name: string;
  slot?: string;
  subnetId?: string;
}

/** What the audit reports (audit.ts `Finding`). */
export interface SubnetOwnerFinding {
  kind: "extra";
  layer: "network";
  /** The service the subnet belongs to (or the subnet's name when it belongs to none). */
  service: string;
  /** The site (`name` or `name/slot`) that should not be there. */
  subject: string;
  message: string;
}

/** `{ vnet, subnet }` of a subnet id in the mesh's network group, else undefined. */
function meshSubnetOf(
  prefix: string,
  subnetId: string,
): { vnet: string; subnet: string } | undefined {
  const m =
    /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)\/subnets\/([^/]+)\/?$/i.exec(
      subnetId,
    );
  if (!m || m[1].toLowerCase() !== `${prefix}-network`.toLowerCase()) return undefined;
  return { vnet: m[2], subnet: m[3] };
}

/**
 * Every site or slot integrated into a subnet of the mesh's VNets that is not the one site that
 * subnet is named for. `services`: the graph's services (a subnet of a retired or unknown service
 * still has its owner by name).
 */
export function sitesInMeshSubnetsNotTheirOwner(
  graph: { namePrefix: string; services: ReadonlyArray<{ name: string }> },
  sites: Iterable<IntegratedSite>,
): SubnetOwnerFinding[] {
  const prefix = graph.namePrefix;
  const bySubnet = new Map(graph.services.map((s) => [subnetName(s.name).toLowerCase(), s.name]));
  const findings: SubnetOwnerFinding[] = [];
  for (const site of sites) {
    if (!site.subnetId) continue;
    const at = meshSubnetOf(prefix, site.subnetId);
    if (!at) continue;
    const named = /^snet-(.+)$/i.exec(at.subnet)?.[1];
    const service = bySubnet.get(at.subnet.toLowerCase()) ?? named;
    const owner = service !== undefined ? siteName(prefix, service) : undefined;
    if (!site.slot && owner !== undefined && site.name.toLowerCase() === owner.toLowerCase())
      continue;
    const who = site.slot ? `slot ${site.slot} of site ${site.name}` : `site ${site.name}`;
    findings.push({
      kind: "extra",
      layer: "network",
      service: service ?? at.subnet,
      subject: site.slot ? `${site.name}/${site.slot}` : site.name,
      message:
        owner !== undefined
          ? `${who} is integrated into ${at.subnet} (${at.vnet}), the integration subnet of ${service}: every callee that admits ${service} admits it too; only ${owner} may use that subnet`
          : `${who} is integrated into ${at.subnet} (${at.vnet}), a subnet of the mesh's network that belongs to no service`,
    });
  }
  return findings;
}

/**
 * The subnet an integration record names, for `--sites`: the swift connection
 * (`/networkConfig/virtualNetwork`: `subnetResourceId`, as "Web Apps - Get Swift Virtual Network
 * Connection" returns it) or a VNet connection (`/virtualNetworkConnections/{name}`:
 * `vnetResourceId`, as `az webapp vnet-integration list` and "Web Apps - Get Vnet Connection"
 * return it). `rest` is the id after the site (or slot); undefined for anything else.
 */
export function integrationSubnetOf(
  rest: string,
  props: Record<string, unknown>,
): string | undefined | null {
  if (!/^\/(networkConfig\/virtualNetwork|virtualNetworkConnections\/[^/]+)$/i.test(rest))
    return undefined;
  const id = props.subnetResourceId ?? props.vnetResourceId;
  return typeof id === "string" && id !== "" ? id : null;
}
