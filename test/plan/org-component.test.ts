/**
 * Org mode from a user's own program: a team stack's program is a few lines (MeshTeam with
 * `platformStack`, which does the StackReference itself), and plans exactly what this repository's
 * index.ts plans for the same team from its `service-edges:` config.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { type PlanResult, runPlan } from "@service-edges/cli/run";
import { readStackConfig } from "@service-edges/cli/stack-config";
import { ROOT } from "../fixtures";

const ORG = path.join(ROOT, "test/fixtures/org");
const PROGRAM = path.join(ROOT, "test/programs/org-team/index.ts");

/**
 * What a plan registered, but the StackReference (named after the platform stack), with the ids
 * the mocks derive from the project's name (the user's project is payments-infra) masked.
 */
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const shape = (plan: PlanResult) =>
  plan.resources
    .filter((r) => r.type !== "pulumi:pulumi:StackReference")
    .map((r) => `${r.type}::${r.name}::${JSON.stringify(r.inputs).replace(GUID, "<id>")}`)
    .sort();

describe("a team stack's program of a few lines (MeshTeam with platformStack)", function () {
  this.timeout(180000);

  it("reads the platform through its own StackReference and plans what index.ts plans for the team", async () => {
    const platform = await runPlan({
      config: readStackConfig(path.join(ORG, "Pulumi.platform.yaml"), "platform"),
    });
    const ours = await runPlan({
      config: readStackConfig(path.join(ORG, "Pulumi.orders.yaml"), "orders"),
      mocks: { stackOutputs: { platform: platform.outputs } },
    });
    const theirs = await runPlan({
      config: { stack: "orders", file: "<memory>", values: {} },
      program: PROGRAM,
      mocks: { stackOutputs: { "acme/payments-infra/platform": platform.outputs } },
    });
    const refs = theirs.resources.filter((r) => r.type === "pulumi:pulumi:StackReference");
    assert.deepEqual(
      refs.map((r) => [r.name, r.parent === null || !r.parent.includes("MeshTeam")]),
      [["acme/payments-infra/platform", true]],
    );
    assert.ok(shape(theirs).length > 20);
    assert.deepEqual(shape(theirs), shape(ours));
    assert.deepEqual(
      (theirs.outputs.accessMatrix as { from: string; to: string }[]).map(
        (e) => `${e.from} -> ${e.to}`,
      ),
      ["orders -> billing", "reports -> billing", "reports -> orders", "web -> orders"],
    );
  });

  it("a platform stack that lacks an output: the error names the argument and the fix", async () => {
    await assert.rejects(
      runPlan({
        config: { stack: "orders", file: "<memory>", values: {} },
        program: PROGRAM,
        mocks: { stackOutputs: { "acme/payments-infra/platform": { namePrefix: "edges-org" } } },
      }),
      /MeshTeam "mesh": platformStack: the stack acme\/payments-infra\/platform has no output location\. Fix: deploy the platform stack first \(pulumi up -s acme\/payments-infra\/platform\), or check the stack name\./,
    );
  });
});
