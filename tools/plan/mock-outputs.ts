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

/** Deterministic text of `length` characters from `alphabet`, a pure function of `key`. */
export function textFor(key: string, length: number, alphabet: string): string {
  let out = "";
  for (let block = 0; out.length < length; block++) {
    const bytes = createHash("sha256").update(`${key}/${block}`).digest();
    for (const b of bytes) {
      if (out.length >= length) break;
      out += alphabet[b % alphabet.length];
    }
  }
  return out;
}

/** A deterministic base64 secret (storage keys, registry passwords): 64 bytes by default. */
export function secretFor(key: string, bytes = 64): string {
  const raw = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 32)
    createHash("sha256").update(`${key}/${i}`).digest().copy(raw, i);
  return raw.toString("base64");
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
    if (type === "azure-native:storage:StorageAccount") {
      const at = (svc: string) => `https://${physical}.${svc}.core.windows.net/`;
      state.primaryEndpoints = {
        blob: at("blob"),
        dfs: at("dfs"),
        file: at("file"),
        queue: at("queue"),
        table: at("table"),
        web: `https://${physical}.z6.web.core.windows.net/`,
      };
    }
    if (type === "azure-native:web:WebApp") {
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

const BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function guidBytes(key: string): Buffer {
  return createHash("sha1").update(key).digest();
}

/**
 * random's RandomString / RandomPassword `result`: `length` characters from the classes it
 * allows (upper, lower, numeric, special, `overrideSpecial`), each class's `min*` met.
 */
function randomText(urn: string, inputs: Props): string {
  const length = Math.max(0, Math.floor(Number(inputs.length ?? 0)));
  const on = (k: string) => inputs[k] !== false;
  const special =
    typeof inputs.overrideSpecial === "string" ? inputs.overrideSpecial : "!@#$%&*()-_=+[]{}<>:?";
  const classes: Array<[string, number]> = [];
  if (on("upper")) classes.push(["ABCDEFGHIJKLMNOPQRSTUVWXYZ", Number(inputs.minUpper ?? 0)]);
  if (on("lower")) classes.push(["abcdefghijklmnopqrstuvwxyz", Number(inputs.minLower ?? 0)]);
  if (on("numeric") && on("number")) classes.push(["0123456789", Number(inputs.minNumeric ?? 0)]);
  if (on("special") && special) classes.push([special, Number(inputs.minSpecial ?? 0)]);
  if (classes.length === 0) return "";
  let out = "";
  for (const [alphabet, min] of classes) out += textFor(`${urn}/min/${alphabet}`, min, alphabet);
  out += textFor(urn, Math.max(0, length - out.length), classes.map((c) => c[0]).join(""));
  return out;
}

/**
 * Results of provider functions (invokes) the program calls, as the providers return them;
 * `undefined` for a function the mocks do not know (the plan then names it and asks for
 * `--mocks FILE`). Keys and passwords are deterministic fakes.
 */
export function mockCall(ctx: MockContext, token: string, inputs: Props = {}): Props | undefined {
  const sub = `/subscriptions/${ctx.subscriptionId}`;
  const rg = `${sub}/resourceGroups/${str(inputs.resourceGroupName)}`;
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
    case "azure-native:authorization:getClientToken":
      return { token: `mock-token-${guidFor(`token/${ctx.stack}`)}` };
    case "azuread:index/getDomains:getDomains": {
      const initial = `${textFor(`tenant-domain/${ctx.tenantId}`, 10, "abcdefghijklmnopqrstuvwxyz")}.onmicrosoft.com`;
      return {
        id: ctx.tenantId,
        domains: [
          {
            domainName: initial,
            authenticationType: "Managed",
            adminManaged: true,
            default: true,
            initial: true,
            rootDomain: true,
            verified: true,
            supportedServices: ["Email", "OfficeCommunicationsOnline"],
          },
        ],
        ...inputs,
      };
    }
    case "azure-native:storage:listStorageAccountKeys": {
      const account = str(inputs.accountName);
      return {
        keys: ["key1", "key2"].map((keyName) => ({
          keyName,
          value: secretFor(`storage-key/${ctx.subscriptionId}/${account}/${keyName}`),
          permissions: "FULL",
          creationTime: "2024-01-01T00:00:00.0000000Z",
        })),
      };
    }
    case "azure-native:storage:listStorageAccountSAS":
      return {
        accountSasToken: `sv=2022-11-02&ss=${str(inputs.services, "b")}&srt=${str(inputs.resourceTypes, "sco")}&sp=${str(inputs.permissions, "r")}&se=${str(inputs.sharedAccessExpiryTime, "2030-01-01T00:00:00Z")}&spr=https&sig=${encodeURIComponent(secretFor(`sas/${str(inputs.accountName)}`, 32))}`,
      };
    case "azure-native:storage:listStorageAccountServiceSAS":
      return {
        serviceSasToken: `sv=2022-11-02&sr=${str(inputs.resource, "c")}&sp=${str(inputs.permissions, "r")}&se=${str(inputs.sharedAccessExpiryTime, "2030-01-01T00:00:00Z")}&spr=https&sig=${encodeURIComponent(secretFor(`service-sas/${str(inputs.accountName)}/${str(inputs.canonicalizedResource)}`, 32))}`,
      };
    case "azure-native:containerregistry:listRegistryCredentials": {
      const registry = str(inputs.registryName);
      return {
        username: registry,
        passwords: ["password", "password2"].map((name) => ({
          name,
          value: textFor(
            `acr/${ctx.subscriptionId}/${registry}/${name}`,
            52,
            BCRYPT_ALPHABET.slice(2),
          ),
        })),
      };
    }
    case "azure-native:web:listWebAppPublishingCredentials": {
      const site = str(inputs.name);
      const password = textFor(
        `publish/${ctx.subscriptionId}/${site}`,
        60,
        BCRYPT_ALPHABET.slice(2),
      );
      return {
        id: `${rg}/providers/Microsoft.Web/sites/${site}/publishingcredentials/$${site}`,
        name: site,
        type: "Microsoft.Web/sites/publishingcredentials",
        publishingUserName: `$${site}`,
        publishingPassword: password,
        scmUri: `https://$${site}:${password}@${site}.scm.azurewebsites.net`,
      };
    }
    default:
      return undefined;
  }
}
