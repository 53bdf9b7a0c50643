/**
 * How an azure-native resource is named in ARM: the provider namespace and type segment of its
 * id, the path of a child resource below its parent, and which input holds its physical name,
 * so a mocked id is the id Azure would return and matches the ids other resources name in
 * their inputs.
 */
import type { Props } from "./mock-values";

/** ARM provider namespace and resource type segment for an azure-native type token. */
export const armTypes: Record<string, [string, string]> = {
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
export const armNamespaces: Record<string, string> = {
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
export const armChildPaths: Record<string, [string, string]> = {
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
export function pluralSegment(kind: string): string {
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
export function physicalName(type: string, name: string, inputs: Props): string {
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
