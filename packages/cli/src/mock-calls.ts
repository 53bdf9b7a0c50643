/**
 * The provider functions (invokes) a program calls, answered as the providers answer them: the
 * deployer's client config, the tenant's domains, and the keys, SAS tokens, publishing
 * credentials and callback URLs of the resources it creates, each a deterministic fake; a
 * `get<Kind>` of a resource the program creates reads back what was planned for it.
 */
import { type MockContext, defaultLocation } from "./mock-context";
import { BCRYPT_ALPHABET, type Props, guidFor, secretFor, str, textFor } from "./mock-values";

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
