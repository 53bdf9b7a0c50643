import { strict as assert } from "node:assert";
import * as path from "node:path";
import type { PlanResult } from "@service-edges/cli/run";
import { readStackConfig } from "@service-edges/cli/stack-config";
import { ROOT, T, type Values, clone, devConfig, ofType, planOf } from "../fixtures";

type Obj = Record<string, unknown>;
export const DEV_PRIVATE_FILE = path.join(ROOT, "Pulumi.dev-private.yaml");
export const devPrivateValues = () => readStackConfig(DEV_PRIVATE_FILE, "dev-private").values;

const N = {
  pe: "azure-native:network:PrivateEndpoint",
  zoneGroup: "azure-native:network:PrivateDnsZoneGroup",
  asg: "azure-native:network:ApplicationSecurityGroup",
  nsg: "azure-native:network:NetworkSecurityGroup",
  zone: "azure-native:privatedns:PrivateZone",
  link: "azure-native:privatedns:VirtualNetworkLink",
} as const;
const SUB = "/subscriptions/3af4fa1e-022e-571d-b381-209bc81f68fb";
const NET = `${SUB}/resourceGroups/edges-dev-private-network/providers/Microsoft.Network`;
const byName = (plan: PlanResult, type: string) =>
  new Map(ofType(plan, type).map((r) => [r.name, r]));
const counts = (plan: PlanResult) => {
  const c: Record<string, number> = {};
  for (const r of plan.resources) c[r.type] = (c[r.type] ?? 0) + 1;
  return c;
};

describe("network.inbound: privateEndpoints (Pulumi.dev-private.yaml)", () => {
  let plan: PlanResult;
  let dev: PlanResult;
  before(async () => {
    plan = await planOf(devPrivateValues(), "dev-private");
    dev = await planOf(devConfig().values, "dev");
  });

  it("adds exactly the private-endpoint layer to the dev graph's resources", () => {
    const extra = { ...counts(plan) };
    for (const [type, n] of Object.entries(counts(dev))) extra[type] = (extra[type] ?? 0) - n;
    assert.deepEqual(Object.fromEntries(Object.entries(extra).filter(([, n]) => n !== 0)), {
      // billing, catalog, inventory, orders (callees) and web (ingress): one each.
      [N.asg]: 5,
      [N.pe]: 5,
      [N.zoneGroup]: 5,
      // One private-endpoint subnet, one NSG; one zone, linked to the one VNet.
      [N.nsg]: 1,
      [N.zone]: 1,
      [N.link]: 1,
      "service-edges:mesh:MeshPrivateEndpoints": 1,
      // The three guardrails that refuse the private layer are not assigned in private mode;
      // the private layer's three are (private-mode-guardrail-rules.ts): as many as before.
    });
    assert.equal(plan.resources.length, 135);
  });

  it("turns public network access off on every site, callers and SCM included", () => {
    const sites = ofType(plan, T.app);
    assert.equal(sites.length, 6);
    for (const s of sites) assert.equal(s.inputs.publicNetworkAccess, "Disabled", s.name);
    for (const s of ofType(dev, T.app)) assert.equal(s.inputs.publicNetworkAccess, "Enabled");
  });

  it("holds the endpoint subnet inline, with its NSG and network policies on for NSGs", () => {
    const vnet = ofType(plan, T.vnet)[0];
    const subnets = vnet.inputs.subnets as Obj[];
    assert.deepEqual(
      subnets.map((s) => s.name),
      ["snet-inventory", "snet-orders", "snet-reports", "snet-web", "pe-10-40-1-0-25"],
    );
    assert.deepEqual(subnets.at(-1), {
      name: "pe-10-40-1-0-25",
      addressPrefix: "10.40.1.0/25",
      networkSecurityGroup: {
        id: `${NET}/networkSecurityGroups/edges-dev-private-nsg-pe-10-40-1-0-25`,
      },
      privateEndpointNetworkPolicies: "NetworkSecurityGroupEnabled",
    });
    // The integration subnets are those of serviceEndpoints mode, unchanged.
    assert.deepEqual(subnets.slice(0, 4), ofType(dev, T.vnet)[0].inputs.subnets);
  });

  it("its NSG admits each endpoint exactly its callers' subnets (or declared ingress) on 443, then denies all", () => {
    const nsg = ofType(plan, N.nsg)[0];
    assert.equal(nsg.inputs.networkSecurityGroupName, "edges-dev-private-nsg-pe-10-40-1-0-25");
    const asg = (s: string) => [
      { id: `${NET}/applicationSecurityGroups/edges-dev-private-${s}-asg` },
    ];
    const allow = (
      name: string,
      priority: number,
      callee: string,
      sources: string[],
      d: string,
    ) => ({
      name,
      description: d,
      priority,
      direction: "Inbound",
      sourcePortRange: "*",
      access: "Allow",
      protocol: "Tcp",
      sourceAddressPrefixes: sources,
      destinationPortRange: "443",
      destinationApplicationSecurityGroups: asg(callee),
    });
    const web = "10.40.0.0/27";
    const orders = "10.40.0.32/28";
    const reports = "10.40.0.48/28";
    const inventory = "10.40.0.64/26";
    const rules = nsg.inputs.securityRules as Obj[];
    assert.deepEqual(
      rules.map((r) => [r.name, r.priority]),
      [
        ["allow-web-ingress", 227],
        ["allow-billing-callers", 1305],
        ["allow-catalog-callers", 2009],
        ["allow-inventory-callers", 2026],
        ["allow-orders-callers", 2097],
        ["deny-all-else", 4096],
      ],
    );
    const named = new Map(rules.map((r) => [r.name, r]));
    assert.deepEqual(
      named.get("allow-billing-callers"),
      allow(
        "allow-billing-callers",
        1305,
        "billing",
        [orders, reports],
        "edges orders, reports -> billing",
      ),
    );
    assert.deepEqual(named.get("allow-catalog-callers")!.sourceAddressPrefixes, [
      inventory,
      orders,
      web,
    ]);
    assert.deepEqual(named.get("allow-orders-callers")!.sourceAddressPrefixes, [reports, web]);
    assert.deepEqual(named.get("allow-inventory-callers")!.sourceAddressPrefixes, [orders]);
    assert.deepEqual(
      named.get("allow-web-ingress"),
      allow("allow-web-ingress", 227, "web", ["10.50.0.0/24"], "ingress -> web"),
    );
    assert.deepEqual(named.get("deny-all-else"), {
      name: "deny-all-else",
      description:
        "everything else, ahead of the default 65000 AllowVnetInBound (peered VNets, on-premises)",
      priority: 4096,
      direction: "Inbound",
      sourcePortRange: "*",
      access: "Deny",
      protocol: "*",
      sourceAddressPrefix: "*",
      destinationAddressPrefix: "*",
      destinationPortRange: "*",
    });
    // reports calls nobody's endpoint but billing's and orders': no rule names it elsewhere.
    const admitsReports = rules.filter((r) =>
      ((r.sourceAddressPrefixes as string[] | undefined) ?? []).includes(reports),
    );
    assert.deepEqual(admitsReports.map((r) => r.name).sort(), [
      "allow-billing-callers",
      "allow-orders-callers",
    ]);
  });

  it("gives each callee one private endpoint (group sites) in its ASG, and a zone group", () => {
    const pes = byName(plan, N.pe);
    assert.deepEqual([...pes.keys()].sort(), [
      "mesh-private-endpoints-billing",
      "mesh-private-endpoints-catalog",
      "mesh-private-endpoints-inventory",
      "mesh-private-endpoints-orders",
      "mesh-private-endpoints-web",
    ]);
    const billing = pes.get("mesh-private-endpoints-billing")!;
    const site = ofType(plan, T.app).find((s) => s.inputs.name === "edges-dev-private-billing")!;
    assert.deepEqual(billing.inputs, {
      resourceGroupName: "edges-dev-private-network",
      privateEndpointName: "edges-dev-private-billing-pe",
      location: "westeurope",
      subnet: {
        id: `${NET}/virtualNetworks/edges-dev-private-vnet/subnets/pe-10-40-1-0-25`,
        privateEndpointNetworkPolicies: "NetworkSecurityGroupEnabled",
        privateLinkServiceNetworkPolicies: "Enabled",
      },
      customNetworkInterfaceName: "edges-dev-private-billing-pe-nic",
      privateLinkServiceConnections: [
        { name: "billing", privateLinkServiceId: site.id, groupIds: ["sites"] },
      ],
      applicationSecurityGroups: [
        { id: `${NET}/applicationSecurityGroups/edges-dev-private-billing-asg` },
      ],
    });
    const zone = ofType(plan, N.zone)[0];
    assert.deepEqual(zone.inputs, {
      resourceGroupName: "edges-dev-private-network",
      privateZoneName: "privatelink.azurewebsites.net",
      location: "Global",
    });
    const group = byName(plan, N.zoneGroup).get("mesh-private-endpoints-billing")!;
    assert.deepEqual(group.inputs, {
      resourceGroupName: "edges-dev-private-network",
      privateEndpointName: "edges-dev-private-billing-pe",
      privateDnsZoneGroupName: "default",
      privateDnsZoneConfigs: [{ name: "sites", privateDnsZoneId: zone.id }],
    });
    const link = ofType(plan, N.link)[0];
    assert.deepEqual(link.inputs, {
      resourceGroupName: "edges-dev-private-network",
      privateZoneName: "privatelink.azurewebsites.net",
      virtualNetworkLinkName: "edges-dev-private-vnet",
      location: "Global",
      virtualNetwork: { id: ofType(plan, T.vnet)[0].id },
      registrationEnabled: false,
      resolutionPolicy: "NxDomainRedirect",
    });
  });

  it("links the zone to every mesh VNet and peers them, with network.vnets", async () => {
    const v = clone(devPrivateValues()) as Values;
    const net = v["service-edges:network"] as Obj;
    net.vnets = { b: "10.41.0.0/16" };
    (v["service-edges:services"] as Record<string, Obj>).reports.subnet = "10.41.0.0/28";
    const multi = await planOf(v, "dev-private");
    assert.deepEqual(
      ofType(multi, N.link)
        .map((l) => l.inputs.virtualNetworkLinkName)
        .sort(),
      ["edges-dev-private-vnet", "edges-dev-private-vnet-b"],
    );
    assert.deepEqual(
      ofType(multi, "azure-native:network:VirtualNetworkPeering")
        .map((p) => [p.inputs.virtualNetworkName, p.inputs.virtualNetworkPeeringName])
        .sort(),
      [
        ["edges-dev-private-vnet", "to-edges-dev-private-vnet-b"],
        ["edges-dev-private-vnet-b", "to-edges-dev-private-vnet"],
      ],
    );
  });

  it("with network.privateDnsZoneId registers in that zone and creates none", async () => {
    const v = clone(devPrivateValues()) as Values;
    const hub =
      "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/hub-dns/providers/Microsoft.Network/privateDnsZones/privatelink.azurewebsites.net";
    (v["service-edges:network"] as Obj).privateDnsZoneId = hub;
    const p = await planOf(v, "dev-private");
    assert.equal(ofType(p, N.zone).length, 0);
    assert.equal(ofType(p, N.link).length, 0);
    for (const g of ofType(p, N.zoneGroup))
      assert.deepEqual(g.inputs.privateDnsZoneConfigs, [{ name: "sites", privateDnsZoneId: hub }]);
  });

  it("serviceAndPrivateEndpoints: the same endpoints, NSG and DNS, with public access still on", async () => {
    const v = clone(devPrivateValues()) as Values;
    (v["service-edges:network"] as Obj).inbound = "serviceAndPrivateEndpoints";
    const staged = await planOf(v, "dev-private");
    for (const s of ofType(staged, T.app)) assert.equal(s.inputs.publicNetworkAccess, "Enabled");
    for (const type of Object.values(N))
      assert.deepEqual(
        ofType(staged, type).map((r) => [r.urn, r.inputs]),
        ofType(plan, type).map((r) => [r.urn, r.inputs]),
        type,
      );
  });

  it("serviceEndpoints written out plans byte-for-byte the dev plan", async () => {
    const v = clone(devConfig().values) as Values;
    (v["service-edges:network"] as Obj).inbound = "serviceEndpoints";
    const explicit = await planOf(v, "dev");
    assert.equal(
      JSON.stringify(explicit.resources.map((r) => [r.urn, r.inputs, r.dependencies])),
      JSON.stringify(dev.resources.map((r) => [r.urn, r.inputs, r.dependencies])),
    );
  });
});
