/**
 * Resource type tokens the pack judges, checked against @pulumi/azure-native 3.28 and
 * @pulumi/azuread 6.9 (`static __pulumiType`). Policies compare tokens as strings so that they
 * never load a provider SDK.
 *
 * Pure: no Pulumi imports.
 */
export const T = {
  webApp: "azure-native:web:WebApp",
  webAppSlot: "azure-native:web:WebAppSlot",
  appServicePlan: "azure-native:web:AppServicePlan",
  swiftConnection: "azure-native:web:WebAppSwiftVirtualNetworkConnection",
  swiftConnectionSlot: "azure-native:web:WebAppSwiftVirtualNetworkConnectionSlot",
  sitePrivateEndpointConnection: "azure-native:web:WebAppPrivateEndpointConnection",
  sitePrivateEndpointConnectionSlot: "azure-native:web:WebAppPrivateEndpointConnectionSlot",
  appSettings: "azure-native:web:WebAppApplicationSettings",
  appSettingsSlot: "azure-native:web:WebAppApplicationSettingsSlot",
  authSettingsV2: "azure-native:web:WebAppAuthSettingsV2",
  authSettingsV2Slot: "azure-native:web:WebAppAuthSettingsV2Slot",
  virtualNetwork: "azure-native:network:VirtualNetwork",
  subnet: "azure-native:network:Subnet",
  privateEndpoint: "azure-native:network:PrivateEndpoint",
  userAssignedIdentity: "azure-native:managedidentity:UserAssignedIdentity",
  application: "azuread:index/application:Application",
  applicationRegistration: "azuread:index/applicationRegistration:ApplicationRegistration",
  applicationAppRole: "azuread:index/applicationAppRole:ApplicationAppRole",
  federatedIdentityCredential:
    "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
  servicePrincipal: "azuread:index/servicePrincipal:ServicePrincipal",
  appRoleAssignment: "azuread:index/appRoleAssignment:AppRoleAssignment",
} as const;

/** Sites: App Service web apps and Function apps (`kind` tells them apart; both are judged). */
export const SITE_TYPES: ReadonlySet<string> = new Set([T.webApp, T.webAppSlot]);

/** `WebApp "orders"`: how messages name a resource (type's last segment + Pulumi name). */
export function label(type: string, name: string): string {
  const short = type.split(":").pop() ?? type;
  return `${short} "${name}"`;
}

/**
 * App settings of this program's identity contract (packages/contract/src/app-settings.ts), read
 * to link a site to its Entra application when Easy Auth does not, and to tell a callee of the
 * mesh (`audiences`, `allowedCallers`: callee only). Duplicated here so the pack stays a
 * self-contained directory (`pulumi policy publish` ships only policy/); a root test keeps the
 * two in sync.
 */
export const MESH_SETTINGS = {
  audiences: "MESH_AUDIENCES",
  allowedCallers: "MESH_ALLOWED_CALLERS",
  appClientId: "MESH_APP_CLIENT_ID",
} as const;
