import {
  ORDERS_MI_ID,
  ORDERS_PRINCIPAL,
  RG,
  U,
  VNET_ID,
  appOnPlan,
  baseline,
  mutate,
  plus,
  readBack,
  resource,
  urn,
} from "./fixtures";
import { assertHasViolation, assertNoViolation } from "./helpers";
import type { OfflineResource } from "@service-edges/policy/offline";

const POLICY = "no-shared-caller-identity";

/** A second caller "shipping" on its own plan and subnet, attaching orders' identity. */
function sharedIdentity(resources = baseline()): OfflineResource[] {
  return plus(
    mutate(resources, "mesh-vnet", (p) =>
      p.subnets.push({
        id: `${VNET_ID}/subnets/snet-shipping`,
        name: "snet-shipping",
        addressPrefix: "10.40.0.32/27",
        delegations: [{ name: "web", serviceName: "Microsoft.Web/serverFarms" }],
        serviceEndpoints: [{ service: "Microsoft.Web" }],
      }),
    ),
    ...appOnPlan("shipping", { subnetId: `${VNET_ID}/subnets/snet-shipping` }).map((r) =>
      r.name === "shipping-app"
        ? {
            ...r,
            props: {
              ...r.props,
              identity: { type: "UserAssigned", userAssignedIdentities: [ORDERS_MI_ID] },
            },
            propertyDependencies: { ...r.propertyDependencies, identity: [U.ordersIdentity] },
          }
        : r,
    ),
  );
}

describe(POLICY, () => {
  it("passes the baseline", () => assertNoViolation(baseline(), POLICY));

  it("refuses a caller identity attached to two apps", () =>
    assertHasViolation(sharedIdentity(), {
      policy: POLICY,
      enforcementLevel: "mandatory",
      urn: U.ordersIdentity,
      message:
        `UserAssignedIdentity "orders-identity" holds app role assignments and is attached to 2 ` +
        `apps (WebApp "orders-app", WebApp "shipping-app"): each of them calls with the same ` +
        `token, so callees cannot tell them apart and each gets the others' roles. Fix: give ` +
        `every calling app its own user-assigned identity and grant each only its own edges.`,
    }));

  it("passes a shared identity that holds no assignment", () =>
    assertNoViolation(
      sharedIdentity().filter((r) => r.name !== "orders-to-billing"),
      POLICY,
    ));

  it("passes an identity shared by a site and its own slot", () =>
    assertNoViolation(
      plus(
        baseline(),
        resource(
          "azure-native:web:WebAppSlot",
          "orders-staging",
          {
            resourceGroupName: RG,
            name: "app-orders",
            slot: "staging",
            identity: { type: "UserAssigned", userAssignedIdentities: [ORDERS_MI_ID] },
          },
          { identity: [U.ordersIdentity] },
        ),
      ),
      POLICY,
    ));

  it("reads the read-back identity map (userAssignedIdentities keyed by id)", () =>
    assertHasViolation(
      mutate(sharedIdentity(), "orders-app", (p) => {
        p.identity.userAssignedIdentities = {
          [ORDERS_MI_ID]: { principalId: ORDERS_PRINCIPAL, clientId: "x" },
        };
      }),
      {
        policy: POLICY,
        enforcementLevel: "mandatory",
        urn: U.ordersIdentity,
        message:
          `UserAssignedIdentity "orders-identity" holds app role assignments and is attached to ` +
          `2 apps (WebApp "orders-app", WebApp "shipping-app"): each of them calls with the same ` +
          `token, so callees cannot tell them apart and each gets the others' roles. Fix: give ` +
          `every calling app its own user-assigned identity and grant each only its own edges.`,
      },
    ));

  it("judges read-back outputs (identity map, no ids)", () =>
    assertHasViolation(readBack(sharedIdentity()), {
      policy: POLICY,
      enforcementLevel: "mandatory",
      urn: U.ordersIdentity,
      message:
        `UserAssignedIdentity "orders-identity" holds app role assignments and is attached to 2 ` +
        `apps (WebApp "orders-app", WebApp "shipping-app"): each of them calls with the same ` +
        `token, so callees cannot tell them apart and each gets the others' roles. Fix: give ` +
        `every calling app its own user-assigned identity and grant each only its own edges.`,
    }));

  it("refuses an app registration trusting the identities of two apps", () => {
    const appUrn = urn("azuread:index/application:Application", "callers-application");
    const spUrn = urn("azuread:index/servicePrincipal:ServicePrincipal", "callers-sp");
    const shippingPrincipal = "77777777-0000-4000-8000-000000000000";
    const fic = (name: string, subject: string, dep: string) =>
      resource(
        "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
        name,
        { applicationId: "/applications/app-obj", subject },
        { applicationId: [appUrn], subject: [dep] },
      );
    const resources = mutate(
      plus(
        baseline(),
        ...appOnPlan("shipping", { subnetId: `${VNET_ID}/subnets/snet-orders` }).map((r) =>
          r.name === "shipping-app"
            ? {
                ...r,
                props: {
                  ...r.props,
                  identity: { type: "SystemAssigned", principalId: shippingPrincipal },
                },
              }
            : r,
        ),
        resource("azuread:index/application:Application", "callers-application", {
          id: "/applications/app-obj",
          objectId: "app-obj",
          clientId: "callers-client",
        }),
        resource(
          "azuread:index/servicePrincipal:ServicePrincipal",
          "callers-sp",
          { objectId: "callers-sp-obj", clientId: "callers-client" },
          { clientId: [appUrn] },
        ),
        fic("orders-fic", ORDERS_PRINCIPAL, U.ordersIdentity),
        fic("shipping-fic", shippingPrincipal, urn("azure-native:web:WebApp", "shipping-app")),
      ),
      "orders-to-billing",
      (p, r) => {
        p.principalObjectId = "callers-sp-obj";
        r.propertyDependencies!.principalObjectId = [spUrn];
      },
    );
    return assertHasViolation(resources, {
      policy: POLICY,
      enforcementLevel: "mandatory",
      urn: appUrn,
      message:
        `Application "callers-application" holds app role assignments and trusts the managed ` +
        `identities of 2 apps (WebApp "orders-app", WebApp "shipping-app") through federated ` +
        `credentials: each of them calls with the same token, so callees cannot tell them apart. ` +
        `Fix: give every calling app its own app registration, trusting only that app's identity.`,
    });
  });
});
