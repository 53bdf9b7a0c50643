/**
 * What a real deployment would return for each resource, computed from its inputs and URN so that
 * the same config always yields the same ids and outputs, and an id in one resource's inputs
 * matches another resource's outputs (ARM ids, Entra object and client ids, role ids).
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

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
  /**
   * What the plan has registered so far: a `get<Kind>` invoke of a resource the program itself
   * creates reads it back, as it would after the deployment.
   */
  resources?: () => ReadonlyArray<{ type: string; inputs: Props; outputs: Props }>;
}

/**
 * `scope`: whose subscription and tenant the ids name (by default the stack's own); the stacks of
 * one deployment planned together share one.
 */
export function mockContext(stack: string, scope = stack): MockContext {
  return {
    stack,
    subscriptionId: guidFor(`subscription/${scope}`),
    tenantId: guidFor(`tenant/${scope}`),
  };
}

/** ARM provider namespace and resource type segment for an azure-native type token. */
const armTypes: Record<string, [string, string]> = {
  "azure-native:network:VirtualNetwork": ["Microsoft.Network", "virtualNetworks"],
  "azure-native:network:Subnet": ["Microsoft.Network", "virtualNetworks"],
  "azure-native:network:PrivateEndpoint": ["Microsoft.Network", "privateEndpoints"],
  "azure-native:network:NetworkSecurityGroup": ["Microsoft.Network", "networkSecurityGroups"],
  "azure-native:network:PrivateZone": ["Microsoft.Network", "privateDnsZones"],
  "azure-native:privatedns:PrivateZone": ["Microsoft.Network", "privateDnsZones"],
  "azure-native:web:AppServicePlan": ["Microsoft.Web", "serverfarms"],
  "azure-native:web:WebApp": ["Microsoft.Web", "sites"],
  "azure-native:web:WebAppSlot": ["Microsoft.Web", "sites"],
  "azure-native:web:Connection": ["Microsoft.Web", "connections"],
  "azure-native:managedidentity:UserAssignedIdentity": [
    "Microsoft.ManagedIdentity",
    "userAssignedIdentities",
  ],
  "azure-native:storage:StorageAccount": ["Microsoft.Storage", "storageAccounts"],
  "azure-native:applicationinsights:Component": ["Microsoft.Insights", "components"],
  "azure-native:logic:Workflow": ["Microsoft.Logic", "workflows"],
};

/** ARM provider namespaces whose casing is not the module name's, by azure-native module. */
const armNamespaces: Record<string, string> = {
  app: "Microsoft.App",
  applicationinsights: "Microsoft.Insights",
  apimanagement: "Microsoft.ApiManagement",
  appconfiguration: "Microsoft.AppConfiguration",
  containerinstance: "Microsoft.ContainerInstance",
  containerregistry: "Microsoft.ContainerRegistry",
  containerservice: "Microsoft.ContainerService",
  cosmosdb: "Microsoft.DocumentDB",
  dbformysql: "Microsoft.DBforMySQL",
  dbforpostgresql: "Microsoft.DBforPostgreSQL",
  documentdb: "Microsoft.DocumentDB",
  eventgrid: "Microsoft.EventGrid",
  eventhub: "Microsoft.EventHub",
  keyvault: "Microsoft.KeyVault",
  managedidentity: "Microsoft.ManagedIdentity",
  monitor: "Microsoft.Insights",
  operationalinsights: "Microsoft.OperationalInsights",
  privatedns: "Microsoft.Network",
  securityinsights: "Microsoft.SecurityInsights",
  servicebus: "Microsoft.ServiceBus",
  signalrservice: "Microsoft.SignalRService",
};

/**
 * Child resources: the ARM path below the namespace, `{key}` taken from the inputs; the last
 * segment's key is the resource's own name (its logical name when the program gives none).
 */
const armChildPaths: Record<string, [string, string]> = {
  "azure-native:sql:Database": ["Microsoft.Sql", "servers/{serverName}/databases/{databaseName}"],
  "azure-native:sql:FirewallRule": [
    "Microsoft.Sql",
    "servers/{serverName}/firewallRules/{firewallRuleName}",
  ],
  "azure-native:synapse:IpFirewallRule": [
    "Microsoft.Synapse",
    "workspaces/{workspaceName}/firewallRules/{ruleName}",
  ],
  "azure-native:synapse:SqlPool": [
    "Microsoft.Synapse",
    "workspaces/{workspaceName}/sqlPools/{sqlPoolName}",
  ],
  "azure-native:synapse:BigDataPool": [
    "Microsoft.Synapse",
    "workspaces/{workspaceName}/bigDataPools/{bigDataPoolName}",
  ],
  "azure-native:cosmosdb:SqlResourceSqlDatabase": [
    "Microsoft.DocumentDB",
    "databaseAccounts/{accountName}/sqlDatabases/{databaseName}",
  ],
  "azure-native:cosmosdb:SqlResourceSqlContainer": [
    "Microsoft.DocumentDB",
    "databaseAccounts/{accountName}/sqlDatabases/{databaseName}/containers/{containerName}",
  ],
  "azure-native:cdn:Endpoint": ["Microsoft.Cdn", "profiles/{profileName}/endpoints/{endpointName}"],
  "azure-native:privatedns:VirtualNetworkLink": [
    "Microsoft.Network",
    "privateDnsZones/{privateZoneName}/virtualNetworkLinks/{virtualNetworkLinkName}",
  ],
  "azure-native:privatedns:RecordSet": [
    "Microsoft.Network",
    "privateDnsZones/{privateZoneName}/{recordType}/{relativeRecordSetName}",
  ],
  "azure-native:operationalinsights:Table": [
    "Microsoft.OperationalInsights",
    "workspaces/{workspaceName}/tables/{tableName}",
  ],
  "azure-native:storage:StorageAccountStaticWebsite": [
    "Microsoft.Storage",
    "storageAccounts/{accountName}/staticWebsite",
  ],
  "azure-native:web:WebAppSwiftVirtualNetworkConnection": [
    "Microsoft.Web",
    "sites/{name}/networkConfig/virtualNetwork",
  ],
};

/** The plural ARM uses for a resource kind's type segment (`publicIPAddresses`, `policies`). */
function pluralSegment(kind: string): string {
  const k = `${kind[0].toLowerCase()}${kind.slice(1)}`;
  if (/(s|x|sh|ch)$/.test(k)) return `${k}es`;
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}

/**
 * The physical name azure-native takes from inputs: `name`, `<type>Name` (or the name key of
 * the kind's last words: `databaseName` for `SqlResourceSqlDatabase`), `resourceName`, and
 * `accountName` for accounts; else the logical name.
 */
function physicalName(type: string, name: string, inputs: Props): string {
  const keys = nameKeys(type);
  for (const key of keys) if (typeof inputs[key] === "string") return inputs[key] as string;
  // Key casing varies (`publicIpAddressName` for `PublicIPAddress`): then matched without it.
  const lower = new Set(keys.map((k) => k.toLowerCase()));
  for (const [k, v] of Object.entries(inputs))
    if (typeof v === "string" && lower.has(k.toLowerCase())) return v;
  return name;
}

const nameKeysByType = new Map<string, string[]>();

/** The input keys that may hold a resource type's own name, most specific first. */
function nameKeys(type: string): string[] {
  let keys = nameKeysByType.get(type);
  if (keys) return keys;
  const kind = type.split(":")[2] ?? "";
  const words = kind.match(/[A-Z][a-z0-9]*|[a-z0-9]+/g) ?? [kind];
  keys = ["name"];
  for (let i = 0; i < words.length; i++) {
    const tail = words.slice(i).join("");
    keys.push(`${tail[0]?.toLowerCase()}${tail.slice(1)}Name`);
  }
  keys.push("resourceName");
  if (kind.endsWith("Account")) keys.push("accountName");
  nameKeysByType.set(type, keys);
  return keys;
}

/** A deterministic public IPv4 address (20.0.0.0/8 and 40.0.0.0/8, where Azure's are). */
function publicIp(key: string): string {
  const b = guidBytes(key);
  return `${b[0] % 2 === 0 ? 20 : 40}.${b[1]}.${b[2]}.${1 + (b[3] % 254)}`;
}

function obj(v: unknown): Props {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Props) : {};
}

/** The runtime's config store: its serialized config is what `getConfig` parses each time. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeState = require("@pulumi/pulumi/runtime/state") as {
  getStore: () => { config?: Record<string, string | undefined> };
};
let located: { raw?: string; value?: string } = {};

/**
 * The stack's `azure-native:location`, the provider's default location (when it is set). The
 * SDK's getConfig parses the whole serialized config on every call (megabytes at 1,000
 * services), so it is read once per config.
 */
function defaultLocation(): string | undefined {
  const raw = runtimeState.getStore().config?.PULUMI_CONFIG;
  if (located.raw !== raw || !("value" in located)) {
    located = { raw, value: pulumi.runtime.getConfig("azure-native:location") };
  }
  return located.value;
}

/** Where a resource is, for the host names Azure derives from it. */
function locationOf(inputs: Props): string {
  const location =
    typeof inputs.location === "string" ? inputs.location : (defaultLocation() ?? "westeurope");
  return location.replace(/\s+/g, "").toLowerCase();
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

/**
 * What Azure computes for an azure-native resource on creation (host names, endpoints, keys'
 * ids, system-assigned identities, addresses), as a deployment returns it. Inputs stay as given.
 */
function computedAzure(
  ctx: MockContext,
  type: string,
  physical: string,
  id: string,
  urn: string,
  inputs: Props,
): Props {
  const out: Props = {};
  // A system-assigned identity gets its principal in the tenant (user-assigned ones are their own
  // resources).
  const identity = obj(inputs.identity);
  if (/systemassigned/i.test(str(identity.type))) {
    out.identity = {
      ...identity,
      principalId: guidFor(`system-principal/${urn}`),
      tenantId: ctx.tenantId,
    };
  }
  const hash = (n: number) => createHash("sha1").update(urn).digest("hex").slice(0, n);
  switch (type) {
    case "azure-native:network:VirtualNetwork":
      if (Array.isArray(inputs.subnets)) {
        out.subnets = (inputs.subnets as Props[]).map((s) => ({
          ...s,
          id: `${id}/subnets/${str(s.name)}`,
        }));
      }
      break;
    case "azure-native:managedidentity:UserAssignedIdentity":
      out.principalId = guidFor(`principal/${urn}`);
      out.clientId = guidFor(`client/${urn}`);
      out.tenantId = ctx.tenantId;
      break;
    case "azure-native:storage:StorageAccount": {
      const at = (svc: string) => `https://${physical}.${svc}.core.windows.net/`;
      out.primaryEndpoints = {
        blob: at("blob"),
        dfs: at("dfs"),
        file: at("file"),
        queue: at("queue"),
        table: at("table"),
        web: `https://${physical}.z6.web.core.windows.net/`,
      };
      break;
    }
    case "azure-native:storage:StorageAccountStaticWebsite":
      out.containerName = "$web";
      break;
    case "azure-native:web:WebApp":
      out.defaultHostName = `${physical}.azurewebsites.net`;
      out.hostNames = [`${physical}.azurewebsites.net`];
      break;
    case "azure-native:network:PublicIPAddress":
      out.ipAddress = str(inputs.ipAddress, publicIp(urn));
      break;
    case "azure-native:containerinstance:ContainerGroup": {
      const ip = obj(inputs.ipAddress);
      if (str(ip.type) === "Public") {
        const label = str(ip.dnsNameLabel);
        out.ipAddress = {
          ...ip,
          ip: publicIp(urn),
          ...(label ? { fqdn: `${label}.${locationOf(inputs)}.azurecontainer.io` } : {}),
        };
      } else if (str(ip.type) === "Private") {
        out.ipAddress = { ...ip, ip: `10.${guidBytes(urn)[0]}.${guidBytes(urn)[1]}.4` };
      }
      break;
    }
    case "azure-native:cdn:Endpoint":
      out.hostName = `${physical}.azureedge.net`;
      break;
    case "azure-native:applicationinsights:Component":
    case "azure-native:insights:Component": {
      const key = guidFor(`instrumentation/${urn}`);
      out.instrumentationKey = key;
      out.appId = guidFor(`app/${urn}`);
      out.connectionString = `InstrumentationKey=${key};IngestionEndpoint=https://${locationOf(inputs)}-0.in.applicationinsights.azure.com/`;
      break;
    }
    case "azure-native:cosmosdb:DatabaseAccount":
      out.documentEndpoint = `https://${physical}.documents.azure.com:443/`;
      break;
    case "azure-native:sql:Server":
      out.fullyQualifiedDomainName = `${physical}.database.windows.net`;
      break;
    case "azure-native:containerregistry:Registry":
      out.loginServer = `${physical.toLowerCase()}.azurecr.io`;
      break;
    case "azure-native:keyvault:Vault":
      out.properties = {
        ...obj(inputs.properties),
        vaultUri: `https://${physical}.vault.azure.net/`,
      };
      break;
    case "azure-native:operationalinsights:Workspace":
      out.customerId = guidFor(`workspace/${urn}`);
      break;
    case "azure-native:containerservice:ManagedCluster":
      if (typeof inputs.dnsPrefix === "string") {
        out.fqdn = `${inputs.dnsPrefix}-${hash(8)}.hcp.${locationOf(inputs)}.azmk8s.io`;
      }
      break;
    case "azure-native:app:ManagedEnvironment":
      out.defaultDomain = `${textFor(`env/${urn}`, 8, "abcdefghijklmnopqrstuvwxyz")}-${hash(8)}.${locationOf(inputs)}.azurecontainerapps.io`;
      out.staticIp = publicIp(urn);
      break;
    case "azure-native:app:ContainerApp": {
      const config = obj(inputs.configuration);
      const fqdn = `${physical}.${textFor(`app/${urn}`, 8, "abcdefghijklmnopqrstuvwxyz")}.${locationOf(inputs)}.azurecontainerapps.io`;
      out.latestRevisionFqdn = fqdn;
      if (config.ingress)
        out.configuration = { ...config, ingress: { ...obj(config.ingress), fqdn } };
      break;
    }
    case "azure-native:logic:Workflow":
      out.accessEndpoint = `https://prod-00.${locationOf(inputs)}.logic.azure.com:443/workflows/${hash(32)}`;
      break;
    case "azure-native:monitor:DataCollectionEndpoint": {
      const host = `${physical.toLowerCase()}-${hash(4)}.${locationOf(inputs)}-1`;
      out.logsIngestion = { endpoint: `https://${host}.ingest.monitor.azure.com` };
      out.configurationAccess = { endpoint: `https://${host}.handler.control.monitor.azure.com` };
      out.metricsIngestion = { endpoint: `https://${host}.metrics.ingest.monitor.azure.com` };
      break;
    }
    case "azure-native:monitor:DataCollectionRule":
      out.immutableId = `dcr-${hash(32)}`;
      break;
    case "azure-native:synapse:Workspace":
      out.connectivityEndpoints = {
        web: `https://web.azuresynapse.net?workspace=${encodeURIComponent(id)}`,
        dev: `https://${physical}.dev.azuresynapse.net`,
        sql: `${physical}.sql.azuresynapse.net`,
        sqlOnDemand: `${physical}-ondemand.sql.azuresynapse.net`,
      };
      break;
  }
  return out;
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
    case "azure-native:cosmosdb:listDatabaseAccountKeys":
    case "azure-native:documentdb:listDatabaseAccountKeys": {
      const key = (k: string) =>
        secretFor(`cosmos/${ctx.subscriptionId}/${str(inputs.accountName)}/${k}`);
      return {
        primaryMasterKey: key("primary"),
        secondaryMasterKey: key("secondary"),
        primaryReadonlyMasterKey: key("primary-readonly"),
        secondaryReadonlyMasterKey: key("secondary-readonly"),
      };
    }
    case "azure-native:cosmosdb:listDatabaseAccountConnectionStrings":
    case "azure-native:documentdb:listDatabaseAccountConnectionStrings": {
      const account = str(inputs.accountName);
      const key = (k: string) => secretFor(`cosmos/${ctx.subscriptionId}/${account}/${k}`);
      const at = (k: string) =>
        `AccountEndpoint=https://${account}.documents.azure.com:443/;AccountKey=${key(k)};`;
      return {
        connectionStrings: [
          ["Primary SQL Connection String", at("primary")],
          ["Secondary SQL Connection String", at("secondary")],
          ["Primary Read-Only SQL Connection String", at("primary-readonly")],
          ["Secondary Read-Only SQL Connection String", at("secondary-readonly")],
        ].map(([description, connectionString]) => ({ description, connectionString })),
      };
    }
    case "azure-native:operationalinsights:getSharedKeys": {
      const ws = `${ctx.subscriptionId}/${str(inputs.workspaceName)}`;
      return {
        primarySharedKey: secretFor(`workspace-key/${ws}/primary`),
        secondarySharedKey: secretFor(`workspace-key/${ws}/secondary`),
      };
    }
    case "azure-native:web:listWebAppHostKeys": {
      const site = `${ctx.subscriptionId}/${str(inputs.name)}`;
      const key = (k: string) => textFor(`host-key/${site}/${k}`, 56, BCRYPT_ALPHABET.slice(2));
      return {
        masterKey: key("master"),
        functionKeys: { default: key("default") },
        systemKeys: {},
      };
    }
    case "azure-native:logic:listWorkflowTriggerCallbackUrl": {
      const workflow = str(inputs.workflowName);
      const trigger = str(inputs.triggerName);
      const sig = textFor(
        `logic-sig/${ctx.subscriptionId}/${workflow}/${trigger}`,
        43,
        BCRYPT_ALPHABET.slice(2),
      );
      const basePath = `https://prod-00.${defaultLocation() ?? "westeurope"}.logic.azure.com/workflows/${guidFor(`workflow/${ctx.subscriptionId}/${workflow}`).replace(/-/g, "")}/triggers/${trigger}/paths/invoke`;
      const queries = {
        "api-version": "2019-05-01",
        sp: `/triggers/${trigger}/run`,
        sv: "1.0",
        sig,
      };
      return {
        value: `${basePath}?api-version=2019-05-01&sp=${encodeURIComponent(queries.sp)}&sv=1.0&sig=${sig}`,
        method: "POST",
        basePath,
        queries,
      };
    }
    default:
      return readBack(ctx, token, inputs);
  }
}

/**
 * `azure-native:<module>:get<Kind>` of a resource the program itself creates: what it planned
 * for it, as the function returns it after the deployment; `undefined` for anything else (an
 * existing resource only the user can describe).
 */
function readBack(ctx: MockContext, token: string, inputs: Props): Props | undefined {
  const m = /^azure-native:([^:]+):get([A-Z]\w*)$/.exec(token);
  if (!m || !ctx.resources) return undefined;
  const type = `azure-native:${m[1]}:${m[2]}`.toLowerCase();
  const names = Object.entries(inputs).filter(
    (e): e is [string, string] => e[0].endsWith("Name") && typeof e[1] === "string",
  );
  if (names.length === 0) return undefined;
  const found = ctx.resources().find(
    (r) =>
      r.type.toLowerCase() === type &&
      names.every(([k, v]) => {
        const own = r.inputs[k] ?? r.outputs[k];
        return typeof own === "string" ? own === v : r.outputs.name === v;
      }),
  );
  return found?.outputs;
}
