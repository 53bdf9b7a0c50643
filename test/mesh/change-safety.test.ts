import { strict as assert } from "node:assert";
import type { PlanResult } from "@service-edges/cli/run";
import { T, type Values, U, clone, planOf, short, smallConfig } from "../fixtures";
import { guardrailInputs, isGuardrail } from "./support/guardrail-changes";

type Obj = Record<string, unknown>;

/** URN -> inputs, for comparing two plans. */
function byUrn(plan: PlanResult): Map<string, string> {
  return new Map(plan.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));
}

function compare(a: PlanResult, b: PlanResult) {
  const x = byUrn(a);
  const y = byUrn(b);
  return {
    added: [...y.keys()]
      .filter((k) => !x.has(k))
      .map((u) => u.split("::").slice(2).join("::"))
      .sort(),
    removed: [...x.keys()]
      .filter((k) => !y.has(k))
      .map((u) => u.split("::").slice(2).join("::"))
      .sort(),
    changed: [...x.keys()]
      .filter((k) => y.has(k) && x.get(k) !== y.get(k))
      .map((u) => u.split("::").slice(2).join("::"))
      .sort(),
  };
}

describe("names and change safety", () => {
  let base: PlanResult;
  before(async () => {
    base = await planOf(smallConfig());
  });

  it("plans the same config identically twice", async () => {
    const again = await planOf(smallConfig());
    assert.deepEqual(JSON.parse(JSON.stringify(again)), JSON.parse(JSON.stringify(base)));
  });

  it("adding an edge adds its assignments and changes only the two apps' settings and rules", async () => {
    const v: Values = clone(smallConfig());
    (v["service-edges:edges"] as Obj[]).push({ from: "c", to: "a", roles: ["A.Call"] });
    (v["service-edges:services"] as Record<string, Obj>).a.roles = ["A.Call"];
    const d = compare(base, await planOf(v));
    assert.deepEqual(d.removed, []);
    assert.ok(d.added.includes(short(U.assignment("c", "a", "A.Call"))));
    assert.deepEqual(d.changed, [
      short(U.service("host", T.app, "a")),
      short(U.service("host", T.app, "c")),
    ]);
  });

  it("adding a service with a subnet renames, renumbers and changes nothing else", async () => {
    const v: Values = clone(smallConfig());
    (v["service-edges:services"] as Record<string, Obj>).d = {
      kind: "app",
      sku: "B1",
      maxInstances: 2,
      subnet: "10.10.0.16/28",
    };
    const next = await planOf(v);
    const d = compare(base, next);
    assert.deepEqual(d.removed, []);
    // The VNet holds every subnet inline: it gains snet-d, and no other subnet moves. The
    // guardrails name the mesh by its prefix and network group: no policy resource changes.
    assert.deepEqual(d.changed, [short(U.vnet())]);
    assert.deepEqual(guardrailInputs(next), guardrailInputs(base));
    assert.ok(
      d.added.every(
        (u) =>
          !isGuardrail(u) &&
          (u.endsWith("::mesh-d") ||
            u.endsWith("::mesh-d.disconnect") ||
            /ResourceGroup::mesh-(ep-|classic-)?g\d\d$/.test(u)),
      ),
      d.added.join("\n"),
    );
  });

  it("removing an edge removes exactly its assignments and changes the two apps", async () => {
    const v: Values = clone(smallConfig());
    (v["service-edges:edges"] as Obj[]).splice(1, 1); // c -> b
    const d = compare(base, await planOf(v));
    assert.deepEqual(d.added, []);
    assert.deepEqual(d.removed, [
      short(U.assignment("c", "b", "B.Read")),
      short(U.assignment("c", "b", "B.Write")),
    ]);
    assert.deepEqual(d.changed, [
      short(U.service("host", T.app, "b")),
      short(U.service("host", T.app, "c")),
    ]);
  });
});
