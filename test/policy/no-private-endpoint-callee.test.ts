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
const FIX =
  "Fix: remove the private endpoint and keep the site on its public endpoint, where subnet " +
  "(service-endpoint) access rules admit only the callers' integration subnets.";

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
          `"Rejected" or delete the connection, and remove the private endpoint and keep the site ` +
          `on its public endpoint, where subnet (service-endpoint) access rules admit only the ` +
          `callers' integration subnets.`,
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
    `only private endpoints can reach it and its subnet rules never apply. ${WHY}. Fix: set ` +
    `publicNetworkAccess to "Enabled" and remove any private endpoint to the site; its ` +
    `default-deny subnet rules keep everyone else out.`;

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
});
