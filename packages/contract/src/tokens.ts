/**
 * Type tokens and URN layout: written once, imported by the components, the planner, the policy
 * pack and the tests. Pure: no Pulumi imports.
 */

/** The Pulumi project, and so the stack-config namespace (`service-edges:services`). */
export const PROJECT = "service-edges";

/**
 * The component package's name: the schema's package and the first part of its type tokens. A
 * component served by a component provider must live in the `index` module.
 */
export const PACKAGE = "service-edges";

/** Type tokens of the components. */
export const TYPES = {
  mesh: `${PACKAGE}:index:ServiceMesh`,
  network: `${PACKAGE}:mesh:MeshNetwork`,
  identity: `${PACKAGE}:mesh:ServiceIdentity`,
  callee: `${PACKAGE}:mesh:CalleeApplication`,
  host: `${PACKAGE}:mesh:ServiceHost`,
  guardrails: `${PACKAGE}:mesh:MeshGuardrails`,
  /** network.inbound with private endpoints: the endpoints and their private DNS. */
  privateEndpoints: `${PACKAGE}:mesh:MeshPrivateEndpoints`,
  observability: `${PACKAGE}:mesh:MeshObservability`,
  /** One mesh across many stacks: the platform stack's component, and a team stack's. */
  platform: `${PACKAGE}:index:MeshPlatform`,
  team: `${PACKAGE}:index:MeshTeam`,
} as const;

/**
 * What 0.1 called things. Its program always named the mesh `mesh` and gave the mesh's children
 * bare service names; a stack it deployed is adopted through aliases built from these.
 */
export const LEGACY = {
  meshName: "mesh",
  meshType: `${PACKAGE}:mesh:ServiceMesh`,
  /** Held each edge's app role assignments until they moved under the callee's application. */
  edgeGrantType: `${PACKAGE}:mesh:EdgeGrant`,
} as const;

/**
 * Type tokens of provider resources: the ones the mesh registers, then the ones only read (the
 * policy pack and the model judge them wherever a stack declares them). The one table of them:
 * the pack, the model, the planner and the tests compare tokens as strings so that they never
 * load a provider SDK. Checked against @pulumi/azure-native 3.28 and @pulumi/azuread 6.9
 * (`static __pulumiType`).
 */
export const RESOURCE_TYPES = {
  resourceGroup: "azure-native:resources:ResourceGroup",
  vnet: "azure-native:network:VirtualNetwork",
  plan: "azure-native:web:AppServicePlan",
  app: "azure-native:web:WebApp",
  authSettings: "azure-native:web:WebAppAuthSettingsV2",
  ftpAllowed: "azure-native:web:WebAppFtpAllowed",
  scmAllowed: "azure-native:web:WebAppScmAllowed",
  userAssignedIdentity: "azure-native:managedidentity:UserAssignedIdentity",
  storageAccount: "azure-native:storage:StorageAccount",
  roleAssignment: "azure-native:authorization:RoleAssignment",
  policyDefinition: "azure-native:authorization:PolicyDefinition",
  policyAssignment: "azure-native:authorization:PolicyAssignment",
  application: "azuread:index/application:Application",
  servicePrincipal: "azuread:index/servicePrincipal:ServicePrincipal",
  appRoleAssignment: "azuread:index/appRoleAssignment:AppRoleAssignment",
  federatedCredential:
    "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
  applicationPassword: "azuread:index/applicationPassword:ApplicationPassword",
  randomUuid: "random:index/randomUuid:RandomUuid",
  diagnosticSetting: "azure-native:monitor:DiagnosticSetting",
  savedSearch: "azure-native:operationalinsights:SavedSearch",
  scheduledQueryRule: "azure-native:monitor:ScheduledQueryRule",
  /** A caller's disconnect step (components/service-host.ts): runs only on delete. */
  command: "command:local:Command",
  /** network.inbound with private endpoints (components/private-endpoints.ts). */
  privateEndpoint: "azure-native:network:PrivateEndpoint",
  privateDnsZoneGroup: "azure-native:network:PrivateDnsZoneGroup",
  applicationSecurityGroup: "azure-native:network:ApplicationSecurityGroup",
  networkSecurityGroup: "azure-native:network:NetworkSecurityGroup",
  privateDnsZone: "azure-native:privatedns:PrivateZone",
  privateDnsZoneLink: "azure-native:privatedns:VirtualNetworkLink",
  vnetPeering: "azure-native:network:VirtualNetworkPeering",
  // Read, not registered by the mesh.
  webAppSlot: "azure-native:web:WebAppSlot",
  appSettings: "azure-native:web:WebAppApplicationSettings",
  appSettingsSlot: "azure-native:web:WebAppApplicationSettingsSlot",
  authSettingsSlot: "azure-native:web:WebAppAuthSettingsV2Slot",
  swiftConnection: "azure-native:web:WebAppSwiftVirtualNetworkConnection",
  swiftConnectionSlot: "azure-native:web:WebAppSwiftVirtualNetworkConnectionSlot",
  sitePrivateEndpointConnection: "azure-native:web:WebAppPrivateEndpointConnection",
  sitePrivateEndpointConnectionSlot: "azure-native:web:WebAppPrivateEndpointConnectionSlot",
  subnet: "azure-native:network:Subnet",
  securityRule: "azure-native:network:SecurityRule",
  applicationRegistration: "azuread:index/applicationRegistration:ApplicationRegistration",
  applicationAppRole: "azuread:index/applicationAppRole:ApplicationAppRole",
  /** A team stack's reference to its platform stack (the registry is among its outputs). */
  stackReference: "pulumi:pulumi:StackReference",
} as const;

/** A child's logical name, from its parent component's name (so two meshes never collide). */
export function childName(parent: string, local: string): string {
  return `${parent}-${local}`;
}

/**
 * The URN the engine gives a resource: `urn:pulumi:STACK::PROJECT::` then the qualified type
 * (every ancestor's type, then its own, joined with `$`), then `::NAME`.
 */
export function urnOf(stack: string, project: string, types: readonly string[], name: string) {
  return `urn:pulumi:${stack}::${project}::${types.join("$")}::${name}`;
}

/** Where each kind of mesh resource sits: its component path under the mesh, and its name. */
export interface MeshUrns {
  /** The mesh component itself. */
  mesh(): string;
  /** A service's resource held by one of the mesh's components. */
  service(component: keyof typeof TYPES, type: string, service: string): string;
  /** The virtual network: the first, or an extra one by its `network.vnets` name. */
  vnet(name?: string): string;
  /** The app role assignment of one (edge, role). */
  assignment(from: string, to: string, role: string): string;
}

/**
 * URNs of a mesh named `meshName` in a stack, matching what the components register. The planner
 * and the tests find resources with these instead of spelling URNs.
 */
export function meshUrns(
  stack: string,
  project: string,
  meshName: string,
  /** The top component: the single stack's mesh, or a platform's or team stack's component. */
  meshType: string = TYPES.mesh,
): MeshUrns {
  const child = (s: string) => childName(meshName, s);
  return {
    mesh: () => urnOf(stack, project, [meshType], meshName),
    service: (component, type, service) =>
      urnOf(stack, project, [meshType, TYPES[component], type], child(service)),
    vnet: (name = "") =>
      urnOf(
        stack,
        project,
        [meshType, TYPES.network, RESOURCE_TYPES.vnet],
        child(name ? `network-${name}` : "network"),
      ),
    assignment: (from, to, role) =>
      urnOf(
        stack,
        project,
        [meshType, TYPES.callee, RESOURCE_TYPES.appRoleAssignment],
        `${child(from)}.${to}.${role}`,
      ),
  };
}
