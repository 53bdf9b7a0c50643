import {
  BILLING_CLIENT_ID,
  BILLING_SP_OBJECT,
  U,
  UNKNOWN,
  baseline,
  mutate,
  plus,
  resource,
  urn,
} from "./fixtures";
import { assertHasViolation, assertNoViolation } from "./helpers";
import type { OfflineResource } from "@service-edges/policy/offline";
import { asOfDay } from "@service-edges/contract";

const POLICY = "assignment-required";
const FIX =
  "any application in the tenant can get a token for it. Fix: set appRoleAssignmentRequired: " +
  "true so that only callers with an app role assignment get tokens.";

function violation(reason: string, value = "unset", at = U.billingSp) {
  return {
    policy: POLICY,
    enforcementLevel: "mandatory" as const,
    urn: at,
    message: `ServicePrincipal "billing-sp" ${reason}, but appRoleAssignmentRequired is ${value}: ${FIX}`,
  };
}

const EXPOSES = `exposes app role "Invoices.Read" to applications (Application "billing-application")`;

function notRequired(resources: OfflineResource[]) {
  return mutate(resources, "billing-sp", (p) => delete p.appRoleAssignmentRequired);
}

describe(POLICY, () => {
  it("passes the baseline", () => assertNoViolation(baseline(), POLICY));

  it("refuses an unset flag on the SP of an application exposing roles to applications", () =>
    assertHasViolation(notRequired(baseline()), violation(EXPOSES)));

  it("refuses false", () =>
    assertHasViolation(
      mutate(baseline(), "billing-sp", (p) => (p.appRoleAssignmentRequired = false)),
      violation(EXPOSES, "false"),
    ));

  it("excuses a callee in shadow until its last day, and refuses it the day after", async () => {
    const shadow = mutate(baseline(), "billing-sp", (p) => {
      p.appRoleAssignmentRequired = false;
      p.notes = "service-edges-shadow-until=2026-12-31";
    });
    await asOfDay("2026-12-31", () => assertNoViolation(shadow, POLICY));
    await asOfDay("2027-01-01", () => assertHasViolation(shadow, violation(EXPOSES, "false")));
  });

  it("stays quiet while the flag is unknown", () =>
    assertNoViolation(
      mutate(baseline(), "billing-sp", (p) => (p.appRoleAssignmentRequired = UNKNOWN)),
      POLICY,
    ));

  it("refuses the resource of an assignment even if its roles are for users only", () =>
    assertHasViolation(
      mutate(notRequired(baseline()), "billing-application", (p) => {
        p.appRoles[0].allowedMemberTypes = ["User"];
      }),
      violation(`is the resource of AppRoleAssignment "orders-to-billing"`),
    ));

  it("passes an SP with user-only or disabled roles and no assignment", async () => {
    const noGrant = notRequired(baseline()).filter((r) => r.name !== "orders-to-billing");
    await assertNoViolation(
      mutate(noGrant, "billing-application", (p) => (p.appRoles[0].allowedMemberTypes = ["User"])),
      POLICY,
    );
    await assertNoViolation(
      mutate(noGrant, "billing-application", (p) => (p.appRoles[0].enabled = false)),
      POLICY,
    );
  });

  it("correlates the SP by property dependencies while client ids are unknown", () =>
    assertHasViolation(
      mutate(
        mutate(notRequired(baseline()), "billing-application", (p) => (p.clientId = UNKNOWN)),
        "billing-sp",
        (p) => (p.clientId = UNKNOWN),
      ).filter((r) => r.name !== "orders-to-billing"),
      violation(EXPOSES),
    ));

  it("reads roles declared as ApplicationAppRole resources on an ApplicationRegistration", () => {
    const registration = resource(
      "azuread:index/applicationRegistration:ApplicationRegistration",
      "billing-reg",
      {
        id: "/applications/44444444-0000-4000-8000-000000000000",
        objectId: "44444444-0000-4000-8000-000000000000",
        clientId: BILLING_CLIENT_ID,
        displayName: "billing",
      },
    );
    const role = resource(
      "azuread:index/applicationAppRole:ApplicationAppRole",
      "billing-invoices-read",
      {
        applicationId: "/applications/44444444-0000-4000-8000-000000000000",
        roleId: "55555555-0000-4000-8000-000000000000",
        value: "Invoices.Write",
        displayName: "Invoices.Write",
        description: "Write invoices",
        allowedMemberTypes: ["Application"],
      },
      {
        applicationId: [
          urn("azuread:index/applicationRegistration:ApplicationRegistration", "billing-reg"),
        ],
      },
    );
    const resources = plus(
      notRequired(baseline()).filter(
        (r) => r.name !== "billing-application" && r.name !== "orders-to-billing",
      ),
      registration,
      role,
    );
    return assertHasViolation(
      resources,
      violation(
        `exposes app role "Invoices.Write" to applications (ApplicationAppRole "billing-invoices-read")`,
      ),
    );
  });

  it("reads the SP's own appRoles when the application lives in another stack", () =>
    assertHasViolation(
      mutate(
        notRequired(baseline()).filter(
          (r) => r.name !== "billing-application" && r.name !== "orders-to-billing",
        ),
        "billing-sp",
        (p) =>
          (p.appRoles = [
            { value: "Invoices.Read", allowedMemberTypes: ["Application"], enabled: true },
          ]),
      ),
      violation(`exposes app role "Invoices.Read" to applications`),
    ));

  it("correlates an assignment by object id alone", () =>
    assertHasViolation(
      mutate(
        mutate(notRequired(baseline()), "billing-application", (p) => (p.appRoles = [])),
        "orders-to-billing",
        (_p, r) => (r.propertyDependencies = {}),
      ),
      violation(`is the resource of AppRoleAssignment "orders-to-billing"`),
    ));

  it("stays quiet when the assignment's resource is unknown and has no dependency", () =>
    assertNoViolation(
      mutate(
        mutate(notRequired(baseline()), "billing-application", (p) => (p.appRoles = [])),
        "orders-to-billing",
        (p, r) => {
          p.resourceObjectId = UNKNOWN;
          r.propertyDependencies = { resourceObjectId: [] };
          r.dependencies = [];
        },
      ),
      POLICY,
    ));

  it("ignores assignments to other service principals", () =>
    assertNoViolation(
      mutate(
        mutate(notRequired(baseline()), "billing-application", (p) => (p.appRoles = [])),
        "orders-to-billing",
        (p, r) => {
          p.resourceObjectId = BILLING_SP_OBJECT.replace("4444-4444", "9999-4999");
          r.propertyDependencies = {};
          r.dependencies = [];
        },
      ),
      POLICY,
    ));
});
