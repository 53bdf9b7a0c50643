import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as random from "@pulumi/random";
import * as storage from "@pulumi/azure-native/storage";
import * as web from "@pulumi/azure-native/web";
import {
  INGRESS_TAG,
  TYPES,
  type ServiceNode,
  describeIngress,
  siteName,
  storageAccountName,
} from "@service-edges/contract";
import { accessRestrictionsOf } from "./access-restrictions";

/** Storage Blob Data Owner: what the Functions host needs on AzureWebJobsStorage. */
const STORAGE_BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";

export interface CalleeAuth {
  tenantId: pulumi.Input<string>;
  /** The callee application's client id (Easy Auth registration, v2 `aud`). */
  clientId: pulumi.Input<string>;
  identifierUri: pulumi.Input<string>;
  /** Client ids of every caller with an edge to this service. */
  allowedClientIds: pulumi.Input<string>[];
}

export interface ServiceHostArgs {
  service: ServiceNode;
  namePrefix: string;
  location: string;
  resourceGroupName: pulumi.Input<string>;
  /** The user-assigned identity attached to the app. */
  identityId: pulumi.Input<string>;
  identityClientId: pulumi.Input<string>;
  identityPrincipalId: pulumi.Input<string>;
  /** Caller side: this service's integration subnet. */
  subnetId?: pulumi.Input<string>;
  /** Callee side: one Allow rule per caller, by caller name, on that caller's subnet. */
  allowedSubnets?: ReadonlyArray<{ caller: string; subnetId: pulumi.Input<string> }>;
  /** App settings the service's code reads (token audience, allowed callers, ...). */
  appSettings: Record<string, pulumi.Input<string>>;
  /** Callee with `easyAuth: true`: platform-side token check. */
  easyAuth?: CalleeAuth;
  /** Ranges (build agents) allowed to reach its SCM (deployment) site. */
  scmAllowedRanges?: readonly string[];
}

/**
 * A service's compute: its own App Service plan (so its outbound addresses are its own) and its
 * web or Function app, with the caller side (VNet integration) and the callee side (access
 * restrictions, Easy Auth) that the graph gives it.
 */
export class ServiceHost extends pulumi.ComponentResource {
  readonly plan: web.AppServicePlan;
  readonly app: web.WebApp;
  readonly defaultHostName: pulumi.Output<string>;

  constructor(name: string, args: ServiceHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPES.host, name, {}, opts);
    const { service } = args;
    const physical = siteName(args.namePrefix, service.name);
    const sku = service.sku;
    // Premium plans scale out automatically up to maximumElasticWorkerCount; that ceiling is what
    // the integration subnet is sized for. Elastic Premium always scales elastically, so its
    // plan never sends elasticScaleEnabled (always true there: hashicorp/terraform-provider-azurerm
    // #24770). Automatic scaling does not support Function apps on dedicated plans (MS Learn,
    // "Automatic scaling in Azure App Service", FAQ): those run at maxInstances, a fixed
    // capacity. Basic and Standard web apps scale only as far as told.
    const automaticScaling = sku.family.startsWith("Premium") && service.kind === "app";
    const fixedScale = !sku.elastic && service.kind === "function";
    this.plan = new web.AppServicePlan(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        name: physical,
        location: args.location,
        kind: sku.elastic ? "elastic" : "linux",
        reserved: true,
        sku: { name: sku.name, tier: sku.tier, capacity: fixedScale ? service.maxInstances : 1 },
        ...(automaticScaling
          ? { elasticScaleEnabled: true, maximumElasticWorkerCount: service.maxInstances }
          : sku.elastic
            ? { maximumElasticWorkerCount: service.maxInstances }
            : {}),
      },
      { parent: this },
    );

    const settings: Record<string, pulumi.Input<string>> = {
      ...service.appSettings,
      ...args.appSettings,
    };
    if (service.kind === "function") {
      Object.assign(settings, this.functionsStorage(name, args));
      settings.FUNCTIONS_EXTENSION_VERSION = "~4";
      settings.FUNCTIONS_WORKER_RUNTIME = service.runtime.workerRuntime!;
    }
    this.app = new web.WebApp(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        name: physical,
        location: args.location,
        kind: service.kind === "function" ? "functionapp,linux" : "app,linux",
        serverFarmId: this.plan.id,
        httpsOnly: true,
        identity: {
          type: "UserAssigned",
          userAssignedIdentities: [args.identityId],
        },
        keyVaultReferenceIdentity: args.identityId,
        // Service-endpoint rules only apply to public ingress, so it stays enabled; a private
        // endpoint would bypass every rule below.
        publicNetworkAccess: "Enabled",
        // Declared ingress, for reviewers, the policy pack and audits reading the site in Azure.
        ...(service.ingress.kind !== "none"
          ? { tags: { [INGRESS_TAG]: describeIngress(service.ingress).slice(0, 256) } }
          : {}),
        ...(args.subnetId
          ? {
              virtualNetworkSubnetId: args.subnetId,
              // All outbound traffic leaves through the integration subnet, so callees see it
              // arriving from this subnet over the Microsoft.Web service endpoint.
              outboundVnetRouting: { applicationTraffic: true },
            }
          : {}),
        siteConfig: {
          linuxFxVersion: service.runtime.linuxFxVersion,
          minTlsVersion: "1.2",
          scmMinTlsVersion: "1.2",
          ftpsState: "Disabled",
          http20Enabled: true,
          alwaysOn: !sku.elastic,
          ...(sku.elastic ? { functionAppScaleLimit: service.maxInstances } : {}),
          appSettings: Object.keys(settings)
            .sort()
            .map((k) => ({ name: k, value: settings[k] })),
          ...accessRestrictionsOf(service, args.allowedSubnets ?? [], args.scmAllowedRanges ?? []),
        },
      },
      { parent: this },
    );
    this.defaultHostName = this.app.defaultHostName;

    // Basic (user name and password) publishing off, on FTP and on the SCM site: deployments
    // authenticate with Entra, never with a shared credential that bypasses the identity layer.
    for (const Policy of [web.WebAppFtpAllowed, web.WebAppScmAllowed]) {
      new Policy(
        name,
        { resourceGroupName: args.resourceGroupName, name: this.app.name, allow: false },
        { parent: this },
      );
    }

    if (args.easyAuth) {
      const auth = args.easyAuth;
      new web.WebAppAuthSettingsV2(
        name,
        {
          resourceGroupName: args.resourceGroupName,
          name: this.app.name,
          platform: { enabled: true },
          globalValidation: {
            requireAuthentication: true,
            // An API answers 401; a redirect to a login page means nothing to a calling service.
            unauthenticatedClientAction: "Return401",
          },
          identityProviders: {
            azureActiveDirectory: {
              enabled: true,
              registration: {
                clientId: auth.clientId,
                openIdIssuer: pulumi.interpolate`https://login.microsoftonline.com/${auth.tenantId}/v2.0`,
              },
              validation: {
                allowedAudiences: [auth.identifierUri, auth.clientId],
                // Easy Auth checks the caller's client id, not its roles.
                defaultAuthorizationPolicy: { allowedApplications: auth.allowedClientIds },
              },
            },
          },
          login: { tokenStore: { enabled: false } },
        },
        { parent: this },
      );
    }
    this.registerOutputs({
      planId: this.plan.id,
      appId: this.app.id,
      defaultHostName: this.defaultHostName,
    });
  }

  /** Identity-based AzureWebJobsStorage: no account key in app settings. */
  private functionsStorage(
    name: string,
    args: ServiceHostArgs,
  ): Record<string, pulumi.Input<string>> {
    const account = new storage.StorageAccount(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        accountName: storageAccountName(args.namePrefix, args.service.name),
        location: args.location,
        kind: "StorageV2",
        sku: { name: "Standard_LRS" },
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: false,
        minimumTlsVersion: "TLS1_2",
        enableHttpsTrafficOnly: true,
      },
      { parent: this },
    );
    const assignmentName = new random.RandomUuid(`${name}.storage`, {}, { parent: this });
    new authorization.RoleAssignment(
      name,
      {
        roleAssignmentName: assignmentName.result,
        scope: account.id,
        principalId: args.identityPrincipalId,
        principalType: "ServicePrincipal",
        roleDefinitionId: account.id.apply(
          (id) =>
            `/subscriptions/${id.split("/")[2]}/providers/Microsoft.Authorization/roleDefinitions/${STORAGE_BLOB_DATA_OWNER}`,
        ),
      },
      { parent: this },
    );
    return {
      AzureWebJobsStorage__accountName: account.name,
      AzureWebJobsStorage__credential: "managedidentity",
      AzureWebJobsStorage__clientId: args.identityClientId,
    };
  }
}
