/**
 * Stacks deployed by earlier layouts are adopted, not replaced: every URN the 0.1 program (and,
 * before it, the EdgeGrant layout) registered for the dev stack is taken over by exactly one
 * resource of today's program, of the same type, through its aliases as the engine resolves them.
 * Renaming or moving a child without an alias leaves an old URN unclaimed, and this fails.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { adopt } from "@service-edges/cli/adoption";
import type { PlanResult } from "@service-edges/cli/run";
import { runPlan } from "@service-edges/cli/run";
import { devConfig } from "../fixtures";

interface Snapshot {
  resources: { urn: string; type: string }[];
}
const snapshot = (file: string): Snapshot =>
  JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "legacy", file), "utf8"));

const typeOfUrn = (urn: string) => {
  const q = /^urn:pulumi:.*?::.*?::(.*?)::/.exec(urn)![1];
  return q.slice(q.lastIndexOf("$") + 1);
};

function unclaimed(plan: PlanResult, olds: Snapshot["resources"]): string[] {
  const adopted = adopt(plan.resources, new Set(olds.map((r) => r.urn)));
  const taken = new Map([...adopted].map(([now, old]) => [old, now]));
  return olds.filter((o) => !taken.has(o.urn)).map((o) => o.urn);
}

describe("adoption of stacks deployed by earlier layouts", () => {
  let plan: PlanResult;
  before(async () => {
    plan = await runPlan({ config: devConfig() });
  });

  // Taking over is by URN. With guardrails (the default) the identities keep their URNs but move
  // to the <prefix>-identities group, which Azure can only do by replacing them (new principal
  // ids): the README's changelog says so, and `guardrails: false` defers it.
  // 0.3 placed services by webspace class, once (README changelog): the dev stack's Elastic
  // Premium and Basic/Standard services left the 0.1 groups g08, g24 and g31 for ep-/classic-
  // groups, so those three groups are the only resources not taken over.
  const MOVED_GROUPS = ["g08", "g24", "g31"].map(
    (g) =>
      `urn:pulumi:dev::service-edges::service-edges:mesh:ServiceMesh$azure-native:resources:ResourceGroup::${g}`,
  );

  it("takes over every resource of a 0.1 dev stack, each by one resource of the same type", () => {
    const olds = snapshot("dev-0.1.0.json").resources;
    assert.equal(olds.length, 87);
    assert.deepEqual(unclaimed(plan, olds), MOVED_GROUPS);
    const adopted = adopt(plan.resources, new Set(olds.map((r) => r.urn)));
    assert.equal(adopted.size, olds.length - MOVED_GROUPS.length);
    // Same type for every resource but the mesh, whose type alias is the one thing that changed.
    for (const [now, old] of adopted) {
      if (now !== plan.resources[0].urn) assert.equal(typeOfUrn(now), typeOfUrn(old), now);
    }
    // Nothing keeps its old URN: every resource moved, and every one is adopted through an alias.
    assert.equal([...adopted].filter(([now, old]) => now === old).length, 0);
  });

  it("takes over the app role assignments that sat under EdgeGrant components", () => {
    const olds = snapshot("dev-edge-grants.json").resources.filter((r) =>
      r.type.endsWith(":AppRoleAssignment"),
    );
    assert.equal(olds.length, 9);
    assert.deepEqual(unclaimed(plan, olds), []);
  });

  it("fails when a child is renamed without an alias", () => {
    const olds = snapshot("dev-0.1.0.json").resources;
    const renamed: PlanResult = {
      ...plan,
      resources: plan.resources.map((r) =>
        r.type === "azure-native:web:WebApp" && r.name === "mesh-orders"
          ? { ...r, urn: r.urn.replace(/::mesh-orders$/, "::mesh-orders-app"), name: "x" }
          : r,
      ),
    };
    assert.deepEqual(unclaimed(renamed, olds), [
      ...MOVED_GROUPS,
      "urn:pulumi:dev::service-edges::service-edges:mesh:ServiceMesh$service-edges:mesh:ServiceHost$azure-native:web:WebApp::orders",
    ]);
  });

  it("aliases exactly the mesh, its direct children from 0.1 and the assignments", () => {
    const ours = (r: PlanResult["resources"][number]) =>
      (r.aliases ?? []).some((a) => a.name || a.type?.startsWith("service-edges:"));
    const direct = plan.resources.filter((r) => r.parent === plan.resources[0].urn);
    assert.equal(direct.length, 27);
    // The guardrails, the identities' group and the first deployer's keeper are new since 0.1:
    // nothing to alias.
    const added = direct.filter((r) =>
      ["mesh-guardrails", "mesh-identities", "mesh-first-deployer"].includes(r.name),
    );
    assert.deepEqual(added.map((r) => r.type).sort(), [
      "azure-native:resources:ResourceGroup",
      "random:index/randomUuid:RandomUuid",
      "service-edges:mesh:MeshGuardrails",
    ]);
    assert.ok(added.every((r) => !ours(r)));
    assert.equal(plan.resources.filter(ours).length, 1 + (direct.length - added.length) + 9);
  });

  it("gives meshes with other names no aliases, and two of them in one stack never collide", async () => {
    const two = await runPlan({
      config: { stack: "dev", file: "<memory>", values: {} },
      program: path.join(__dirname, "..", "programs", "two-meshes.ts"),
    });
    const urns = two.resources.map((r) => r.urn);
    assert.equal(new Set(urns).size, urns.length);
    assert.equal(urns.filter((u) => u.endsWith("$azure-native:web:WebApp::blue-b")).length, 1);
    assert.equal(urns.filter((u) => u.endsWith("$azure-native:web:WebApp::green-b")).length, 1);
    assert.deepEqual(
      two.resources.filter((r) => (r.aliases ?? []).some((a) => a.name)).map((r) => r.urn),
      [],
    );
    const assignment = two.resources.find((r) => r.name === "blue-a.b.B.Read")!;
    assert.ok(assignment.id);
    assert.deepEqual(two.outputs.blue, [
      { from: "a", to: "b", roles: ["B.Read"], assignmentIds: [assignment.id] },
    ]);
  });
});
