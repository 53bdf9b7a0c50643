/**
 * `audit` reports any site integrated into a mesh subnet that is not its owner: the way in the
 * subnet guardrail cannot see (the swift connection, `sites/networkConfig`, on a site outside the
 * mesh), found in what is deployed.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXIT_MISMATCH, type AuditReport } from "@service-edges/cli/audit";
import {
  integrationSubnetOf,
  sitesInMeshSubnetsNotTheirOwner,
} from "@service-edges/cli/audit-subnet-owners";
import { ROOT, planCli } from "../fixtures";

const SUB = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590";
const VNET = `${SUB}/resourceGroups/edges-prod-network/providers/Microsoft.Network/virtualNetworks/edges-prod-vnet`;
const graph = { namePrefix: "edges-prod", services: [{ name: "orders" }, { name: "billing" }] };

describe("audit: sites in a mesh subnet that is not theirs", () => {
  it("passes each owner in its own subnet, in any casing, and sites outside the mesh's network", () => {
    assert.deepEqual(
      sitesInMeshSubnetsNotTheirOwner(graph, [
        { name: "edges-prod-orders", subnetId: `${VNET}/subnets/snet-orders` },
        { name: "EDGES-PROD-ORDERS", subnetId: `${VNET.toLowerCase()}/subnets/SNET-ORDERS` },
        { name: "edges-prod-billing" },
        {
          name: "team-x-worker",
          subnetId: `${SUB}/resourceGroups/team-x/providers/Microsoft.Network/virtualNetworks/team-x-vnet/subnets/snet-orders`,
        },
      ]),
      [],
    );
  });

  it("reports another site, a slot, a mesh site in another's subnet and an unnamed subnet", () => {
    const found = sitesInMeshSubnetsNotTheirOwner(graph, [
      { name: "team-x-worker", subnetId: `${VNET}/subnets/snet-orders` },
      { name: "edges-prod-orders", slot: "staging", subnetId: `${VNET}/subnets/snet-orders` },
      { name: "edges-prod-billing", subnetId: `${VNET}-eu/subnets/snet-orders` },
      { name: "edges-prod-orders", subnetId: `${VNET}/subnets/default` },
      // A service the config does not list (retired, or not yet added) still owns its subnet.
      { name: "edges-prod-payments", subnetId: `${VNET}/subnets/snet-payments` },
    ]);
    assert.deepEqual(
      found.map((f) => [f.service, f.subject, f.message]),
      [
        [
          "orders",
          "team-x-worker",
          "site team-x-worker is integrated into snet-orders (edges-prod-vnet), the integration subnet of orders: every callee that admits orders admits it too; only edges-prod-orders may use that subnet",
        ],
        [
          "orders",
          "edges-prod-orders/staging",
          "slot staging of site edges-prod-orders is integrated into snet-orders (edges-prod-vnet), the integration subnet of orders: every callee that admits orders admits it too; only edges-prod-orders may use that subnet",
        ],
        [
          "orders",
          "edges-prod-billing",
          "site edges-prod-billing is integrated into snet-orders (edges-prod-vnet-eu), the integration subnet of orders: every callee that admits orders admits it too; only edges-prod-orders may use that subnet",
        ],
        [
          "default",
          "edges-prod-orders",
          "site edges-prod-orders is integrated into default (edges-prod-vnet), a subnet of the mesh's network that belongs to no service",
        ],
      ],
    );
    assert.ok(found.every((f) => f.kind === "extra" && f.layer === "network"));
  });

  it("reads the subnet of a swift connection and of a VNet connection, nothing else", () => {
    const subnet = `${VNET}/subnets/snet-orders`;
    assert.equal(
      integrationSubnetOf("/networkConfig/virtualNetwork", { subnetResourceId: subnet }),
      subnet,
    );
    assert.equal(
      integrationSubnetOf("/virtualNetworkConnections/x", { vnetResourceId: subnet }),
      subnet,
    );
    assert.equal(integrationSubnetOf("/networkConfig/virtualNetwork", {}), null);
    assert.equal(integrationSubnetOf("/config/web", { subnetResourceId: subnet }), undefined);
  });

  it("plan audit reports a swift connection of another site into a caller's subnet, and exits 4", async () => {
    const FIX = path.join(ROOT, "test/fixtures/audit");
    const state = JSON.parse(fs.readFileSync(path.join(FIX, "state.json"), "utf8")) as {
      deployment: { resources: Array<{ type: string; outputs?: { id?: string } }> };
    };
    const vnet = state.deployment.resources.find(
      (r) => r.type === "azure-native:network:VirtualNetwork",
    )!.outputs!.id!;
    const sub = vnet.split("/").slice(0, 3).join("/");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "audit-subnet-"));
    const sites = path.join(dir, "sites.json");
    // As `az resource show --ids <site>/networkConfig/virtualNetwork` prints it.
    fs.writeFileSync(
      sites,
      JSON.stringify([
        {
          id: `${sub}/resourceGroups/team-x/providers/Microsoft.Web/sites/team-x-worker/networkConfig/virtualNetwork`,
          name: "virtualNetwork",
          type: "Microsoft.Web/sites/networkConfig",
          properties: { subnetResourceId: `${vnet}/subnets/snet-orders`, swiftSupported: true },
        },
      ]),
    );
    try {
      const r = await planCli(
        "audit",
        "--state",
        path.join(FIX, "state.json"),
        "--config",
        path.join(FIX, "Pulumi.dev.yaml"),
        "--sites",
        sites,
        "--json",
      );
      assert.equal(r.stderr, "");
      assert.equal(r.code, EXIT_MISMATCH);
      const report = JSON.parse(r.stdout) as AuditReport;
      assert.deepEqual(report.findings, [
        {
          kind: "extra",
          layer: "network",
          service: "orders",
          subject: "team-x-worker",
          message: `site team-x-worker is integrated into snet-orders (${vnet.split("/").pop()}), the integration subnet of orders: every callee that admits orders admits it too; only edges-dev-orders may use that subnet`,
        },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
