/**
 * The guardrails of the private-endpoint layer (`network.inbound: serviceAndPrivateEndpoints |
 * privateEndpoints`), and which rules each mode assigns. Plain JSON, no Pulumi, named like the
 * other rules (guardrail-rules.ts): every site, endpoint subnet and NSG is derived from the
 * mesh's name prefix and network group, never listed, so no rule grows with the mesh.
 *
 * By mode:
 * - serviceEndpoints: the seven rules of guardrail-rules.ts.
 * - serviceAndPrivateEndpoints (the step between the modes): those minus the three that refuse
 *   the private layer itself (PRIVATE_ENDPOINT_MODE_OMITS), plus `private-endpoint-only-in-mesh-
 *   subnets` and `mesh-endpoint-subnet-enforces-nsg`, enforced: the endpoints exist from this step
 *   on, and an endpoint outside the NSG-filtered subnets, or a subnet whose NSG stops applying,
 *   bypasses both the access restrictions and the NSG. `mesh-site-public-access-off` is assigned
 *   too, but with enforcement mode DoNotEnforce: public access is still on in this step, so it must
 *   not refuse; being assigned already, entering and leaving `privateEndpoints` only updates its
 *   enforcement mode (an update, which the engine runs with the sites' updates) instead of creating
 *   or deleting it (a delete runs last, pulumi/pulumi#9979, after the sites turned public access
 *   on, which the still enforced rule would refuse). With DoNotEnforce "resources are still
 *   evaluated. Logging, such as Activity logs, and the policy effect don't occur" (MS Learn, "Azure
 *   Policy definitions disabled effect", on enforcementMode; "Azure Policy assignment structure",
 *   Enforcement mode), so compliance still shows which sites are not yet private.
 * - privateEndpoints: the same rules, `mesh-site-public-access-off` enforced.
 */
import {
  type InboundMode,
  PUBLIC_ACCESS_OFF_GUARDRAIL,
  hasPrivateEndpoints,
  publicAccessOff,
} from "@service-edges/contract";
import {
  ALIASES,
  type AliasCitation,
  type GuardrailRule,
  IN_MESH_VNETS,
  MESH_NAME,
  PARENT_NAME,
  guardrailRules,
  rule,
} from "./guardrail-rules";

/**
 * The rules that refuse the private-endpoint layer itself (its endpoints, their auto-approved
 * connections, public access Disabled): not assigned with serviceAndPrivateEndpoints or
 * privateEndpoints. Already in the step between the modes, so that the public-access rule is gone
 * before the sites turn public access off.
 */
export const PRIVATE_ENDPOINT_MODE_OMITS = [
  "no-private-endpoint-to-mesh-site-by-name",
  "no-private-endpoint-approval",
  "mesh-site-public-network-access",
] as const;

/** The rule that refuses public network access on mesh sites in privateEndpoints mode. */
export const PUBLIC_ACCESS_OFF_RULE = PUBLIC_ACCESS_OFF_GUARDRAIL;

/** Enforcement mode of a policy assignment (REST API "Policy Assignments - Create"). */
export type EnforcementMode = "Default" | "DoNotEnforce";

const AZURE_POLICY = "built-in-policies/policyDefinitions";
/** Azure Landing Zones' custom definitions, as Microsoft publishes them. */
const ALZ = "Azure/Enterprise-Scale@dbd9bd2169481d53388b827f5897420c0fad101b";
const ALZ_DEFINITIONS = "src/resources/Microsoft.Authorization/policyDefinitions";

/**
 * The aliases these rules use beyond guardrail-rules.ts's, each with a Microsoft definition that
 * uses it: Azure/azure-policy built-ins (commit f4a50bacae07ddb096943c597669bcae494a6e29) or, where
 * no built-in uses one, Azure Landing Zones' definitions (Azure/Enterprise-Scale). No Microsoft
 * definition uses an alias of `Microsoft.Web/sites/slots/config/publicNetworkAccess` (a slot's
 * config/web), nor of the endpoint a site's private endpoint connection names
 * (`Microsoft.Web/sites/privateEndpointConnections` has only
 * `privateLinkServiceConnectionState.status` in either repository), nor of a private endpoint's
 * `manualPrivateLinkServiceConnections`: those are not checked (README, guardrails table).
 */
export const PRIVATE_MODE_ALIASES: Readonly<Record<string, AliasCitation>> = {
  // "App Service app slots should disable public network access".
  "Microsoft.Web/sites/slots/publicNetworkAccess": {
    builtIn: `${AZURE_POLICY}/App Service/WebApp_Slot_PublicNetworkAccess_Audit.json`,
    definitionId: "701a595d-38fb-4a66-ae6d-fb3735217622",
  },
  // "[Deprecated]: Configure Azure Media Services with private endpoints": the endpoint's subnet.
  "Microsoft.Network/privateEndpoints/subnet.id": {
    builtIn: `${AZURE_POLICY}/Media Services/PrivateLink_DINE.json`,
    definitionId: "c5632066-946d-4766-9544-cd79bcc1286e",
  },
  // "Gateway subnets should not be configured with a network security group".
  "Microsoft.Network/virtualNetworks/subnets/networkSecurityGroup.id": {
    builtIn: `${AZURE_POLICY}/Network/NetworkSecurityGroupOnGatewaySubnet_Deny.json`,
    definitionId: "35f9c03a-cc27-418e-9c0c-539ff999d010",
  },
  // "[Preview]: All Internet traffic should be routed via your deployed Azure Firewall": a count
  // over a VNet's inline subnets, by name.
  "Microsoft.Network/virtualNetworks/subnets[*]": {
    builtIn: `${AZURE_POLICY}/Network/ASC_All_Internet_traffic_should_be_routed_via_Azure_Firewall.json`,
    definitionId: "fc5e4038-4584-4632-8c85-c0448d374b2c",
  },
  "Microsoft.Network/virtualNetworks/subnets[*].name": {
    builtIn: `${AZURE_POLICY}/Network/ASC_All_Internet_traffic_should_be_routed_via_Azure_Firewall.json`,
    definitionId: "fc5e4038-4584-4632-8c85-c0448d374b2c",
  },
  // ALZ "Subnets should have a Network Security Group" (no azure-policy built-in uses the inline
  // form).
  "Microsoft.Network/virtualNetworks/subnets[*].networkSecurityGroup.id": {
    repo: ALZ,
    builtIn: `${ALZ_DEFINITIONS}/Deny-Subnet-Without-Nsg.json`,
    definitionId: "Deny-Subnet-Without-Nsg",
  },
  // ALZ "Subnets without Private Endpoint Network Policies enabled should be denied": both forms.
  // No azure-policy built-in uses either (git grep -i privateEndpointNetworkPolicies finds none).
  "Microsoft.Network/virtualNetworks/subnets/privateEndpointNetworkPolicies": {
    repo: ALZ,
    builtIn: `${ALZ_DEFINITIONS}/Deny-Subnet-Without-Penp.json`,
    definitionId: "Deny-Subnet-Without-Penp",
  },
  "Microsoft.Network/virtualNetworks/subnets[*].privateEndpointNetworkPolicies": {
    repo: ALZ,
    builtIn: `${ALZ_DEFINITIONS}/Deny-Subnet-Without-Penp.json`,
    definitionId: "Deny-Subnet-Without-Penp",
  },
};

const PE = "Microsoft.Network/privateEndpoints";
const PE_SUBNET = `${PE}/subnet.id`;
const SUBNETS = "Microsoft.Network/virtualNetworks/subnets";
const INLINE = "Microsoft.Network/virtualNetworks/subnets[*]";
/**
 * The values of `privateEndpointNetworkPolicies` under which NSG rules apply to the subnet's
 * private endpoints (MS Learn, "Manage network policies for private endpoints": NSGs apply with
 * `Enabled` or `NetworkSecurityGroupEnabled`; `Disabled`, the default when the property is absent,
 * and `RouteTableEnabled` leave them unfiltered).
 */
export const NSG_ENFORCING_POLICIES = ["Enabled", "NetworkSecurityGroupEnabled"] as const;
/** The mesh's private-endpoint subnets are `pe-<range>` (contract privateEndpointSubnetName). */
const ENDPOINT_SUBNET = "pe-*";
/** The NSG of the endpoint subnet named by `subnetName`: `<prefix>-nsg-<subnet>` in the network group. */
const nsgIdOf = (subnetName: string) =>
  `[concat(parameters('meshNetworkGroupId'), '/providers/Microsoft.Network/networkSecurityGroups/', parameters('namePrefix'), '-nsg-', ${subnetName})]`;

/**
 * A subnet whose NSG no longer applies to its endpoints: network policies not on for NSGs
 * (missing is `Disabled`), or its NSG not the mesh's one for it (removed or swapped).
 */
function subnetUnfiltered(policies: string, nsg: string, expectedNsg: string) {
  return {
    anyOf: [
      { field: policies, exists: "false" },
      { field: policies, notIn: [...NSG_ENFORCING_POLICIES] },
      { field: nsg, exists: "false" },
      { field: nsg, notEquals: expectedNsg },
    ],
  };
}

/** The three rules of the private-endpoint layer. */
export function privateEndpointGuardrailRules(): GuardrailRule[] {
  return [
    rule({
      name: PUBLIC_ACCESS_OFF_RULE,
      displayName: "Mesh sites keep public network access disabled",
      description:
        "In privateEndpoints mode a mesh site is reached only through its private endpoint, whose subnet's NSG admits exactly its callers; public network access on would let anyone reach its public front end, where only the access restrictions stand.",
      message:
        "service-edges: in private mode mesh sites keep publicNetworkAccess Disabled; callers reach them through their private endpoints. To open a site, change the mesh's config (network.inbound, ingress).",
      mode: "All",
      scope: "subscription",
      uses: ["namePrefix"],
      // Sites and slots as the built-ins 1b5ef780-… and 701a595d-… judge them: the property
      // missing or anything but Disabled ('Enabled', or '' which means "enabled unless a private
      // endpoint exists": MS Learn, "Azure App Service access restrictions", App access; a caller
      // that nobody calls has no endpoint). Never Disabled. One setting covers the site and its
      // SCM (advanced tools) site: app access is evaluated before either site's rules (same page),
      // and no alias exists for a separate SCM public access. config/web only when the write
      // carries the property: a siteConfig written without it is not a request to open the site.
      if: {
        anyOf: [
          {
            allOf: [
              { field: "type", equals: "Microsoft.Web/sites" },
              { field: "name", like: MESH_NAME },
              {
                anyOf: [
                  { field: "Microsoft.Web/sites/publicNetworkAccess", exists: "false" },
                  { field: "Microsoft.Web/sites/publicNetworkAccess", notEquals: "Disabled" },
                ],
              },
            ],
          },
          {
            allOf: [
              { field: "type", equals: "Microsoft.Web/sites/slots" },
              { value: PARENT_NAME, like: MESH_NAME },
              {
                anyOf: [
                  { field: "Microsoft.Web/sites/slots/publicNetworkAccess", exists: "false" },
                  {
                    field: "Microsoft.Web/sites/slots/publicNetworkAccess",
                    notEquals: "Disabled",
                  },
                ],
              },
            ],
          },
          {
            allOf: [
              { field: "type", equals: "Microsoft.Web/sites/config" },
              { field: "name", equals: "web" },
              { value: PARENT_NAME, like: MESH_NAME },
              { field: "Microsoft.Web/sites/config/publicNetworkAccess", exists: "true" },
              { field: "Microsoft.Web/sites/config/publicNetworkAccess", notEquals: "Disabled" },
            ],
          },
        ],
      },
    }),
    rule({
      name: "private-endpoint-only-in-mesh-subnets",
      displayName: "Private endpoints to mesh sites only in the mesh's endpoint subnets",
      description:
        "A private endpoint to a mesh site bypasses its access restrictions; only in the mesh's private-endpoint subnets does an NSG admit exactly the site's callers. Anywhere else every host with line of sight to the endpoint could call in.",
      message:
        "service-edges: a private endpoint to a mesh site must be in one of the mesh's private-endpoint subnets (pe-* of its VNets), whose NSG admits only its callers. Add an edge in the mesh's config instead.",
      mode: "Indexed",
      scope: "subscription",
      uses: ["namePrefix", "meshNetworkGroupId"],
      // The connection's target by the site's name, as no-private-endpoint-to-mesh-site-by-name
      // matches it; the subnet by the convention: a subnet of a VNet in <prefix>-network whose
      // name is pe-* (`like` takes one wildcard, hence two conditions). A failing function would
      // deny, so the missing subnet id is coalesced before split.
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
          {
            anyOf: [
              { field: PE_SUBNET, notLike: IN_MESH_VNETS },
              {
                value: `[last(split(coalesce(field('${PE_SUBNET}'), ''), '/'))]`,
                notLike: ENDPOINT_SUBNET,
              },
            ],
          },
        ],
      },
    }),
    rule({
      name: "mesh-endpoint-subnet-enforces-nsg",
      displayName: "Mesh private-endpoint subnets keep their NSG and NSG enforcement",
      description:
        "NSG rules apply to private endpoints only while the subnet's privateEndpointNetworkPolicies is Enabled or NetworkSecurityGroupEnabled; turning it off, or removing or swapping the subnet's NSG, opens every mesh endpoint in it to the whole VNet, peered VNets and on-premises.",
      message:
        "service-edges: a mesh private-endpoint subnet keeps privateEndpointNetworkPolicies NetworkSecurityGroupEnabled (or Enabled) and its NSG <prefix>-nsg-<subnet>; change the mesh's config instead.",
      mode: "All",
      scope: "subscription",
      uses: ["namePrefix", "meshNetworkGroupId"],
      // Both ways a subnet is written: on its own (Microsoft.Network/virtualNetworks/subnets), and
      // inline in its VNet's PUT, which is how this program writes it (components/network.ts);
      // Azure Landing Zones' Deny-Subnet-Without-Penp and Deny-Subnet-Without-Nsg check the same
      // two forms. `id` is a supported field (MS Learn, "Azure Policy definition structure policy
      // rule", Fields); `current()` of a member of the counted array names the subnet.
      if: {
        anyOf: [
          {
            allOf: [
              { field: "type", equals: SUBNETS },
              { field: "id", like: IN_MESH_VNETS },
              { field: "name", like: ENDPOINT_SUBNET },
              subnetUnfiltered(
                `${SUBNETS}/privateEndpointNetworkPolicies`,
                `${SUBNETS}/networkSecurityGroup.id`,
                nsgIdOf("field('name')"),
              ),
            ],
          },
          {
            allOf: [
              { field: "type", equals: "Microsoft.Network/virtualNetworks" },
              { field: "id", like: IN_MESH_VNETS },
              {
                count: {
                  field: INLINE,
                  where: {
                    allOf: [
                      { field: `${INLINE}.name`, like: ENDPOINT_SUBNET },
                      subnetUnfiltered(
                        `${INLINE}.privateEndpointNetworkPolicies`,
                        `${INLINE}.networkSecurityGroup.id`,
                        nsgIdOf(`current('${INLINE}.name')`),
                      ),
                    ],
                  },
                },
                greater: 0,
              },
            ],
          },
        ],
      },
    }),
  ];
}

/** Every rule of either layer: what the aliases and fixtures are checked against. */
export function allGuardrailRules(): GuardrailRule[] {
  return [...guardrailRules(), ...privateEndpointGuardrailRules()];
}

/** Every alias either layer's rules use, each with its Microsoft definition. */
export const ALL_ALIASES: Readonly<Record<string, AliasCitation>> = {
  ...ALIASES,
  ...PRIVATE_MODE_ALIASES,
};

/** The rules a mode assigns, each with its assignments' enforcement mode (see the file's head). */
export function guardrailRulesFor(
  inbound: InboundMode,
): { rule: GuardrailRule; enforcementMode: EnforcementMode }[] {
  const omitted = new Set<string>(hasPrivateEndpoints(inbound) ? PRIVATE_ENDPOINT_MODE_OMITS : []);
  const serviceLayer = guardrailRules()
    .filter((r) => !omitted.has(r.name))
    .map((r) => ({ rule: r, enforcementMode: "Default" as EnforcementMode }));
  if (!hasPrivateEndpoints(inbound)) return serviceLayer;
  return [
    ...serviceLayer,
    ...privateEndpointGuardrailRules().map((r) => ({
      rule: r,
      enforcementMode: (r.name === PUBLIC_ACCESS_OFF_RULE && !publicAccessOff(inbound)
        ? "DoNotEnforce"
        : "Default") as EnforcementMode,
    })),
  ];
}
