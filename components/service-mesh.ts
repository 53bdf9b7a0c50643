import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import * as resources from "@pulumi/azure-native/resources";
import {
  AppSettingNames as S,
  type ServiceGraph,
  allowedCallersFor,
  calleeTargetsFor,
  defaultHostNameFor,
  edgeName,
  groupLabel,
  identifierUriFor,
  isCallee,
  isCaller,
  networkGroupName,
  serviceGroupName,
} from "@service-edges/contract";
import { CalleeApplication } from "./callee-application";
import { MeshNetwork } from "./network";
import { ServiceHost } from "./service-host";
import { ServiceIdentity } from "./service-identity";

export interface ServiceMeshArgs {
  graph: ServiceGraph;
  /**
   * Services (or edges) registered before yielding to the event loop. Registering everything at
   * once keeps every resource's promise chains alive together; batches let each one settle first.
   */
  batchSize?: number;
}

/** Let registrations already started settle before starting more. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface ServiceOutputs {
  planId: pulumi.Output<string>;
  appId: pulumi.Output<string>;
  subnetId?: pulumi.Output<string>;
  defaultHostName: pulumi.Output<string>;
  clientId: pulumi.Output<string>;
  principalObjectId: pulumi.Output<string>;
  audience?: pulumi.Output<string>;
  applicationClientId?: pulumi.Output<string>;
}

/**
 * The whole mesh from a validated graph: network layer (one plan and integration subnet per
 * caller, deny-by-default access restrictions per callee) and identity layer (an Entra application
 * per callee, an identity per service, an app role assignment per edge and role).
 *
 * Dependency depth is constant: apps depend on the VNet, on identities and on callee applications,
 * never on each other, because host names and audiences are derived from names, not outputs.
 */
export class ServiceMesh extends pulumi.ComponentResource {
  readonly network: MeshNetwork;
  readonly identities = new Map<string, ServiceIdentity>();
  readonly callees = new Map<string, CalleeApplication>();
  readonly hosts = new Map<string, ServiceHost>();
  /** App role assignments of each edge, by `from.to`. */
  readonly grants = new Map<string, azuread.AppRoleAssignment[]>();
  readonly tenantId: pulumi.Output<string>;
  private readonly graph: ServiceGraph;

  private readonly groups = new Map<number, resources.ResourceGroup>();

  /** Builds the whole mesh; resolves once every resource has been registered. */
  static async create(
    name: string,
    args: ServiceMeshArgs,
    opts?: pulumi.ComponentResourceOptions,
  ): Promise<ServiceMesh> {
    const mesh = new ServiceMesh(name, args, opts);
    await mesh.build(args.batchSize ?? 5);
    return mesh;
  }

  private constructor(name: string, args: ServiceMeshArgs, opts?: pulumi.ComponentResourceOptions) {
    super("service-edges:mesh:ServiceMesh", name, {}, opts);
    const { graph } = args;
    this.graph = graph;
    const prefix = graph.namePrefix;
    const location = graph.location;
    const child = { parent: this };
    this.tenantId = azuread.getClientConfigOutput(child).tenantId;

    const networkGroup = new resources.ResourceGroup(
      "network",
      { resourceGroupName: networkGroupName(prefix), location },
      child,
    );
    const groups = this.groups;
    for (const g of [...new Set(graph.services.map((s) => s.group))].sort((a, b) => a - b)) {
      groups.set(
        g,
        new resources.ResourceGroup(
          `g${groupLabel(g)}`,
          { resourceGroupName: serviceGroupName(prefix, g), location },
          child,
        ),
      );
    }
    this.network = new MeshNetwork(
      "network",
      { graph, resourceGroupName: networkGroup.name },
      child,
    );
  }

  private async build(batchSize: number): Promise<void> {
    const graph = this.graph;
    const prefix = graph.namePrefix;
    const location = graph.location;
    const child = { parent: this };
    const groupOf = (service: string) => this.groups.get(graph.byName.get(service)!.group)!.name;
    let registered = 0;
    const step = async () => {
      if (++registered % batchSize === 0) await settle();
    };

    for (const s of graph.services) {
      this.identities.set(
        s.name,
        new ServiceIdentity(
          s.name,
          {
            service: s,
            namePrefix: prefix,
            location,
            resourceGroupName: groupOf(s.name),
            tenantId: this.tenantId,
          },
          child,
        ),
      );
      if (isCallee(s)) {
        this.callees.set(
          s.name,
          new CalleeApplication(
            s.name,
            { service: s, namePrefix: prefix, tenantId: this.tenantId },
            child,
          ),
        );
      }
      await step();
    }

    const clientIds = graph.services.map((s) => this.identities.get(s.name)!.clientId);
    const clientIdIndex = new Map(graph.services.map((s, i) => [s.name, i]));

    for (const s of graph.services) {
      const identity = this.identities.get(s.name)!;
      const callee = this.callees.get(s.name);
      const settings: Record<string, pulumi.Input<string>> = {
        [S.tenantId]: this.tenantId,
        [S.serviceName]: s.name,
        // DefaultAzureCredential picks the user-assigned identity from AZURE_CLIENT_ID.
        AZURE_CLIENT_ID: identity.managedIdentity.clientId,
      };
      if (isCaller(s)) {
        settings[S.identityKind] = s.identity;
        settings[S.managedIdentityClientId] = identity.managedIdentity.clientId;
        if (identity.registration) settings[S.appClientId] = identity.registration.clientId;
        settings[S.callees] = this.tenantId.apply((tenant) =>
          JSON.stringify(
            calleeTargetsFor(graph.outgoing.get(s.name) ?? [], s.name, (to) => ({
              audience: identifierUriFor(tenant, prefix, to),
              url: `https://${defaultHostNameFor(prefix, to)}`,
            })),
          ),
        );
      }
      if (callee) {
        const callerIds = s.callers.map((c) => clientIds[clientIdIndex.get(c)!]);
        settings[S.audiences] = pulumi
          .all([callee.identifierUri, callee.application.clientId])
          .apply((aud) => JSON.stringify(aud));
        settings[S.allowedCallers] = pulumi.all(callerIds).apply((ids) => {
          const byService = new Map(s.callers.map((c, i) => [c, ids[i]]));
          return JSON.stringify(
            allowedCallersFor(graph.incoming.get(s.name) ?? [], s.name, (c) => byService.get(c)!),
          );
        });
      }
      this.hosts.set(
        s.name,
        new ServiceHost(
          s.name,
          {
            service: s,
            namePrefix: prefix,
            location,
            resourceGroupName: groupOf(s.name),
            identityId: identity.managedIdentity.id,
            identityClientId: identity.managedIdentity.clientId,
            identityPrincipalId: identity.managedIdentity.principalId,
            subnetId: s.subnet ? this.network.subnetId(s.name) : undefined,
            allowedSubnets: callee
              ? s.callers.map((c) => ({ caller: c, subnetId: this.network.subnetId(c) }))
              : undefined,
            appSettings: settings,
            scmAllowedRanges: graph.scmAllowedRanges.map((c) => c.text),
            easyAuth:
              callee && s.easyAuth
                ? {
                    tenantId: this.tenantId,
                    clientId: callee.application.clientId,
                    identifierUri: callee.identifierUri,
                    allowedClientIds: s.callers.map((c) => clientIds[clientIdIndex.get(c)!]),
                  }
                : undefined,
          },
          child,
        ),
      );
      await step();
    }

    for (const e of graph.edges) {
      this.grants.set(
        edgeName(e.from, e.to),
        this.callees.get(e.to)!.grant(e, this.identities.get(e.from)!.principalObjectId),
      );
      await step();
    }
    for (const callee of this.callees.values()) callee.complete();
    this.registerOutputs({});
  }

  /** Per-service outputs, for stack exports. */
  serviceOutputs(name: string): ServiceOutputs {
    const host = this.hosts.get(name)!;
    const identity = this.identities.get(name)!;
    const callee = this.callees.get(name);
    return {
      planId: host.plan.id,
      appId: host.app.id,
      subnetId: this.graph.byName.get(name)!.subnet ? this.network.subnetId(name) : undefined,
      defaultHostName: host.defaultHostName,
      clientId: identity.clientId,
      principalObjectId: identity.principalObjectId,
      audience: callee?.identifierUri,
      applicationClientId: callee?.application.clientId,
    };
  }
}
