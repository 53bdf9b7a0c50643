import {
  BILLING_CLIENT_ID,
  ORDERS_SUBNET_ID,
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

function withRules(rules: Record<string, unknown>[]) {
  return mutate(baseline(), "billing-app", (p) =>
    p.siteConfig.ipSecurityRestrictions.push(...rules),
  );
}

/** The baseline with billing's SCM site on its own rules (and its own Deny default). */
function withScmRules(rules: Record<string, unknown>[]) {
  return mutate(baseline(), "billing-app", (p) => {
    p.siteConfig.scmIpSecurityRestrictionsUseMain = false;
    p.siteConfig.scmIpSecurityRestrictionsDefaultAction = "Deny";
    p.siteConfig.scmIpSecurityRestrictions = rules;
  });
}

const FRONT_DOOR_ID = "9f3c1d2e-4b5a-4c6d-8e7f-0a1b2c3d4e5f";

const NARROW_FIX =
  "Fix: remove that rule; admit callers only by their integration subnet (vnetSubnetResourceId), " +
  "and any other source by a range narrower than a /7 (IPv6: a /15).";

function broadRangeMessage(index: number, ip: string, prefix: number, addresses: string, v = 4) {
  return (
    `WebApp "billing-app" allows a broad range in siteConfig.ipSecurityRestrictions[${index}] ` +
    `(ipAddress "${ip}": a /${prefix} holds ${addresses} IPv${v} addresses), which opens the site ` +
    `to a large part of the internet. ${NARROW_FIX}`
  );
}

/** A site outside the baseline: no access rule, no default action, public access disabled. */
const LEDGER_ID = `${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/sites/app-ledger`;
const LEDGER = urn("azure-native:web:WebApp", "ledger-app");

function ledger(props: Record<string, unknown> = {}) {
  return resource("azure-native:web:WebApp", "ledger-app", {
    id: LEDGER_ID,
    resourceGroupName: RG,
    name: "app-ledger",
    publicNetworkAccess: "Disabled",
    siteConfig: {},
    ...props,
  });
}

function ledgerEndpoint(
  connection: Record<string, unknown>,
  propertyDependencies: Record<string, string[]> = {},
) {
  return resource(
    "azure-native:network:PrivateEndpoint",
    "ledger-pe",
    {
      resourceGroupName: RG,
      privateEndpointName: "pe-ledger",
      subnet: { id: `${VNET_ID}/subnets/snet-endpoints` },
      privateLinkServiceConnections: [{ name: "ledger", ...connection }],
    },
    propertyDependencies,
  );
}

const LEDGER_OPEN = [
  `WebApp "ledger-app" is a mesh site (reached by PrivateEndpoint "ledger-pe") but its ` +
    `unmatched-traffic action (siteConfig.ipSecurityRestrictionsDefaultAction) is unset, so, once ` +
    `public network access is enabled, the platform lets every caller in: the list holds no rule. ` +
    `Fix: set siteConfig.ipSecurityRestrictionsDefaultAction to "Deny", and admit each caller with ` +
    `a subnet rule (vnetSubnetResourceId) for its integration subnet.`,
  `WebApp "ledger-app" leaves its SCM (Kudu) site open: scmIpSecurityRestrictionsUseMain is unset ` +
    `and scmIpSecurityRestrictionsDefaultAction is unset. Fix: set ` +
    `siteConfig.scmIpSecurityRestrictionsUseMain to true (or give the SCM site its own "Deny" ` +
    `default).`,
];

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
            headers: { "X-Azure-FDID": [FRONT_DOOR_ID] },
          },
          { ipAddress: "AzureTrafficManager", tag: "ServiceTag", action: "Allow", priority: 500 },
          { ipAddress: "12.0.0.0/8", action: "Allow", priority: 600 },
          { ipAddress: "13.0.0.0/9", action: "Allow", priority: 600 },
          { ipAddress: "2001:db8::/16", action: "Allow", priority: 700 },
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

  it("stays quiet while the rule list is unknown and nothing else makes it a mesh site", () =>
    assertNoViolation(
      mutate(baseline(), "billing-app", (p) => {
        p.siteConfig.ipSecurityRestrictions = UNKNOWN;
        p.siteConfig.ipSecurityRestrictionsDefaultAction = "Allow";
        delete p.siteConfig.appSettings;
      }),
      POLICY,
    ));

  it("still refuses an Allow default while the rules are unknown, when a callee setting makes it a mesh site", () =>
    assertHasViolation(
      mutate(baseline(), "billing-app", (p) => {
        p.siteConfig.ipSecurityRestrictions = UNKNOWN;
        p.siteConfig.ipSecurityRestrictionsDefaultAction = "Allow";
      }),
      violation(
        `WebApp "billing-app" is a mesh site (callee app setting MESH_AUDIENCES) but its ` +
          `unmatched-traffic action (siteConfig.ipSecurityRestrictionsDefaultAction) is "Allow", ` +
          `so every caller that matches no rule gets through. Fix: set ` +
          `siteConfig.ipSecurityRestrictionsDefaultAction to "Deny", and admit each caller with a ` +
          `subnet rule (vnetSubnetResourceId) for its integration subnet.`,
      ),
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
  describe("Allow rules that admit all or nearly all addresses", () => {
    it("refuses the split pair 0.0.0.0/1 + 128.0.0.0/1, each half a broad range", () =>
      assertHasViolation(
        withRules([
          { ipAddress: "0.0.0.0/1", action: "Allow", priority: 200 },
          { ipAddress: "128.0.0.0/1", action: "Allow", priority: 200 },
        ]),
        [
          violation(broadRangeMessage(1, "0.0.0.0/1", 1, "2147483648")),
          violation(broadRangeMessage(2, "128.0.0.0/1", 1, "2147483648")),
        ],
      ));

    it("refuses the split pair in one multi-source rule", () =>
      assertHasViolation(
        withRule({ ipAddress: "0.0.0.0/1,128.0.0.0/1", action: "Allow", priority: 200 }),
        violation(broadRangeMessage(1, "0.0.0.0/1,128.0.0.0/1", 1, "2147483648")),
      ));

    it("refuses a /7, written as a CIDR or as an address and a mask", async () => {
      await assertHasViolation(
        withRule({ ipAddress: "12.0.0.0/7", action: "Allow", priority: 200 }),
        violation(broadRangeMessage(1, "12.0.0.0/7", 7, "33554432")),
      );
      await assertHasViolation(
        withRule({ ipAddress: "12.0.0.0", subnetMask: "254.0.0.0", priority: 200 }),
        violation(broadRangeMessage(1, "12.0.0.0", 7, "33554432")),
      );
    });

    it("refuses an IPv6 /15 and passes a /16", async () => {
      await assertHasViolation(
        withRule({ ipAddress: "2400::/15", action: "Allow", priority: 200 }),
        violation(broadRangeMessage(1, "2400::/15", 15, "2^113", 6)),
      );
      await assertNoViolation(
        withRule({ ipAddress: "2400::/16", action: "Allow", priority: 200 }),
        POLICY,
      );
    });

    it("passes a /8", () =>
      assertNoViolation(withRule({ ipAddress: "12.0.0.0/8", action: "Allow" }), POLICY));

    it("refuses 256 /8s that together cover the whole IPv4 space", () =>
      assertHasViolation(
        withRules(
          Array.from({ length: 256 }, (_, i) => ({
            ipAddress: `${i}.0.0.0/8`,
            action: "Allow",
            priority: 200,
          })),
        ),
        violation(
          `WebApp "billing-app" allows 256 ranges in siteConfig.ipSecurityRestrictions ` +
            `([1]–[256]) that together admit 4294967296 IPv4 addresses, as many as a /0, which ` +
            `opens the site to a large part of the internet. Fix: remove those rules; admit ` +
            `callers only by their integration subnet (vnetSubnetResourceId), and keep the other ` +
            `Allow ranges under a /7's worth of addresses (33554432) in total.`,
        ),
      ));

    it("refuses two /8s (a /7's worth), counting overlaps once", async () => {
      const message =
        `WebApp "billing-app" allows 3 ranges in siteConfig.ipSecurityRestrictions ([1]–[3]) ` +
        `that together admit 33554432 IPv4 addresses, as many as a /7, which opens the site to ` +
        `a large part of the internet. Fix: remove those rules; admit callers only by their ` +
        `integration subnet (vnetSubnetResourceId), and keep the other Allow ranges under a ` +
        `/7's worth of addresses (33554432) in total.`;
      await assertHasViolation(
        withRules([
          { ipAddress: "12.0.0.0/8", action: "Allow", priority: 200 },
          { ipAddress: "12.1.0.0/16", action: "Allow", priority: 200 },
          { ipAddress: "20.0.0.0/8", action: "Allow", priority: 200 },
        ]),
        violation(message),
      );
      // The overlap alone is not a /7's worth: a /8 and a range inside it.
      await assertNoViolation(
        withRules([
          { ipAddress: "12.0.0.0/8", action: "Allow", priority: 200 },
          { ipAddress: "12.1.0.0/16", action: "Allow", priority: 200 },
        ]),
        POLICY,
      );
    });

    it("does not add up Deny rules or subnet rules", () =>
      assertNoViolation(
        withRules([
          { ipAddress: "12.0.0.0/8", action: "Allow", priority: 200 },
          { ipAddress: "20.0.0.0/8", action: "Deny", priority: 200 },
          { ipAddress: "0.0.0.0/1", action: "Deny", priority: 300 },
        ]),
        POLICY,
      ));

    for (const [tag, whom, fix] of [
      [
        "AzureCloud",
        "every Azure customer's resources (the tag holds all of Azure's public addresses)",
        "Fix: admit Azure callers by their integration subnet (vnetSubnetResourceId) instead.",
      ],
      [
        "AzureCloud.westeurope",
        "every Azure customer's resources in that region (the tag holds all of Azure's public " +
          "addresses there)",
        "Fix: admit Azure callers by their integration subnet (vnetSubnetResourceId) instead.",
      ],
      [
        "VirtualNetwork",
        "every subnet of the virtual network, its peered networks and connected on-premises " +
          "networks",
        "Fix: admit each caller by its own integration subnet (vnetSubnetResourceId) instead.",
      ],
    ] as const) {
      it(`refuses the ${tag} service tag`, () =>
        assertHasViolation(
          withRule({ ipAddress: tag, tag: "ServiceTag", action: "Allow", priority: 200 }),
          violation(
            `WebApp "billing-app" allows a broad service tag in ` +
              `siteConfig.ipSecurityRestrictions[1] (service tag "${tag}"), which opens the site ` +
              `to ${whom}. ${fix}`,
          ),
        ));
    }

    const MULTI_TENANT_FIX =
      `Fix: admit your caller by its integration subnet (vnetSubnetResourceId), or put Front ` +
      `Door in front of the site and admit AzureFrontDoor.Backend with headers: { ` +
      `"X-Azure-FDID": ["<your profile's frontDoorId>"] }.`;
    for (const [tag, whom] of [
      [
        "AppService",
        "every Azure customer's App Service and Function apps (the tag holds the shared outbound " +
          "addresses of every tenant's apps)",
      ],
      [
        "AppService.WestEurope",
        "every Azure customer's App Service and Function apps (the tag holds the shared outbound " +
          "addresses of every tenant's apps) in that region",
      ],
      [
        "ApiManagement",
        "every Azure customer's API Management instances (the tag holds addresses API " +
          "Management shares among tenants)",
      ],
      [
        "ActionGroup",
        "every Azure customer's Azure Monitor action groups (any tenant's alert webhook calls " +
          "from these addresses)",
      ],
    ] as const) {
      it(`refuses the multi-tenant ${tag} service tag, which admits other customers' apps`, () =>
        assertHasViolation(
          withRule({ ipAddress: tag, tag: "ServiceTag", action: "Allow", priority: 200 }),
          violation(
            `WebApp "billing-app" allows a broad service tag in ` +
              `siteConfig.ipSecurityRestrictions[1] (service tag "${tag}"), which opens the site ` +
              `to ${whom}. ${MULTI_TENANT_FIX}`,
          ),
        ));
    }

    it("passes a service's own tag (AzureTrafficManager's probes)", () =>
      assertNoViolation(
        withRule({
          ipAddress: "AzureTrafficManager",
          tag: "ServiceTag",
          action: "Allow",
          priority: 200,
        }),
        POLICY,
      ));

    it("passes AzureFrontDoor.Backend with its X-Azure-FDID check, refuses it without", async () => {
      const frontDoor = { ipAddress: "AzureFrontDoor.Backend", tag: "ServiceTag", priority: 200 };
      await assertNoViolation(
        withRule({ ...frontDoor, headers: { "x-azure-fdid": [FRONT_DOOR_ID] } }),
        POLICY,
      );
      await assertHasViolation(
        withRule(frontDoor),
        violation(
          `WebApp "billing-app" allows a broad service tag in siteConfig.ipSecurityRestrictions[1] ` +
            `(service tag "AzureFrontDoor.Backend" without an X-Azure-FDID header check), which ` +
            `opens the site to every Front Door profile of every Azure customer (the tag holds ` +
            `Front Door's shared back ends). Fix: add headers: { "X-Azure-FDID": ["<your ` +
            `profile's frontDoorId>"] } to the rule, so that only your Front Door profile gets in.`,
        ),
      );
    });

    it("refuses them on an SCM site with its own rules too", () =>
      assertHasViolation(
        withScmRules([
          { ipAddress: "203.0.113.0/24", action: "Allow", priority: 100 },
          { ipAddress: "0.0.0.0/1", action: "Allow", priority: 100 },
          { ipAddress: "AzureCloud", tag: "ServiceTag", action: "Allow", priority: 100 },
          ...Array.from({ length: 2 }, (_, i) => ({
            ipAddress: `${12 + i}.0.0.0/8`,
            action: "Allow",
            priority: 200,
          })),
        ]),
        [
          violation(
            `WebApp "billing-app" allows a broad range in siteConfig.scmIpSecurityRestrictions[1] ` +
              `(ipAddress "0.0.0.0/1": a /1 holds 2147483648 IPv4 addresses), which opens its SCM ` +
              `(Kudu) site to a large part of the internet. Fix: remove that rule, or set ` +
              `scmIpSecurityRestrictionsUseMain to true.`,
          ),
          violation(
            `WebApp "billing-app" allows a broad service tag in ` +
              `siteConfig.scmIpSecurityRestrictions[2] (service tag "AzureCloud"), which opens its ` +
              `SCM (Kudu) site to every Azure customer's resources (the tag holds all of Azure's ` +
              `public addresses). Fix: remove that rule, or set scmIpSecurityRestrictionsUseMain ` +
              `to true.`,
          ),
          violation(
            `WebApp "billing-app" allows 3 ranges in siteConfig.scmIpSecurityRestrictions ([0], ` +
              `[3], [4]) that together admit 33554688 IPv4 addresses, as many as a /7, which opens ` +
              `its SCM (Kudu) site to a large part of the internet. Fix: remove those rules (list ` +
              `only your deployment agents' ranges), or set scmIpSecurityRestrictionsUseMain to ` +
              `true.`,
          ),
        ],
      ));

    it("stays quiet on rules whose address, action, mask or headers are unknown (preview)", () =>
      assertNoViolation(
        mutate(preview(), "billing-app", (p) =>
          p.siteConfig.ipSecurityRestrictions.push(
            { ipAddress: UNKNOWN, action: "Allow", priority: 200 },
            { ipAddress: "0.0.0.0/1", action: UNKNOWN, priority: 200 },
            { ipAddress: "12.0.0.0", subnetMask: UNKNOWN, priority: 200 },
            { ipAddress: "AzureFrontDoor.Backend", tag: "ServiceTag", headers: UNKNOWN },
            { ipAddress: "20.0.0.0/8", tag: UNKNOWN, priority: 200 },
            UNKNOWN,
            { ipAddress: "12.0.0.0/8", action: "Allow", priority: 200 },
          ),
        ),
        POLICY,
      ));
  });

  describe("one mesh-site rule, seen with the whole stack", () => {
    it("judges a site that only a private endpoint makes a mesh site", async () => {
      await assertNoViolation(plus(baseline(), ledger()), POLICY);
      await assertHasViolation(
        plus(
          baseline(),
          ledger(),
          ledgerEndpoint({ privateLinkServiceId: LEDGER_ID, groupIds: ["sites"] }),
        ),
        LEDGER_OPEN.map((m) => violation(m, LEDGER)),
      );
      // publicNetworkAccess unset: Azure keeps it off while a private endpoint exists.
      await assertHasViolation(
        plus(
          baseline(),
          ledger({ publicNetworkAccess: undefined }),
          ledgerEndpoint({ privateLinkServiceId: LEDGER_ID, groupIds: ["sites"] }),
        ),
        LEDGER_OPEN.map((m) => violation(m, LEDGER)),
      );
    });

    it("finds the endpoint's site through its dependency while the site id is unknown (preview)", () =>
      assertHasViolation(
        plus(
          baseline(),
          ledger({ id: UNKNOWN }),
          ledgerEndpoint(
            { privateLinkServiceId: UNKNOWN, groupIds: ["sites"] },
            { privateLinkServiceConnections: [LEDGER] },
          ),
        ),
        LEDGER_OPEN.map((m) => violation(m, LEDGER)),
      ));

    it("stays quiet on a site an endpoint may reach while its target is unknown", () =>
      assertNoViolation(
        plus(
          baseline(),
          ledger(),
          ledgerEndpoint({ privateLinkServiceId: UNKNOWN, groupIds: ["sites"] }),
        ),
        POLICY,
      ));

    it("judges a deployment slot of a mesh site, even without rules of its own", () =>
      assertHasViolation(
        plus(
          baseline(),
          resource("azure-native:web:WebAppSlot", "billing-staging", {
            resourceGroupName: RG,
            name: "app-billing",
            slot: "staging",
            siteConfig: {
              ipSecurityRestrictionsDefaultAction: "Allow",
              scmIpSecurityRestrictionsUseMain: true,
            },
          }),
        ),
        violation(
          `WebAppSlot "billing-staging" is a mesh site (a deployment slot of WebApp ` +
            `"billing-app") but its unmatched-traffic action ` +
            `(siteConfig.ipSecurityRestrictionsDefaultAction) is "Allow", so every caller that ` +
            `matches no rule gets through. Fix: set siteConfig.ipSecurityRestrictionsDefaultAction ` +
            `to "Deny", and admit each caller with a subnet rule (vnetSubnetResourceId) for its ` +
            `integration subnet.`,
          urn("azure-native:web:WebAppSlot", "billing-staging"),
        ),
      ));

    it("judges a site whose Easy Auth registration serves app roles to applications", () =>
      assertHasViolation(
        plus(
          baseline(),
          ledger({
            publicNetworkAccess: "Enabled",
            siteConfig: {
              ipSecurityRestrictionsDefaultAction: "Deny",
              scmIpSecurityRestrictionsUseMain: true,
              ipSecurityRestrictions: [{ ipAddress: "0.0.0.0/0" }],
            },
          }),
          resource("azure-native:web:WebAppAuthSettingsV2", "ledger-auth", {
            resourceGroupName: RG,
            name: "app-ledger",
            identityProviders: {
              azureActiveDirectory: { registration: { clientId: BILLING_CLIENT_ID } },
            },
          }),
        ),
        violation(
          `WebApp "ledger-app" allows any source in siteConfig.ipSecurityRestrictions[0] ` +
            `(ipAddress "0.0.0.0/0"), which opens the site to every caller. Fix: remove that rule; ` +
            `admit callers only by their integration subnet (vnetSubnetResourceId).`,
          LEDGER,
        ),
      ));

    it("judges a site whose callee setting lives in a WebAppApplicationSettings resource", () =>
      assertHasViolation(
        plus(
          baseline(),
          ledger({
            publicNetworkAccess: "Enabled",
            siteConfig: { scmIpSecurityRestrictionsUseMain: true },
          }),
          resource("azure-native:web:WebAppApplicationSettings", "ledger-settings", {
            resourceGroupName: RG,
            name: "app-ledger",
            properties: { MESH_ALLOWED_CALLERS: "{}" },
          }),
        ),
        violation(
          `WebApp "ledger-app" is a mesh site (callee app setting MESH_ALLOWED_CALLERS) but its ` +
            `unmatched-traffic action (siteConfig.ipSecurityRestrictionsDefaultAction) is unset, ` +
            `so the platform lets every caller in: the list holds no rule. Fix: set ` +
            `siteConfig.ipSecurityRestrictionsDefaultAction to "Deny", and admit each caller with ` +
            `a subnet rule (vnetSubnetResourceId) for its integration subnet.`,
          LEDGER,
        ),
      ));

    it("does not judge a VNet-integrated caller: its inbound is its own ingress", () =>
      assertNoViolation(
        mutate(baseline(), "orders-app", (p) => {
          p.siteConfig.ipSecurityRestrictionsDefaultAction = "Allow";
          p.siteConfig.ipSecurityRestrictions = [{ ipAddress: "0.0.0.0/0", action: "Allow" }];
        }),
        POLICY,
      ));
  });
});
