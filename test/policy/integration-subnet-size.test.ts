import { U, UNKNOWN, baseline, mutate, readBack, separateSubnet, withoutIds } from "./fixtures";
import { assertHasViolation, assertNoViolation } from "./helpers";

const POLICY = "integration-subnet-size";
const INLINE = `VirtualNetwork "mesh-vnet" subnet "snet-orders"`;

function violation(text: string, at = U.vnet) {
  return { policy: POLICY, enforcementLevel: "mandatory" as const, urn: at, message: text };
}

function capacity(n: unknown, resources = baseline()) {
  return mutate(resources, "orders-plan", (p) => (p.sku.capacity = n));
}

describe(POLICY, () => {
  it("passes the baseline (/27, 4 instances)", () => assertNoViolation(baseline(), POLICY));

  it("passes 13 instances on a /27 (2 × 13 = 26 <= 32 - 5)", () =>
    assertNoViolation(capacity(13), POLICY));

  it("refuses 14 instances on a /27", () =>
    assertHasViolation(
      capacity(14),
      violation(
        `${INLINE} (10.40.0.0/27: 27 usable addresses after Azure's 5 reserved) is the ` +
          `integration subnet of AppServicePlan "orders-plan", which declares up to 14 instances ` +
          `and needs 2 × 14 = 28 addresses. Fix: use a /26 or larger (a new subnet: an ` +
          `integration subnet cannot be resized while apps are integrated) and move the plan to it.`,
      ),
    ));

  it("counts maximumElasticWorkerCount of an Elastic Premium plan", () =>
    assertHasViolation(
      mutate(baseline(), "orders-plan", (p) => {
        p.sku = { name: "EP1", tier: "ElasticPremium", capacity: 1 };
        p.kind = "elastic";
        p.maximumElasticWorkerCount = 20;
      }),
      violation(
        `${INLINE} (10.40.0.0/27: 27 usable addresses after Azure's 5 reserved) is the ` +
          `integration subnet of AppServicePlan "orders-plan", which declares up to 20 instances ` +
          `and needs 2 × 20 = 40 addresses. Fix: use a /26 or larger (a new subnet: an ` +
          `integration subnet cannot be resized while apps are integrated) and move the plan to it.`,
      ),
    ));

  it("refuses a subnet smaller than a /28 even for one instance", () =>
    assertHasViolation(
      capacity(
        1,
        mutate(baseline(), "mesh-vnet", (p) => (p.subnets[0].addressPrefix = "10.40.0.0/29")),
      ),
      violation(
        `${INLINE} (10.40.0.0/29: 3 usable addresses after Azure's 5 reserved) is the ` +
          `integration subnet of AppServicePlan "orders-plan", which declares up to 1 instance and ` +
          `needs 2 × 1 = 2 addresses, and VNet integration needs at least a /28. Fix: use a /28 ` +
          `or larger (a new subnet: an integration subnet cannot be resized while apps are ` +
          `integrated) and move the plan to it.`,
      ),
    ));

  it("honours addressesPerInstance from the policy config", async () => {
    const config = { [POLICY]: { addressesPerInstance: 3 } };
    await assertNoViolation(capacity(9), POLICY, { config });
    await assertHasViolation(
      capacity(10),
      violation(
        `${INLINE} (10.40.0.0/27: 27 usable addresses after Azure's 5 reserved) is the ` +
          `integration subnet of AppServicePlan "orders-plan", which declares up to 10 instances ` +
          `and needs 3 × 10 = 30 addresses. Fix: use a /26 or larger (a new subnet: an ` +
          `integration subnet cannot be resized while apps are integrated) and move the plan to it.`,
      ),
      { config },
    );
  });

  it("stays quiet on an unknown capacity or prefix", async () => {
    await assertNoViolation(capacity(UNKNOWN), POLICY);
    await assertNoViolation(
      capacity(
        14,
        mutate(baseline(), "mesh-vnet", (p) => (p.subnets[0].addressPrefix = UNKNOWN)),
      ),
      POLICY,
    );
  });

  it("judges a separate Subnet resource, correlated without ids", () =>
    assertHasViolation(
      capacity(14, withoutIds(separateSubnet())),
      violation(
        `Subnet "orders-subnet" (10.40.0.0/27: 27 usable addresses after Azure's 5 reserved) is ` +
          `the integration subnet of AppServicePlan "orders-plan", which declares up to 14 ` +
          `instances and needs 2 × 14 = 28 addresses. Fix: use a /26 or larger (a new subnet: an ` +
          `integration subnet cannot be resized while apps are integrated) and move the plan to it.`,
        U.ordersSubnet,
      ),
    ));

  it("judges the read-back outputs of a separate Subnet (its id comes from its delegations)", () =>
    assertHasViolation(
      capacity(14, readBack(separateSubnet())),
      violation(
        `Subnet "orders-subnet" (10.40.0.0/27: 27 usable addresses after Azure's 5 reserved) is ` +
          `the integration subnet of AppServicePlan "orders-plan", which declares up to 14 ` +
          `instances and needs 2 × 14 = 28 addresses. Fix: use a /26 or larger (a new subnet: an ` +
          `integration subnet cannot be resized while apps are integrated) and move the plan to it.`,
        U.ordersSubnet,
      ),
    ));
});
