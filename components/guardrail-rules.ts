/**
 * The mesh's guardrails outside Pulumi, as Azure Policy definitions: plain JSON, no Pulumi. Each
 * rule denies, at the Azure Resource Manager front door, a write that would open the mesh however
 * it is made (portal, CLI, ARM/Bicep, Terraform, another Pulumi program). The component
 * (guardrails.ts) creates the definitions and assigns them to the subscription (and the identities
 * rule to the groups holding the mesh's identities); what names the mesh is two assignment
 * parameters, its name prefix and its network group, never a list of its services: each rule
 * derives a service's site, subnet and identity from the contract's names, so no guardrail grows
 * with the mesh or changes when a service is added or removed.
 *
 * These are the service-endpoint layer's rules (and those both layers share); the private-endpoint
 * layer's, and which rules each `network.inbound` mode assigns, are in
 * private-mode-guardrail-rules.ts.
 *
 * Every alias below appears in a Microsoft built-in definition of Azure/azure-policy (ALIASES
 * names the file, at commit f4a50bacae07ddb096943c597669bcae494a6e29, and the built-in's id). Some
 * checks the CrossGuard pack makes have no such alias and are NOT here: no built-in uses an alias
 * of the access-restriction default actions (`ipSecurityRestrictionsDefaultAction`,
 * `scmIpSecurityRestrictionsDefaultAction`, `scmIpSecurityRestrictionsUseMain`) or of the rules
 * (`ipSecurityRestrictions`) anywhere in that repository; `manualPrivateLinkServiceConnections`
 * appears only as a property in deployment templates, never as an alias; the swift connection
 * `Microsoft.Web/sites/networkConfig` (its `subnetResourceId`) and App Service plans' subnet not at
 * all (`git grep -i networkconfig` finds only an Azure Data Explorer built-in). Manual private
 * endpoint connections are caught where they are approved, on the site (no-private-endpoint-
 * approval); the README says what covers the rest.
 *
 * Language facts relied on (MS Learn, "Azure Policy definition structure policy rule",
 * learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule):
 * - string conditions other than match/notMatch compare case-insensitively, so ARM ids match
 *   whatever casing a client sends;
 * - `fullName` is the resource's name prefixed by its parents' (`mysite/web`);
 * - a template function that fails makes the evaluation fail, which is an implicit deny, so a
 *   field that may be missing is wrapped in `coalesce` before `split`;
 * - `like` takes one wildcard `*`, and a condition's value may be a template expression.
 * Modes (MS Learn, "Azure Policy definition structure basics", Resource Manager modes): `Indexed`
 * evaluates only resource types that support tags and location; child resources such as
 * `sites/config` need `All`.
 */

/** An alias used by a rule, the Microsoft definition that uses it, and that definition's id. */
export interface AliasCitation {
  /**
   * Path in Azure/azure-policy at commit f4a50bacae07ddb096943c597669bcae494a6e29, or in `repo`
   * when another Microsoft repository publishes the definition.
   */
  builtIn: string;
  /** The built-in's definition name (a GUID that survives file renames), or the custom one's name. */
  definitionId: string;
  /** A Microsoft repository other than Azure/azure-policy, at a commit: `owner/name@sha`. */
  repo?: string;
}

const BUILT_INS = "built-in-policies/policyDefinitions";

/** Every alias the rules use, each with the Microsoft built-in that uses it. */
export const ALIASES: Readonly<Record<string, AliasCitation>> = {
  // "Configure App Service apps to use private DNS zones": a count over the connections, matching
  // privateLinkServiceId against Microsoft.Web/sites.
  "Microsoft.Network/privateEndpoints/privateLinkServiceConnections[*]": {
    builtIn: `${BUILT_INS}/App Service/PrivateZoneGroup_DINE.json`,
    definitionId: "b318f84a-b872-429b-ac6d-a01b96814452",
  },
  "Microsoft.Network/privateEndpoints/privateLinkServiceConnections[*].privateLinkServiceId": {
    builtIn: `${BUILT_INS}/App Service/PrivateZoneGroup_DINE.json`,
    definitionId: "b318f84a-b872-429b-ac6d-a01b96814452",
  },
  // "App Service apps should disable public network access".
  "Microsoft.Web/sites/publicNetworkAccess": {
    builtIn: `${BUILT_INS}/App Service/WebApp_PublicNetworkAccess_Audit.json`,
    definitionId: "1b5ef780-c53c-4a64-87f3-bb9c8c8094ba",
  },
  // "[Deprecated]: App Services should disable public network access": the same setting written
  // through the sites/config (web) resource; the built-in is deprecated, the alias is published.
  "Microsoft.Web/sites/config/publicNetworkAccess": {
    builtIn: `${BUILT_INS}/App Service/PublicNetworkAccess_AINE.json`,
    definitionId: "63a0ac64-5d5f-4569-8a3d-df67cc1ce9d7",
  },
  // "App Service apps should be injected into a virtual network".
  "Microsoft.Web/sites/virtualNetworkSubnetId": {
    builtIn: `${BUILT_INS}/App Service/App_VNetIntegrationEnabled_Audit.json`,
    definitionId: "72d04c29-f87d-4575-9731-419ff16a2757",
  },
  // "App Service app slots should be injected into a virtual network".
  "Microsoft.Web/sites/slots/virtualNetworkSubnetId": {
    builtIn: `${BUILT_INS}/App Service/App_Slot_VNetIntegrationEnabled_Audit.json`,
    definitionId: "24b7a1c6-44fe-40cc-a2e6-242d2ef70e98",
  },
  // "App Service apps should use a virtual network service endpoint" (spelt in lower case there).
  "Microsoft.Web/sites/virtualnetworkconnections/vnetResourceId": {
    builtIn: `${BUILT_INS}/Network/VirtualNetworkServiceEndpoint_AppService_AINE.json`,
    definitionId: "2d21331d-a4c2-4def-a9ad-ee4e1e023beb",
  },
  // "App Service apps should have local authentication methods disabled for FTP deployments"
  // (and SCM_BasicAuthEnabled_AINE.json, aede300b-d67f-480a-ae26-4b3dfb1a1fdc, for the SCM site).
  "Microsoft.Web/sites/basicPublishingCredentialsPolicies/allow": {
    builtIn: `${BUILT_INS}/App Service/FTP_BasicAuthEnabled_AINE.json`,
    definitionId: "871b205b-57cf-4e1e-a234-492616998bf7",
  },
  // "App Service apps should use private link".
  "Microsoft.Web/sites/privateEndpointConnections/privateLinkServiceConnectionState.status": {
    builtIn: `${BUILT_INS}/App Service/PrivateEndpoint_AINE.json`,
    definitionId: "687aa49d-0982-40f8-bf6b-66d1da97a04b",
  },
};

/**
 * Where a rule is assigned: once at the subscription (rules on sites and private endpoints: a mesh
 * site is whatever site its name says is one, wherever it is), or on each group holding the mesh's
 * identities (identity names are not global, so the identities rule stays on the mesh's groups).
 */
export type GuardrailScope = "subscription" | "identities";

/** A condition of the policy rule language, as JSON. */
export type PolicyCondition = { [key: string]: unknown };

export interface ParameterDefinition {
  type: "String";
  metadata: { displayName: string; description: string };
}

/** One guardrail: a custom policy definition's body, and where it is assigned. */
export interface GuardrailRule {
  /** Short name: part of the definition's and assignments' names. */
  name: string;
  displayName: string;
  description: string;
  /** What a refused request is told (the assignment's non-compliance message). */
  message: string;
  mode: "All" | "Indexed";
  scope: GuardrailScope;
  parameters: Record<string, ParameterDefinition>;
  policyRule: { if: PolicyCondition; then: { effect: "deny" } };
}

/**
 * The values that name one mesh, passed to its assignments. Neither depends on its services: the
 * rules derive every site, subnet and identity from the names the contract gives them (names.ts:
 * site and identity `<prefix>-<service>`, subnet `snet-<service>` in a VNet of the group
 * `<prefix>-network`), so adding or removing a service changes no assignment and no definition,
 * and their request bodies stay the same size however large the mesh grows.
 */
export interface GuardrailParameters {
  /** The mesh's name prefix (`edges-dev`): its sites and identities are `<prefix>-<service>`. */
  namePrefix: string;
  /** The ARM id of `<prefix>-network`, the group holding every mesh VNet. */
  meshNetworkGroupId: string;
}

/** The name of the site (or identity) a child resource belongs to: `mysite` of `mysite/web`. */
export const PARENT_NAME = "[first(split(field('fullName'), '/'))]";
/** Every mesh site and identity: `<prefix>-*` (one wildcard, as `like` allows). */
export const MESH_NAME = "[concat(parameters('namePrefix'), '-*')]";
/** Every ARM id inside the mesh's VNets: subnets and the VNets themselves. */
export const IN_MESH_VNETS =
  "[concat(parameters('meshNetworkGroupId'), '/providers/Microsoft.Network/virtualNetworks/*')]";

const PARAMETERS: Record<keyof GuardrailParameters, ParameterDefinition> = {
  namePrefix: {
    type: "String",
    metadata: {
      displayName: "Mesh name prefix",
      description: "The mesh's sites and identities are named <prefix>-<service>.",
    },
  },
  meshNetworkGroupId: {
    type: "String",
    metadata: {
      displayName: "Mesh network group",
      description:
        "ARM id of the resource group holding the mesh's virtual networks; its subnet snet-<service> belongs to the site <prefix>-<service> alone.",
    },
  },
};

/**
 * The definitions' names carry this version: Azure refuses to remove a parameter from a definition
 * (MS Learn, "Azure Policy definition structure parameters", Adding or removing parameters: "create
 * a new custom policy definition without the parameter"), so a change of parameters is a new
 * definition, which the assignments then point to.
 */
export const GUARDRAILS_VERSION = 2;

export function rule(
  r: Omit<GuardrailRule, "parameters" | "policyRule"> & {
    uses: Array<keyof GuardrailParameters>;
    if: PolicyCondition;
  },
): GuardrailRule {
  const { uses, if: condition, ...rest } = r;
  return {
    ...rest,
    parameters: Object.fromEntries(uses.map((p) => [p, PARAMETERS[p]])),
    policyRule: { if: condition, then: { effect: "deny" } },
  };
}

const PE = "Microsoft.Network/privateEndpoints";
const SUBNET = "Microsoft.Web/sites/virtualNetworkSubnetId";
/** `snet-orders` of a subnet id (or '' for a site outside every VNet: never a failing function). */
const SUBNET_NAME = `last(split(coalesce(field('${SUBNET}'), ''), '/'))`;

/**
 * The guardrails, the same for every mesh (the mesh is named by the parameters). Each is built so
 * that the program's own resources pass it: tests run every rule on the ARM JSON of a compliant
 * and of a violating resource.
 *
 * Template functions: "All Resource Manager template functions are available to use within a
 * policy rule, except" a list (copyIndex, deployment, list*, reference, resourceId, utcNow, ...)
 * that none of concat, coalesce, first, last, skip, split is on (MS Learn, "Azure Policy
 * definition structure policy rule", Policy functions). `skip` on a string returns the characters
 * after the count, an empty string past its end, never an error (MS Learn, "String functions for
 * ARM templates", skip).
 */
export function guardrailRules(): GuardrailRule[] {
  return [
    rule({
      name: "no-private-endpoint-to-mesh-site-by-name",
      displayName: "No private endpoint to a mesh site",
      description:
        "Access restrictions never apply to traffic that arrives through a private endpoint, so a private endpoint to a mesh site lets every host with line of sight to it call in.",
      message:
        "service-edges: a private endpoint to a mesh site bypasses its access restrictions. Call it from a caller's integration subnet instead (add an edge in the mesh's config).",
      mode: "Indexed",
      scope: "subscription",
      uses: ["namePrefix"],
      // By the site's name, the last segment of the connection's target: site names are global
      // (<name>.azurewebsites.net), so the rule needs no site's resource group, which a platform
      // stack does not know for the sites its team stacks place. `current()` in a field count's
      // `where` is the member being counted (MS Learn, "Azure Policy definition structure policy
      // rule": the current function, field count usage); conditions compare case-insensitively.
      if: {
        allOf: [
          { field: "type", equals: PE },
          {
            count: {
              field: `${PE}/privateLinkServiceConnections[*]`,
              where: {
                allOf: [
                  {
                    field: `${PE}/privateLinkServiceConnections[*].privateLinkServiceId`,
                    contains: "/providers/Microsoft.Web/sites/",
                  },
                  {
                    value: `[last(split(coalesce(current('${PE}/privateLinkServiceConnections[*].privateLinkServiceId'), ''), '/'))]`,
                    like: MESH_NAME,
                  },
                ],
              },
            },
            greater: 0,
          },
        ],
      },
    }),
    rule({
      name: "no-private-endpoint-approval",
      displayName: "No approved private endpoint connection on a mesh site",
      description:
        "Approving a private endpoint connection on a mesh site (a manual request, or one from a scope these assignments do not cover) opens the same bypass as creating the endpoint.",
      message:
        "service-edges: mesh sites accept no private endpoint connections; their access restrictions would not apply to it.",
      mode: "All",
      scope: "subscription",
      uses: ["namePrefix"],
      if: {
        allOf: [
          { field: "type", equals: "Microsoft.Web/sites/privateEndpointConnections" },
          { value: PARENT_NAME, like: MESH_NAME },
          {
            field:
              "Microsoft.Web/sites/privateEndpointConnections/privateLinkServiceConnectionState.status",
            equals: "Approved",
          },
        ],
      },
    }),
    rule({
      name: "mesh-site-public-network-access",
      displayName: "Mesh sites keep public network access enabled",
      description:
        "A mesh site's callers arrive over the Microsoft.Web service endpoint on the public front end; with public network access disabled only private endpoints reach it, and they bypass the access restrictions.",
      message:
        "service-edges: mesh sites keep publicNetworkAccess Enabled; their access restrictions (default Deny) are what closes them.",
      mode: "All",
      scope: "subscription",
      uses: ["namePrefix"],
      if: {
        anyOf: [
          {
            allOf: [
              { field: "type", equals: "Microsoft.Web/sites" },
              { field: "name", like: MESH_NAME },
              { field: "Microsoft.Web/sites/publicNetworkAccess", equals: "Disabled" },
            ],
          },
          {
            allOf: [
              { field: "type", equals: "Microsoft.Web/sites/config" },
              { field: "name", equals: "web" },
              { value: PARENT_NAME, like: MESH_NAME },
              { field: "Microsoft.Web/sites/config/publicNetworkAccess", equals: "Disabled" },
            ],
          },
        ],
      },
    }),
    rule({
      name: "mesh-subnet-only-its-site",
      displayName: "A mesh integration subnet holds only its own site",
      description:
        "Callees admit a caller by its integration subnet. Any other site, slot or plan integrated into that subnet (multi-plan subnet join included) would call in as that caller.",
      message:
        "service-edges: a mesh integration subnet belongs to exactly one site. Give the new app its own service (and subnet) in the mesh's config.",
      mode: "All",
      scope: "subscription",
      uses: ["namePrefix", "meshNetworkGroupId"],
      if: {
        anyOf: [
          {
            // A site in a subnet of the mesh's VNets must be the one that subnet is named after:
            // snet-<service> belongs to <prefix>-<service> (contract names.ts). Every subnet of
            // those VNets is an integration subnet (components/network.ts declares them inline).
            allOf: [
              { field: "type", equals: "Microsoft.Web/sites" },
              { field: SUBNET, like: IN_MESH_VNETS },
              {
                anyOf: [
                  { value: `[${SUBNET_NAME}]`, notLike: "snet-*" },
                  {
                    value: `[concat(parameters('namePrefix'), '-', skip(${SUBNET_NAME}, 5))]`,
                    notEquals: "[field('name')]",
                  },
                ],
              },
            ],
          },
          {
            allOf: [
              { field: "type", equals: "Microsoft.Web/sites/slots" },
              { field: "Microsoft.Web/sites/slots/virtualNetworkSubnetId", like: IN_MESH_VNETS },
            ],
          },
          {
            // The per-app connection resource (gateway-required, or `isSwift` with a subnet id):
            // the mesh never writes it.
            allOf: [
              { field: "type", equals: "Microsoft.Web/sites/virtualNetworkConnections" },
              {
                field: "Microsoft.Web/sites/virtualnetworkconnections/vnetResourceId",
                like: IN_MESH_VNETS,
              },
            ],
          },
          {
            // The swift connection (`sites/networkConfig`, `virtualNetwork`) has no alias in any
            // Microsoft built-in, so its subnet cannot be read; matched by type alone, on a mesh
            // site (which the mesh integrates through virtualNetworkSubnetId, never this way).
            // The same write by any other site stays unseen: `audit` reports it (README).
            allOf: [
              {
                field: "type",
                in: [
                  "Microsoft.Web/sites/networkConfig",
                  "Microsoft.Web/sites/slots/networkConfig",
                ],
              },
              { value: PARENT_NAME, like: MESH_NAME },
            ],
          },
        ],
      },
    }),
    rule({
      name: "no-slot-on-mesh-site",
      displayName: "No deployment slot on a mesh site",
      description:
        "A slot is a second app on the site's plan: it shares the plan's integration subnet, so callees cannot tell it from the site, and it has access restrictions of its own.",
      message:
        "service-edges: mesh sites have no deployment slots; a slot shares its site's subnet and would call as that service.",
      mode: "Indexed",
      scope: "subscription",
      uses: ["namePrefix"],
      if: {
        allOf: [
          { field: "type", equals: "Microsoft.Web/sites/slots" },
          { value: PARENT_NAME, like: MESH_NAME },
        ],
      },
    }),
    rule({
      name: "no-basic-auth-publishing",
      displayName: "No basic-auth publishing on a mesh site",
      description:
        "FTP and SCM user-name-and-password publishing deploy code that runs as the service, with a shared credential instead of Entra.",
      message:
        "service-edges: mesh sites deploy with Entra credentials only; basic-auth publishing (FTP, SCM) stays off.",
      mode: "All",
      scope: "subscription",
      uses: ["namePrefix"],
      if: {
        allOf: [
          { field: "type", equals: "Microsoft.Web/sites/basicPublishingCredentialsPolicies" },
          { value: PARENT_NAME, like: MESH_NAME },
          { field: "Microsoft.Web/sites/basicPublishingCredentialsPolicies/allow", equals: "true" },
        ],
      },
    }),
    rule({
      name: "no-federated-credential-on-mesh-identity",
      displayName: "No federated credential on a mesh identity",
      description:
        "A federated identity credential lets an outside workload (a CI pipeline, a Kubernetes service account) sign in as the mesh identity and get its app roles. The mesh federates registrations with identities, never the other way round.",
      message:
        "service-edges: mesh identities trust no outside issuer. Give the workload its own identity and an edge in the mesh's config.",
      mode: "All",
      scope: "identities",
      uses: ["namePrefix"],
      if: {
        allOf: [
          {
            field: "type",
            equals: "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
          },
          { value: PARENT_NAME, like: MESH_NAME },
        ],
      },
    }),
  ];
}

/**
 * The custom definition's name: per mesh prefix (definitions are subscription-wide) and version
 * (GUARDRAILS_VERSION), at most 64 (a 20-character prefix and the longest rule make 64).
 */
export function guardrailDefinitionName(prefix: string, ruleName: string): string {
  return `${prefix}-${ruleName}-v${GUARDRAILS_VERSION}`;
}

/** The assignment's name: unique within its scope (one per rule and group), at most 64, no dots. */
export function guardrailAssignmentName(prefix: string, ruleName: string): string {
  return `${prefix}-${ruleName}`;
}

/** What one mesh's assignments pass: its prefix and its network group's id, nothing per service. */
export function guardrailParameters(
  namePrefix: string,
  meshNetworkGroupId: string,
): GuardrailParameters {
  return { namePrefix, meshNetworkGroupId };
}

/** Every alias a condition names: in `field`, in `count.field`, and inside `field('...')` calls. */
export function aliasesIn(condition: unknown): string[] {
  const found = new Set<string>();
  const notAlias = new Set(["type", "name", "fullName", "kind", "location", "id", "tags"]);
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node === "string") {
      for (const m of node.matchAll(/field\('([^']+)'\)/g))
        if (!notAlias.has(m[1])) found.add(m[1]);
      return;
    }
    if (node && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        if (k === "field" && typeof v === "string" && !notAlias.has(v)) found.add(v);
        visit(v);
      }
    }
  };
  visit(condition);
  return [...found].sort();
}
