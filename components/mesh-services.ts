/**
 * Each service's own resources, shared by ServiceMesh and the team stacks of a mesh across
 * stacks (org.ts): its callee application with the app role assignments of its incoming edges,
 * its compute (plan, site, access restrictions, Easy Auth), and the app settings its code reads
 * (who it is, whom it may call, who may call it); plus the access matrix the outputs carry.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  AppSettingNames as S,
  type ServiceGraph,
  allowedCallersFor,
  calleeTargetsFor,
  defaultHostNameFor,
  identifierUriFor,
  isCallee,
  isCaller,
  publicAccessOff,
} from "@service-edges/contract";
import type { AccessEntry, ServiceOutputs } from "./args";
import { CalleeApplication } from "./callee-application";
import { ServiceHost } from "./service-host";
import type { ServiceIdentity } from "./service-identity";

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

export function identityRef(identity: ServiceIdentity): IdentityRef {
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
