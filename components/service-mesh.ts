import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import * as resources from "@pulumi/azure-native/resources";
import {
  AppSettingNames as S,
  ConfigError,
  type ServiceGraph,
  TYPES,
  allowedCallersFor,
  buildServiceGraph,
  calleeTargetsFor,
  childName,
  defaultHostNameFor,
  identifierUriFor,
  identitiesGroupName,
  isCallee,
  isCaller,
  hasPrivateEndpoints,
  networkGroupName,
  publicAccessOff,
  serviceGroupName,
  reportPlannedMesh,
} from "@service-edges/contract";
import type { AccessEntry, ServiceMeshArgs, ServiceOutputs } from "./args";
import { childAliases, meshAliases, meshComponentOptions } from "./aliases";
import { CalleeApplication } from "./callee-application";
import { meshOwners } from "./entra-owners";
import { MeshGuardrails, PRIVATE_ENDPOINT_MODE_OMITS, subscriptionOf } from "./guardrails";
import { type ComputedArgs, meshKeys, plainMeshArgs } from "./mesh-args";
import { MeshNetwork } from "./network";
import { observeMesh } from "./observability";
import { MeshPrivateEndpoints } from "./private-endpoints";
import { ServiceHost } from "./service-host";
import { ServiceIdentity } from "./service-identity";

/**
 * Services registered before yielding to the event loop. Registering everything at once keeps
 * every resource's promise chains alive together; batches let each one settle first. One service
 * at a time: a service's registrations allocate a few tens of MB of short-lived promise chains,
 * which then die within one young-generation collection; with five services in flight they
 * outgrew it, survived to be copied and promoted, and young-generation collections took about a
 * third of a 1,000-service plan.
 */
const BATCH_SIZE = 1;

/** Let registrations already started settle before starting more. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A step to await after registering each service: it yields every BATCH_SIZE services. */
export function batchStep(): () => Promise<void> {
  let registered = 0;
  return async () => {
    if (++registered % BATCH_SIZE === 0) await settle();
  };
}

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

/** Physical name prefixes in use per deployment (per resource monitor): meshes must not share. */
const prefixesInUse = new WeakMap<object, Map<string, string>>();

/**
 * Validates the args as the stack config is validated: every error at once, each naming its
 * argument path (or its key, for args read from a config namespace) and the fix, raised as a
 * Pulumi error without a stack trace, before anything is registered.
 */
function meshGraph(name: string, args: ServiceMeshArgs): BuiltMesh {
  const keys = meshKeys(`ServiceMesh "${name}"`, args);
  let graph: ServiceGraph;
  let computed: ComputedArgs;
  try {
    const split = plainMeshArgs(args, keys);
    computed = split.computed;
    const plain = split.plain;
    graph = buildServiceGraph(
      {
        stack: pulumi.getStack(),
        location: plain.location ?? new pulumi.Config("azure-native").get("location"),
        namePrefix: plain.namePrefix,
        guardrails: plain.guardrails,
        owners: plain.owners,
        network: plain.network,
        services: plain.services,
        edges: plain.edges ?? [],
        observability: plain.observability,
      },
      { keys },
    );
  } catch (err) {
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
  // The graph holds the Front Door ids known before deployment only.
  for (const service of computed.frontDoorIds.keys()) {
    const ingress = graph.byName.get(service)?.ingress;
    if (ingress?.kind === "sources")
      for (const source of ingress.sources)
        if (source.kind === "serviceTag") delete source.frontDoorId;
  }
  const monitor = pulumi.runtime.getMonitor() ?? prefixesInUse;
  const used = prefixesInUse.get(monitor) ?? new Map<string, string>();
  prefixesInUse.set(monitor, used);
  const other = used.get(graph.namePrefix);
  if (other !== undefined) {
    throw new pulumi.RunError(
      `ServiceMesh "${name}": namePrefix "${graph.namePrefix}" is already used by ServiceMesh ` +
        `"${other}" in this stack, so their Azure and Entra names would collide. Fix: give each ` +
        "mesh its own namePrefix.",
    );
  }
  used.set(graph.namePrefix, name);
  return { graph, computed };
}

/** A mesh's validated graph and the Outputs its args hold (mesh-args.ts). */
interface BuiltMesh {
  graph: ServiceGraph;
  computed: ComputedArgs;
}

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
    new MeshPrivateEndpoints(
      named("private-endpoints"),
      {
        graph,
        resourceGroupName: networkGroup.name,
        vnetIds: network.vnetIds,
        siteIdOf: (service) => services[service].apply((o) => o.appId),
        asgIds: security.asgIds,
      },
      { parent: mesh },
    );
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

/** The access matrix as data: per edge, its roles and the ids of its app role assignments. */
export function accessMatrixOf(
  graph: ServiceGraph,
  callees: ReadonlyMap<string, CalleeApplication>,
): pulumi.Output<AccessEntry>[] {
  return graph.edges.map((e) =>
    pulumi.output({
      from: e.from,
      to: e.to,
      roles: e.roles,
      assignmentIds: callees
        .get(e.to)!
        .assignments.get(e.from)!
        .map((a) => a.id),
    }),
  );
}

/** What a service's compute and its callees need of its identity (a ServiceIdentity, or a registry entry). */
export interface IdentityRef {
  /** The user-assigned identity's ARM id (attached to the app). */
  id: pulumi.Input<string>;
  managedClientId: pulumi.Input<string>;
  managedPrincipalId: pulumi.Input<string>;
  /** The client id in the service's tokens (the registration's, else the managed identity's). */
  clientId: pulumi.Input<string>;
  /** The principal its app role assignments name. */
  principalObjectId: pulumi.Input<string>;
  /** identity: registration: the registration's client id. */
  registrationClientId?: pulumi.Input<string>;
}

function identityRef(identity: ServiceIdentity): IdentityRef {
  return {
    id: identity.managedIdentity.id,
    managedClientId: identity.managedIdentity.clientId,
    managedPrincipalId: identity.managedIdentity.principalId,
    clientId: identity.clientId,
    principalObjectId: identity.principalObjectId,
    registrationClientId: identity.registration?.clientId,
  };
}

/** Where `registerServices` puts things and finds what it does not own. */
export interface ServicesContext {
  graph: ServiceGraph;
  parent: pulumi.Resource;
  meshName: string;
  tenantId: pulumi.Output<string>;
  owners: pulumi.Input<string[]>;
  named: (local: string) => string;
  child: (oldName: string) => pulumi.ComponentResourceOptions;
  step: () => Promise<void>;
  groupOf: (service: string) => pulumi.Input<string>;
  identityOf: (service: string) => IdentityRef;
  subnetIdOf: (service: string) => pulumi.Input<string>;
  /** The services this stack deploys (default: every service of the graph). */
  owns?: (service: string) => boolean;
  /** A service's Front Door id when its args passed an Output (mesh-args.ts). */
  frontDoorIdOf?: (service: string) => pulumi.Input<string> | undefined;
}

/**
 * Each service's callee application (with the app role assignments of its incoming edges) and its
 * compute, a few services at a time; what each service got, for the outputs.
 */
export async function registerServices(ctx: ServicesContext): Promise<{
  services: Record<string, pulumi.Output<ServiceOutputs>>;
  callees: Map<string, CalleeApplication>;
}> {
  const { graph, named, child, tenantId, owners } = ctx;
  const prefix = graph.namePrefix;
  const services: Record<string, pulumi.Output<ServiceOutputs>> = {};
  const callees = new Map<string, CalleeApplication>();
  for (const s of graph.services) {
    if (ctx.owns && !ctx.owns(s.name)) continue;
    const identity = ctx.identityOf(s.name);
    const incoming = graph.incoming.get(s.name) ?? [];
    const callee = isCallee(s)
      ? new CalleeApplication(
          named(s.name),
          {
            service: s,
            namePrefix: prefix,
            tenantId,
            owners,
            meshName: ctx.meshName,
            grants: incoming.map((edge) => ({
              edge,
              principalObjectId: ctx.identityOf(edge.from).principalObjectId,
            })),
          },
          child(s.name),
        )
      : undefined;
    if (callee) callees.set(s.name, callee);
    const callerClientIds = s.callers.map((c) => ctx.identityOf(c).clientId);
    const host = new ServiceHost(
      named(s.name),
      {
        service: s,
        namePrefix: prefix,
        location: graph.location,
        resourceGroupName: ctx.groupOf(s.name),
        identityId: identity.id,
        identityClientId: identity.managedClientId,
        identityPrincipalId: identity.managedPrincipalId,
        subnetId: s.subnet ? ctx.subnetIdOf(s.name) : undefined,
        allowedSubnets: callee
          ? s.callers.map((c) => ({ caller: c, subnetId: ctx.subnetIdOf(c) }))
          : undefined,
        appSettings: appSettingsOf(graph, s.name, tenantId, identity, callerClientIds, callee),
        scmAllowedRanges: graph.scmAllowedRanges.map((c) => c.text),
        ...(publicAccessOff(graph.inbound) ? { publicNetworkAccess: "Disabled" as const } : {}),
        frontDoorId: ctx.frontDoorIdOf?.(s.name),
        // Every callee keeps its auth settings: authsettingsV2 has no DELETE, so dropping the
        // resource would leave Easy Auth on (pulumi-azure-native, defaultResourcesState.go lists
        // only v1 authsettings); easyAuth: false writes platform.enabled: false instead.
        easyAuth: callee
          ? {
              tenantId,
              clientId: callee.application.clientId,
              identifierUri: callee.identifierUri,
              allowedClientIds: callerClientIds,
              enabled: s.easyAuth,
            }
          : undefined,
      },
      child(s.name),
    );
    services[s.name] = pulumi.output({
      planId: host.plan.id,
      appId: host.app.id,
      subnetId: s.subnet ? ctx.subnetIdOf(s.name) : undefined,
      defaultHostName: host.defaultHostName,
      clientId: identity.clientId,
      principalObjectId: identity.principalObjectId,
      audience: callee?.identifierUri,
      applicationClientId: callee?.application.clientId,
    }) as pulumi.Output<ServiceOutputs>;
    await ctx.step();
  }
  return { services, callees };
}

/** The settings service code reads: who it is, whom it may call, who may call it. */
function appSettingsOf(
  graph: ServiceGraph,
  service: string,
  tenantId: pulumi.Output<string>,
  identity: IdentityRef,
  callerClientIds: pulumi.Input<string>[],
  callee: CalleeApplication | undefined,
): Record<string, pulumi.Input<string>> {
  const s = graph.byName.get(service)!;
  const prefix = graph.namePrefix;
  const settings: Record<string, pulumi.Input<string>> = {
    [S.tenantId]: tenantId,
    [S.serviceName]: s.name,
    // DefaultAzureCredential picks the user-assigned identity from AZURE_CLIENT_ID.
    AZURE_CLIENT_ID: identity.managedClientId,
  };
  if (isCaller(s)) {
    settings[S.identityKind] = s.identity;
    settings[S.managedIdentityClientId] = identity.managedClientId;
    if (identity.registrationClientId) settings[S.appClientId] = identity.registrationClientId;
    settings[S.callees] = tenantId.apply((tenant) =>
      JSON.stringify(
        calleeTargetsFor(graph.outgoing.get(s.name) ?? [], s.name, (to) => ({
          audience: identifierUriFor(tenant, prefix, to),
          url: `https://${defaultHostNameFor(prefix, to)}`,
        })),
      ),
    );
  }
  if (callee) {
    // The token library's report-only mode (service-auth README, "Report-only (shadow) mode").
    if (s.enforcement === "shadow") settings[S.enforcement] = "shadow";
    settings[S.audiences] = pulumi
      .all([callee.identifierUri, callee.application.clientId])
      .apply((aud) => JSON.stringify(aud));
    settings[S.allowedCallers] = pulumi.all(callerClientIds).apply((ids) => {
      const byService = new Map(s.callers.map((c, i) => [c, ids[i]]));
      return JSON.stringify(
        allowedCallersFor(graph.incoming.get(s.name) ?? [], s.name, (c) => byService.get(c)!),
      );
    });
  }
  return settings;
}
