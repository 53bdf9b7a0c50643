import {
  BILLING_APP_ID,
  RG,
  SUB,
  U,
  UNKNOWN,
  VNET_ID,
  baseline,
  mutate,
  plus,
  preview,
  resource,
  urn,
} from "./fixtures";
import { assertHasViolation, assertNoViolation } from "./helpers";

const POLICY = "no-private-endpoint-callee";
const PE_TYPE = "azure-native:network:PrivateEndpoint";
const WHY =
  "App Service access restrictions and NSGs never filter traffic that arrives through a private " +
  "endpoint, so every host with network line of sight to the endpoint could call the site";
/** True for any site: the endpoint does not show what the site's public endpoint lets in. */
const THEN =
  "let callers reach the site on its public endpoint only once that endpoint is closed: " +
  'ipSecurityRestrictionsDefaultAction "Deny", the SCM site restricted too, and subnet ' +
  "(vnetSubnetResourceId) rules that admit only the callers' integration subnets.";
const FIX = `Fix: remove the private endpoint, and ${THEN}`;

function privateEndpoint(connections: Record<string, unknown>) {
  return resource(PE_TYPE, "billing-pe", {
    resourceGroupName: RG,
    privateEndpointName: "pe-billing",
    subnet: { id: `${VNET_ID}/subnets/snet-endpoints` },
    ...connections,
  });
}

describe(POLICY, () => {
  it("passes the baseline", () => assertNoViolation(baseline(), POLICY));

  it("refuses a private endpoint to a site", () =>
    assertHasViolation(
      plus(
        baseline(),
        privateEndpoint({
          privateLinkServiceConnections: [
            { name: "billing", privateLinkServiceId: BILLING_APP_ID, groupIds: ["sites"] },
          ],
        }),
      ),
      {
        policy: POLICY,
        enforcementLevel: "mandatory",
        urn: urn(PE_TYPE, "billing-pe"),
        message:
          `PrivateEndpoint "billing-pe" connects to App Service site "app-billing" through ` +
          `privateLinkServiceConnections. ${WHY}. ${FIX}`,
      },
    ));

  it("refuses a manual connection to a slot's group while the site id is unknown", () =>
    assertHasViolation(
      plus(
        baseline(),
        privateEndpoint({
          manualPrivateLinkServiceConnections: [
            { name: "billing", privateLinkServiceId: UNKNOWN, groupIds: ["sites-staging"] },
          ],
        }),
      ),
      {
        policy: POLICY,
        enforcementLevel: "mandatory",
        urn: urn(PE_TYPE, "billing-pe"),
        message:
          `PrivateEndpoint "billing-pe" connects to an App Service site (group 'sites') through ` +
          `manualPrivateLinkServiceConnections. ${WHY}. ${FIX}`,
      },
    ));

  it("passes a private endpoint to another service (a storage account)", () =>
    assertNoViolation(
      plus(
        baseline(),
        privateEndpoint({
          privateLinkServiceConnections: [
            {
              name: "blob",
              privateLinkServiceId: `${SUB}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/stmesh`,
              groupIds: ["blob"],
            },
          ],
        }),
      ),
      POLICY,
    ));

  it("stays quiet while both the target and the group are unknown", () =>
    assertNoViolation(
      plus(
        baseline(),
        privateEndpoint({
          privateLinkServiceConnections: [{ privateLinkServiceId: UNKNOWN, groupIds: UNKNOWN }],
        }),
      ),
      POLICY,
    ));

  it("honours exemptSiteNames for a reviewed non-mesh site, and only when the site is known", async () => {
    const config = { [POLICY]: { exemptSiteNames: ["app-billing"] } };
    await assertNoViolation(
      plus(
        baseline(),
        privateEndpoint({
          privateLinkServiceConnections: [
            { privateLinkServiceId: BILLING_APP_ID, groupIds: ["sites"] },
          ],
        }),
      ),
      POLICY,
      { config },
    );
    await assertNoViolation(
      plus(
        baseline(),
        privateEndpoint({
          privateLinkServiceConnections: [{ privateLinkServiceId: UNKNOWN, groupIds: ["sites"] }],
        }),
      ),
      POLICY,
      { config },
    );
  });

  it("refuses an approved site-side private endpoint connection", () =>
    assertHasViolation(
      plus(
        baseline(),
        resource("azure-native:web:WebAppPrivateEndpointConnection", "billing-pec", {
          resourceGroupName: RG,
          name: "app-billing",
          privateEndpointConnectionName: "pe-billing",
          privateLinkServiceConnectionState: { status: "Approved" },
        }),
      ),
      {
        policy: POLICY,
        enforcementLevel: "mandatory",
        urn: urn("azure-native:web:WebAppPrivateEndpointConnection", "billing-pec"),
        message:
          `WebAppPrivateEndpointConnection "billing-pec" accepts a private endpoint connection on ` +
          `site "app-billing". ${WHY}. Fix: set privateLinkServiceConnectionState.status to ` +
          `"Rejected" or delete the connection, and ${THEN}`,
      },
    ));

  it("passes a rejected site-side connection and stays quiet on an unknown status", async () => {
    for (const status of ["Rejected", UNKNOWN]) {
      await assertNoViolation(
        plus(
          baseline(),
          resource("azure-native:web:WebAppPrivateEndpointConnection", "billing-pec", {
            resourceGroupName: RG,
            name: "app-billing",
            privateLinkServiceConnectionState: { status },
          }),
        ),
        POLICY,
      );
    }
  });

  const disabledMessage =
    `WebApp "billing-app" has subnet access rules but sets publicNetworkAccess "Disabled", so ` +
    `only private endpoints can reach it and its subnet rules never apply. ${WHY}. Fix: remove ` +
    `any private endpoint to the site, keep its subnet rules, and set publicNetworkAccess to ` +
    `"Enabled": its default-deny rules keep everyone else out.`;

  it("refuses a mesh site with public network access disabled", () =>
    assertHasViolation(
      mutate(baseline(), "billing-app", (p) => (p.publicNetworkAccess = "Disabled")),
      {
        policy: POLICY,
        enforcementLevel: "mandatory",
        urn: U.billingApp,
        message: disabledMessage,
      },
    ));

  it("refuses it when set in siteConfig too", () =>
    assertHasViolation(
      mutate(baseline(), "billing-app", (p) => {
        delete p.publicNetworkAccess;
        p.siteConfig.publicNetworkAccess = "Disabled";
      }),
      {
        policy: POLICY,
        enforcementLevel: "mandatory",
        urn: U.billingApp,
        message: disabledMessage,
      },
    ));

  it("judges the declared subnet rule even while its subnet id is unknown (preview)", () =>
    assertHasViolation(
      mutate(preview(), "billing-app", (p) => (p.publicNetworkAccess = "Disabled")),
      {
        policy: POLICY,
        enforcementLevel: "mandatory",
        urn: U.billingApp,
        message: disabledMessage,
      },
    ));

  it("does not judge a site outside the mesh (no subnet rule)", () =>
    assertNoViolation(
      mutate(baseline(), "orders-app", (p) => (p.publicNetworkAccess = "Disabled")),
      POLICY,
    ));
  it("tells a site with subnet rules but an open public endpoint to close it before enabling it", () =>
    assertHasViolation(
      mutate(baseline(), "billing-app", (p) => {
        p.publicNetworkAccess = "Disabled";
        p.siteConfig.ipSecurityRestrictionsDefaultAction = "Allow";
      }),
      {
        policy: POLICY,
        enforcementLevel: "mandatory",
        urn: U.billingApp,
        message:
          `WebApp "billing-app" has subnet access rules but sets publicNetworkAccess "Disabled", ` +
          `so only private endpoints can reach it and its subnet rules never apply. ${WHY}. Fix: ` +
          `remove any private endpoint to the site and keep its subnet rules; close its public ` +
          `endpoint first (ipSecurityRestrictionsDefaultAction "Deny", no Allow rule for all or ` +
          `nearly all addresses, the SCM site restricted too: see mesh-site-default-deny), and ` +
          `only then set publicNetworkAccess to "Enabled".`,
      },
    ));

  describe("a site that only a private endpoint makes a mesh site", () => {
    const LEDGER_ID = `${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/sites/app-ledger`;
    const LEDGER = urn("azure-native:web:WebApp", "ledger-app");
    const ledger = (siteConfig: Record<string, unknown>) =>
      resource("azure-native:web:WebApp", "ledger-app", {
        id: LEDGER_ID,
        resourceGroupName: RG,
        name: "app-ledger",
        publicNetworkAccess: "Disabled",
        siteConfig,
      });
    const endpoint = resource(PE_TYPE, "ledger-pe", {
      resourceGroupName: RG,
      privateEndpointName: "pe-ledger",
      subnet: { id: `${VNET_ID}/subnets/snet-endpoints` },
      privateLinkServiceConnections: [{ privateLinkServiceId: LEDGER_ID, groupIds: ["sites"] }],
    });
    const endpointViolation = {
      policy: POLICY,
      enforcementLevel: "mandatory" as const,
      urn: urn(PE_TYPE, "ledger-pe"),
      message:
        `PrivateEndpoint "ledger-pe" connects to App Service site "app-ledger" through ` +
        `privateLinkServiceConnections. ${WHY}. ${FIX}`,
    };

    it("is not told to enable public access while that would open it (no rules, no Deny default)", () =>
      assertHasViolation(plus(baseline(), ledger({}), endpoint), [
        endpointViolation,
        {
          policy: POLICY,
          enforcementLevel: "mandatory",
          urn: LEDGER,
          message:
            `WebApp "ledger-app" is reached by PrivateEndpoint "ledger-pe" and sets ` +
            `publicNetworkAccess "Disabled", so private endpoints are its only way in. ${WHY}. ` +
            `Fix: remove PrivateEndpoint "ledger-pe"; give the site subnet (vnetSubnetResourceId) ` +
            `rules for its callers' integration subnets and close its public endpoint ` +
            `(ipSecurityRestrictionsDefaultAction "Deny", the SCM site restricted too: see ` +
            `mesh-site-default-deny) before setting publicNetworkAccess to "Enabled": with no ` +
            `subnet rule and no Deny default, enabling it alone would open the site.`,
        },
      ]));

    it("is told it admits no one until its subnet rules exist, when it denies by default", () =>
      assertHasViolation(
        plus(
          baseline(),
          ledger({
            ipSecurityRestrictionsDefaultAction: "Deny",
            scmIpSecurityRestrictionsUseMain: true,
          }),
          endpoint,
        ),
        [
          endpointViolation,
          {
            policy: POLICY,
            enforcementLevel: "mandatory",
            urn: LEDGER,
            message:
              `WebApp "ledger-app" is reached by PrivateEndpoint "ledger-pe" and sets ` +
              `publicNetworkAccess "Disabled", so private endpoints are its only way in. ${WHY}. ` +
              `Fix: remove PrivateEndpoint "ledger-pe"; give the site subnet ` +
              `(vnetSubnetResourceId) rules for its callers' integration subnets, and then set ` +
              `publicNetworkAccess to "Enabled" (it denies unmatched traffic already, so until ` +
              `those rules exist it admits no one).`,
          },
        ],
      ));

    it("honours exemptSiteNames for the site too", () =>
      assertNoViolation(plus(baseline(), ledger({}), endpoint), POLICY, {
        config: { [POLICY]: { exemptSiteNames: ["app-ledger"] } },
      }));
  });

  it("does not judge a VNet-integrated caller with public access disabled", () =>
    assertNoViolation(
      mutate(baseline(), "orders-app", (p) => {
        p.publicNetworkAccess = "Disabled";
        p.siteConfig.ipSecurityRestrictionsDefaultAction = "Allow";
      }),
      POLICY,
    ));
});
