import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { type ServiceGraph, TYPES, siteName, subnetName } from "@service-edges/contract";
import {
  type GuardrailParameters,
  guardrailAssignmentName,
  guardrailDefinitionName,
  guardrailParameters,
  guardrailRules,
} from "./guardrail-rules";

/** What a mesh's assignments name: every site, each caller's subnet in its own VNet, identities. */
export function meshGuardrailParameters(
  graph: ServiceGraph,
  vnetIds: Record<string, pulumi.Output<string>>,
): pulumi.Output<GuardrailParameters> {
  const prefix = graph.namePrefix;
  return pulumi.all(vnetIds).apply((ids) =>
    guardrailParameters(
      {
        sites: graph.services.map((s) => ({
          name: siteName(prefix, s.name),
          subnet: s.subnet ? subnetName(s.name) : undefined,
          vnet: s.vnet,
        })),
        identityNames: graph.services.map((s) => siteName(prefix, s.name)),
      },
      ids,
    ),
  );
}

/** `/subscriptions/<id>` of a resource in it (e.g. a resource group's id). */
export function subscriptionOf(id: pulumi.Output<string>): pulumi.Output<string> {
  return id.apply((x) => x.split("/").slice(0, 3).join("/"));
}

/** A resource group the guardrails are assigned to, and which of them it gets. */
export interface GuardrailGroup {
  /** Local name of the assignments' group: `identities`, `g07`, `ep-g07`. */
  label: string;
  /** The group's ARM id (the assignments' scope). */
  id: pulumi.Input<string>;
  kind: "identities" | "services";
  /** A service group's own site names (the services-scope rules name only those). */
  siteNames?: readonly string[];
}

export interface MeshGuardrailsArgs {
  namePrefix: string;
  /** `/subscriptions/<id>`: where the subscription-scope rules are assigned, once each. */
  subscriptionScope: pulumi.Input<string>;
  groups: readonly GuardrailGroup[];
  /** What names the whole mesh in the subscription-scope rules: site names, subnet ids. */
  parameters: pulumi.Input<
    Pick<GuardrailParameters, "meshSiteNames" | "meshSubnetIds" | "subnetSites">
  >;
  /** The user-assigned identities' names (the identities-scope rule). */
  identityNames: readonly string[];
  /** Rules not deployed (see PRIVATE_ENDPOINT_MODE_OMITS). */
  omit?: readonly string[];
}

/**
 * The rules that refuse the private-endpoint layer itself (its endpoints, their auto-approved
 * connections, public access Disabled): with network.inbound serviceAndPrivateEndpoints or
 * privateEndpoints they are not deployed. Already in the step between the modes, so that the
 * public-access rule is gone before the sites turn public access off.
 */
export const PRIVATE_ENDPOINT_MODE_OMITS = [
  "no-private-endpoint-to-mesh-site-by-name",
  "no-private-endpoint-approval",
  "mesh-site-public-network-access",
] as const;

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
    const omitted = new Set(args.omit ?? []);
    for (const r of guardrailRules().filter((r) => !omitted.has(r.name))) {
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
      type Values = authorization.PolicyAssignmentArgs["parameters"];
      const assign = (label: string, scope: pulumi.Input<string>, values: Values) =>
        this.assignments.push(
          new authorization.PolicyAssignment(
            `${name}-${label}-${r.name}`,
            {
              policyAssignmentName: guardrailAssignmentName(prefix, r.name),
              scope,
              policyDefinitionId: definition.id,
              displayName: `service-edges ${prefix}: ${r.displayName}`,
              description: r.description,
              enforcementMode: "Default",
              nonComplianceMessages: [{ message: r.message }],
              parameters: values,
            },
            { parent: this },
          ),
        );
      const of = (p: Partial<GuardrailParameters>): Record<string, { value: unknown }> =>
        Object.fromEntries(uses.map((k) => [k, { value: p[k] }]));
      if (r.scope === "subscription") {
        assign(
          "subscription",
          args.subscriptionScope,
          parameters.apply((p) => of(p)),
        );
      } else if (r.scope === "services") {
        for (const g of args.groups.filter((g) => g.kind === "services")) {
          assign(g.label, g.id, of({ meshSiteNames: [...(g.siteNames ?? [])] }));
        }
      } else {
        for (const g of args.groups.filter((g) => g.kind === "identities")) {
          assign(g.label, g.id, of({ meshIdentityNames: [...args.identityNames] }));
        }
      }
    }
    this.registerOutputs({});
  }
}
