/**
 * The private-endpoint network layer (`service-edges:network.inbound: privateEndpoints`, and the
 * step between the modes, `serviceAndPrivateEndpoints`): what the contract planned
 * (packages/contract/src/private-endpoints.ts), registered as standard azure-native resources.
 *
 * - `privateEndpointSecurity` (called by MeshNetwork, before the VNet): one application security
 *   group per service with an endpoint, and one NSG per private-endpoint subnet whose inbound
 *   rules admit, per callee, exactly its callers' integration subnets on TCP 443, then deny
 *   everything else ahead of Azure's default AllowVnetInBound.
 * - `MeshPrivateEndpoints` (after the sites, one service at a time): one private endpoint per
 *   service (group `sites`) in its planned subnet and its application security group, the
 *   privatelink.azurewebsites.net zone linked to every mesh VNet, and a zone group per endpoint, so
 *   `<site>.azurewebsites.net` and `<site>.scm.azurewebsites.net` resolve to the endpoint inside
 *   the mesh.
 */
import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import type * as input from "@pulumi/azure-native/types/input";
import {
  CALLEE_PORT,
  type PlannedNsgRule,
  type PrivateEndpointSubnet,
  SITES_GROUP_ID,
  SITES_PRIVATE_DNS_ZONE,
  type ServiceGraph,
  TYPES,
  applicationSecurityGroupName,
  privateEndpointName,
  privateEndpointNicName,
  privateEndpointNsgName,
  vnetName,
} from "@service-edges/contract";

/** One inbound security rule, as azure-native's NetworkSecurityGroup takes it inline. */
export function securityRuleOf(
  rule: PlannedNsgRule,
  asgId: (service: string) => pulumi.Input<string>,
  subnetPrefix: string,
): input.network.SecurityRuleArgs {
  const base = {
    name: rule.name,
    description: rule.description,
    priority: rule.priority,
    direction: "Inbound",
    sourcePortRange: "*",
  };
  if (rule.kind === "denyAll")
    return {
      ...base,
      access: "Deny",
      protocol: "*",
      sourceAddressPrefix: "*",
      destinationAddressPrefix: "*",
      destinationPortRange: "*",
    };
  return {
    ...base,
    access: "Allow",
    protocol: "Tcp",
    sourceAddressPrefixes: rule.sources,
    destinationPortRange: CALLEE_PORT,
    ...(rule.callee
      ? { destinationApplicationSecurityGroups: [{ id: asgId(rule.callee) }] }
      : { destinationAddressPrefix: subnetPrefix }),
  };
}

export interface PrivateEndpointSecurity {
  /** Application security group id, by service. */
  asgIds: ReadonlyMap<string, pulumi.Output<string>>;
  /** NSG id, by private-endpoint subnet name. */
  nsgIds: ReadonlyMap<string, pulumi.Output<string>>;
}

/**
 * The application security groups and NSGs, children of the network component: the VNet's inline
 * private-endpoint subnets name the NSGs, so they exist before it.
 */
export function privateEndpointSecurity(
  parent: pulumi.Resource,
  name: string,
  graph: ServiceGraph,
  resourceGroupName: pulumi.Input<string>,
): PrivateEndpointSecurity {
  const plan = graph.privateEndpoints!;
  const prefix = graph.namePrefix;
  const asgIds = new Map<string, pulumi.Output<string>>();
  for (const service of [...plan.subnetOf.keys()].sort()) {
    const asg = new network.ApplicationSecurityGroup(
      `${name}-${service}`,
      {
        resourceGroupName,
        applicationSecurityGroupName: applicationSecurityGroupName(prefix, service),
        location: graph.location,
      },
      { parent },
    );
    asgIds.set(service, asg.id);
  }
  const nsgIds = new Map<string, pulumi.Output<string>>();
  for (const subnet of plan.subnets) {
    const nsg = new network.NetworkSecurityGroup(
      `${name}-${subnet.name}`,
      {
        resourceGroupName,
        networkSecurityGroupName: privateEndpointNsgName(prefix, subnet.name),
        location: graph.location,
        // Inline, as the VNet's subnets are: the NSG's one PUT replaces every rule at once, so an
        // edge change never leaves a rule half-written, and rules never race on the NSG.
        securityRules: subnet.rules.map((r) =>
          securityRuleOf(r, (s) => asgIds.get(s)!, subnet.cidr.text),
        ),
      },
      { parent },
    );
    nsgIds.set(subnet.name, nsg.id);
  }
  return { asgIds, nsgIds };
}

/** The VNet's inline private-endpoint subnet: its NSG, with network policies on for NSGs. */
export function privateEndpointSubnetArgs(
  subnet: PrivateEndpointSubnet,
  nsgId: pulumi.Input<string>,
): input.network.SubnetArgs {
  return {
    name: subnet.name,
    addressPrefix: subnet.cidr.text,
    networkSecurityGroup: { id: nsgId },
    // Without it, NSG rules do not apply to traffic to private endpoints in the subnet (MS Learn,
    // "Manage network policies for private endpoints": NetworkSecurityGroupEnabled turns on NSGs
    // only; Enabled would add route tables, which the mesh does not use).
    privateEndpointNetworkPolicies: "NetworkSecurityGroupEnabled",
  };
}

export interface MeshPrivateEndpointsArgs {
  graph: ServiceGraph;
  resourceGroupName: pulumi.Input<string>;
  /** Each mesh VNet's id, by its `network.vnets` name ("" for the first). */
  vnetIds: Record<string, pulumi.Output<string>>;
  /** Each site's ARM id, by service. */
  siteIdOf: (service: string) => pulumi.Input<string>;
  asgIds: ReadonlyMap<string, pulumi.Output<string>>;
}

export class MeshPrivateEndpoints extends pulumi.ComponentResource {
  /** The private DNS zone the endpoints register in (created, or network.privateDnsZoneId). */
  readonly zoneId: pulumi.Input<string>;

  constructor(
    name: string,
    args: MeshPrivateEndpointsArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(TYPES.privateEndpoints, name, {}, opts);
    const { graph } = args;
    const plan = graph.privateEndpoints!;
    const prefix = graph.namePrefix;
    const rg = args.resourceGroupName;
    if (graph.privateDnsZoneId) {
      // A landing zone's hub zone: the hub links it to its spokes (and ALZ Corp denies new
      // privatelink zones in application subscriptions), so only zone groups point at it.
      this.zoneId = graph.privateDnsZoneId;
    } else {
      const zone = new privatedns.PrivateZone(
        `${name}-dns`,
        { resourceGroupName: rg, privateZoneName: SITES_PRIVATE_DNS_ZONE, location: "Global" },
        { parent: this },
      );
      this.zoneId = zone.id;
      for (const v of graph.vnets) {
        new privatedns.VirtualNetworkLink(
          `${name}-dns-${v.name || "main"}`,
          {
            resourceGroupName: rg,
            privateZoneName: zone.name,
            virtualNetworkLinkName: vnetName(prefix, v.name),
            location: "Global",
            virtualNetwork: { id: args.vnetIds[v.name] },
            registrationEnabled: false,
            // A name the zone has no record for (another team's site behind its own private
            // endpoint, or a mesh site while its endpoint is being removed) falls back to public
            // DNS instead of NXDOMAIN (MS Learn, "Azure Private DNS fallback to internet").
            resolutionPolicy: "NxDomainRedirect",
          },
          { parent: this },
        );
      }
    }
    this.componentName = name;
    this.args = args;
    this.subnetById = new Map(plan.subnets.map((s) => [s.name, s]));
  }

  private readonly componentName: string;
  private readonly args: MeshPrivateEndpointsArgs;
  private readonly subnetById: ReadonlyMap<string, PrivateEndpointSubnet>;

  /**
   * Registers every service's endpoint and zone group, one service at a time (`step` yields to
   * the event loop, as the mesh does between services: a thousand endpoints registered at once
   * keep all their promise chains alive together), then the component's outputs.
   */
  async registerEndpoints(step: () => Promise<void>): Promise<void> {
    const { componentName: name, args, subnetById } = this;
    const { graph } = args;
    const plan = graph.privateEndpoints!;
    const prefix = graph.namePrefix;
    const rg = args.resourceGroupName;
    for (const [service, subnetName] of [...plan.subnetOf].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const subnet = subnetById.get(subnetName)!;
      const endpoint = new network.PrivateEndpoint(
        `${name}-${service}`,
        {
          resourceGroupName: rg,
          privateEndpointName: privateEndpointName(prefix, service),
          location: graph.location,
          // The reference says what the VNet declares (the SDK would fill in "Disabled" otherwise).
          subnet: {
            id: pulumi.interpolate`${args.vnetIds[subnet.vnet]}/subnets/${subnet.name}`,
            privateEndpointNetworkPolicies: "NetworkSecurityGroupEnabled",
          },
          customNetworkInterfaceName: privateEndpointNicName(prefix, service),
          privateLinkServiceConnections: [
            {
              name: service,
              privateLinkServiceId: args.siteIdOf(service),
              groupIds: [SITES_GROUP_ID],
            },
          ],
          // Its NSG rule names this group, so the rule admits to this endpoint alone.
          applicationSecurityGroups: [{ id: args.asgIds.get(service)! }],
        },
        { parent: this },
      );
      new network.PrivateDnsZoneGroup(
        `${name}-${service}`,
        {
          resourceGroupName: rg,
          privateEndpointName: endpoint.name,
          privateDnsZoneGroupName: "default",
          privateDnsZoneConfigs: [{ name: "sites", privateDnsZoneId: this.zoneId }],
        },
        { parent: this },
      );
      await step();
    }
    this.registerOutputs({});
  }
}
