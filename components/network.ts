import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import { TYPES, type ServiceGraph, subnetName, vnetName } from "@service-edges/contract";

export interface MeshNetworkArgs {
  graph: ServiceGraph;
  resourceGroupName: pulumi.Input<string>;
}

/**
 * One virtual network holding every caller's integration subnet inline.
 *
 * Inline, because Azure serialises writes to one VNet's subnets: separate Subnet resources created
 * together fail with AnotherOperationInProgress, and a dependsOn chain between them would make the
 * deployment depth grow with the number of callers. A VNet declared without its subnets can also
 * delete separately declared ones on update.
 */
export class MeshNetwork extends pulumi.ComponentResource {
  readonly vnet: network.VirtualNetwork;
  readonly vnetId: pulumi.Output<string>;
  private readonly subnetNames: ReadonlySet<string>;
  /** One Output per subnet, however many rules and settings name it. */
  private readonly subnetIds = new Map<string, pulumi.Output<string>>();

  constructor(name: string, args: MeshNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPES.network, name, {}, opts);
    const { graph } = args;
    const integrated = graph.services.filter((s) => s.subnet);
    this.subnetNames = new Set(integrated.map((s) => s.name));
    // Retirement step 1 keeps a retired caller's subnet: removing it is a VNet update, which the
    // engine runs before it deletes the site (deletes run last, pulumi/pulumi #9979), and Azure
    // refuses to change a subnet an app is still integrated with. Step 2 removes it, unused.
    const kept = [...integrated, ...graph.retired.filter((s) => s.subnet)].sort((a, b) =>
      a.name < b.name ? -1 : 1,
    );
    this.vnet = new network.VirtualNetwork(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        virtualNetworkName: vnetName(graph.namePrefix),
        location: graph.location,
        addressSpace: { addressPrefixes: [graph.addressSpace.text] },
        subnets: kept.map((s) => ({
          name: subnetName(s.name),
          addressPrefix: s.subnet!.text,
          // Regional VNet Integration needs the subnet delegated to App Service plans.
          delegations: [{ name: "app-service", serviceName: "Microsoft.Web/serverFarms" }],
          // A callee's vnet rule only matches traffic that arrives over this service endpoint.
          serviceEndpoints: [{ service: "Microsoft.Web" }],
        })),
      },
      { parent: this },
    );
    this.vnetId = this.vnet.id;
    this.registerOutputs({ vnetId: this.vnetId });
  }

  /** The ARM id of a service's integration subnet. */
  subnetId(service: string): pulumi.Output<string> {
    if (!this.subnetNames.has(service)) {
      throw new pulumi.ResourceError(`service ${service} has no integration subnet`, this);
    }
    let id = this.subnetIds.get(service);
    if (!id) {
      id = pulumi.interpolate`${this.vnet.id}/subnets/${subnetName(service)}`;
      this.subnetIds.set(service, id);
    }
    return id;
  }
}
