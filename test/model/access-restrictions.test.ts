import { strict as assert } from "node:assert";
import {
  type Request,
  type SiteAccess,
  UNKNOWN,
  decide,
  decideSite,
  openToEveryone,
  parseRange,
  ruleListOf,
} from "@service-edges/model";

const ORDERS =
  "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/snet-orders";
const WEB =
  "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/snet-web";
const FDID = "3f2a0c6e-1111-4222-8333-444455556666";

const range = (t: string) => parseRange(t)!;
const allowSubnet = (name: string, priority: number, subnet: string) => ({
  name,
  priority,
  action: "Allow",
  vnetSubnetResourceId: subnet,
});

/** What the decision says, in one line: `allow rule "x" (100)`, `deny default (implicit-deny)`. */
function said(d: ReturnType<typeof decide>): string {
  const verdict = d.allowed === "unknown" ? "unknown" : d.allowed ? "allow" : "deny";
  const by =
    d.by.kind === "rule"
      ? `rule "${d.by.rule.name}" (${String(d.by.rule.priority)})${d.by.partial ? " partly" : ""}`
      : d.by.kind === "default"
        ? `default (${d.by.basis})`
        : `unknown ${d.by.what}`;
  return `${verdict} ${by}`;
}

interface Case {
  name: string;
  rules: unknown[];
  defaultAction?: string;
  request: Request;
  want: string;
}

// The decision as a table of inputs -> decision (as consul's TestIntentionDecision).
const CASES: Case[] = [
  {
    name: "a Deny rule at a lower priority number comes before an Allow for the same subnet",
    rules: [
      allowSubnet("orders", 100, ORDERS),
      { name: "deny-orders", priority: 50, action: "Deny", vnetSubnetResourceId: ORDERS },
    ],
    defaultAction: "Deny",
    request: { subnetId: ORDERS },
    want: 'deny rule "deny-orders" (50)',
  },
  {
    name: "the Allow decides when the Deny comes after it",
    rules: [
      allowSubnet("orders", 100, ORDERS),
      { name: "deny-orders", priority: 200, action: "Deny", vnetSubnetResourceId: ORDERS },
    ],
    defaultAction: "Deny",
    request: { subnetId: ORDERS },
    want: 'allow rule "orders" (100)',
  },
  {
    name: "equal priorities: the order of the list",
    rules: [
      { name: "first", priority: 100, action: "Deny", vnetSubnetResourceId: ORDERS },
      allowSubnet("second", 100, ORDERS),
    ],
    defaultAction: "Allow",
    request: { subnetId: ORDERS },
    want: 'deny rule "first" (100)',
  },
  {
    name: "subnet ids compare without case",
    rules: [allowSubnet("orders", 100, ORDERS.toLowerCase())],
    defaultAction: "Deny",
    request: { subnetId: ORDERS },
    want: 'allow rule "orders" (100)',
  },
  {
    name: "another subnet falls to the explicit default",
    rules: [allowSubnet("orders", 100, ORDERS)],
    defaultAction: "Deny",
    request: { subnetId: WEB },
    want: "deny default (explicit)",
  },
  {
    name: "no explicit default, rules present: the documented implicit deny-all",
    rules: [allowSubnet("orders", 100, ORDERS)],
    request: { subnetId: WEB },
    want: "deny default (implicit-deny)",
  },
  {
    name: "no explicit default, only a Deny rule: still the implicit deny-all",
    rules: [{ name: "block", priority: 100, action: "Deny", ipAddress: "198.51.100.0/24" }],
    request: { from: range("203.0.113.7") },
    want: "deny default (implicit-deny)",
  },
  {
    name: "no explicit default, no rules: no restriction",
    rules: [],
    request: { subnetId: WEB },
    want: "allow default (no-rules)",
  },
  {
    name: "a read-back config's echo rule is the unmatched-traffic action",
    rules: [{ name: "Deny all", priority: 2147483647, action: "Deny", ipAddress: "Any" }],
    request: { from: range("203.0.113.7") },
    want: "deny default (echoed)",
  },
  {
    name: "an explicit Allow default admits what no rule matches",
    rules: [allowSubnet("orders", 100, ORDERS)],
    defaultAction: "Allow",
    request: { subnetId: WEB },
    want: "allow default (explicit)",
  },
  {
    name: "IPv4 address inside an Allow range",
    rules: [{ name: "office", priority: 100, action: "Allow", ipAddress: "203.0.113.0/24" }],
    defaultAction: "Deny",
    request: { from: range("203.0.113.9") },
    want: 'allow rule "office" (100)',
  },
  {
    name: "IPv4 address and subnetMask (the classic form)",
    rules: [
      {
        name: "office",
        priority: 100,
        action: "Allow",
        ipAddress: "203.0.113.0",
        subnetMask: "255.255.255.0",
      },
    ],
    defaultAction: "Deny",
    request: { from: range("203.0.113.200") },
    want: 'allow rule "office" (100)',
  },
  {
    name: "IPv6 address inside an Allow range",
    rules: [{ name: "v6", priority: 100, action: "Allow", ipAddress: "2001:db8:abcd::/48" }],
    defaultAction: "Deny",
    request: { from: range("2001:db8:abcd:12::1") },
    want: 'allow rule "v6" (100)',
  },
  {
    name: "an IPv4 rule never matches an IPv6 client",
    rules: [{ name: "v4", priority: 100, action: "Allow", ipAddress: "0.0.0.0/0" }],
    defaultAction: "Deny",
    request: { from: range("2001:db8::1") },
    want: "deny default (explicit)",
  },
  {
    name: "a comma-separated list of ranges in one rule",
    rules: [
      { name: "two", priority: 100, action: "Allow", ipAddress: "198.51.100.0/24,2001:db8::/32" },
    ],
    defaultAction: "Deny",
    request: { from: range("2001:db8::5") },
    want: 'allow rule "two" (100)',
  },
  {
    name: "a range asks for every address in it: a Deny on part of it decides",
    rules: [
      { name: "deny-part", priority: 100, action: "Deny", ipAddress: "203.0.113.128/25" },
      { name: "allow-all", priority: 200, action: "Allow", ipAddress: "203.0.113.0/24" },
    ],
    defaultAction: "Deny",
    request: { from: range("203.0.113.0/24") },
    want: 'deny rule "deny-part" (100) partly',
  },
  {
    name: "service-endpoint traffic is matched by a rule for every address",
    rules: [{ name: "any", priority: 100, action: "Allow", ipAddress: "Any" }],
    defaultAction: "Deny",
    request: { subnetId: WEB },
    want: 'allow rule "any" (100)',
  },
  {
    name: "service-endpoint traffic is not matched by a public range",
    rules: [{ name: "office", priority: 100, action: "Allow", ipAddress: "203.0.113.0/24" }],
    defaultAction: "Deny",
    request: { subnetId: WEB },
    want: "deny default (explicit)",
  },
  {
    name: "a service tag rule admits a client in that tag",
    rules: [
      {
        name: "fd",
        priority: 100,
        action: "Allow",
        tag: "ServiceTag",
        ipAddress: "AzureFrontDoor.Backend",
      },
    ],
    defaultAction: "Deny",
    request: { serviceTags: ["AzureFrontDoor.Backend"] },
    want: 'allow rule "fd" (100)',
  },
  {
    name: "a service tag rule does not admit a mesh subnet",
    rules: [
      {
        name: "fd",
        priority: 100,
        action: "Allow",
        tag: "ServiceTag",
        ipAddress: "AzureFrontDoor.Backend",
      },
    ],
    defaultAction: "Deny",
    request: { subnetId: WEB },
    want: "deny default (explicit)",
  },
  {
    name: "a header condition: the right X-Azure-FDID gets in",
    rules: [
      {
        name: "fd",
        priority: 100,
        action: "Allow",
        tag: "ServiceTag",
        ipAddress: "AzureFrontDoor.Backend",
        headers: { "X-Azure-FDID": [FDID] },
      },
    ],
    defaultAction: "Deny",
    request: { serviceTags: ["AzureFrontDoor.Backend"], headers: { "x-azure-fdid": FDID } },
    want: 'allow rule "fd" (100)',
  },
  {
    name: "a header condition: another Front Door profile does not",
    rules: [
      {
        name: "fd",
        priority: 100,
        action: "Allow",
        tag: "ServiceTag",
        ipAddress: "AzureFrontDoor.Backend",
        headers: { "X-Azure-FDID": [FDID] },
      },
    ],
    defaultAction: "Deny",
    request: {
      serviceTags: ["AzureFrontDoor.Backend"],
      headers: { "x-azure-fdid": "00000000-0000-4000-8000-000000000000" },
    },
    want: "deny default (explicit)",
  },
  {
    name: "an X-Forwarded-For (XffProxy) rule matches the forwarded client",
    rules: [
      {
        name: "proxy",
        priority: 100,
        action: "Allow",
        tag: "XffProxy",
        ipAddress: "198.51.100.0/24",
      },
    ],
    defaultAction: "Deny",
    request: { from: range("203.0.113.1"), forwardedFor: range("198.51.100.4") },
    want: 'allow rule "proxy" (100)',
  },
  {
    name: "everyone: a /0 rule admits every IPv4 client",
    rules: [{ name: "public", priority: 100, action: "Allow", ipAddress: "0.0.0.0/0" }],
    defaultAction: "Deny",
    request: { from: range("0.0.0.0/0") },
    want: 'allow rule "public" (100)',
  },
  {
    name: "everyone: a Deny for one subnet first means not every client gets in",
    rules: [
      { name: "deny-orders", priority: 50, action: "Deny", vnetSubnetResourceId: ORDERS },
      { name: "public", priority: 100, action: "Allow", ipAddress: "0.0.0.0/0" },
    ],
    defaultAction: "Allow",
    request: { from: range("0.0.0.0/0") },
    want: 'deny rule "deny-orders" (50) partly',
  },
];

describe("model: App Service access restrictions, one decision", () => {
  for (const c of CASES) {
    it(c.name, () => {
      assert.equal(said(decide(ruleListOf(c.rules, c.defaultAction), c.request)), c.want);
    });
  }

  it("an unknown rule before the deciding one makes the answer unknown only if it could differ", () => {
    const rules = ruleListOf([allowSubnet("orders", 100, ORDERS)], "Deny");
    const withUnknown = (action: "Allow" | "Deny") => ({
      ...rules,
      rules: [
        {
          name: "pending",
          index: 1,
          priority: 10,
          action,
          source: UNKNOWN as typeof UNKNOWN,
          headers: {},
        },
        ...(rules.rules as never[]),
      ],
    });
    assert.equal(
      said(decide(withUnknown("Deny"), { subnetId: ORDERS })),
      'unknown rule "orders" (100)',
    );
    assert.equal(
      said(decide(withUnknown("Allow"), { subnetId: ORDERS })),
      'allow rule "orders" (100)',
    );
    assert.equal(
      said(decide({ rules: UNKNOWN, defaultAction: "Deny" }, { subnetId: ORDERS })),
      "unknown unknown the rules",
    );
    assert.equal(
      said(decide({ rules: [], defaultAction: UNKNOWN }, { subnetId: ORDERS })),
      "unknown unknown the unmatched-traffic action",
    );
  });
});

describe("model: a site's public endpoint (public access, SCM)", () => {
  const site = (over: Partial<SiteAccess>): SiteAccess => ({
    publicNetworkAccess: "Enabled",
    privateEndpoints: [],
    main: ruleListOf([allowSubnet("orders", 100, ORDERS)], "Deny"),
    scm: ruleListOf(
      [{ name: "agents", priority: 100, action: "Allow", ipAddress: "198.51.100.0/24" }],
      "Deny",
    ),
    scmUseMain: false,
    ...over,
  });
  const TABLE: Array<[string, SiteAccess, "main" | "scm", Request, string]> = [
    ["main: the subnet rule", site({}), "main", { subnetId: ORDERS }, 'allow rule "orders" (100)'],
    [
      "scm: its own rules",
      site({}),
      "scm",
      { from: range("198.51.100.9") },
      'allow rule "agents" (100)',
    ],
    [
      "scm: its own rules do not name the subnet",
      site({}),
      "scm",
      { subnetId: ORDERS },
      "deny default (explicit)",
    ],
    [
      "scm using main: the main site's rules",
      site({ scmUseMain: true }),
      "scm",
      { subnetId: ORDERS },
      'allow rule "orders" (100)',
    ],
    [
      "scm using main: its own rules no longer apply",
      site({ scmUseMain: true }),
      "scm",
      { from: range("198.51.100.9") },
      "deny default (explicit)",
    ],
    [
      "scm with no rules and no default: no restriction",
      site({ scm: ruleListOf([], undefined) }),
      "scm",
      { from: range("203.0.113.1") },
      "allow default (no-rules)",
    ],
  ];
  for (const [name, s, side, req, want] of TABLE) {
    it(name, () => assert.equal(said(decideSite(s, side, req) as never), want));
  }

  it("public network access Disabled admits nothing through the public endpoint", () => {
    const d = decideSite(site({ publicNetworkAccess: "Disabled" }), "main", { subnetId: ORDERS });
    assert.deepEqual(
      [d.allowed, d.by],
      [false, { kind: "public-access-disabled", basis: "disabled" }],
    );
  });

  it("unset public network access with an approved private endpoint is closed", () => {
    const s = site({
      publicNetworkAccess: undefined,
      privateEndpoints: [{ name: "pe", status: "Approved" }],
    });
    assert.deepEqual(decideSite(s, "main", { subnetId: ORDERS }).by, {
      kind: "public-access-disabled",
      basis: "private-endpoint",
    });
    const pending = site({
      publicNetworkAccess: undefined,
      privateEndpoints: [{ name: "pe", status: "Pending" }],
    });
    assert.equal(decideSite(pending, "main", { subnetId: ORDERS }).allowed, true);
  });

  it("open to everyone: only through an Allow for every address, or an Allow default", () => {
    assert.equal(openToEveryone(site({}), "main").allowed, false);
    assert.equal(openToEveryone(site({ main: ruleListOf([], undefined) }), "main").allowed, true);
    const v6 = site({
      main: ruleListOf([{ name: "v6", priority: 1, action: "Allow", ipAddress: "::/0" }], "Deny"),
    });
    assert.equal(openToEveryone(v6, "main").allowed, true);
    assert.equal(openToEveryone(site({ scmUseMain: UNKNOWN }), "scm").allowed, "unknown");
  });
});
