/**
 * What Azure computes for an azure-native resource on creation: host names, endpoints,
 * instrumentation keys, system-assigned identities' principals, addresses. Each is derived from
 * the resource's physical name, id or URN, in the form the service returns it.
 */
import { createHash } from "node:crypto";
import { locationOf, type MockContext } from "./mock-context";
import { type Props, guidBytes, guidFor, obj, publicIp, str, textFor } from "./mock-values";

/**
 * What Azure computes for an azure-native resource on creation (host names, endpoints, keys'
 * ids, system-assigned identities, addresses), as a deployment returns it. Inputs stay as given.
 */
export function computedAzure(
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
