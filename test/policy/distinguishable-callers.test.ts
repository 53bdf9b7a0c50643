import {
  BILLING_PLAN_ID,
  ORDERS_PLAN_ID,
  ORDERS_SUBNET_ID,
  RG,
  U,
  UNKNOWN,
  appOnPlan,
  baseline,
  mutate,
  plus,
  readBack,
  resource,
  separateSubnet,
  urn,
  withoutIds,
} from "./fixtures";
import { assertHasViolation, assertNoViolation } from "./helpers";

const POLICY = "distinguishable-callers";

function planViolation(apps: string, at = U.ordersPlan) {
  return {
    policy: POLICY,
    enforcementLevel: "mandatory" as const,
    urn: at,
    message:
      `AppServicePlan "orders-plan" is VNet-integrated and hosts 2 apps (${apps}): they share ` +
      `its integration subnet and outbound addresses, so a callee cannot tell them apart. Fix: ` +
      `give each calling app its own App Service plan and integration subnet.`,
  };
}

function subnetViolation(subnet: string, at: string) {
  return {
    policy: POLICY,
    enforcementLevel: "mandatory" as const,
    urn: at,
    message:
      `${subnet} is the integration subnet of 2 App Service plans (AppServicePlan ` +
      `"orders-plan", AppServicePlan "shipping-plan"): a callee's subnet rule admits all of them ` +
      `at once. Fix: give each plan its own integration subnet.`,
  };
}

describe(POLICY, () => {
  it("passes the baseline", () => assertNoViolation(baseline(), POLICY));

  it("refuses a second app on an integrated plan", () =>
    assertHasViolation(
      plus(baseline(), ...appOnPlan("shipping", { planId: ORDERS_PLAN_ID })),
      planViolation(`WebApp "orders-app", WebApp "shipping-app"`),
    ));

  it("refuses it when the callee moves onto the caller's plan", () =>
    assertHasViolation(
      mutate(baseline(), "billing-app", (p) => (p.serverFarmId = ORDERS_PLAN_ID)),
      planViolation(`WebApp "billing-app", WebApp "orders-app"`),
    ));

  it("correlates plans by resource group and name when props carry no ids", () =>
    assertHasViolation(
      withoutIds(plus(baseline(), ...appOnPlan("shipping", { planId: ORDERS_PLAN_ID }))),
      planViolation(`WebApp "orders-app", WebApp "shipping-app"`),
    ));

  it("correlates plans in read-back outputs (resourceGroup + name)", () =>
    assertHasViolation(
      readBack(plus(baseline(), ...appOnPlan("shipping", { planId: ORDERS_PLAN_ID }))),
      planViolation(`WebApp "orders-app", WebApp "shipping-app"`),
    ));

  it("does not count a deployment slot as another app", () =>
    assertNoViolation(
      plus(
        baseline(),
        resource("azure-native:web:WebAppSlot", "orders-staging", {
          resourceGroupName: RG,
          name: "app-orders",
          slot: "staging",
          virtualNetworkSubnetId: ORDERS_SUBNET_ID,
        }),
      ),
      POLICY,
    ));

  it("passes a plan with several apps when none of them is VNet-integrated", () =>
    assertNoViolation(
      plus(baseline(), ...appOnPlan("reports", { planId: BILLING_PLAN_ID })),
      POLICY,
    ));

  it("refuses a second plan integrated into the same inline subnet", () =>
    assertHasViolation(
      plus(baseline(), ...appOnPlan("shipping", { subnetId: ORDERS_SUBNET_ID })),
      subnetViolation(`VirtualNetwork "mesh-vnet" subnet "snet-orders"`, U.vnet),
    ));

  it("refuses it for a separately declared Subnet", () =>
    assertHasViolation(
      plus(separateSubnet(), ...appOnPlan("shipping", { subnetId: ORDERS_SUBNET_ID })),
      subnetViolation(`Subnet "orders-subnet"`, U.ordersSubnet),
    ));

  it("stays quiet on an app whose plan is unknown and has no dependency", () =>
    assertNoViolation(plus(baseline(), ...appOnPlan("shipping", { planId: UNKNOWN })), POLICY));

  it("reports an out-of-stack plan on the first app that shares it", () => {
    const external = `/subscriptions/0/resourceGroups/other/providers/Microsoft.Web/serverfarms/shared`;
    const elsewhere = `/subscriptions/0/resourceGroups/other/providers/Microsoft.Network/virtualNetworks/v/subnets/s`;
    return assertHasViolation(
      plus(
        baseline(),
        ...appOnPlan("a", { planId: external, subnetId: elsewhere }),
        ...appOnPlan("b", { planId: external }),
      ),
      {
        policy: POLICY,
        enforcementLevel: "mandatory",
        urn: urn("azure-native:web:WebApp", "a-app"),
        message:
          `"${external.toLowerCase()}" is VNet-integrated and hosts 2 apps (WebApp "a-app", ` +
          `WebApp "b-app"): they share its integration subnet and outbound addresses, so a ` +
          `callee cannot tell them apart. Fix: give each calling app its own App Service plan ` +
          `and integration subnet.`,
      },
    );
  });
});
