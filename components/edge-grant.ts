import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import { type Edge, assignmentName } from "../src/core";

export interface EdgeGrantArgs {
  edge: Edge;
  /** The caller identity's principal (object) id. */
  principalObjectId: pulumi.Input<string>;
  /** The callee service principal's object id. */
  resourceObjectId: pulumi.Input<string>;
  /** The callee's stable role ids by role value. */
  roleIds: ReadonlyMap<string, pulumi.Input<string>>;
}

/**
 * The identity half of one edge: an app role assignment per granted role, from the caller's
 * identity to the callee's service principal. (The Azure portal cannot assign a managed identity
 * to an app role; this is where it happens.)
 */
export class EdgeGrant extends pulumi.ComponentResource {
  readonly assignments: azuread.AppRoleAssignment[];

  constructor(name: string, args: EdgeGrantArgs, opts?: pulumi.ComponentResourceOptions) {
    super("service-edges:mesh:EdgeGrant", name, {}, opts);
    const { edge } = args;
    this.assignments = edge.roles.map(
      (role) =>
        new azuread.AppRoleAssignment(
          assignmentName(edge.from, edge.to, role),
          {
            principalObjectId: args.principalObjectId,
            resourceObjectId: args.resourceObjectId,
            appRoleId: args.roleIds.get(role)!,
          },
          { parent: this },
        ),
    );
    this.registerOutputs({ assignmentIds: this.assignments.map((a) => a.id) });
  }
}
