/**
 * A program that needs what a preview gets from Azure and from other stacks: storage account
 * keys (an invoke), a generated password, a StackReference's outputs, an existing resource read
 * by id, and (with `team-data:readVaultSecret`) a Key Vault secret the mocks do not know; with
 * `team-data:replicaGroup`, a group placed by an output the mocks leave undefined.
 */
import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as resources from "@pulumi/azure-native/resources";
import * as storage from "@pulumi/azure-native/storage";
import * as random from "@pulumi/random";

const config = new pulumi.Config();
const network = new pulumi.StackReference("acme/network/dev");

const account = new storage.StorageAccount("data", {
  resourceGroupName: "team-data-rg",
  accountName: "teamdatadev",
  kind: "StorageV2",
  sku: { name: "Standard_LRS" },
});
const keys = storage.listStorageAccountKeysOutput({
  resourceGroupName: "team-data-rg",
  accountName: account.name,
});
const password = new random.RandomPassword("db", { length: 24, special: false });
const shared = storage.StorageAccount.get(
  "shared",
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/shared-rg/providers/Microsoft.Storage/storageAccounts/sharedlogs",
);

export const keyNames = keys.keys.apply((k) => k.map((x) => x.keyName));
export const keyLength = keys.keys.apply((k) => k[0].value.length);
export const passwordLength = password.result.apply((p) => p.length);
export const vnetId = network.getOutput("vnetId");
export const sharedName = shared.name;
export const blobEndpoint = account.primaryEndpoints.blob;
export const vaultSecret = config.getBoolean("readVaultSecret")
  ? keyvault.getSecretOutput({
      resourceGroupName: "team-data-rg",
      vaultName: "team-data-kv",
      secretName: "db",
    }).properties.value
  : null;
/** With `team-data:fail`, the program fails after registering resources: no partial plan. */
export const failure = config.getBoolean("fail")
  ? account.name.apply((n): string => {
      throw new Error(`the data team's program failed after creating ${n}`);
    })
  : null;
if (config.getBoolean("replicaGroup")) {
  new resources.ResourceGroup("replica", {
    resourceGroupName: "team-data-replica",
    location: account.secondaryLocation.apply((l) => l.toLowerCase()),
  });
}
