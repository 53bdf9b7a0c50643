import {
  ORDERS_SUBNET_ID,
  RG,
  U,
  UNKNOWN,
  baseline,
  mutate,
  plus,
  resource,
  urn,
} from "./fixtures";
import { assertHasViolation, assertNoViolation } from "./helpers";

const POLICY = "mesh-site-default-deny";

function violation(message: string, at = U.billingApp) {
  return { policy: POLICY, enforcementLevel: "mandatory" as const, urn: at, message };
}

function anyRuleMessage(index: number, ip: string, list = "ipSecurityRestrictions") {
  return list === "ipSecurityRestrictions"
    ? `WebApp "billing-app" allows any source in siteConfig.ipSecurityRestrictions[${index}] ` +
        `(ipAddress "${ip}"), which opens the site to every caller. Fix: remove that rule; admit ` +
        `callers only by their integration subnet (vnetSubnetResourceId).`
    : `WebApp "billing-app" allows any source in siteConfig.scmIpSecurityRestrictions[${index}] ` +
        `(ipAddress "${ip}"), which opens its SCM (Kudu) site to every caller. Fix: remove that ` +
        `rule, or set scmIpSecurityRestrictionsUseMain to true.`;
}

function withRule(rule: Record<string, unknown>) {
  return mutate(baseline(), "billing-app", (p) => p.siteConfig.ipSecurityRestrictions.push(rule));
}

describe(POLICY, () => {
  it("passes the baseline", () => assertNoViolation(baseline(), POLICY));

  it("refuses an unset default action", () =>
    assertHasViolation(
      mutate(
        baseline(),
        "billing-app",
        (p) => delete p.siteConfig.ipSecurityRestrictionsDefaultAction,
      ),
      violation(
        `WebApp "billing-app" has subnet access rules but its unmatched-traffic action ` +
          `(siteConfig.ipSecurityRestrictionsDefaultAction) is unset, so refusing callers outside ` +
          `the admitted subnets rests on an implicit platform default. Fix: set ` +
          `siteConfig.ipSecurityRestrictionsDefaultAction to "Deny".`,
      ),
    ));

  it("refuses an Allow default action", () =>
    assertHasViolation(
      mutate(
        baseline(),
        "billing-app",
        (p) => (p.siteConfig.ipSecurityRestrictionsDefaultAction = "Allow"),
      ),
      violation(
        `WebApp "billing-app" has subnet access rules but its unmatched-traffic action ` +
          `(siteConfig.ipSecurityRestrictionsDefaultAction) is "Allow", so callers outside the ` +
          `admitted subnets get through. Fix: set siteConfig.ipSecurityRestrictionsDefaultAction ` +
          `to "Deny".`,
      ),
    ));

  it("stays quiet on an unknown default action", () =>
    assertNoViolation(
      mutate(
        baseline(),
        "billing-app",
        (p) => (p.siteConfig.ipSecurityRestrictionsDefaultAction = UNKNOWN),
      ),
      POLICY,
    ));

  for (const [title, rule, ip] of [
    ["0.0.0.0/0", { ipAddress: "0.0.0.0/0", action: "Allow", priority: 200 }, "0.0.0.0/0"],
    ["::/0", { ipAddress: "::/0", action: "Allow", priority: 200 }, "::/0"],
    ["Any", { ipAddress: "Any", action: "Allow", priority: 200 }, "Any"],
    [
      "an address with a 0.0.0.0 mask",
      { ipAddress: "10.0.0.1", subnetMask: "0.0.0.0" },
      "10.0.0.1",
    ],
    ["the Internet service tag", { ipAddress: "Internet", tag: "ServiceTag" }, "Internet"],
    ["a rule without action (Allow is the default)", { ipAddress: "0.0.0.0/0" }, "0.0.0.0/0"],
  ] as const) {
    it(`refuses an Allow rule for ${title}`, () =>
      assertHasViolation(withRule({ ...rule }), violation(anyRuleMessage(1, ip))));
  }

  it("passes narrow Allow rules, Deny-any rules and the platform's own final rule", () =>
    assertNoViolation(
      mutate(baseline(), "billing-app", (p) =>
        p.siteConfig.ipSecurityRestrictions.push(
          { ipAddress: "203.0.113.0/24", action: "Allow", priority: 200 },
          { ipAddress: "0.0.0.0/0", action: "Deny", priority: 300 },
          {
            ipAddress: "AzureFrontDoor.Backend",
            tag: "ServiceTag",
            action: "Allow",
            priority: 400,
          },
          { ipAddress: "Any", action: "Deny", priority: 2147483647, name: "Deny all" },
        ),
      ),
      POLICY,
    ));

  it("refuses an open SCM site", () =>
    assertHasViolation(
      mutate(
        baseline(),
        "billing-app",
        (p) => delete p.siteConfig.scmIpSecurityRestrictionsUseMain,
      ),
      violation(
        `WebApp "billing-app" leaves its SCM (Kudu) site open: scmIpSecurityRestrictionsUseMain ` +
          `is unset and scmIpSecurityRestrictionsDefaultAction is unset. Fix: set ` +
          `siteConfig.scmIpSecurityRestrictionsUseMain to true (or give the SCM site its own ` +
          `"Deny" default).`,
      ),
    ));

  it("passes an SCM site with its own Deny default", () =>
    assertNoViolation(
      mutate(baseline(), "billing-app", (p) => {
        p.siteConfig.scmIpSecurityRestrictionsUseMain = false;
        p.siteConfig.scmIpSecurityRestrictionsDefaultAction = "Deny";
      }),
      POLICY,
    ));

  it("refuses an Allow-any rule on an SCM site with its own rules", () =>
    assertHasViolation(
      mutate(baseline(), "billing-app", (p) => {
        p.siteConfig.scmIpSecurityRestrictionsUseMain = false;
        p.siteConfig.scmIpSecurityRestrictionsDefaultAction = "Deny";
        p.siteConfig.scmIpSecurityRestrictions = [{ ipAddress: "Any", action: "Allow" }];
      }),
      violation(anyRuleMessage(0, "Any", "scmIpSecurityRestrictions")),
    ));

  it("stays quiet while scmIpSecurityRestrictionsUseMain is unknown", () =>
    assertNoViolation(
      mutate(
        baseline(),
        "billing-app",
        (p) => (p.siteConfig.scmIpSecurityRestrictionsUseMain = UNKNOWN),
      ),
      POLICY,
    ));

  it("stays quiet while the rule list itself is unknown", () =>
    assertNoViolation(
      mutate(baseline(), "billing-app", (p) => {
        p.siteConfig.ipSecurityRestrictions = UNKNOWN;
        p.siteConfig.ipSecurityRestrictionsDefaultAction = "Allow";
      }),
      POLICY,
    ));

  it("does not judge a public site outside the mesh", () =>
    assertNoViolation(
      mutate(baseline(), "billing-app", (p) => {
        p.siteConfig = { ipSecurityRestrictions: [{ ipAddress: "0.0.0.0/0", action: "Allow" }] };
      }),
      POLICY,
    ));

  it("judges deployment slots of mesh sites", () =>
    assertHasViolation(
      plus(
        baseline(),
        resource("azure-native:web:WebAppSlot", "billing-staging", {
          resourceGroupName: RG,
          name: "app-billing",
          slot: "staging",
          siteConfig: {
            ipSecurityRestrictions: [{ action: "Allow", vnetSubnetResourceId: ORDERS_SUBNET_ID }],
            ipSecurityRestrictionsDefaultAction: "Allow",
            scmIpSecurityRestrictionsUseMain: true,
          },
        }),
      ),
      violation(
        `WebAppSlot "billing-staging" has subnet access rules but its unmatched-traffic action ` +
          `(siteConfig.ipSecurityRestrictionsDefaultAction) is "Allow", so callers outside the ` +
          `admitted subnets get through. Fix: set siteConfig.ipSecurityRestrictionsDefaultAction ` +
          `to "Deny".`,
        urn("azure-native:web:WebAppSlot", "billing-staging"),
      ),
    ));
});
