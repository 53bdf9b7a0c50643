/**
 * The plan's services come from the mesh components a program registers, found by type: a mesh
 * nested in the program's own component keeps its services' URNs, and two meshes in one program
 * are told apart by name (`blue/a`), each asked of its own model.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { checkAccess, matchAccess } from "@service-edges/cli/access";
import { type PlanResult, runPlan } from "@service-edges/cli/run";

const PROGRAMS = path.join(__dirname, "..", "programs");
const plan = (file: string) =>
  runPlan({
    program: path.join(PROGRAMS, file),
    config: { stack: "test", file: "<memory>", values: {} },
  });

describe("plan: meshes found by type in any program", () => {
  let nested: PlanResult;
  let two: PlanResult;
  before(async () => {
    nested = await plan("nested-mesh.ts");
    two = await plan("two-meshes.ts");
  });

  it("a mesh inside the program's own component: its URN and its services' URNs under it", () => {
    assert.deepEqual(nested.meshes, [
      {
        type: "service-edges:index:ServiceMesh",
        name: "mesh",
        urn: "urn:pulumi:test::service-edges::acme:index:Platform$service-edges:index:ServiceMesh::mesh",
        namePrefix: "acme",
      },
    ]);
    const urns = new Set(nested.resources.map((r) => r.urn));
    const a = nested.services.find((s) => s.name === "a")!;
    assert.ok(
      a.urns.app?.includes("acme:index:Platform$service-edges:index:ServiceMesh$"),
      a.urns.app ?? "",
    );
    for (const s of nested.services)
      for (const u of [s.urns.app, s.urns.plan, s.urns.identity])
        assert.ok(urns.has(u!), String(u));
    assert.equal(nested.edges[0].urns.assignments.length, 1);
    assert.ok(urns.has(nested.edges[0].urns.assignments[0]));
    assert.equal(checkAccess(nested, "a", "b").allowed, true);
  });

  it("two meshes: services and edges named by their mesh, each pair asked of its own mesh", () => {
    assert.deepEqual(
      two.meshes?.map((m) => [m.name, m.namePrefix]),
      [
        ["blue", "blue"],
        ["green", "green"],
      ],
    );
    assert.deepEqual(
      two.services.map((s) => [s.name, s.mesh]),
      [
        ["blue/a", "blue"],
        ["blue/b", "blue"],
        ["green/a", "green"],
        ["green/b", "green"],
      ],
    );
    assert.deepEqual(
      two.edges.map((e) => `${e.from} -> ${e.to}`),
      ["blue/a -> blue/b", "green/a -> green/b"],
    );
    const urns = new Set(two.resources.map((r) => r.urn));
    for (const s of two.services) assert.ok(urns.has(s.urns.app!), String(s.urns.app));
    const same = checkAccess(two, "green/a", "green/b");
    assert.equal(same.allowed, true, same.network.reason);
    const across = checkAccess(two, "blue/a", "green/b");
    assert.equal(across.allowed, false);
    assert.equal(across.network.allowed, false);
    assert.deepEqual(
      matchAccess(two, "blue/b").inbound.map((a) => a.caller),
      ["blue/a"],
    );
  });
});
