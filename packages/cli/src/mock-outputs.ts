/**
 * What a real deployment would return for each resource, computed from its inputs and URN so that
 * the same config always yields the same ids and outputs, and an id in one resource's inputs
 * matches another resource's outputs (ARM ids, Entra object and client ids, role ids).
 *
 * Its parts: deterministic values (mock-values.ts), whose deployment it is (mock-context.ts), ARM
 * ids and names (mock-arm-ids.ts), what Azure computes on creation (mock-azure-computed.ts) and
 * the provider functions' results (mock-calls.ts).
 */
import {
  armChildPaths,
  armNamespaces,
  armTypes,
  physicalName,
  pluralSegment,
} from "./mock-arm-ids";
import { computedAzure } from "./mock-azure-computed";
import { type MockContext, defaultLocation } from "./mock-context";
import {
  BCRYPT_ALPHABET,
  type Props,
  guidBytes,
  guidFor,
  randomText,
  str,
  textFor,
} from "./mock-values";

export { mockCall } from "./mock-calls";
export { type MockContext, mockContext } from "./mock-context";
export { type Props, guidFor, secretFor, textFor } from "./mock-values";

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
    // Without one, the provider's `azure-native:location` (the stack's config) is its location.
    const location =
      typeof inputs.location === "string" ? inputs.location : (defaultLocation() ?? "");
    return {
      id: `${sub}/resourceGroups/${rgName}`,
      state: { ...state, name: rgName, ...(location ? { location } : {}) },
    };
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
  // A slot is a child of its site: `.../sites/{name}/slots/{slot}`, with its own host name.
  if (type === "azure-native:web:WebAppSlot") {
    const site = str(inputs.name, name);
    const slot = str(inputs.slot, name);
    const id = `${rg}/providers/Microsoft.Web/sites/${site}/slots/${slot}`;
    const host = `${site}-${slot}.azurewebsites.net`;
    return {
      id,
      state: { ...state, id, name: `${site}/${slot}`, defaultHostName: host, hostNames: [host] },
    };
  }
  if (type === "azure-native:storage:BlobContainer") {
    const container = str(inputs.containerName, name);
    const id = `${rg}/providers/Microsoft.Storage/storageAccounts/${str(inputs.accountName)}/blobServices/default/containers/${container}`;
    return { id, state: { ...state, id, name: container } };
  }
  if (type === "azure-native:storage:Blob") {
    const account = str(inputs.accountName);
    const container = str(inputs.containerName);
    const blob = str(inputs.blobName, name);
    const id = `${rg}/providers/Microsoft.Storage/storageAccounts/${account}/blobServices/default/containers/${container}/blobs/${blob}`;
    const url = `https://${account}.blob.core.windows.net/${container}/${blob}`;
    return { id, state: { ...state, id, name: blob, url } };
  }
  // The A records the zone group writes for its private endpoint, one per zone config.
  if (type === "azure-native:network:PrivateDnsZoneGroup") {
    const group = str(inputs.privateDnsZoneGroupName, name);
    const endpoint = str(inputs.privateEndpointName);
    const id = `${rg}/providers/Microsoft.Network/privateEndpoints/${endpoint}/privateDnsZoneGroups/${group}`;
    const configs = Array.isArray(inputs.privateDnsZoneConfigs)
      ? (inputs.privateDnsZoneConfigs as Props[])
      : [];
    const privateDnsZoneConfigs = configs.map((c, i) => {
      const zone = str(c.privateDnsZoneId).split("/").pop() ?? "";
      const recordSetName = endpoint || group;
      return {
        ...c,
        recordSets: [
          {
            recordType: "A",
            recordSetName,
            fqdn: `${recordSetName}.${zone}`,
            ttl: 10,
            ipAddresses: [`10.${guidBytes(id)[0]}.${guidBytes(id)[1]}.${4 + i}`],
            provisioningState: "Succeeded",
          },
        ],
      };
    });
    return { id, state: { ...state, id, name: group, privateDnsZoneConfigs } };
  }
  if (type.startsWith("azure-native:")) {
    const [, mod, kind] = type.split(":");
    const child = armChildPaths[type];
    let id: string;
    let physical: string;
    if (child) {
      const segs = child[1].split("/");
      const values = segs.map((seg, i) => {
        const key = /^\{(\w+)\}$/.exec(seg)?.[1];
        if (!key) return seg;
        if (typeof inputs[key] === "string") return inputs[key] as string;
        return i === segs.length - 1 ? physicalName(type, name, inputs) : "";
      });
      id = `${rg}/providers/${child[0]}/${values.join("/")}`;
      physical = str(inputs.name, values[values.length - 1]);
    } else {
      const [ns, seg] = armTypes[type] ?? [
        armNamespaces[mod] ?? `Microsoft.${mod[0].toUpperCase()}${mod.slice(1)}`,
        pluralSegment(kind),
      ];
      physical = physicalName(type, name, inputs);
      id = `${rg}/providers/${ns}/${seg}/${physical}`;
    }
    state.id = id;
    state.name = physical;
    Object.assign(state, computedAzure(ctx, type, physical, id, urn, inputs));
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
  if (
    type === "random:index/randomString:RandomString" ||
    type === "random:index/randomPassword:RandomPassword"
  ) {
    const result = randomText(urn, inputs);
    const password = type.endsWith("RandomPassword");
    return {
      id: password ? "none" : result,
      state: {
        ...state,
        result,
        ...(password
          ? { bcryptHash: `$2a$10$${textFor(`bcrypt/${urn}`, 53, BCRYPT_ALPHABET)}` }
          : {}),
      },
    };
  }
  return { id: `${name}-id`, state };
}
