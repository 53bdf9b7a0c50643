import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import type { PlanResult } from "@service-edges/cli/run";
import { readStackConfig } from "@service-edges/cli/stack-config";
import { ROOT, T, type Values, ofType, planOf } from "../fixtures";

type Obj = Record<string, unknown>;
const PEERING = "azure-native:network:VirtualNetworkPeering";

/** dev-private with a second VNet `b` holding reports' subnet, so the two VNets are peered. */
function twoVnets(): Values {
  const v = readStackConfig(path.join(ROOT, "Pulumi.dev-private.yaml"), "dev-private").values;
  (v["service-edges:network"] as Obj).vnets = { b: "10.41.0.0/16" };
  (v["service-edges:services"] as Record<string, Obj>).reports.subnet = "10.41.0.0/28";
  return v;
}

const peerings = (plan: PlanResult) =>
  ofType(plan, PEERING)
    .map((p) => ({ name: p.name, inputs: p.inputs }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));

// A VNet PUT replaces the whole body; azure-native keeps separately managed peerings only while
// the VNet's inputs leave `virtualNetworkPeerings` unset (MaintainSubResourcePropertiesIfNotSet,
// pulumi/pulumi-azure-native provider/pkg/provider/crud/crud.go; see components/network.ts).
describe("mesh VNets leave virtualNetworkPeerings unset, so updates keep the peerings", () => {
  let plan: PlanResult;
  before(async () => {
    plan = await planOf(twoVnets(), "dev-private");
  });

  it("declares the peerings as separate resources and no VNet input names them", () => {
    const vnets = ofType(plan, T.vnet);
    assert.equal(vnets.length, 2);
    for (const vnet of vnets) {
      assert.deepEqual(
        Object.keys(vnet.inputs).sort(),
        [
          "addressSpace",
          "enableDdosProtection",
          "enableVmProtection",
          "location",
          "resourceGroupName",
          "subnets",
          "virtualNetworkName",
        ],
        vnet.name,
      );
    }
    assert.deepEqual(
      peerings(plan).map((p) => p.name),
      ["mesh-network-b-to-main", "mesh-network-main-to-b"],
    );
  });

  it("adding a caller's subnet updates the VNet and leaves the peerings as they were", async () => {
    const v = twoVnets();
    (v["service-edges:services"] as Record<string, Obj>).audit = {
      kind: "app",
      sku: "B1",
      maxInstances: 1,
      subnet: "10.41.0.16/28",
    };
    (v["service-edges:edges"] as Obj[]).push({
      from: "audit",
      to: "billing",
      roles: ["Invoices.Read"],
    });
    const grown = await planOf(v, "dev-private");
    const vnetB = (p: PlanResult) => ofType(p, T.vnet).find((r) => r.name === "mesh-network-b")!;
    assert.deepEqual(
      (vnetB(grown).inputs.subnets as Obj[]).map((s) => s.name),
      ["snet-audit", "snet-reports"],
    );
    assert.notDeepEqual(vnetB(grown).inputs.subnets, vnetB(plan).inputs.subnets);
    assert.equal("virtualNetworkPeerings" in vnetB(grown).inputs, false);
    assert.deepEqual(peerings(grown), peerings(plan));
  });

  it("runs on an azure-native whose VirtualNetwork marks virtualNetworkPeerings as maintained", () => {
    // The generator appends this sentence exactly when it sets maintainSubResourceIfUnset
    // (provider/pkg/gen getPropertyDescription): an upgrade that dropped the flag fails here.
    const dts = fs.readFileSync(
      path.join(ROOT, "node_modules/@pulumi/azure-native/network/virtualNetwork.d.ts"),
      "utf8",
    );
    const args = dts.slice(dts.indexOf("export interface VirtualNetworkArgs"));
    const doc = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*virtualNetworkPeerings\?:/.exec(args);
    assert.ok(doc, "VirtualNetworkArgs.virtualNetworkPeerings not found");
    assert.match(doc[1], /These are also available as standalone resources\./);
  });
});
