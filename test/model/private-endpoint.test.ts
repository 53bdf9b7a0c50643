import { strict as assert } from "node:assert";
import { modelResource, namedPairs, reach, readMesh } from "@service-edges/model";

const SUB = "/subscriptions/00000000-0000-4000-8000-000000000001";
const RG = `${SUB}/resourceGroups/p-network`;
const VNET = `${RG}/providers/Microsoft.Network/virtualNetworks/p-vnet`;
const NSG = `${RG}/providers/Microsoft.Network/networkSecurityGroups/p-nsg-pe`;
const ASG = `${RG}/providers/Microsoft.Network/applicationSecurityGroups/p-billing-asg`;
const PE_SUBNET = `${VNET}/subnets/pe-10-40-1-0-25`;
const subnet = (s: string) => `${VNET}/subnets/snet-${s}`;
const SITE = `${SUB}/resourceGroups/g/providers/Microsoft.Web/sites/p-billing`;

type Obj = Record<string, unknown>;
const res = (type: string, name: string, inputs: Obj, id?: string) =>
  modelResource({ urn: `urn:pulumi:dev::p::${type}::${name}`, type, id, inputs, outputs: {} });

const ALLOW_ORDERS: Obj = {
  name: "allow-billing-callers",
  priority: 1234,
  direction: "Inbound",
  access: "Allow",
  protocol: "Tcp",
  sourceAddressPrefixes: ["10.40.0.32/28"],
  sourcePortRange: "*",
  destinationApplicationSecurityGroups: [{ id: ASG }],
  destinationPortRange: "443",
};
const DENY_ALL: Obj = {
  name: "deny-all-else",
  priority: 4096,
  direction: "Inbound",
  access: "Deny",
  protocol: "*",
  sourceAddressPrefix: "*",
  sourcePortRange: "*",
  destinationAddressPrefix: "*",
  destinationPortRange: "*",
};

/** A rule as REST and `az` nest it: the name outside, the rest in `properties`. */
const props = ({ name: _name, ...rest }: Obj): Obj => rest;

/** billing reached only through its private endpoint; orders (10.40.0.32/28) and web (10.40.0.0/27) call. */
function mesh(
  over: { rules?: Obj[]; policies?: string; separateRules?: boolean; extra?: Obj[] } = {},
) {
  const rules = over.rules ?? [ALLOW_ORDERS, DENY_ALL];
  const resources = [
    res(
      "azure-native:network:NetworkSecurityGroup",
      "nsg",
      {
        networkSecurityGroupName: "p-nsg-pe",
        ...(over.separateRules ? {} : { securityRules: rules }),
      },
      NSG,
    ),
    ...(over.separateRules
      ? rules.map((r) =>
          res("azure-native:network:SecurityRule", String(r.name), {
            ...r,
            securityRuleName: r.name,
            networkSecurityGroupName: "p-nsg-pe",
          }),
        )
      : []),
    res(
      "azure-native:network:VirtualNetwork",
      "vnet",
      {
        subnets: [
          { name: "snet-web", id: subnet("web"), addressPrefix: "10.40.0.0/27" },
          { name: "snet-orders", id: subnet("orders"), addressPrefix: "10.40.0.32/28" },
          {
            name: "pe-10-40-1-0-25",
            id: PE_SUBNET,
            addressPrefix: "10.40.1.0/25",
            networkSecurityGroup: { id: NSG },
            privateEndpointNetworkPolicies: over.policies ?? "NetworkSecurityGroupEnabled",
          },
        ],
      },
      VNET,
    ),
    res(
      "azure-native:web:WebApp",
      "p-billing",
      { name: "p-billing", publicNetworkAccess: "Disabled" },
      SITE,
    ),
    res("azure-native:web:WebApp", "p-orders", {
      name: "p-orders",
      virtualNetworkSubnetId: subnet("orders"),
    }),
    res("azure-native:web:WebApp", "p-web", {
      name: "p-web",
      virtualNetworkSubnetId: subnet("web"),
    }),
    res("azure-native:network:PrivateEndpoint", "billing-pe", {
      privateEndpointName: "p-billing-pe",
      subnet: { id: PE_SUBNET },
      applicationSecurityGroups: [{ id: ASG }],
      privateLinkServiceConnections: [
        { name: "billing", privateLinkServiceId: SITE, groupIds: ["sites"] },
      ],
    }),
    ...(over.extra ?? []).map((e, i) =>
      res(String(e.type), `extra-${i}`, e.inputs as Obj, e.id as string),
    ),
  ];
  return readMesh(resources, { namePrefix: "p", services: ["billing", "orders", "web"] });
}

function said(m: ReturnType<typeof mesh>, caller: string): string {
  const n = reach(m, caller, "billing").network;
  const d = n.decision;
  if (d?.by.kind !== "private-endpoint") return `${String(n.allowed)} by ${d?.by.kind ?? n.path}`;
  return `${String(n.allowed)} by ${d.by.basis}${d.by.rule ? ` ${d.by.rule.name} ${d.by.rule.priority}` : ""}`;
}

describe("model: the private-endpoint path (the endpoint subnet's NSG decides)", () => {
  const TABLE: Array<[string, Parameters<typeof mesh>[0], string, string]> = [
    [
      "a declared caller: its NSG rule",
      {},
      "orders",
      "true by nsg-rule allow-billing-callers 1234",
    ],
    [
      "another subnet of the VNet: the explicit Deny",
      {},
      "web",
      "false by nsg-rule deny-all-else 4096",
    ],
    [
      "no explicit Deny: Azure's AllowVnetInBound lets the VNet in",
      { rules: [ALLOW_ORDERS] },
      "web",
      "true by nsg-rule AllowVnetInBound 65000",
    ],
    [
      "the subnet does not enforce NSGs: anyone with line of sight",
      { policies: "Disabled" },
      "web",
      "true by unfiltered",
    ],
    [
      "RouteTableEnabled does not enforce NSGs either",
      { policies: "RouteTableEnabled" },
      "web",
      "true by unfiltered",
    ],
    [
      "Enabled enforces NSGs",
      { policies: "Enabled" },
      "web",
      "false by nsg-rule deny-all-else 4096",
    ],
    [
      "rules as separate SecurityRule resources",
      { separateRules: true },
      "orders",
      "true by nsg-rule allow-billing-callers 1234",
    ],
    [
      "a Deny for the caller's subnet ahead of its Allow",
      {
        rules: [
          { ...DENY_ALL, name: "deny-orders", priority: 100, sourceAddressPrefix: "10.40.0.32/28" },
          ALLOW_ORDERS,
          DENY_ALL,
        ],
      },
      "orders",
      "false by nsg-rule deny-orders 100",
    ],
    [
      "an Allow for another endpoint's group does not admit to this one",
      {
        rules: [
          { ...ALLOW_ORDERS, destinationApplicationSecurityGroups: [{ id: `${ASG}-other` }] },
          DENY_ALL,
        ],
      },
      "orders",
      "false by nsg-rule deny-all-else 4096",
    ],
    [
      "a rule edited out of band, read from `az network nsg show` (properties nested)",
      {
        rules: [],
        extra: [
          {
            type: "azure-native:network:NetworkSecurityGroup",
            id: NSG,
            inputs: {
              name: "p-nsg-pe",
              securityRules: [
                {
                  name: "allow-web",
                  properties: {
                    ...props(ALLOW_ORDERS),
                    sourceAddressPrefixes: ["10.40.0.0/27"],
                  },
                },
                { name: "deny-all-else", properties: props(DENY_ALL) },
              ],
            },
          },
        ],
      },
      "web",
      "true by nsg-rule allow-web 1234",
    ],
  ];
  for (const [name, over, caller, want] of TABLE) {
    it(name, () => assert.equal(said(mesh(over), caller), want));
  }

  it("names the pairs an NSG rule names (the review's access changes see NSG edits)", () => {
    const pairs = (m: ReturnType<typeof mesh>) =>
      namedPairs(m)
        .map((p) => `${p.caller}->${p.callee}`)
        .sort();
    assert.deepEqual(pairs(mesh()), ["orders->billing"]);
    assert.deepEqual(
      pairs(
        mesh({
          rules: [
            { ...ALLOW_ORDERS, sourceAddressPrefixes: ["10.40.0.32/28", "10.40.0.0/27"] },
            DENY_ALL,
          ],
        }),
      ),
      ["orders->billing", "web->billing"],
    );
  });

  it("public access off and no endpoint: the public endpoint's refusal stands", () => {
    const m = readMesh(
      [
        res(
          "azure-native:web:WebApp",
          "p-billing",
          { name: "p-billing", publicNetworkAccess: "Disabled" },
          SITE,
        ),
      ],
      { namePrefix: "p", services: ["billing", "orders"] },
    );
    assert.equal(said(m, "orders"), "false by public-access-disabled");
  });
});
