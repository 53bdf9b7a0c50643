import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import { TYPES, type ServiceGraph, subnetName, vnetName } from "@service-edges/contract";

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
    for (const v of graph.vnets) {
      this.vnets.set(
        v.name,
        new network.VirtualNetwork(
          v.name ? `${name}-${v.name}` : name,
          {
            resourceGroupName: args.resourceGroupName,
            virtualNetworkName: vnetName(graph.namePrefix, v.name),
            location: graph.location,
            addressSpace: { addressPrefixes: [v.space.text] },
            subnets: kept
              .filter((s) => (s.vnet ?? "") === v.name)
              .map((s) => ({
                name: subnetName(s.name),
                addressPrefix: s.subnet!.text,
                // Regional VNet Integration needs the subnet delegated to App Service plans.
                delegations: [{ name: "app-service", serviceName: "Microsoft.Web/serverFarms" }],
                // A callee's vnet rule only matches traffic that arrives over this service endpoint.
                serviceEndpoints: [{ service: "Microsoft.Web" }],
              })),
          },
          { parent: this },
        ),
      );
    }
    this.vnet = this.vnets.get("")!;
    this.vnetId = this.vnet.id;
    this.vnetIds = Object.fromEntries([...this.vnets].map(([k, v]) => [k, v.id]));
    this.registerOutputs({ vnetId: this.vnetId });
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
