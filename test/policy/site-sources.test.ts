/**
 * Every way a stack can write a mesh site's inbound settings or reach it with a private endpoint
 * is judged as `WebApp` is, or refused when the pack cannot read it: the classic provider
 * (`@pulumi/azure`), a generic ARM resource (`azure-native:resources:Resource`), the resources of
 * an in-line ARM template, and what it cannot read (a linked template, an expression, a script).
 * One clean setup and one mutation per path.
 */
import type { OfflineResource } from "@service-edges/policy/offline";
import {
  BILLING_APP_ID,
  ORDERS_PLAN_ID,
  ORDERS_SUBNET_ID,
  RG,
  SUB,
  baseline,
  mutate,
  plus,
  resource,
  urn,
} from "./fixtures";
import { assertHasViolation, assertNoViolation } from "./helpers";

const DENY = "mesh-site-default-deny";
const PE = "no-private-endpoint-callee";
const READABLE = "mesh-site-changes-readable";

function v(policy: string, type: string, name: string, message: string) {
  return { policy, enforcementLevel: "mandatory" as const, urn: urn(type, name), message };
}

/** A classic Linux web app "ledger" that admits orders' subnet: a mesh site. */
function classicLedger(siteConfig: Record<string, unknown>) {
  return resource("azure:appservice/linuxWebApp:LinuxWebApp", "ledger-app", {
    resourceGroupName: RG,
    name: "app-ledger",
    servicePlanId: `${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/serverfarms/plan-ledger`,
    siteConfig: {
      ipRestrictions: [
        {
          name: "orders",
          action: "Allow",
          priority: 100,
          virtualNetworkSubnetId: ORDERS_SUBNET_ID,
        },
      ],
      ...siteConfig,
    },
  });
}

const CLASSIC_CLOSED = { ipRestrictionDefaultAction: "Deny", scmUseMainIpRestriction: true };

/** A generic ARM resource under billing: `Microsoft.Web/sites/app-billing/{type}/{name}`. */
function generic(name: string, type: string, resourceName: string, properties: object) {
  return resource("azure-native:resources:Resource", name, {
    resourceGroupName: RG,
    resourceProviderNamespace: "Microsoft.Web",
    parentResourcePath: "sites/app-billing",
    resourceType: type,
    resourceName,
    apiVersion: "2023-12-01",
    properties,
  });
}

/** An in-line ARM template deployment into the mesh's resource group. */
function deployment(template: object, parameters: object = {}) {
  return resource("azure-native:resources:Deployment", "ledger-template", {
    resourceGroupName: RG,
    properties: {
      mode: "Incremental",
      parameters,
      template: { contentVersion: "1.0.0.0", ...template },
    },
  });
}

/** Bicep's shape: a site named by a parameter, its configuration as a nested child. */
function bicepLedger(config: object): OfflineResource {
  return deployment(
    {
      parameters: { site: { type: "string", defaultValue: "app-other" } },
      resources: [
        {
          type: "Microsoft.Web/sites",
          apiVersion: "2023-12-01",
          name: "[parameters('site')]",
          properties: { serverFarmId: `${ORDERS_PLAN_ID}-ledger` },
          resources: [
            {
              type: "config",
              apiVersion: "2023-12-01",
              name: "web",
              properties: {
                ipSecurityRestrictions: [
                  { action: "Allow", priority: 100, vnetSubnetResourceId: ORDERS_SUBNET_ID },
                ],
                scmIpSecurityRestrictionsUseMain: true,
                ...config,
              },
            },
          ],
        },
      ],
    },
    { site: { value: "app-ledger" } },
  );
}

/** billing joined into orders' subnet by a classic swift connection: two plans in one subnet. */
const SWIFT_JOIN = {
  policy: "distinguishable-callers",
  enforcementLevel: "mandatory" as const,
  urn: urn("azure-native:network:VirtualNetwork", "mesh-vnet"),
  message:
    `VirtualNetwork "mesh-vnet" subnet "snet-orders" is the integration subnet of 2 App Service ` +
    `plans (AppServicePlan "billing-plan", AppServicePlan "orders-plan"): a callee's subnet rule ` +
    `admits all of them at once. Fix: give each plan its own integration subnet.`,
};

describe("sites, slots and endpoints however they are written", () => {
  describe("the classic provider (@pulumi/azure)", () => {
    it("passes a closed LinuxWebApp mesh site", () =>
      assertNoViolation(plus(baseline(), classicLedger(CLASSIC_CLOSED)), DENY));

    it("refuses it without ipRestrictionDefaultAction (the provider's default is Allow)", () =>
      assertHasViolation(
        plus(baseline(), classicLedger({ scmUseMainIpRestriction: true })),
        v(
          DENY,
          "azure:appservice/linuxWebApp:LinuxWebApp",
          "ledger-app",
          `LinuxWebApp "ledger-app" has subnet access rules but its unmatched-traffic action ` +
            `(siteConfig.ipRestrictionDefaultAction) is "Allow", so callers outside the admitted ` +
            `subnets get through. Fix: set siteConfig.ipRestrictionDefaultAction to "Deny".`,
        ),
      ));

    it("refuses a deprecated AppService mesh site, which cannot set a default action", () =>
      assertHasViolation(
        plus(
          baseline(),
          resource("azure:appservice/appService:AppService", "ledger-app", {
            resourceGroupName: RG,
            name: "app-ledger",
            siteConfig: {
              ipRestrictions: [{ virtualNetworkSubnetId: ORDERS_SUBNET_ID, priority: 100 }],
              scmUseMainIpRestriction: true,
            },
          }),
        ),
        v(
          DENY,
          "azure:appservice/appService:AppService",
          "ledger-app",
          `AppService "ledger-app" has subnet access rules but its unmatched-traffic action ` +
            `(siteConfig.ipRestrictionDefaultAction) is unset, so refusing callers outside the ` +
            `admitted subnets rests on an implicit platform default. Fix: set ` +
            `siteConfig.ipRestrictionDefaultAction to "Deny". (AppService is deprecated and has ` +
            `no ipRestrictionDefaultAction: replace it with LinuxWebApp or WindowsWebApp ` +
            `(LinuxFunctionApp, WindowsFunctionApp, or their slot types), which have it.)`,
        ),
      ));

    it("refuses a multi-tenant service tag in a classic rule (serviceTag)", () =>
      assertHasViolation(
        plus(
          baseline(),
          mutate([classicLedger(CLASSIC_CLOSED)], "ledger-app", (p) =>
            p.siteConfig.ipRestrictions.push({
              action: "Allow",
              priority: 200,
              serviceTag: "AppService.WestEurope",
            }),
          )[0],
        ),
        v(
          DENY,
          "azure:appservice/linuxWebApp:LinuxWebApp",
          "ledger-app",
          `LinuxWebApp "ledger-app" allows a broad service tag in siteConfig.ipRestrictions[1] ` +
            `(service tag "AppService.WestEurope"), which opens the site to every Azure ` +
            `customer's App Service and Function apps (the tag holds the shared outbound ` +
            `addresses of every tenant's apps) in that region. Fix: admit your caller by its ` +
            `integration subnet (virtualNetworkSubnetId), or put Front Door in front of the site ` +
            `and admit AzureFrontDoor.Backend with headers: { "X-Azure-FDID": ["<your profile's ` +
            `frontDoorId>"] }.`,
        ),
      ));

    it("reads the provider's state, where a rule's unused fields are empty strings", async () => {
      const rule = (r: object) => ({
        action: "Allow",
        priority: 100,
        name: "",
        ipAddress: "",
        serviceTag: "",
        virtualNetworkSubnetId: "",
        headers: [],
        ...r,
      });
      const site = (rules: object[]) =>
        resource("azure:appservice/linuxWebApp:LinuxWebApp", "ledger-app", {
          resourceGroupName: RG,
          name: "app-ledger",
          siteConfig: { ...CLASSIC_CLOSED, ipRestrictions: rules },
        });
      // A public site: an address rule is not a subnet rule, so it is no mesh site.
      await assertNoViolation(plus(baseline(), site([rule({ ipAddress: "0.0.0.0/0" })])));
      await assertHasViolation(
        plus(
          baseline(),
          site([
            rule({ virtualNetworkSubnetId: ORDERS_SUBNET_ID }),
            rule({ ipAddress: "0.0.0.0/0" }),
          ]),
        ),
        v(
          DENY,
          "azure:appservice/linuxWebApp:LinuxWebApp",
          "ledger-app",
          `LinuxWebApp "ledger-app" allows any source in siteConfig.ipRestrictions[1] (ipAddress ` +
            `"0.0.0.0/0"), which opens the site to every caller. Fix: remove that rule; admit ` +
            `callers only by their integration subnet (virtualNetworkSubnetId).`,
        ),
      );
    });

    it("passes a closed LinuxWebAppSlot of a mesh site, refuses an unrestricted one", async () => {
      const slot = (siteConfig: object) =>
        resource("azure:appservice/linuxWebAppSlot:LinuxWebAppSlot", "billing-staging", {
          name: "staging",
          appServiceId: BILLING_APP_ID,
          siteConfig,
        });
      await assertNoViolation(plus(baseline(), slot(CLASSIC_CLOSED)), DENY);
      const type = "azure:appservice/linuxWebAppSlot:LinuxWebAppSlot";
      await assertHasViolation(plus(baseline(), slot({})), [
        v(
          DENY,
          type,
          "billing-staging",
          `LinuxWebAppSlot "billing-staging" is a mesh site (a deployment slot of WebApp ` +
            `"billing-app") but its unmatched-traffic action (siteConfig.ipRestrictionDefaultAction) ` +
            `is "Allow", so every caller that matches no rule gets through. Fix: set ` +
            `siteConfig.ipRestrictionDefaultAction to "Deny", and admit each caller with a subnet ` +
            `rule (virtualNetworkSubnetId) for its integration subnet.`,
        ),
        v(
          DENY,
          type,
          "billing-staging",
          `LinuxWebAppSlot "billing-staging" leaves its SCM (Kudu) site open: ` +
            `scmUseMainIpRestriction is false and scmIpRestrictionDefaultAction is "Allow". Fix: ` +
            `set siteConfig.scmUseMainIpRestriction to true (or give the SCM site its own "Deny" ` +
            `default).`,
        ),
      ]);
    });

    it("passes a private endpoint to storage, refuses one to a site (privatelink.Endpoint)", async () => {
      const endpoint = (target: string, group: string) =>
        resource("azure:privatelink/endpoint:Endpoint", "billing-pe", {
          resourceGroupName: RG,
          name: "pe-billing",
          subnetId: `${ORDERS_SUBNET_ID}-endpoints`,
          privateServiceConnection: {
            name: "billing",
            isManualConnection: false,
            privateConnectionResourceId: target,
            subresourceNames: [group],
          },
        });
      const storage = `${SUB}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/st`;
      await assertNoViolation(plus(baseline(), endpoint(storage, "blob")), PE);
      await assertHasViolation(
        plus(baseline(), endpoint(BILLING_APP_ID, "sites")),
        v(
          PE,
          "azure:privatelink/endpoint:Endpoint",
          "billing-pe",
          `Endpoint "billing-pe" connects to App Service site "app-billing" through ` +
            `privateServiceConnection. App Service access restrictions and NSGs never filter ` +
            `traffic that arrives through a private endpoint, so every host with network line of ` +
            `sight to the endpoint could call the site. Fix: remove the private endpoint, and let ` +
            `callers reach the site on its public endpoint only once that endpoint is closed: ` +
            `ipSecurityRestrictionsDefaultAction "Deny", the SCM site restricted too, and subnet ` +
            `(vnetSubnetResourceId) rules that admit only the callers' integration subnets.`,
        ),
      );
    });

    it("counts a classic swift connection into a caller's subnet as that subnet's user", async () => {
      const swift = (siteId: string) =>
        resource(
          "azure:appservice/virtualNetworkSwiftConnection:VirtualNetworkSwiftConnection",
          "join",
          { appServiceId: siteId, subnetId: ORDERS_SUBNET_ID },
        );
      const ordersId = `${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/sites/app-orders`;
      await assertNoViolation(plus(baseline(), swift(ordersId)), "distinguishable-callers");
      await assertHasViolation(plus(baseline(), swift(BILLING_APP_ID)), SWIFT_JOIN);
    });
  });

  describe("a generic ARM resource (azure-native:resources:Resource)", () => {
    const config = (properties: object) =>
      generic("billing-web-config", "config", "web", {
        ipSecurityRestrictions: [
          { action: "Allow", priority: 100, vnetSubnetResourceId: ORDERS_SUBNET_ID },
        ],
        scmIpSecurityRestrictionsUseMain: true,
        ...properties,
      });

    it("passes a closed sites/config/web of a mesh site", () =>
      assertNoViolation(
        plus(baseline(), config({ ipSecurityRestrictionsDefaultAction: "Deny" })),
        DENY,
      ));

    it("refuses one that resets the default action to Allow", () =>
      assertHasViolation(
        plus(baseline(), config({ ipSecurityRestrictionsDefaultAction: "Allow" })),
        v(
          DENY,
          "azure-native:resources:Resource",
          "billing-web-config",
          `Resource "billing-web-config" (Microsoft.Web/sites/app-billing/config/web) has subnet ` +
            `access rules but its unmatched-traffic action ` +
            `(properties.ipSecurityRestrictionsDefaultAction) is "Allow", so callers outside the ` +
            `admitted subnets get through. Fix: set ` +
            `properties.ipSecurityRestrictionsDefaultAction to "Deny".`,
        ),
      ));

    it("judges a mesh site's configuration without subnet rules of its own as the site's", () =>
      assertHasViolation(
        plus(
          baseline(),
          generic("billing-web-config", "config", "web", {
            ipSecurityRestrictionsDefaultAction: "Deny",
            scmIpSecurityRestrictionsUseMain: false,
          }),
        ),
        v(
          DENY,
          "azure-native:resources:Resource",
          "billing-web-config",
          `Resource "billing-web-config" (Microsoft.Web/sites/app-billing/config/web) leaves its ` +
            `SCM (Kudu) site open: scmIpSecurityRestrictionsUseMain is false and ` +
            `scmIpSecurityRestrictionsDefaultAction is unset. Fix: set ` +
            `properties.scmIpSecurityRestrictionsUseMain to true (or give the SCM site its own ` +
            `"Deny" default).`,
        ),
      ));

    it("judges a site written as Microsoft.Web/sites: closed passes, Allow default refused", async () => {
      const site = (action: string) =>
        resource("azure-native:resources:Resource", "ledger-site", {
          resourceGroupName: RG,
          resourceProviderNamespace: "Microsoft.Web",
          parentResourcePath: "",
          resourceType: "sites",
          resourceName: "app-ledger",
          properties: {
            siteConfig: {
              ipSecurityRestrictions: [
                { action: "Allow", priority: 100, vnetSubnetResourceId: ORDERS_SUBNET_ID },
              ],
              ipSecurityRestrictionsDefaultAction: action,
              scmIpSecurityRestrictionsUseMain: true,
            },
          },
        });
      await assertNoViolation(plus(baseline(), site("Deny")));
      await assertHasViolation(
        plus(baseline(), site("Allow")),
        v(
          DENY,
          "azure-native:resources:Resource",
          "ledger-site",
          `Resource "ledger-site" (Microsoft.Web/sites/app-ledger) has subnet access rules but ` +
            `its unmatched-traffic action (properties.siteConfig.ipSecurityRestrictionsDefaultAction) ` +
            `is "Allow", so callers outside the admitted subnets get through. Fix: set ` +
            `properties.siteConfig.ipSecurityRestrictionsDefaultAction to "Deny".`,
        ),
      );
    });

    it("judges a slot's configuration (slots/{slot}/config/web) as a slot of its mesh site", async () => {
      const slotConfig = (properties: object) =>
        generic("billing-staging-config", "slots/staging/config", "web", properties);
      await assertNoViolation(
        plus(
          baseline(),
          slotConfig({
            ipSecurityRestrictionsDefaultAction: "Deny",
            scmIpSecurityRestrictionsUseMain: true,
          }),
        ),
      );
      await assertHasViolation(
        plus(baseline(), slotConfig({ scmIpSecurityRestrictionsUseMain: true })),
        v(
          DENY,
          "azure-native:resources:Resource",
          "billing-staging-config",
          `Resource "billing-staging-config" (Microsoft.Web/sites/app-billing/slots/staging/config/web) ` +
            `is a mesh site (a deployment slot of WebApp "billing-app") but its unmatched-traffic ` +
            `action (properties.ipSecurityRestrictionsDefaultAction) is unset, so the platform ` +
            `lets every caller in: the list holds no rule. Fix: set ` +
            `properties.ipSecurityRestrictionsDefaultAction to "Deny", and admit each caller with ` +
            `a subnet rule (vnetSubnetResourceId) for its integration subnet.`,
        ),
      );
    });

    it("counts a subnet its configuration admits as an integration subnet", async () => {
      const other = resource("azure-native:network:Subnet", "other-subnet", {
        resourceGroupName: RG,
        virtualNetworkName: "vnet-mesh",
        subnetName: "snet-other",
        addressPrefix: "10.40.1.0/27",
        serviceEndpoints: [{ service: "Microsoft.Web" }],
      });
      const admitting = (subnets: OfflineResource[]) =>
        plus(
          baseline(),
          ...subnets,
          config({
            ipSecurityRestrictionsDefaultAction: "Deny",
            ipSecurityRestrictions: [
              {
                action: "Allow",
                priority: 100,
                vnetSubnetResourceId: `${ORDERS_SUBNET_ID.replace("snet-orders", "snet-other")}`,
              },
            ],
          }),
        );
      await assertNoViolation(admitting([other]), "integration-subnet-service-endpoint");
      await assertHasViolation(
        admitting(mutate([other], "other-subnet", (p) => delete p.serviceEndpoints)),
        {
          policy: "integration-subnet-service-endpoint",
          enforcementLevel: "mandatory",
          urn: urn("azure-native:network:Subnet", "other-subnet"),
          message:
            `Subnet "other-subnet" is admitted by an access rule of Resource ` +
            `"billing-web-config" (Microsoft.Web/sites/app-billing/config/web) but has no ` +
            `Microsoft.Web service endpoint, so its calls reach App Service from public ` +
            `addresses and subnet access rules never match them. Fix: add { service: ` +
            `"Microsoft.Web" } to the subnet's serviceEndpoints.`,
        },
      );
    });

    it("refuses a private endpoint written as Microsoft.Network/privateEndpoints", () =>
      assertHasViolation(
        plus(
          baseline(),
          resource("azure-native:resources:Resource", "billing-pe", {
            resourceGroupName: RG,
            resourceProviderNamespace: "Microsoft.Network",
            parentResourcePath: "",
            resourceType: "privateEndpoints",
            resourceName: "pe-billing",
            properties: {
              privateLinkServiceConnections: [
                {
                  name: "billing",
                  properties: { privateLinkServiceId: BILLING_APP_ID, groupIds: ["sites"] },
                },
              ],
            },
          }),
        ),
        v(
          PE,
          "azure-native:resources:Resource",
          "billing-pe",
          `Resource "billing-pe" (Microsoft.Network/privateEndpoints/pe-billing) connects to App ` +
            `Service site "app-billing" through properties.privateLinkServiceConnections. App ` +
            `Service access restrictions and NSGs never filter traffic that arrives through a ` +
            `private endpoint, so every host with network line of sight to the endpoint could ` +
            `call the site. Fix: remove the private endpoint, and let callers reach the site on ` +
            `its public endpoint only once that endpoint is closed: ` +
            `ipSecurityRestrictionsDefaultAction "Deny", the SCM site restricted too, and subnet ` +
            `(vnetSubnetResourceId) rules that admit only the callers' integration subnets.`,
        ),
      ));
  });

  describe("an in-line ARM template (azure-native:resources:Deployment)", () => {
    it("passes a closed site whose configuration is a nested child, named by a parameter", () =>
      assertNoViolation(
        plus(baseline(), bicepLedger({ ipSecurityRestrictionsDefaultAction: "Deny" })),
      ));

    it("refuses it with an Allow default, naming the template resource", () =>
      assertHasViolation(
        plus(baseline(), bicepLedger({ ipSecurityRestrictionsDefaultAction: "Allow" })),
        v(
          DENY,
          "azure-native:resources:Deployment",
          "ledger-template",
          `Deployment "ledger-template" resource properties.template.resources[0].resources[0] ` +
            `(Microsoft.Web/sites/config "app-ledger/web") has subnet access rules but its ` +
            `unmatched-traffic action (properties.ipSecurityRestrictionsDefaultAction) is ` +
            `"Allow", so callers outside the admitted subnets get through. Fix: set ` +
            `properties.ipSecurityRestrictionsDefaultAction to "Deny".`,
        ),
      ));
  });

  it("reads the classic provider's template deployment (templateContent, parametersContent)", async () => {
    const classic = (action: string) => {
      const d = bicepLedger({ ipSecurityRestrictionsDefaultAction: action });
      const body = d.props.properties as { template: object; parameters: object };
      return resource(
        "azure:core/resourceGroupTemplateDeployment:ResourceGroupTemplateDeployment",
        "ledger-template",
        {
          resourceGroupName: RG,
          deploymentMode: "Incremental",
          templateContent: JSON.stringify(body.template),
          parametersContent: JSON.stringify(body.parameters),
        },
      );
    };
    await assertNoViolation(plus(baseline(), classic("Deny")));
    await assertHasViolation(
      plus(baseline(), classic("Allow")),
      v(
        DENY,
        "azure:core/resourceGroupTemplateDeployment:ResourceGroupTemplateDeployment",
        "ledger-template",
        `ResourceGroupTemplateDeployment "ledger-template" resource templateContent ` +
          `resources[0].resources[0] (Microsoft.Web/sites/config "app-ledger/web") has subnet ` +
          `access rules but its unmatched-traffic action ` +
          `(properties.ipSecurityRestrictionsDefaultAction) is "Allow", so callers outside the ` +
          `admitted subnets get through. Fix: set ` +
          `properties.ipSecurityRestrictionsDefaultAction to "Deny".`,
      ),
    );
  });

  it("refuses a template's private endpoint to a site, passes one to storage", async () => {
    const endpoint = (target: string, group: string) =>
      deployment({
        resources: [
          {
            type: "Microsoft.Network/privateEndpoints",
            apiVersion: "2024-05-01",
            name: "pe-billing",
            properties: {
              subnet: { id: `${ORDERS_SUBNET_ID}-endpoints` },
              privateLinkServiceConnections: [
                {
                  name: "billing",
                  properties: { privateLinkServiceId: target, groupIds: [group] },
                },
              ],
            },
          },
        ],
      });
    const storage = `${SUB}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/st`;
    await assertNoViolation(plus(baseline(), endpoint(storage, "blob")));
    await assertHasViolation(
      plus(baseline(), endpoint(BILLING_APP_ID, "sites")),
      v(
        PE,
        "azure-native:resources:Deployment",
        "ledger-template",
        `Deployment "ledger-template" resource properties.template.resources[0] ` +
          `(Microsoft.Network/privateEndpoints "pe-billing") connects to App Service site ` +
          `"app-billing" through properties.privateLinkServiceConnections. App Service access ` +
          `restrictions and NSGs never filter traffic that arrives through a private endpoint, so ` +
          `every host with network line of sight to the endpoint could call the site. Fix: remove ` +
          `the private endpoint, and let callers reach the site on its public endpoint only once ` +
          `that endpoint is closed: ipSecurityRestrictionsDefaultAction "Deny", the SCM site ` +
          `restricted too, and subnet (vnetSubnetResourceId) rules that admit only the callers' ` +
          `integration subnets.`,
      ),
    );
  });

  describe("what the pack cannot read, where a mesh site could be its target", () => {
    const linked = resource("azure-native:resources:Deployment", "billing-template", {
      resourceGroupName: RG,
      properties: { mode: "Incremental", templateLink: { uri: "https://example.com/t.json" } },
    });
    /** The baseline without a mesh site: billing without subnet rules or callee settings. */
    const noMesh = () =>
      mutate(baseline(), "billing-app", (p) => {
        p.siteConfig.ipSecurityRestrictions = [];
        delete p.siteConfig.appSettings;
      });

    it("passes a linked template in a stack without mesh sites, refuses it beside one", async () => {
      await assertNoViolation(plus(noMesh(), linked), READABLE);
      await assertHasViolation(
        plus(baseline(), linked),
        v(
          READABLE,
          "azure-native:resources:Deployment",
          "billing-template",
          `Deployment "billing-template" is a linked template the pack cannot judge: its ` +
            `template is not in the stack (properties.templateLink), so the pack cannot read ` +
            `what it deploys. It could write the inbound settings of mesh site WebApp ` +
            `"billing-app", or reach them with a private endpoint, unseen. Fix: put the template ` +
            `in-line (properties.template) with literal names and settings, or declare those ` +
            `resources with azure-native's web and network types.`,
        ),
      );
    });

    it("refuses a template resource whose inbound setting is an expression on a mesh site", () =>
      assertHasViolation(
        plus(
          baseline(),
          bicepLedger({ ipSecurityRestrictionsDefaultAction: "[if(true(), 'Deny', 'Allow')]" }),
        ),
        v(
          READABLE,
          "azure-native:resources:Deployment",
          "ledger-template",
          `Deployment "ledger-template" resource properties.template.resources[0].resources[0] ` +
            `(Microsoft.Web/sites/config "app-ledger/web") is a template resource the pack cannot ` +
            `judge: properties.ipSecurityRestrictionsDefaultAction is an expression the pack ` +
            `does not evaluate. It writes the inbound settings of mesh site Deployment ` +
            `"ledger-template" resource properties.template.resources[0] (Microsoft.Web/sites ` +
            `"app-ledger"), unseen. Fix: write that name and ` +
            `those settings as literal values in the template (or as [parameters('...')] given ` +
            `in the deployment), or declare the resource with azure-native's web and network ` +
            `types.`,
        ),
      ));

    it("refuses a deployment script beside a mesh site", () =>
      assertHasViolation(
        plus(
          baseline(),
          resource("azure-native:resources:AzureCliScript", "open-it", {
            resourceGroupName: RG,
            kind: "AzureCLI",
            azCliVersion: "2.60.0",
            retentionInterval: "PT1H",
            scriptContent: "az webapp config access-restriction set --default-action Allow",
          }),
        ),
        v(
          READABLE,
          "azure-native:resources:AzureCliScript",
          "open-it",
          `AzureCliScript "open-it" is a deployment script the pack cannot judge: it runs a ` +
            `script with its identity's rights (az webapp config access-restriction, ` +
            `Set-AzWebApp...), which the pack cannot read. It could write the inbound settings ` +
            `of mesh site WebApp "billing-app", or reach them with a private endpoint, unseen. ` +
            `Fix: declare the change to the site as a resource (azure-native's web types) ` +
            `instead of scripting it.`,
        ),
      ));
  });
});
