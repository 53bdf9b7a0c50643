import { strict as assert } from "node:assert";
import { changedPaths, diffPlans, shortUrn } from "@service-edges/cli/diff";
import { markdownReview } from "@service-edges/cli/render";
import { graphOf, runPlan } from "@service-edges/cli/run";
import type { StackConfig } from "@service-edges/cli/stack-config";
import { DEV_U, clone, devConfig } from "../fixtures";

function withEdge(base: StackConfig, edge: Record<string, unknown>): StackConfig {
  const values = clone(base.values);
  (values["service-edges:edges"] as unknown[]).push(edge);
  return { ...base, values };
}

describe("config PR review (--diff)", () => {
  it("finds changed properties, comparing named entries by name", () => {
    assert.deepEqual(
      changedPaths(
        {
          a: 1,
          s: {
            appSettings: [
              { name: "X", value: "1" },
              { name: "Y", value: "2" },
            ],
          },
        },
        {
          a: 1,
          s: {
            appSettings: [
              { name: "Y", value: "2" },
              { name: "X", value: "3" },
              { name: "Z", value: "" },
            ],
          },
        },
      ),
      ["s.appSettings[X].value", "s.appSettings[Z]"],
    );
    assert.deepEqual(changedPaths([1, 2], [1, 2, 3]), [""]);
  });

  it("the dev stack plus one edge: one assignment added, two apps changed, said in words", async () => {
    const base = devConfig();
    const head = withEdge(base, { from: "reports", to: "catalog", roles: ["Catalog.Read"] });
    const d = diffPlans(await runPlan({ config: base }), await runPlan({ config: head }));
    assert.deepEqual(d.access, ["reports may now call catalog with Catalog.Read"]);
    assert.deepEqual(
      d.added.map((r) => shortUrn(r.urn)),
      [shortUrn(DEV_U.assignment("reports", "catalog", "Catalog.Read"))],
    );
    assert.deepEqual(
      d.changed.map((r) => [r.name, r.properties]),
      [
        [
          "mesh-catalog",
          [
            "siteConfig.appSettings[MESH_ALLOWED_CALLERS].value",
            "siteConfig.ipSecurityRestrictions[reports]",
          ],
        ],
        ["mesh-reports", ["siteConfig.appSettings[MESH_CALLEES].value"]],
      ],
    );
    assert.deepEqual(d.removed, []);
    assert.deepEqual([...d.newEdges], ["reports.catalog"]);
  });

  it("reports lost access and role changes", async () => {
    const base = devConfig();
    const values = clone(base.values);
    const edges = values["service-edges:edges"] as Array<{
      from: string;
      to: string;
      roles: string[];
    }>;
    values["service-edges:edges"] = edges
      .filter((e) => !(e.from === "reports" && e.to === "billing"))
      .map((e) => (e.from === "web" && e.to === "orders" ? { ...e, roles: ["Orders.Read"] } : e));
    const d = diffPlans(
      await runPlan({ config: base }),
      await runPlan({ config: { ...base, values } }),
    );
    assert.deepEqual(d.access, [
      "web loses Orders.Write on orders",
      "reports may no longer call billing",
    ]);
    assert.deepEqual(d.removed.map((r) => r.name).sort(), [
      "mesh-reports.billing.Invoices.Read",
      "mesh-web.orders.Orders.Write",
    ]);
  });

  it("renders a PR comment with the graph, the new edge highlighted", async () => {
    const base = devConfig();
    const head = withEdge(base, { from: "reports", to: "catalog", roles: ["Catalog.Read"] });
    const h = await runPlan({ config: head });
    const md = markdownReview(
      graphOf(head),
      h,
      diffPlans(await runPlan({ config: base }), h),
      shortUrn,
    );
    assert.match(md, /^### service-edges plan: stack `dev`/);
    assert.match(md, /\*\*1\*\* to add, \*\*2\*\* to change, \*\*0\*\* to remove/);
    assert.match(md, /- reports may now call catalog with Catalog\.Read/);
    assert.match(md, /```mermaid\nflowchart LR\n/);
    assert.match(md, / {2}s_reports ==>\|"Catalog\.Read"\| s_catalog\n/);
    assert.match(md, / {2}linkStyle 5 stroke:#2da44e,stroke-width:3px\n/);
  });
});
