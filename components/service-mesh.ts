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
} from "../src/core";
import { CalleeApplication } from "./callee-application";
import { EdgeGrant } from "./edge-grant";
import { MeshNetwork } from "./network";
import { ServiceHost } from "./service-host";
import { ServiceIdentity } from "./service-identity";

export interface ServiceMeshArgs {
  graph: ServiceGraph;
}

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
  readonly grants = new Map<string, EdgeGrant>();
  readonly tenantId: pulumi.Output<string>;
  private readonly graph: ServiceGraph;

  constructor(name: string, args: ServiceMeshArgs, opts?: pulumi.ComponentResourceOptions) {
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
    const groups = new Map<number, resources.ResourceGroup>();
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
    const groupOf = (service: string) => groups.get(graph.byName.get(service)!.group)!.name;

    this.network = new MeshNetwork(
      "network",
      { graph, resourceGroupName: networkGroup.name },
      child,
    );

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
            calleeTargetsFor(graph.edges, s.name, (to) => ({
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
          return JSON.stringify(allowedCallersFor(graph.edges, s.name, (c) => byService.get(c)!));
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
    }

    for (const e of graph.edges) {
      const callee = this.callees.get(e.to)!;
      this.grants.set(
        edgeName(e.from, e.to),
        new EdgeGrant(
          edgeName(e.from, e.to),
          {
            edge: e,
            principalObjectId: this.identities.get(e.from)!.principalObjectId,
            resourceObjectId: callee.servicePrincipal.objectId,
            roleIds: callee.roleIds,
          },
          child,
        ),
      );
    }
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
