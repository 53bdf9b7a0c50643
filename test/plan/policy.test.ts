import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { runPlan } from "@service-edges/cli/run";
import { randomGraph, valuesOf } from "../arbitraries";
import { devConfig, planCli, planOf } from "../fixtures";

describe("the policy pack on the program's own plans", () => {
  it("passes the dev stack with zero violations", async () => {
    const plan = await runPlan({ config: devConfig() });
    assert.deepEqual(plan.violations, []);
  });

  it("passes generated graphs with zero violations", async () => {
    await fc.assert(
      fc.asyncProperty(randomGraph, async (g) => {
        const plan = await planOf(valuesOf(g));
        assert.deepEqual(plan.violations, []);
      }),
      { numRuns: 10 },
    );
  });

  it("exits 2 when the planned program registers a private endpoint to a callee", async () => {
    const r = await planCli("--program", "test/programs/private-endpoint.ts", "--json");
    assert.equal(r.code, 2, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.violations.length, 1);
    assert.equal(j.violations[0].policy, "no-private-endpoint-callee");
    assert.equal(j.violations[0].enforcementLevel, "mandatory");
    assert.equal(
      j.violations[0].urn,
      "urn:pulumi:dev::service-edges::azure-native:network:PrivateEndpoint::billing-pe",
    );
    assert.match(
      j.violations[0].message,
      /^PrivateEndpoint "billing-pe" connects to App Service site "edges-dev-billing"/,
    );
  });

  it("refuses an unrestricted deployment slot of a mesh site, read back as {site}/{slot}", async () => {
    const r = await planCli("--program", "test/programs/open-slot.ts", "--json");
    assert.equal(r.code, 2, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(
      j.violations.map((v: { policy: string; urn: string; message: string }) => [
        v.policy,
        v.urn,
        v.message.split(" but ")[0].split(":")[0],
      ]),
      [
        [
          "mesh-site-default-deny",
          "urn:pulumi:dev::service-edges::azure-native:web:WebAppSlot::billing-staging",
          'WebAppSlot "billing-staging" is a mesh site (a deployment slot of WebApp "mesh-billing")',
        ],
        [
          "mesh-site-default-deny",
          "urn:pulumi:dev::service-edges::azure-native:web:WebAppSlot::billing-staging",
          'WebAppSlot "billing-staging" leaves its SCM (Kudu) site open',
        ],
      ],
    );
  });

  it("judges a team's own program without a mesh config: resources and policy results, exit 2", async () => {
    const config = path.join(os.tmpdir(), "Pulumi.team.yaml");
    fs.writeFileSync(config, "config:\n  azure-native:location: westeurope\n");
    const r = await planCli("--config", config, "--program", "test/programs/team-endpoint.ts");
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stdout,
      /^Plan of stack team \(.*Pulumi\.team\.yaml\): 1 resources\n\nPolicy pack: 1 violation\n/,
    );
    assert.match(
      r.stdout,
      /\[mandatory\] no-private-endpoint-callee on urn:pulumi:team::service-edges::azure-native:network:PrivateEndpoint::reports-pe/,
    );
  });
});
