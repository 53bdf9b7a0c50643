/**
 * What a real deployment would return for each resource, computed from its inputs and URN so that
 * the same config always yields the same ids and outputs, and an id in one resource's inputs
 * matches another resource's outputs (ARM ids, Entra object and client ids, role ids).
 */
import { createHash } from "node:crypto";

export type Props = Record<string, unknown>;

/** A GUID that is a pure function of `key` (name-based, like a v5 UUID). */
export function guidFor(key: string): string {
  const h = createHash("sha1").update(key).digest("hex");
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface MockContext {
  stack: string;
  subscriptionId: string;
  tenantId: string;
}

export function mockContext(stack: string): MockContext {
  return {
    stack,
    subscriptionId: guidFor(`subscription/${stack}`),
    tenantId: guidFor(`tenant/${stack}`),
  };
}

/** ARM provider namespace and resource type segment for an azure-native type token. */
const armTypes: Record<string, [string, string]> = {
  "azure-native:network:VirtualNetwork": ["Microsoft.Network", "virtualNetworks"],
  "azure-native:network:Subnet": ["Microsoft.Network", "virtualNetworks"],
  "azure-native:network:PrivateEndpoint": ["Microsoft.Network", "privateEndpoints"],
  "azure-native:network:NetworkSecurityGroup": ["Microsoft.Network", "networkSecurityGroups"],
  "azure-native:web:AppServicePlan": ["Microsoft.Web", "serverfarms"],
  "azure-native:web:WebApp": ["Microsoft.Web", "sites"],
  "azure-native:web:WebAppSlot": ["Microsoft.Web", "sites"],
  "azure-native:managedidentity:UserAssignedIdentity": [
    "Microsoft.ManagedIdentity",
    "userAssignedIdentities",
  ],
  "azure-native:storage:StorageAccount": ["Microsoft.Storage", "storageAccounts"],
};

/** The physical name azure-native takes from inputs: `name`, `<type>Name`, or `resourceName`. */
function physicalName(type: string, name: string, inputs: Props): string {
  const kind = type.split(":")[2] ?? "";
  const own = `${kind[0]?.toLowerCase()}${kind.slice(1)}Name`;
  for (const key of ["name", own, "resourceName", "accountName"]) {
    if (typeof inputs[key] === "string") return inputs[key] as string;
  }
  return name;
}

function str(v: unknown, fallback = ""): string {
  return typeof v === "string" ? v : fallback;
}

/** Outputs of one resource: its inputs, plus the id and the computed properties Azure returns. */
export function mockOutputs(
  ctx: MockContext,
  args: { type: string; name: string; urn: string; inputs: Props },
): { id: string; state: Props } {
  const { type, name, urn, inputs } = args;
  const state: Props = { ...inputs };
  const sub = `/subscriptions/${ctx.subscriptionId}`;
  const rg = `${sub}/resourceGroups/${str(inputs.resourceGroupName)}`;

  if (type === "azure-native:resources:ResourceGroup") {
    const rgName = physicalName(type, name, inputs);
    return { id: `${sub}/resourceGroups/${rgName}`, state: { ...state, name: rgName } };
  }
  if (type === "azure-native:network:Subnet") {
    const id = `${rg}/providers/Microsoft.Network/virtualNetworks/${str(inputs.virtualNetworkName)}/subnets/${physicalName(type, name, inputs)}`;
    return { id, state: { ...state, id, name: physicalName(type, name, inputs) } };
  }
  if (
    type === "azure-native:web:WebAppAuthSettingsV2" ||
    type === "azure-native:web:WebAppSiteConfig"
  ) {
    const leaf = type.endsWith("AuthSettingsV2") ? "authsettingsV2" : "web";
    const id = `${rg}/providers/Microsoft.Web/sites/${str(inputs.name)}/config/${leaf}`;
    return { id, state: { ...state, id } };
  }
  if (
    type === "azure-native:web:WebAppFtpAllowed" ||
    type === "azure-native:web:WebAppScmAllowed"
  ) {
    const leaf = type.endsWith("FtpAllowed") ? "ftp" : "scm";
    const id = `${rg}/providers/Microsoft.Web/sites/${str(inputs.name)}/basicPublishingCredentialsPolicies/${leaf}`;
    return { id, state: { ...state, id } };
  }
  // Custom policy definitions live at the subscription; assignments at their scope (the mesh's
  // resource groups).
  if (type === "azure-native:authorization:PolicyDefinition") {
    const id = `${sub}/providers/Microsoft.Authorization/policyDefinitions/${str(inputs.policyDefinitionName, name)}`;
    return { id, state: { ...state, id, name: str(inputs.policyDefinitionName, name) } };
  }
  if (type === "azure-native:authorization:PolicyAssignment") {
    const id = `${str(inputs.scope)}/providers/Microsoft.Authorization/policyAssignments/${str(inputs.policyAssignmentName, name)}`;
    return { id, state: { ...state, id, name: str(inputs.policyAssignmentName, name) } };
  }
  if (type === "azure-native:authorization:RoleAssignment") {
    const id = `${str(inputs.scope)}/providers/Microsoft.Authorization/roleAssignments/${str(inputs.roleAssignmentName, guidFor(urn))}`;
    return { id, state: { ...state, id } };
  }
  if (type.startsWith("azure-native:")) {
    const [, mod, kind] = type.split(":");
    const [ns, seg] = armTypes[type] ?? [
      `Microsoft.${mod[0].toUpperCase()}${mod.slice(1)}`,
      `${kind[0].toLowerCase()}${kind.slice(1)}s`,
    ];
    const physical = physicalName(type, name, inputs);
    const id = `${rg}/providers/${ns}/${seg}/${physical}`;
    state.id = id;
    state.name = physical;
    if (type === "azure-native:network:VirtualNetwork" && Array.isArray(inputs.subnets)) {
      state.subnets = (inputs.subnets as Props[]).map((s) => ({
        ...s,
        id: `${id}/subnets/${str(s.name)}`,
      }));
    }
    if (type === "azure-native:managedidentity:UserAssignedIdentity") {
      state.principalId = guidFor(`principal/${urn}`);
      state.clientId = guidFor(`client/${urn}`);
      state.tenantId = ctx.tenantId;
    }
    if (type === "azure-native:web:WebApp" || type === "azure-native:web:WebAppSlot") {
      state.defaultHostName = `${physical}.azurewebsites.net`;
      state.hostNames = [`${physical}.azurewebsites.net`];
    }
    return { id, state };
  }
  if (type === "azuread:index/application:Application") {
    const objectId = guidFor(`object/${urn}`);
    const roles = Array.isArray(inputs.appRoles) ? (inputs.appRoles as Props[]) : [];
    Object.assign(state, {
      objectId,
      clientId: guidFor(`client/${urn}`),
      appRoleIds: Object.fromEntries(roles.map((r) => [str(r.value), str(r.id)])),
    });
    return { id: `/applications/${objectId}`, state };
  }
  if (type === "azuread:index/servicePrincipal:ServicePrincipal") {
    const objectId = guidFor(`object/${urn}`);
    Object.assign(state, { objectId, applicationTenantId: ctx.tenantId, type: "Application" });
    return { id: `/servicePrincipals/${objectId}`, state };
  }
  if (type === "azuread:index/appRoleAssignment:AppRoleAssignment") {
    const id = `/servicePrincipals/${str(inputs.resourceObjectId)}/appRoleAssignedTo/${guidFor(urn)}`;
    Object.assign(state, { principalType: "ServicePrincipal" });
    return { id, state };
  }
  if (
    type ===
    "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
  ) {
    const credentialId = guidFor(urn);
    return {
      id: `${str(inputs.applicationId)}/federatedIdentityCredential/${credentialId}`,
      state: { ...state, credentialId },
    };
  }
  if (type === "azuread:index/applicationPassword:ApplicationPassword") {
    const keyId = guidFor(urn);
    return {
      id: `${str(inputs.applicationId)}/password/${keyId}`,
      state: { ...state, keyId, value: `mock-secret-${keyId}` },
    };
  }
  if (type === "random:index/randomUuid:RandomUuid") {
    const result = guidFor(urn);
    return { id: result, state: { ...state, result } };
  }
  return { id: `${name}-id`, state };
}

/** Results of provider functions (invokes) the program calls. */
export function mockCall(ctx: MockContext, token: string): Props {
  switch (token) {
    case "azuread:index/getClientConfig:getClientConfig":
      return {
        tenantId: ctx.tenantId,
        clientId: guidFor(`deployer/${ctx.stack}`),
        objectId: guidFor(`deployer-object/${ctx.stack}`),
      };
    case "azure-native:authorization:getClientConfig":
      return {
        tenantId: ctx.tenantId,
        subscriptionId: ctx.subscriptionId,
        clientId: guidFor(`deployer/${ctx.stack}`),
        objectId: guidFor(`deployer-object/${ctx.stack}`),
      };
    default:
      return {};
  }
}
