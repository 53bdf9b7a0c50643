import {
  BILLING_CLIENT_ID,
  ORDERS_PRINCIPAL,
  RG,
  U,
  UNKNOWN,
  baseline,
  mutate,
  plus,
  resource,
  systemAssigned,
  urn,
} from "./fixtures";
import { assertHasViolation, assertNoViolation } from "./helpers";
import type { OfflineResource } from "@service-edges/policy/offline";

const POLICY = "network-edge-has-identity-edge";
const ORDERS_APP_CLIENT = "66666666-1111-4111-8111-111111111111";
const ORDERS_APP_OBJECT = "66666666-2222-4222-8222-222222222222";
const ORDERS_SP_OBJECT = "66666666-3333-4333-8333-333333333333";

function violation(holder: string) {
  return {
    policy: POLICY,
    enforcementLevel: "advisory" as const,
    urn: U.billingApp,
    message:
      `WebApp "billing-app" admits VirtualNetwork "mesh-vnet" subnet "snet-orders", the ` +
      `integration subnet of WebApp "orders-app", but ${holder} ServicePrincipal "billing-sp": ` +
      `the network allows a call that the token check will refuse. Fix: add an azuread ` +
      `AppRoleAssignment (principalObjectId: the caller identity's principal id, ` +
      `resourceObjectId: the callee service principal's object id, appRoleId: the granted ` +
      `role), or remove the access rule.`,
  };
}

const NONE_UAMI = `none of its identities (UserAssignedIdentity "orders-identity") holds an app role assignment on`;

function withoutGrant(resources = baseline()): OfflineResource[] {
  return resources.filter((r) => r.name !== "orders-to-billing");
}

/** orders also calls as its own app registration, trusted through a federated credential. */
function registrationCaller(): OfflineResource[] {
  const appUrn = urn("azuread:index/application:Application", "orders-application");
  const spUrn = urn("azuread:index/servicePrincipal:ServicePrincipal", "orders-sp");
  return mutate(
    plus(
      baseline(),
      resource("azuread:index/application:Application", "orders-application", {
        id: `/applications/${ORDERS_APP_OBJECT}`,
        objectId: ORDERS_APP_OBJECT,
        clientId: ORDERS_APP_CLIENT,
        displayName: "orders",
      }),
      resource(
        "azuread:index/servicePrincipal:ServicePrincipal",
        "orders-sp",
        { objectId: ORDERS_SP_OBJECT, clientId: ORDERS_APP_CLIENT },
        { clientId: [appUrn] },
      ),
      resource(
        "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
        "orders-fic",
        {
          applicationId: `/applications/${ORDERS_APP_OBJECT}`,
          displayName: "orders-mi",
          issuer: "https://login.microsoftonline.com/tenant/v2.0",
          audiences: ["api://AzureADTokenExchange"],
          subject: ORDERS_PRINCIPAL,
        },
        { applicationId: [appUrn], subject: [U.ordersIdentity] },
      ),
    ),
    "orders-to-billing",
    (p, r) => {
      p.principalObjectId = ORDERS_SP_OBJECT;
      r.propertyDependencies!.principalObjectId = [spUrn];
    },
  );
}

describe(POLICY, () => {
  it("passes the baseline", () => assertNoViolation(baseline(), POLICY));

  it("warns about a subnet rule without an assignment", () =>
    assertHasViolation(withoutGrant(), violation(NONE_UAMI)));

  it("warns when the caller's assignment is on another service principal", () =>
    assertHasViolation(
      mutate(baseline(), "orders-to-billing", (p, r) => {
        p.resourceObjectId = "99999999-0000-4000-8000-000000000000";
        r.propertyDependencies = { principalObjectId: [U.ordersIdentity] };
      }),
      violation(NONE_UAMI),
    ));

  it("passes a system-assigned caller, and warns without its assignment", async () => {
    await assertNoViolation(systemAssigned(), POLICY);
    await assertHasViolation(
      withoutGrant(systemAssigned()),
      violation(
        `none of its identities (WebApp "orders-app" (system-assigned identity)) holds an app ` +
          `role assignment on`,
      ),
    );
  });

  it("warns about a caller with no identity at all", () =>
    assertHasViolation(
      mutate(baseline(), "orders-app", (p) => delete p.identity),
      violation("it has no identity, so it holds no app role assignment on"),
    ));

  it("follows a federated credential to the caller's app registration", async () => {
    await assertNoViolation(registrationCaller(), POLICY);
    await assertHasViolation(
      withoutGrant(registrationCaller()),
      violation(
        `none of its identities (UserAssignedIdentity "orders-identity", ServicePrincipal ` +
          `"orders-sp") holds an app role assignment on`,
      ),
    );
  });

  it("follows MESH_APP_CLIENT_ID to a registration that uses a client secret", () =>
    assertNoViolation(
      mutate(
        registrationCaller().filter((r) => r.name !== "orders-fic"),
        "orders-app",
        (p) =>
          p.siteConfig.appSettings.push({ name: "MESH_APP_CLIENT_ID", value: ORDERS_APP_CLIENT }),
      ),
      POLICY,
    ));

  it("finds the callee's application through Easy Auth", async () => {
    const easyAuth = (resources: OfflineResource[]) =>
      plus(
        mutate(resources, "billing-app", (p) => delete p.siteConfig.appSettings),
        resource(
          "azure-native:web:WebAppAuthSettingsV2",
          "billing-auth",
          {
            resourceGroupName: RG,
            name: "app-billing",
            identityProviders: {
              azureActiveDirectory: {
                enabled: true,
                registration: { clientId: BILLING_CLIENT_ID },
              },
            },
          },
          { name: [U.billingApp] },
        ),
      );
    await assertNoViolation(easyAuth(baseline()), POLICY);
    await assertHasViolation(easyAuth(withoutGrant()), violation(NONE_UAMI));
  });

  it("stays quiet when nothing links the callee to an application", () =>
    assertNoViolation(
      mutate(withoutGrant(), "billing-app", (p) => delete p.siteConfig.appSettings),
      POLICY,
    ));

  it("stays quiet when an assignment's principal is unknown and has no dependency", () =>
    assertNoViolation(
      mutate(baseline(), "orders-to-billing", (p, r) => {
        p.principalObjectId = UNKNOWN;
        r.propertyDependencies = { resourceObjectId: [U.billingSp] };
      }),
      POLICY,
    ));

  it("ignores Deny subnet rules", () =>
    assertNoViolation(
      mutate(
        withoutGrant(),
        "billing-app",
        (p) => (p.siteConfig.ipSecurityRestrictions[0].action = "Deny"),
      ),
      POLICY,
    ));

  it("asks the model: a Deny for the caller's subnet at a lower priority number admits nobody", async () => {
    const withDeny = (priority: unknown) =>
      mutate(withoutGrant(), "billing-app", (p) =>
        p.siteConfig.ipSecurityRestrictions.push({
          name: "deny-orders",
          action: "Deny",
          priority,
          vnetSubnetResourceId: p.siteConfig.ipSecurityRestrictions[0].vnetSubnetResourceId,
        }),
      );
    // Before the Allow (50 < 100): the network refuses the call too; nothing to warn about.
    await assertNoViolation(withDeny(50), POLICY);
    // After it (200): the Allow decides, the warning stands.
    await assertHasViolation(withDeny(200), violation(NONE_UAMI));
    // Its priority unknown (preview): it may come first, so the pack stays quiet.
    await assertNoViolation(withDeny(UNKNOWN), POLICY);
  });

  it("stays quiet when one of the callee's audiences is an application outside the stack", () =>
    assertNoViolation(
      mutate(withoutGrant(), "billing-app", (p) => {
        p.siteConfig.appSettings[0].value = JSON.stringify([
          "api://billing",
          "88888888-0000-4000-8000-000000000000",
        ]);
      }),
      POLICY,
    ));
});
