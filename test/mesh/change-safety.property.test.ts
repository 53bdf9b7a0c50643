import { strict as assert } from "node:assert";
import fc from "fast-check";
import type { PlanResult } from "@service-edges/cli/run";
import { type RandomGraph, nameOf, randomGraph, subnetOf, valuesOf } from "../arbitraries";
import { T, U, clone, planOf } from "../fixtures";
import { guardrailInputs, isGuardrail } from "./support/guardrail-changes";

type Obj = Record<string, unknown>;

function compare(a: PlanResult, b: PlanResult) {
  const x = new Map(a.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));
  const y = new Map(b.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));
  return {
    added: [...y.keys()].filter((k) => !x.has(k)).sort(),
    removed: [...x.keys()].filter((k) => !y.has(k)).sort(),
    changed: [...x.keys()].filter((k) => y.has(k) && x.get(k) !== y.get(k)).sort(),
  };
}

const assignmentUrn = (from: string, to: string, role: string) => U.assignment(from, to, role);
const appUrn = (s: string) => U.service("host", T.app, s);
const authUrn = (s: string) => U.service("host", T.auth, s);
const VNET = U.vnet();

/** What an edge from -> to may change: both apps' settings and rules, the callee's Easy Auth. */
function edgeTouches(g: RandomGraph, from: string, to: string): Set<string> {
  const t = new Set([appUrn(from), appUrn(to)]);
  if (g.services[to].easyAuth) t.add(authUrn(to));
  return t;
}

const opts = { numRuns: 8 };

describe("change safety on random graphs (plan A, mutate, plan B, compare by URN)", () => {
  it("adding one edge adds exactly its assignments and changes only the two apps", async () => {
    await fc.assert(
      fc.asyncProperty(randomGraph, fc.nat(), fc.nat(), async (g, a, b) => {
        const from = nameOf(a % g.n);
        const to = nameOf(((a % g.n) + 1 + (b % (g.n - 1))) % g.n);
        fc.pre(from !== to && !g.edges.some((e) => e.from === from && e.to === to));
        const role = (g.services[to].roles as string[])[0];
        const next = clone(g);
        next.edges.push({ from, to, roles: [role] });
        const d = compare(await planOf(valuesOf(g)), await planOf(valuesOf(next)));
        assert.deepEqual(d.added, [assignmentUrn(from, to, role)]);
        assert.deepEqual(d.removed, []);
        const allowed = edgeTouches(g, from, to);
        for (const u of d.changed) assert.ok(allowed.has(u), `unexpected change ${u}`);
        assert.ok(d.changed.includes(appUrn(to)), "the callee's access settings change");
      }),
      opts,
    );
  });

  it("adding one service renumbers nothing and changes only the callees of its new edges", async () => {
    await fc.assert(
      fc.asyncProperty(randomGraph, fc.subarray([0, 1, 2, 3, 4, 5, 6]), async (g, targets) => {
        const name = nameOf(g.n);
        const callees = [...new Set(targets.filter((t) => t < g.n))].map(nameOf);
        const next = clone(g);
        next.services[name] = { kind: "app", sku: "P1v3", maxInstances: 3, subnet: subnetOf(g.n) };
        for (const c of callees)
          next.edges.push({ from: name, to: c, roles: [(g.services[c].roles as string[])[0]] });
        const before = await planOf(valuesOf(g));
        const after = await planOf(valuesOf(next));
        const d = compare(before, after);
        assert.deepEqual(d.removed, []);
        const allowed = new Set([VNET]);
        for (const c of callees)
          for (const u of edgeTouches(next, name, c)) if (u !== appUrn(name)) allowed.add(u);
        for (const u of d.changed) assert.ok(allowed.has(u), `unexpected change ${u}`);
        // No guardrail is added, removed or updated: they name no service.
        assert.deepEqual(guardrailInputs(after), guardrailInputs(before));
        for (const u of d.added) {
          assert.ok(
            !isGuardrail(u) &&
              (u.endsWith(`::mesh-${name}`) ||
                /ResourceGroup::mesh-g\d\d$/.test(u) ||
                u.includes(`::mesh-${name}.`)),
            `unexpected add ${u}`,
          );
        }
        // The VNet only gains the new subnet: every existing subnet keeps its range.
        const subnets = (p: PlanResult) =>
          (p.resources.find((r) => r.urn === VNET)!.inputs.subnets as Obj[]).map(
            (s) => `${s.name}=${s.addressPrefix}`,
          );
        assert.deepEqual(
          subnets(after).filter((s) => !s.startsWith(`snet-${name}=`)),
          subnets(before),
        );
      }),
      opts,
    );
  });

  it("removing one edge removes exactly its assignments and changes only the two apps", async () => {
    await fc.assert(
      fc.asyncProperty(randomGraph, fc.nat(), async (g, k) => {
        fc.pre(g.edges.length > 0);
        const gone = g.edges[k % g.edges.length];
        const next = clone(g);
        next.edges.splice(k % g.edges.length, 1);
        const d = compare(await planOf(valuesOf(g)), await planOf(valuesOf(next)));
        assert.deepEqual(d.added, []);
        assert.deepEqual(
          d.removed,
          gone.roles.map((r) => assignmentUrn(gone.from, gone.to, r)).sort(),
        );
        const allowed = edgeTouches(g, gone.from, gone.to);
        for (const u of d.changed) assert.ok(allowed.has(u), `unexpected change ${u}`);
      }),
      opts,
    );
  });
});
