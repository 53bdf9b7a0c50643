import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { type InboundMode, TYPES } from "@service-edges/contract";
import {
  type GuardrailParameters,
  guardrailAssignmentName,
  guardrailDefinitionName,
} from "./guardrail-rules";
import { PRIVATE_ENDPOINT_MODE_OMITS, guardrailRulesFor } from "./private-mode-guardrail-rules";

export { PRIVATE_ENDPOINT_MODE_OMITS };

/** `/subscriptions/<id>` of a resource in it (e.g. a resource group's id). */
export function subscriptionOf(id: pulumi.Output<string>): pulumi.Output<string> {
  return id.apply((x) => x.split("/").slice(0, 3).join("/"));
}

/** A resource group holding mesh identities, to which the identities rule is assigned. */
export interface IdentityGroup {
  /** Local name of the assignment's group: `identities`, or a shared group's `g07`. */
  label: string;
  /** The group's ARM id (the assignment's scope). */
  id: pulumi.Input<string>;
}

export interface MeshGuardrailsArgs {
  namePrefix: string;
  /** `/subscriptions/<id>`: where every rule but the identities' is assigned, once each. */
  subscriptionScope: pulumi.Input<string>;
  /** The ARM id of `<prefix>-network`, the group holding the mesh's VNets. */
  networkGroupId: pulumi.Input<string>;
  /** Every group holding the mesh's user-assigned identities. */
  identityGroups: readonly IdentityGroup[];
  /**
   * The mesh's `network.inbound`: which rules are assigned, and enforced (guardrailRulesFor in
   * private-mode-guardrail-rules.ts). Default serviceEndpoints.
   */
  inbound?: InboundMode;
  /** Rules not deployed, besides those the mode leaves out. */
  omit?: readonly string[];
}

/**
 * Guardrails outside Pulumi: one custom Azure Policy definition per rule the mesh's
 * `network.inbound` mode assigns (guardrail-rules.ts, private-mode-guardrail-rules.ts),
 * deny effect, defined at the subscription (named from the mesh's prefix, so meshes never share
 * one), assigned once to the subscription or to each group holding the mesh's identities. They
 * hold whoever writes the resource, in the portal, with the CLI or from another program, as long
 * as the writer cannot delete or exempt the assignments (see the README: guardrails outside
 * Pulumi). Their inputs name the mesh by its prefix and network group only: the same for 3
 * services as for 5,000, and untouched when a service is added or removed.
 *
 * Policy definitions and assignments: Microsoft.Authorization/policyDefinitions at subscription
 * scope and policyAssignments at subscription or resource group scope (MS Learn, REST API "Policy
 * Definitions - Create Or Update" and "Policy Assignments - Create"; azure-native 3.x
 * `PolicyDefinition`, `PolicyAssignment`, API 2025-01-01). Names: definitions at most 64
 * characters, assignments at most 64 below a management group and none of `<>*%&:\?.+/`.
 */
export class MeshGuardrails extends pulumi.ComponentResource {
  readonly definitions: Map<string, authorization.PolicyDefinition>;
  readonly assignments: authorization.PolicyAssignment[];

  constructor(name: string, args: MeshGuardrailsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPES.guardrails, name, {}, opts);
    const prefix = args.namePrefix;
    const values: Record<keyof GuardrailParameters, pulumi.Input<string>> = {
      namePrefix: prefix,
      meshNetworkGroupId: args.networkGroupId,
    };
    this.definitions = new Map();
    this.assignments = [];
    const omitted = new Set(args.omit ?? []);
    const rules = guardrailRulesFor(args.inbound ?? "serviceEndpoints").filter(
      ({ rule }) => !omitted.has(rule.name),
    );
    for (const { rule: r, enforcementMode } of rules) {
      const definition = new authorization.PolicyDefinition(
        `${name}-${r.name}`,
        {
          policyDefinitionName: guardrailDefinitionName(prefix, r.name),
          policyType: "Custom",
          mode: r.mode,
          displayName: `service-edges ${prefix}: ${r.displayName}`,
          description: r.description,
          metadata: { category: "service-edges", namePrefix: prefix },
          parameters: r.parameters,
          policyRule: r.policyRule,
        },
        { parent: this },
      );
      this.definitions.set(r.name, definition);
      const parameters = Object.fromEntries(
        Object.keys(r.parameters).map((k) => [
          k,
          { value: values[k as keyof GuardrailParameters] },
        ]),
      );
      const assign = (label: string, scope: pulumi.Input<string>) =>
        this.assignments.push(
          new authorization.PolicyAssignment(
            `${name}-${label}-${r.name}`,
            {
              policyAssignmentName: guardrailAssignmentName(prefix, r.name),
              scope,
              policyDefinitionId: definition.id,
              displayName: `service-edges ${prefix}: ${r.displayName}`,
              description: r.description,
              enforcementMode,
              nonComplianceMessages: [{ message: r.message }],
              parameters,
            },
            { parent: this },
          ),
        );
      if (r.scope === "subscription") assign("subscription", args.subscriptionScope);
      else for (const g of args.identityGroups) assign(g.label, g.id);
    }
    this.registerOutputs({});
  }
}
