import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import { TYPES, type ServiceGraph, subnetName, vnetName } from "@service-edges/contract";
import {
  type PrivateEndpointSecurity,
  privateEndpointSecurity,
  privateEndpointSubnetArgs,
} from "./private-endpoints";

export interface MeshNetworkArgs {
  graph: ServiceGraph;
  resourceGroupName: pulumi.Input<string>;
}

/**
 * The virtual networks holding every caller's integration subnet inline: the first, and one per
 * `network.vnets` entry (a virtual network holds at most 3,000 subnets).
 *
 * Inline, because Azure serialises writes to one VNet's subnets: separate Subnet resources created
 * together fail with AnotherOperationInProgress, and a dependsOn chain between them would make the
 * deployment depth grow with the number of callers. A VNet declared without its subnets can also
 * delete separately declared ones on update.
 */
export class MeshNetwork extends pulumi.ComponentResource {
  /** The first virtual network. */
  readonly vnet: network.VirtualNetwork;
  readonly vnetId: pulumi.Output<string>;
  /** Every virtual network's id by name ("" for the first). */
  readonly vnetIds: Record<string, pulumi.Output<string>>;
  private readonly vnets = new Map<string, network.VirtualNetwork>();
  /** The virtual network of each service with a subnet. */
  private readonly vnetOf: ReadonlyMap<string, string>;
  /** One Output per subnet, however many rules and settings name it. */
  private readonly subnetIds = new Map<string, pulumi.Output<string>>();
  /** With private endpoints: the application security groups and NSGs. */
  readonly privateEndpointSecurity?: PrivateEndpointSecurity;

  constructor(name: string, args: MeshNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPES.network, name, {}, opts);
    const { graph } = args;
    const integrated = graph.services.filter((s) => s.subnet);
    this.vnetOf = new Map(integrated.map((s) => [s.name, s.vnet]));
    // Retirement step 1 keeps a retired caller's subnet: removing it is a VNet update, which the
    // engine runs before it deletes the site (deletes run last, pulumi/pulumi #9979), and Azure
    // refuses to change a subnet an app is still integrated with. Step 2 removes it, unused.
    const kept = [...integrated, ...graph.retired.filter((s) => s.subnet)].sort((a, b) =>
      a.name < b.name ? -1 : 1,
    );
    const pe = graph.privateEndpoints;
    if (pe) {
      this.privateEndpointSecurity = privateEndpointSecurity(
        this,
        name,
        graph,
        args.resourceGroupName,
      );
    }
    for (const v of graph.vnets) {
      // Private-endpoint subnets stay inline too, after the integration subnets.
      const peSubnets = (pe?.subnets ?? [])
        .filter((s) => s.vnet === v.name)
        .map((s) =>
          privateEndpointSubnetArgs(s, this.privateEndpointSecurity!.nsgIds.get(s.name)!),
        );
      this.vnets.set(
        v.name,
        new network.VirtualNetwork(
          v.name ? `${name}-${v.name}` : name,
          {
            resourceGroupName: args.resourceGroupName,
            virtualNetworkName: vnetName(graph.namePrefix, v.name),
            location: graph.location,
            addressSpace: { addressPrefixes: [v.space.text] },
            subnets: [
              ...kept
                .filter((s) => (s.vnet ?? "") === v.name)
                .map((s) => ({
                  name: subnetName(s.name),
                  addressPrefix: s.subnet!.text,
                  // Regional VNet Integration needs the subnet delegated to App Service plans.
                  delegations: [{ name: "app-service", serviceName: "Microsoft.Web/serverFarms" }],
                  // A callee's vnet rule only matches traffic that arrives over this service endpoint.
                  serviceEndpoints: [{ service: "Microsoft.Web" }],
                })),
              ...peSubnets,
            ],
          },
          { parent: this },
        ),
      );
    }
    if (pe && graph.vnets.length > 1) this.peerVnets(name, args);
    this.vnet = this.vnets.get("")!;
    this.vnetId = this.vnet.id;
    this.vnetIds = Object.fromEntries([...this.vnets].map(([k, v]) => [k, v.id]));
    this.registerOutputs({ vnetId: this.vnetId });
  }

  /**
   * With private endpoints, a caller reaches a callee's endpoint across VNets only when they are
   * peered (peering is not transitive, so every pair, both ways). Peered VNets count as
   * VirtualNetwork, which is why each endpoint subnet's NSG ends with an explicit Deny.
   *
   * Peerings are separate resources and the VNets never set `virtualNetworkPeerings`: ARM's PUT of
   * a VNet replaces the whole body, but azure-native marks that property maintainSubResourceIfUnset
   * (pulumi/pulumi-azure-native provider/pkg/gen/properties.go genProperty: an array whose items
   * are a nested resource's body) and, on Update, defaultUpdate (provider/pkg/provider/provider.go)
   * calls MaintainSubResourcePropertiesIfNotSet (provider/pkg/provider/crud/crud.go @0354c94d),
   * which GETs the VNet and copies the live peerings into the PUT (PR #2755, v2). 3.28.0, our
   * version, has it: its SDK doc for the input ends "These are also available as standalone
   * resources", the sentence the generator adds only with that flag. Adding a subnet therefore
   * keeps the peerings; setting the property inline, even to [], would turn the preserve path off
   * and the next VNet PUT would delete them (test/mesh/vnet-peerings.test.ts).
   */
  private peerVnets(name: string, args: MeshNetworkArgs): void {
    const names = [...this.vnets.keys()];
    for (const a of names)
      for (const b of names) {
        if (a === b) continue;
        new network.VirtualNetworkPeering(
          `${name}-${a || "main"}-to-${b || "main"}`,
          {
            resourceGroupName: args.resourceGroupName,
            virtualNetworkName: this.vnets.get(a)!.name,
            virtualNetworkPeeringName: `to-${vnetName(args.graph.namePrefix, b)}`,
            remoteVirtualNetwork: { id: this.vnets.get(b)!.id },
            allowVirtualNetworkAccess: true,
            allowForwardedTraffic: false,
          },
          { parent: this },
        );
      }
  }

  /** The ARM id of a service's integration subnet. */
  subnetId(service: string): pulumi.Output<string> {
    const vnet = this.vnetOf.get(service);
    if (vnet === undefined) {
      throw new pulumi.ResourceError(`service ${service} has no integration subnet`, this);
    }
    let id = this.subnetIds.get(service);
    if (!id) {
      id = pulumi.interpolate`${this.vnets.get(vnet)!.id}/subnets/${subnetName(service)}`;
      this.subnetIds.set(service, id);
    }
    return id;
  }
}
