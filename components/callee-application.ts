import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import * as random from "@pulumi/random";
import {
  TYPES,
  type Edge,
  type ServiceNode,
  assignmentName,
  childName,
  identifierUriFor,
  shadowNote,
  siteName,
} from "@service-edges/contract";
import { assignmentAliases } from "./aliases";

/** One edge into the callee, with the principal its caller's identity signs in as. */
export interface IncomingGrant {
  edge: Edge;
  /** The caller identity's principal (object) id. */
  principalObjectId: pulumi.Input<string>;
}

export interface CalleeApplicationArgs {
  service: ServiceNode;
  namePrefix: string;
  tenantId: pulumi.Input<string>;
  /** Owners of the application and its service principal: the first deployer, then the configured. */
  owners: pulumi.Input<string[]>;
  /** The mesh's own name: assignment names start with it, so two meshes never collide. */
  meshName: string;
  /** Every edge into this service. */
  grants: readonly IncomingGrant[];
}

/**
 * The Entra side of a callee: an application exposing its app roles to applications, and a
 * service principal that requires assignment, so that only callers the graph grants a role can
 * get a token for it at all.
 */
export class CalleeApplication extends pulumi.ComponentResource {
  readonly application: azuread.Application;
  readonly servicePrincipal: azuread.ServicePrincipal;
  /** The identifier URI: the `aud` of v1 tokens and the base of the `/.default` scope. */
  readonly identifierUri: pulumi.Output<string>;
  /** Stable app role ids by role value. */
  readonly roleIds: ReadonlyMap<string, pulumi.Output<string>>;
  /**
   * The identity half of each edge into this callee, by caller: an app role assignment per
   * granted role, from the caller's principal to this service principal. (The Azure portal cannot
   * assign a managed identity to an app role; this is where it happens.)
   */
  readonly assignments: ReadonlyMap<string, azuread.AppRoleAssignment[]>;

  constructor(name: string, args: CalleeApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPES.callee, name, {}, opts);
    const { service, namePrefix } = args;
    const physical = siteName(namePrefix, service.name);
    // One RandomUuid per (service, role): an app role id must never change, and keying it by
    // name means adding, removing or reordering roles never re-keys the others.
    const ids = new Map<string, pulumi.Output<string>>();
    for (const role of [...service.roles, ...service.retiredRoles]) {
      ids.set(role, new random.RandomUuid(`${name}.${role}`, {}, { parent: this }).result);
    }
    this.roleIds = ids;
    this.identifierUri = pulumi
      .output(args.tenantId)
      .apply((tenant) => identifierUriFor(tenant, namePrefix, service.name));
    const appRole = (role: string, enabled: boolean) => ({
      allowedMemberTypes: ["Application"],
      value: role,
      displayName: role,
      description: enabled
        ? `Lets a service call ${service.name} with the ${role} permission.`
        : `Retired: ${role} on ${service.name}, disabled before deletion.`,
      enabled,
      id: ids.get(role)!,
    });
    this.application = new azuread.Application(
      name,
      {
        displayName: physical,
        signInAudience: "AzureADMyOrg",
        // azuread assigns no owners unless they are listed (DESIGN §8); see meshOwners (entra-owners.ts).
        owners: args.owners,
        identifierUris: [this.identifierUri],
        // v2 tokens carry `azp` and the v2 issuer; the callee checks those.
        api: { requestedAccessTokenVersion: 2 },
        appRoles: [
          ...service.roles.map((r) => appRole(r, true)),
          ...service.retiredRoles.map((r) => appRole(r, false)),
        ],
      },
      { parent: this },
    );
    this.servicePrincipal = new azuread.ServicePrincipal(
      name,
      {
        clientId: this.application.clientId,
        // Without this, any application in the tenant can get a token for the callee. In shadow
        // it is off: with it, Entra refuses a token to every caller without an assignment
        // (AADSTS501051) before the callee sees the request, so shadow could not "admit what it
        // admits today plus everything else"; the token library's report-only mode
        // (MESH_ENFORCEMENT=shadow) records the refusal it would make (no role for the caller).
        appRoleAssignmentRequired: service.enforcement !== "shadow",
        // The pack sees resources, not the graph: the last day of shadow travels with them.
        ...(service.shadowUntil ? { notes: shadowNote(service.shadowUntil) } : {}),
        owners: args.owners,
      },
      { parent: this },
    );
    this.assignments = new Map(
      args.grants.map(({ edge, principalObjectId }) => [
        edge.from,
        this.grant(args.meshName, edge, principalObjectId),
      ]),
    );
    this.registerOutputs({
      clientId: this.application.clientId,
      identifierUri: this.identifierUri,
      servicePrincipalObjectId: this.servicePrincipal.objectId,
    });
  }

  private grant(
    meshName: string,
    edge: Edge,
    principalObjectId: pulumi.Input<string>,
  ): azuread.AppRoleAssignment[] {
    return edge.roles.map(
      (role) =>
        new azuread.AppRoleAssignment(
          childName(meshName, assignmentName(edge.from, edge.to, role)),
          {
            principalObjectId,
            resourceObjectId: this.servicePrincipal.objectId,
            appRoleId: this.roleIds.get(role)!,
          },
          {
            parent: this,
            aliases: assignmentAliases(meshName, edge.from, edge.to, role),
          },
        ),
    );
  }
}
