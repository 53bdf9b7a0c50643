/**
 * The ServiceMesh component: validates its args into a graph (mesh-graph.ts), then registers the
 * mesh's groups, network, guardrails and identities, each service's resources (mesh-services.ts)
 * a few at a time (mesh-batches.ts), its private endpoints and observability, and its outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import * as resources from "@pulumi/azure-native/resources";
import {
  type ServiceGraph,
  TYPES,
  childName,
  identitiesGroupName,
  hasPrivateEndpoints,
  networkGroupName,
  serviceGroupName,
  reportPlannedMesh,
} from "@service-edges/contract";
import type { ServiceMeshArgs, ServiceOutputs, AccessEntry } from "./args";
import { childAliases, meshAliases, meshComponentOptions } from "./aliases";
import { meshOwners } from "./entra-owners";
import { MeshGuardrails, PRIVATE_ENDPOINT_MODE_OMITS, subscriptionOf } from "./guardrails";
import type { ComputedArgs } from "./mesh-args";
import { batchStep } from "./mesh-batches";
import { type BuiltMesh, meshGraph } from "./mesh-graph";
import { accessMatrixOf, identityRef, registerServices } from "./mesh-services";
import { MeshNetwork } from "./network";
import { observeMesh } from "./observability";
import { MeshPrivateEndpoints } from "./private-endpoints";
import { ServiceIdentity } from "./service-identity";

export { batchStep } from "./mesh-batches";
export {
  type IdentityRef,
  type ServicesContext,
  accessMatrixOf,
  registerServices,
} from "./mesh-services";

/** What the mesh registers as its outputs once every child exists. */
interface MeshOutputs {
  tenantId: pulumi.Output<string>;
  vnetId: pulumi.Output<string>;
  services: Record<string, pulumi.Output<ServiceOutputs>>;
  accessMatrix: pulumi.Output<AccessEntry>[];
  clientSecrets: pulumi.Output<{ [service: string]: string }>;
}

/** The validated graph of each mesh being built, keyed by the (empty) inputs it registers. */
const graphs = new WeakMap<object, BuiltMesh>();

/**
 * A least-privilege service mesh from a graph in the stack-config shape: the network layer (one
 * plan and integration subnet per caller, deny-by-default access restrictions per callee) and the
 * identity layer (an Entra application per callee, an identity per service, an app role
 * assignment per edge and role).
 *
 * Every child is named from the mesh's name, so two meshes live side by side in one stack.
 * Dependency depth is constant: apps depend on the VNet, on identities and on callee
 * applications, never on each other, because host names and audiences are derived from names.
 */
export class ServiceMesh extends pulumi.ComponentResource<MeshOutputs> {
  /** The Entra tenant (directory) id. */
  readonly tenantId: pulumi.Output<string>;
  /** The ARM id of the VNet holding every caller's integration subnet. */
  readonly vnetId: pulumi.Output<string>;
  /** What each service got, by service name. */
  readonly services: pulumi.Output<{ [name: string]: ServiceOutputs }>;
  /** The access matrix as data: who may call whom, with which roles and assignments. */
  readonly accessMatrix: pulumi.Output<AccessEntry[]>;
  /**
   * The client secret of each service with `clientSecret: true`, by service name; a secret, so
   * the engine encrypts it in state and outputs (`pulumi stack output --show-secrets`).
   */
  readonly clientSecrets: pulumi.Output<{ [service: string]: string }>;

  constructor(name: string, args: ServiceMeshArgs, opts?: pulumi.ComponentResourceOptions) {
    const graph = meshGraph(name, args);
    reportPlannedMesh({ type: TYPES.mesh, name, graph: graph.graph });
    const inputs = {};
    graphs.set(inputs, graph);
    super(TYPES.mesh, name, inputs, {
      ...meshComponentOptions(opts),
      aliases: [...(opts?.aliases ?? []), ...meshAliases(name)],
    });
    // The children are registered by `initialize`; the outputs follow from what it returns.
    const data = this.getData();
    this.tenantId = pulumi.output(data.then((d) => d.tenantId));
    this.vnetId = pulumi.output(data.then((d) => d.vnetId));
    this.services = pulumi.output(data.then((d) => d.services));
    this.accessMatrix = pulumi.output(data.then((d) => d.accessMatrix));
    this.clientSecrets = pulumi.secret(pulumi.output(data.then((d) => d.clientSecrets)));
  }

  /**
   * Registers the whole mesh, a few services at a time, then the mesh's outputs once, with
   * everything in them. The SDK runs this from the base constructor and awaits it.
   */
  protected async initialize(inputs: pulumi.Inputs, _opts: unknown, name: string) {
    const { graph, computed } = graphs.get(inputs)!;
    graphs.delete(inputs);
    const built = await buildMesh(this, name, graph, computed);
    this.registerOutputs(built);
    return built;
  }
}

/** The mesh's children, in three passes: groups and network, identities, then callees and hosts. */
async function buildMesh(
  mesh: ServiceMesh,
  meshName: string,
  graph: ServiceGraph,
  computed: ComputedArgs,
): Promise<MeshOutputs> {
  const prefix = graph.namePrefix;
  const location = graph.location;
  const child = (oldName: string): pulumi.ComponentResourceOptions => ({
    parent: mesh,
    aliases: childAliases(meshName, oldName),
  });
  const named = (local: string) => childName(meshName, local);
  const step = batchStep();

  // One invoke for who deploys: the tenant, and the deployer's object id.
  const client = azuread.getClientConfigOutput({ parent: mesh });
  const tenantId = client.tenantId;
  const owners = meshOwners(mesh, named("first-deployer"), client.objectId, computed.owners);
  const networkGroup = new resources.ResourceGroup(
    named("network"),
    { resourceGroupName: networkGroupName(prefix), location },
    child("network"),
  );
  // One group per placement label: plans of different webspace classes never share a group
  // (contract placement.ts).
  const groups = new Map<string, resources.ResourceGroup>();
  for (const label of [...new Set(graph.services.map((s) => s.placement))].sort()) {
    groups.set(
      label,
      new resources.ResourceGroup(
        named(label),
        { resourceGroupName: serviceGroupName(prefix, label), location },
        child(label),
      ),
    );
  }
  const network = new MeshNetwork(
    named("network"),
    { graph, resourceGroupName: networkGroup.name },
    child("network"),
  );
  const groupOf = (service: string) => groups.get(graph.byName.get(service)!.placement)!.name;
  // With guardrails every identity sits in a group of its own, so the right to attach one to
  // compute (assign/action) can be granted on the identities alone. Moving an identity to another
  // group is a replacement (MS Learn, "Managed identities for Azure resources frequently asked
  // questions": moving a user-assigned identity to a different resource group isn't supported).
  const identitiesGroup = graph.guardrails
    ? new resources.ResourceGroup(
        named("identities"),
        { resourceGroupName: identitiesGroupName(prefix), location },
        { parent: mesh },
      )
    : undefined;
  const identityGroupOf = (service: string) => identitiesGroup?.name ?? groupOf(service);
  if (identitiesGroup) {
    new MeshGuardrails(
      named("guardrails"),
      {
        namePrefix: prefix,
        // The subscription the mesh's groups are in: /subscriptions/<id>/resourceGroups/...
        subscriptionScope: subscriptionOf(networkGroup.id),
        networkGroupId: networkGroup.id,
        identityGroups: [{ label: "identities", id: identitiesGroup.id }],
        inbound: graph.inbound,
        ...(hasPrivateEndpoints(graph.inbound) ? { omit: PRIVATE_ENDPOINT_MODE_OMITS } : {}),
      },
      { parent: mesh },
    );
  }

  const identities = new Map<string, ServiceIdentity>();
  for (const s of graph.services) {
    identities.set(
      s.name,
      new ServiceIdentity(
        named(s.name),
        {
          service: s,
          namePrefix: prefix,
          location,
          resourceGroupName: identityGroupOf(s.name),
          tenantId,
          owners,
        },
        child(s.name),
      ),
    );
    await step();
  }

  const { services, callees } = await registerServices({
    graph,
    parent: mesh,
    meshName,
    tenantId,
    owners,
    named,
    child,
    step,
    groupOf,
    identityOf: (service) => identityRef(identities.get(service)!),
    subnetIdOf: (service) => network.subnetId(service),
    frontDoorIdOf: (service) => computed.frontDoorIds.get(service),
  });
  const security = network.privateEndpointSecurity;
  if (security) {
    // After the sites: each endpoint connects to its site by id.
    await new MeshPrivateEndpoints(
      named("private-endpoints"),
      {
        graph,
        resourceGroupName: networkGroup.name,
        vnetIds: network.vnetIds,
        siteIdOf: (service) => services[service].apply((o) => o.appId),
        asgIds: security.asgIds,
      },
      { parent: mesh },
    ).registerEndpoints(step);
  }
  observeMesh(
    graph,
    named("observability"),
    networkGroup.name,
    { parent: mesh },
    {
      siteIdOf: (service) => services[service].apply((o) => o.appId),
      clientIdOf: (service) => identities.get(service)!.clientId,
      applicationIdOf: (service) => callees.get(service)?.application.clientId,
    },
  );
  const accessMatrix = accessMatrixOf(graph, callees);
  const clientSecrets = pulumi.secret(
    pulumi.all(
      Object.fromEntries(
        graph.services.flatMap((s) => {
          const secret = identities.get(s.name)!.clientSecret;
          return secret ? [[s.name, secret]] : [];
        }),
      ) as Record<string, pulumi.Output<string>>,
    ),
  );
  return { tenantId, vnetId: network.vnetId, services, accessMatrix, clientSecrets };
}
