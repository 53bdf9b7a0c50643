import { strict as assert } from "node:assert";
import { type MeshModel, modelResource, reach, readMesh } from "@service-edges/model";

const SUB = "/subscriptions/00000000-0000-4000-8000-000000000001";
const VNET = `${SUB}/resourceGroups/p-network/providers/Microsoft.Network/virtualNetworks/p-vnet`;
const TENANT = "00000000-0000-4000-8000-0000000000aa";
const subnet = (s: string) => `${VNET}/subnets/snet-${s}`;
const ROLE = "11111111-1111-4111-8111-111111111111";

type Obj = Record<string, unknown>;
const res = (type: string, name: string, inputs: Obj, outputs: Obj = {}, id?: string) =>
  modelResource({ urn: `urn:pulumi:dev::p::${type}::${name}`, type, id, inputs, outputs });

/** Two callers (orders, web) and a callee (billing) of mesh `p`, as a state export holds them. */
function resources(over: { billing?: Obj; orders?: Obj; ordersSubnet?: Obj; sp?: Obj } = {}) {
  const site = (s: string, extra: Obj) =>
    res(
      "azure-native:web/v20240401:WebApp",
      `p-${s}`,
      { name: `p-${s}`, ...extra },
      {},
      `${SUB}/resourceGroups/g/providers/Microsoft.Web/sites/p-${s}`,
    );
  return [
    res(
      "azure-native:network:VirtualNetwork",
      "vnet",
      {
        subnets: ["orders", "web"].map((s) => ({
          name: `snet-${s}`,
          id: subnet(s),
          serviceEndpoints: [{ service: "Microsoft.Web" }],
          ...(s === "orders" ? over.ordersSubnet : {}),
        })),
      },
      {},
      VNET,
    ),
    site("billing", {
      publicNetworkAccess: "Enabled",
      siteConfig: {
        ipSecurityRestrictions: [
          {
            name: "orders",
            priority: 100,
            action: "Allow",
            vnetSubnetResourceId: subnet("orders"),
          },
        ],
        ipSecurityRestrictionsDefaultAction: "Deny",
        ...(over.billing ?? {}),
      },
    }),
    site("orders", {
      virtualNetworkSubnetId: subnet("orders"),
      outboundVnetRouting: { applicationTraffic: true },
      ...(over.orders ?? {}),
    }),
    site("web", { virtualNetworkSubnetId: subnet("web") }),
    ...["orders", "web"].map((s) =>
      res(
        "azure-native:managedidentity:UserAssignedIdentity",
        `p-${s}`,
        { resourceName: `p-${s}` },
        {
          principalId: `00000000-0000-4000-8000-00000000000${s === "orders" ? 1 : 2}`,
          tenantId: TENANT,
        },
      ),
    ),
    res(
      "azuread:index/application:Application",
      "p-billing",
      {
        displayName: "p-billing",
        identifierUris: [`api://${TENANT}/p-billing`],
        appRoles: [{ id: ROLE, value: "Invoices.Write", enabled: true }],
      },
      {
        clientId: "00000000-0000-4000-8000-0000000000b1",
        objectId: "00000000-0000-4000-8000-0000000000b2",
      },
    ),
    res(
      "azuread:index/servicePrincipal:ServicePrincipal",
      "p-billing",
      {
        clientId: "00000000-0000-4000-8000-0000000000b1",
        appRoleAssignmentRequired: true,
        ...(over.sp ?? {}),
      },
      { objectId: "00000000-0000-4000-8000-0000000000b3" },
    ),
    res("azuread:index/appRoleAssignment:AppRoleAssignment", "orders.billing", {
      principalObjectId: "00000000-0000-4000-8000-000000000001",
      resourceObjectId: "00000000-0000-4000-8000-0000000000b3",
      appRoleId: ROLE,
    }),
  ];
}

const mesh = (over?: Parameters<typeof resources>[0]): MeshModel =>
  readMesh(resources(over), { namePrefix: "p", services: ["billing", "orders", "web"] });

/** `network <verdict> by <what>; identity <verdict> by <basis> [roles]`. */
function said(m: MeshModel, caller: string, callee: string): string {
  const r = reach(m, caller, callee);
  const d = r.network.decision;
  const by = !d
    ? r.network.path
    : d.by.kind === "rule"
      ? `rule ${d.by.rule.name}`
      : d.by.kind === "default"
        ? `default ${d.by.basis}`
        : d.by.kind === "public-access-disabled"
          ? `public access ${d.by.basis}`
          : d.by.kind === "private-endpoint"
            ? `endpoint ${d.by.endpoint} ${d.by.basis}${d.by.rule ? ` ${d.by.rule.name}` : ""}`
            : `unknown ${d.by.what}`;
  const egress = r.network.egress.kind === "public" ? ` (public: ${r.network.egress.why})` : "";
  return `network ${String(r.network.allowed)} by ${by}${egress}; identity ${String(r.identity.allowed)} by ${r.identity.basis} [${r.identity.roles.join(",")}]`;
}

describe("model: the mesh read from resources, and reach per layer", () => {
  const TABLE: Array<[string, Parameters<typeof resources>[0], string, string, string]> = [
    [
      "the edge: its subnet rule and its grant",
      {},
      "orders",
      "billing",
      "network true by rule orders; identity true by grant [Invoices.Write]",
    ],
    [
      "no edge: the explicit default, and no assignment",
      {},
      "web",
      "billing",
      "network false by default explicit; identity false by no-assignment []",
    ],
    [
      "a callee with no Entra application needs no token",
      {},
      "orders",
      "web",
      "network true by default no-rules; identity true by no-application []",
    ],
    [
      "a Deny at priority 50 for the caller's subnet comes first",
      {
        billing: {
          ipSecurityRestrictions: [
            {
              name: "orders",
              priority: 100,
              action: "Allow",
              vnetSubnetResourceId: subnet("orders"),
            },
            {
              name: "deny-orders",
              priority: 50,
              action: "Deny",
              vnetSubnetResourceId: subnet("orders"),
            },
          ],
        },
      },
      "orders",
      "billing",
      "network false by rule deny-orders; identity true by grant [Invoices.Write]",
    ],
    [
      "no explicit default: the implicit deny-all",
      { billing: { ipSecurityRestrictionsDefaultAction: undefined } },
      "web",
      "billing",
      "network false by default implicit-deny; identity false by no-assignment []",
    ],
    [
      "the caller routes no traffic through its integration",
      { orders: { outboundVnetRouting: { applicationTraffic: false } } },
      "orders",
      "billing",
      "network false by default explicit (public: routing-off); identity true by grant [Invoices.Write]",
    ],
    [
      "the caller's subnet has no Microsoft.Web service endpoint",
      { ordersSubnet: { serviceEndpoints: [] } },
      "orders",
      "billing",
      "network false by default explicit (public: no-service-endpoint); identity true by grant [Invoices.Write]",
    ],
    [
      "assignment not required: any application gets a token",
      { sp: { appRoleAssignmentRequired: false } },
      "web",
      "billing",
      "network false by default explicit; identity true by assignment-not-required []",
    ],
  ];
  for (const [name, over, caller, callee, want] of TABLE) {
    it(name, () => assert.equal(said(mesh(over), caller, callee), want));
  }

  it("a site with public network access Disabled admits nobody through its public endpoint", () => {
    const m = readMesh(
      resources().map((r) =>
        r.p.name === "p-billing" ? { ...r, p: { ...r.p, publicNetworkAccess: "Disabled" } } : r,
      ),
      { namePrefix: "p", services: ["billing", "orders", "web"] },
    );
    assert.equal(
      said(m, "orders", "billing"),
      "network false by public access disabled; identity true by grant [Invoices.Write]",
    );
  });

  it("a caller of another stack: its subnet and principal from the platform's registry", () => {
    // A team stack holds the callee; the caller's site and identity live in other stacks, and
    // the team stack reads them through its StackReference to the platform.
    const own = resources().filter(
      (r) =>
        !(r.p.name === "p-orders" || r.p.resourceName === "p-orders") &&
        r.type !== "azure-native:network:VirtualNetwork",
    );
    const platform = modelResource({
      urn: "urn:pulumi:inv::p::pulumi:pulumi:StackReference::org/platform",
      type: "pulumi:pulumi:StackReference",
      inputs: { name: "org/platform" },
      outputs: {
        outputs: {
          tenantId: TENANT,
          registry: {
            orders: {
              subnetId: subnet("orders"),
              managedPrincipalId: "00000000-0000-4000-8000-000000000001",
              principalObjectId: "00000000-0000-4000-8000-000000000001",
            },
          },
        },
      },
    });
    const m = readMesh([...own, platform], {
      namePrefix: "p",
      services: ["billing", "orders", "web"],
    });
    assert.equal(
      said(m, "orders", "billing"),
      "network true by rule orders; identity true by grant [Invoices.Write]",
    );
    assert.equal(m.serviceOfSubnet(subnet("orders")), "orders");
  });

  it("binds sites, identities and the callee's application to service names", () => {
    const m = mesh();
    assert.equal(m.site("billing")?.name, "p-billing");
    assert.equal(m.serviceOfSubnet(subnet("orders").toUpperCase()), "orders");
    assert.equal(m.entra("orders").managedIdentity, "00000000-0000-4000-8000-000000000001");
    assert.equal(m.entra("billing").sp?.objectId, "00000000-0000-4000-8000-0000000000b3");
    assert.deepEqual(m.principals.get("00000000-0000-4000-8000-000000000001"), {
      service: "orders",
      kind: "managed identity",
    });
  });
});
