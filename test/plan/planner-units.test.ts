/**
 * The planner's parts without a process: the mocks' outputs and invokes, reading a project's
 * and a stack's config, the key and region checks, the progress line.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  configIssues,
  didYouMean,
  isAzureRegion,
  knownKeys,
} from "@service-edges/cli/config-check";
import { stackSchema } from "@service-edges/contract/stack-schema";
import { mockCall, mockContext, mockOutputs } from "@service-edges/cli/mock-outputs";
import { startProgress } from "@service-edges/cli/progress";
import {
  UsageError,
  defaultStack,
  findProject,
  readStackConfig,
  withProjectDefaults,
} from "@service-edges/cli/stack-config";

const ctx = mockContext("test");
const SUB = `/subscriptions/${ctx.subscriptionId}`;
const out = (type: string, name: string, inputs: Record<string, unknown>) =>
  mockOutputs(ctx, { type, name, urn: `urn:pulumi:test::p::${type}::${name}`, inputs });

describe("mock outputs like a deployment's", () => {
  it("gives a slot its own ARM id and host name under its site", () => {
    const r = out("azure-native:web:WebAppSlot", "staging", {
      resourceGroupName: "rg",
      name: "orders",
      slot: "staging",
    });
    assert.equal(
      r.id,
      `${SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/orders/slots/staging`,
    );
    assert.equal(r.state.defaultHostName, "orders-staging.azurewebsites.net");
  });

  it("gives containers and blobs their ids under the account", () => {
    const account = `${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct`;
    const c = out("azure-native:storage:BlobContainer", "c", {
      resourceGroupName: "rg",
      accountName: "acct",
      containerName: "deployments",
    });
    assert.equal(c.id, `${account}/blobServices/default/containers/deployments`);
    const b = out("azure-native:storage:Blob", "b", {
      resourceGroupName: "rg",
      accountName: "acct",
      containerName: "deployments",
      blobName: "app.zip",
    });
    assert.equal(b.id, `${account}/blobServices/default/containers/deployments/blobs/app.zip`);
    assert.equal(b.state.url, "https://acct.blob.core.windows.net/deployments/app.zip");
  });

  it("gives a private DNS zone group the A records it writes", () => {
    const zone = `${SUB}/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/privatelink.azurewebsites.net`;
    const r = out("azure-native:network:PrivateDnsZoneGroup", "g", {
      resourceGroupName: "rg",
      privateEndpointName: "billing-pe",
      privateDnsZoneConfigs: [{ name: "sites", privateDnsZoneId: zone }],
    });
    const configs = r.state.privateDnsZoneConfigs as Array<{
      recordSets: Array<Record<string, unknown>>;
    }>;
    assert.equal(configs[0].recordSets[0].fqdn, "billing-pe.privatelink.azurewebsites.net");
    assert.equal(configs[0].recordSets[0].recordType, "A");
    assert.match(
      String((configs[0].recordSets[0].ipAddresses as string[])[0]),
      /^10\.\d+\.\d+\.\d+$/,
    );
  });

  it("gives random strings and passwords a result of the requested length and classes", () => {
    const s = out("random:index/randomString:RandomString", "s", {
      length: 16,
      special: false,
      upper: false,
    });
    assert.match(String(s.state.result), /^[a-z0-9]{16}$/);
    assert.equal(s.id, s.state.result);
    const p = out("random:index/randomPassword:RandomPassword", "p", { length: 32, minSpecial: 3 });
    assert.equal(String(p.state.result).length, 32);
    assert.ok(String(p.state.result).replace(/[A-Za-z0-9]/g, "").length >= 3);
    assert.deepEqual(
      out("random:index/randomPassword:RandomPassword", "p", { length: 32, minSpecial: 3 }),
      p,
      "deterministic",
    );
  });
});

describe("mock invokes like a preview's", () => {
  it("answers the client config, storage keys and SAS, registry and publishing credentials, domains", () => {
    assert.equal(
      mockCall(ctx, "azure-native:authorization:getClientConfig")?.subscriptionId,
      ctx.subscriptionId,
    );
    assert.equal(
      mockCall(ctx, "azuread:index/getClientConfig:getClientConfig")?.tenantId,
      ctx.tenantId,
    );
    const keys = mockCall(ctx, "azure-native:storage:listStorageAccountKeys", {
      resourceGroupName: "rg",
      accountName: "acct",
    })?.keys as Array<{ keyName: string; value: string }>;
    assert.deepEqual(
      keys.map((k) => k.keyName),
      ["key1", "key2"],
    );
    assert.notEqual(keys[0].value, keys[1].value);
    assert.match(
      String(
        mockCall(ctx, "azure-native:storage:listStorageAccountSAS", { accountName: "a" })
          ?.accountSasToken,
      ),
      /^sv=.*&sig=/,
    );
    assert.match(
      String(
        mockCall(ctx, "azure-native:storage:listStorageAccountServiceSAS", { accountName: "a" })
          ?.serviceSasToken,
      ),
      /^sv=.*&sig=/,
    );
    const acr = mockCall(ctx, "azure-native:containerregistry:listRegistryCredentials", {
      registryName: "acr1",
    });
    assert.equal(acr?.username, "acr1");
    assert.equal((acr?.passwords as unknown[]).length, 2);
    const pub = mockCall(ctx, "azure-native:web:listWebAppPublishingCredentials", {
      resourceGroupName: "rg",
      name: "orders",
    });
    assert.equal(pub?.publishingUserName, "$orders");
    assert.match(String(pub?.scmUri), /^https:\/\/\$orders:.+@orders\.scm\.azurewebsites\.net$/);
    const domains = mockCall(ctx, "azuread:index/getDomains:getDomains")?.domains as Array<
      Record<string, unknown>
    >;
    assert.match(String(domains[0].domainName), /^[a-z]+\.onmicrosoft\.com$/);
    assert.equal(domains[0].initial, true);
  });

  it("knows nothing of an invoke it was not taught", () => {
    assert.equal(mockCall(ctx, "azure-native:keyvault:getSecret"), undefined);
  });
});

describe("a project's and a stack's config", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "service-edges-project-"));
  fs.writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    "name: shop\nruntime: nodejs\nconfig:\n  size:\n    type: string\n    default: small\n  region:\n    type: string\n  aws:region: eu-west-1\n",
  );
  fs.mkdirSync(path.join(dir, "src"), { recursive: true });
  const stack = path.join(dir, "Pulumi.prod.yaml");
  fs.writeFileSync(
    stack,
    "config:\n  shop:region: north\n  shop:db:\n    host: db\n    password:\n      secure: v1:abc\n  shop:config:legacy: x\n",
  );

  it("finds the nearest Pulumi.yaml and its only stack", () => {
    const project = findProject(path.join(dir, "src", "index.ts"));
    assert.equal(project?.name, "shop");
    assert.equal(defaultStack(dir), "prod");
  });

  it("hides secure: values (nested too), marks them secret, applies the project's defaults", () => {
    const project = findProject(dir)!;
    const c = withProjectDefaults(readStackConfig(stack, undefined, { project: "shop" }), project);
    assert.deepEqual(c.values, {
      "shop:size": "small",
      "aws:region": "eu-west-1",
      "shop:region": "north",
      "shop:db": { host: "db", password: "[secret]" },
      "shop:legacy": "x",
    });
    assert.deepEqual(c.secretKeys, ["shop:db"]);
    assert.equal(c.stack, "prod");
  });

  it("refuses a stack that leaves a declared key unset", () => {
    const empty = path.join(dir, "Pulumi.empty.yaml");
    fs.writeFileSync(empty, "config: {}\n");
    assert.throws(
      () => withProjectDefaults(readStackConfig(empty), findProject(dir)!),
      (e: unknown) =>
        e instanceof UsageError && /missing configuration value 'shop:region'/.test(e.message),
    );
  });
});

describe("the planner's key and region checks", () => {
  it("accepts Azure's names in any spelling ARM accepts, and suggests the nearest", () => {
    for (const l of ["westeurope", "West Europe", "SwedenCentral", "eastus2"])
      assert.ok(isAzureRegion(l), l);
    assert.ok(!isAzureRegion("westeurop"));
    assert.equal(didYouMean("westeurop", ["westeurope", "northeurope"]), "westeurope");
    assert.equal(didYouMean("zzzzzz", ["edges", "services"]), undefined);
  });

  it("says nothing on a clean config and names each unknown key", () => {
    assert.deepEqual(
      configIssues({ "azure-native:location": "westeurope", "service-edges:edges": [] }),
      [],
    );
    const issues = configIssues({ "service-edges:service": {}, "other:anything": 1 });
    assert.deepEqual(
      issues.map((i) => [i.path, i.fix]),
      [["service-edges:service", "did you mean service-edges:services? Rename it"]],
    );
  });

  it("knows the keys the stack schema describes, no more and no fewer", () => {
    const schema = stackSchema() as {
      properties: { config: { properties: Record<string, unknown> } };
    };
    const described = Object.keys(schema.properties.config.properties)
      .filter((k) => k.startsWith("service-edges:"))
      .map((k) => k.slice("service-edges:".length));
    assert.deepEqual([...knownKeys()].sort(), described.sort());
  });
});

describe("the progress line", () => {
  it("shows the count on a terminal and clears it at the end", async () => {
    const written: string[] = [];
    const stop = startProgress(
      () => 42,
      { isTTY: true, write: (s) => written.push(s) },
      { delayMs: 0, intervalMs: 5 },
    );
    await new Promise((r) => setTimeout(r, 30));
    stop();
    assert.match(written[0], /planning: 42 resources registered so far/);
    assert.equal(written[written.length - 1], "\r\x1b[K");
  });

  it("writes nothing where stderr is not a terminal, nor for quick plans", async () => {
    const written: string[] = [];
    startProgress(() => 1, { isTTY: false, write: (s) => written.push(s) }, { delayMs: 0 })();
    const stop = startProgress(
      () => 1,
      { isTTY: true, write: (s) => written.push(s) },
      { delayMs: 1000 },
    );
    stop();
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(written, []);
  });
});
