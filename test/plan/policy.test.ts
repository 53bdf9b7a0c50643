import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import fc from "fast-check";
import { runPlan } from "../../tools/plan/run";
import { randomGraph, valuesOf } from "../arbitraries";
import { ROOT, devConfig, planOf } from "../fixtures";

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

  it("exits 2 when the planned program registers a private endpoint to a callee", () => {
    const r = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(ROOT, "tools/plan/cli.ts"),
        "--program",
        "test/programs/private-endpoint.ts",
        "--json",
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    assert.equal(r.status, 2, r.stderr);
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
});
