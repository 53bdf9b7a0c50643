import * as pulumi from "@pulumi/pulumi";
import * as local from "@pulumi/command/local";
import * as authorization from "@pulumi/azure-native/authorization";
import * as random from "@pulumi/random";
import * as storage from "@pulumi/azure-native/storage";
import * as web from "@pulumi/azure-native/web";
import {
  INGRESS_TAG,
  SHADOW_UNTIL_TAG,
  TYPES,
  type ServiceNode,
  describeIngress,
  siteName,
  storageAccountName,
} from "@service-edges/contract";
import { accessRestrictionsOf } from "./access-restrictions";

/**
 * Built-in role ids (MS Learn, "Azure built-in roles", Storage). The Functions host uses blobs,
 * queues and tables on AzureWebJobsStorage (AZFD0003: it needs all three with an identity); an
 * app that runs from a package only reads the blob.
 */
const STORAGE_ROLES = {
  blobOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  queueContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  tableContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  blobReader: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
} as const;
/**
 * What deleting a caller's disconnect step runs: the DELETE of the site's Regional VNet
 * Integration (App Service REST API, "Web Apps - Delete Swift Virtual Network", which answers 404
 * when there is none). The site itself is deleted after it, with a plain DELETE that never
 * disconnects (pulumi/pulumi-azure-native provider/pkg/resources/customresources/
 * custom_webapp_delete.go), and an app deleted while integrated can leave its subnet locked (MS
 * Learn, "Integrate your app with an Azure virtual network"). azure-native's own
 * WebAppSwiftVirtualNetworkConnection cannot take this role for a site integrated through
 * `virtualNetworkSubnetId`: its create refuses a connection that already exists in a non-default
 * state (azure-native provider/pkg/azure/client_azcore.go CanCreate, defaultResourcesState.go).
 *
 * Only the site or its integration being gone counts as done. MS Learn ("Resolve errors for
 * resource not found") names the two codes for a resource that can't be found: `ResourceNotFound`
 * (Resource Manager: "The Resource 'Microsoft.Web/sites/…' under resource group … was not
 * found") and `NotFound` (the resource provider's own, e.g. "Cannot find ServerFarm with name
 * …"). A missing resource group or subscription answers 404 too, with `ResourceGroupNotFound` or
 * `SubscriptionNotFound`: then the id names somewhere else than the site (a wrong or moved
 * subscription, a CLI logged in to another one), nothing was disconnected, and deleting the site
 * next could leave its subnet locked — so the step fails and says why. `az rest` prints the
 * response body after its reason ("Not Found({"error":{"code":…}})"): the code is matched
 * exactly, never as a substring.
 */
export const DISCONNECT_SCRIPT = [
  'out=$(az rest --method delete --url "$SITE_ID/networkConfig/virtualNetwork?api-version=2024-04-01" 2>&1) && exit 0',
  `printf '%s' "$out" | grep -Eq '"[Cc]ode" *: *"(ResourceNotFound|NotFound)"' && exit 0`,
  'echo "$out" >&2; exit 1',
].join("\n");

/** The container the package deploy mode runs from, and each service's blob in it. */
export const PACKAGE_CONTAINER = "deployments";

export interface CalleeAuth {
  tenantId: pulumi.Input<string>;
  /** The callee application's client id (Easy Auth registration, v2 `aud`). */
  clientId: pulumi.Input<string>;
  identifierUri: pulumi.Input<string>;
  /** Client ids of every caller with an edge to this service. */
  allowedClientIds: pulumi.Input<string>[];
  /** easyAuth in config: off keeps the settings, disabled. */
  enabled: boolean;
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
  /** Callee: its Easy Auth settings, on or off (platform-side token check). */
  easyAuth?: CalleeAuth;
  /** Ranges (build agents) allowed to reach its SCM (deployment) site. */
  scmAllowedRanges?: readonly string[];
  /** Its Front Door profile's id when the args passed an Output (else the graph's, if any). */
  frontDoorId?: pulumi.Input<string>;
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
    const storageAccess = this.hostStorage(name, args, settings);
    if (service.kind === "function") {
      settings.FUNCTIONS_EXTENSION_VERSION = "~4";
      settings.FUNCTIONS_WORKER_RUNTIME = service.runtime.workerRuntime!;
    }
    // Written here, so an edge change (which rewrites every setting) never drops them.
    if (service.deploy === "zip") settings.WEBSITE_RUN_FROM_PACKAGE = "1";

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
        ...siteTags(service),
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
          ...accessRestrictionsOf(
            service,
            args.allowedSubnets ?? [],
            args.scmAllowedRanges ?? [],
            args.frontDoorId,
          ),
        },
      },
      // The host reads its storage with its identity from the first start: grant it first.
      { parent: this, dependsOn: storageAccess },
    );
    this.defaultHostName = this.app.defaultHostName;

    // A caller's disconnect step: nothing on create (virtualNetworkSubnetId integrates the site);
    // on delete — retiring the service, or pulumi destroy — it disconnects the site before the
    // site is deleted, because it depends on the site and deletes run in reverse dependency order.
    if (args.subnetId) {
      new local.Command(
        `${name}.disconnect`,
        {
          delete: DISCONNECT_SCRIPT,
          interpreter: ["/bin/sh", "-c"],
          environment: { SITE_ID: this.app.id },
        },
        { parent: this },
      );
    }

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
      const on: Omit<web.WebAppAuthSettingsV2Args, "name" | "resourceGroupName"> = {
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
      };
      // Off is written, not forgotten: the PUT of `platform.enabled: false` alone turns it off,
      // and edge changes never touch it.
      new web.WebAppAuthSettingsV2(
        name,
        {
          resourceGroupName: args.resourceGroupName,
          name: this.app.name,
          platform: { enabled: auth.enabled },
          ...(auth.enabled ? on : {}),
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

  /**
   * The service's storage account, when it needs one: identity-based AzureWebJobsStorage for a
   * Function app (no account key anywhere), and the package container for `deploy: package`.
   * Writes the settings that point at it; returns the role assignments the app must wait for.
   */
  private hostStorage(
    name: string,
    args: ServiceHostArgs,
    settings: Record<string, pulumi.Input<string>>,
  ): authorization.RoleAssignment[] {
    const { service } = args;
    const isFunction = service.kind === "function";
    const isPackage = service.deploy === "package";
    if (!isFunction && !isPackage) return [];
    const account = new storage.StorageAccount(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        accountName: storageAccountName(args.namePrefix, service.name),
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
    const grant = (suffix: string, role: string) => {
      // The first grant keeps its 0.1 name; the others are named by what they grant.
      const local = suffix === "storage" ? name : `${name}.${suffix}`;
      const id = new random.RandomUuid(`${name}.${suffix}`, {}, { parent: this });
      return new authorization.RoleAssignment(
        local,
        {
          roleAssignmentName: id.result,
          scope: account.id,
          principalId: args.identityPrincipalId,
          principalType: "ServicePrincipal",
          roleDefinitionId: account.id.apply(
            (accountId) =>
              `/subscriptions/${accountId.split("/")[2]}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
          ),
        },
        { parent: this },
      );
    };
    const grants = isFunction
      ? [
          grant("storage", STORAGE_ROLES.blobOwner),
          grant("queue", STORAGE_ROLES.queueContributor),
          grant("table", STORAGE_ROLES.tableContributor),
        ]
      : [grant("storage", STORAGE_ROLES.blobReader)];
    if (isFunction) {
      settings.AzureWebJobsStorage__accountName = account.name;
      settings.AzureWebJobsStorage__credential = "managedidentity";
      settings.AzureWebJobsStorage__clientId = args.identityClientId;
    }
    if (isPackage) {
      new storage.BlobContainer(
        `${name}.${PACKAGE_CONTAINER}`,
        {
          resourceGroupName: args.resourceGroupName,
          accountName: account.name,
          containerName: PACKAGE_CONTAINER,
          publicAccess: "None",
        },
        { parent: this },
      );
      // Run from the blob, read with the user-assigned identity (MS Learn, "Run your functions
      // from a package file": WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID).
      settings.WEBSITE_RUN_FROM_PACKAGE = pulumi.interpolate`https://${account.name}.blob.core.windows.net/${PACKAGE_CONTAINER}/${service.name}.zip`;
      settings.WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID = args.identityId;
    }
    return grants;
  }
}

/**
 * Declared ingress and the last day of shadow, for reviewers, the policy pack and audits reading
 * the site in Azure; no tags at all when there is neither (as before either existed).
 */
function siteTags(service: ServiceNode): { tags?: Record<string, string> } {
  const tags: Record<string, string> = {};
  if (service.ingress.kind !== "none")
    tags[INGRESS_TAG] = describeIngress(service.ingress).slice(0, 256);
  if (service.shadowUntil) tags[SHADOW_UNTIL_TAG] = service.shadowUntil;
  return Object.keys(tags).length > 0 ? { tags } : {};
}
