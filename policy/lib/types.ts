/**
 * Resource type tokens the pack judges, under the names its policies use. The tokens themselves
 * are the contract's (`RESOURCE_TYPES`, checked against the providers' `static __pulumiType`);
 * policies compare tokens as strings so that they never load a provider SDK.
 *
 * Pure: no Pulumi imports.
 */
import { AppSettingNames } from "@service-edges/contract/app-settings";
import { RESOURCE_TYPES as R } from "@service-edges/contract/tokens";

export const T = {
  webApp: R.app,
  webAppSlot: R.webAppSlot,
  appServicePlan: R.plan,
  swiftConnection: R.swiftConnection,
  swiftConnectionSlot: R.swiftConnectionSlot,
  sitePrivateEndpointConnection: R.sitePrivateEndpointConnection,
  sitePrivateEndpointConnectionSlot: R.sitePrivateEndpointConnectionSlot,
  appSettings: R.appSettings,
  appSettingsSlot: R.appSettingsSlot,
  authSettingsV2: R.authSettings,
  authSettingsV2Slot: R.authSettingsSlot,
  virtualNetwork: R.vnet,
  subnet: R.subnet,
  privateEndpoint: R.privateEndpoint,
  userAssignedIdentity: R.userAssignedIdentity,
  application: R.application,
  applicationRegistration: R.applicationRegistration,
  applicationAppRole: R.applicationAppRole,
  federatedIdentityCredential: R.federatedCredential,
  servicePrincipal: R.servicePrincipal,
  appRoleAssignment: R.appRoleAssignment,
} as const;

/** Sites: App Service web apps and Function apps (`kind` tells them apart; both are judged). */
export const SITE_TYPES: ReadonlySet<string> = new Set([T.webApp, T.webAppSlot]);

/** `WebApp "orders"`: how messages name a resource (type's last segment + Pulumi name). */
export function label(type: string, name: string): string {
  const short = type.split(":").pop() ?? type;
  return `${short} "${name}"`;
}

/**
 * App settings of this program's identity contract (the contract's `AppSettingNames`), read to
 * link a site to its Entra application when Easy Auth does not, and to tell a callee of the mesh
 * (`audiences`, `allowedCallers`: callee only).
 */
export const MESH_SETTINGS = {
  audiences: AppSettingNames.audiences,
  allowedCallers: AppSettingNames.allowedCallers,
  appClientId: AppSettingNames.appClientId,
} as const;
