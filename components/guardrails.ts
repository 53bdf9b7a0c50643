import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { TYPES } from "@service-edges/contract";
import {
  type GuardrailParameters,
  type GuardrailScope,
  guardrailAssignmentName,
  guardrailDefinitionName,
  guardrailRules,
} from "./guardrail-rules";

/** A resource group the guardrails are assigned to, and which of them it gets. */
export interface GuardrailGroup {
  /** Local name of the assignments' group: `network`, `identities`, `g07`. */
  label: string;
  /** The group's ARM id (the assignments' scope). */
  id: pulumi.Input<string>;
  kind: "network" | "identities" | "services";
}

export interface MeshGuardrailsArgs {
  namePrefix: string;
  groups: readonly GuardrailGroup[];
  /** What names the mesh in the rules: site names and ids, subnet ids, identity names. */
  parameters: pulumi.Input<GuardrailParameters>;
}

/** Which groups receive a rule of each scope. */
const RECEIVES: Record<GuardrailScope, ReadonlyArray<GuardrailGroup["kind"]>> = {
  all: ["network", "identities", "services"],
  services: ["services"],
  identities: ["identities"],
};

/**
 * Guardrails outside Pulumi: one custom Azure Policy definition per rule (guardrail-rules.ts),
 * deny effect, defined at the subscription (named from the mesh's prefix, so meshes never share
 * one), and assigned to each of the mesh's resource groups the rule concerns. They hold whoever
 * writes the resource, in the portal, with the CLI or from another program, as long as the writer
 * cannot delete or exempt the assignments (see the README: guardrails outside Pulumi).
 *
 * Policy definitions and assignments: Microsoft.Authorization/policyDefinitions at subscription
 * scope and policyAssignments at resource group scope (MS Learn, REST API "Policy Definitions -
 * Create Or Update" and "Policy Assignments - Create"; azure-native 3.x `PolicyDefinition`,
 * `PolicyAssignment`, API 2025-01-01). Names: definitions at most 64 characters, assignments at
 * most 64 below a management group and none of `<>*%&:\?.+/`.
 */
export class MeshGuardrails extends pulumi.ComponentResource {
  readonly definitions: Map<string, authorization.PolicyDefinition>;
  readonly assignments: authorization.PolicyAssignment[];

  constructor(name: string, args: MeshGuardrailsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPES.guardrails, name, {}, opts);
    const prefix = args.namePrefix;
    const parameters = pulumi.output(args.parameters);
    this.definitions = new Map();
    this.assignments = [];
    for (const r of guardrailRules()) {
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
      const uses = Object.keys(r.parameters) as Array<keyof GuardrailParameters>;
      for (const group of args.groups.filter((g) => RECEIVES[r.scope].includes(g.kind))) {
        this.assignments.push(
          new authorization.PolicyAssignment(
            `${name}-${group.label}-${r.name}`,
            {
              policyAssignmentName: guardrailAssignmentName(prefix, r.name),
              scope: group.id,
              policyDefinitionId: definition.id,
              displayName: `service-edges ${prefix}: ${r.displayName}`,
              description: r.description,
              enforcementMode: "Default",
              nonComplianceMessages: [{ message: r.message }],
              parameters: parameters.apply((p) =>
                Object.fromEntries(uses.map((k) => [k, { value: p[k] }])),
              ),
            },
            { parent: this },
          ),
        );
      }
    }
    this.registerOutputs({});
  }
}
