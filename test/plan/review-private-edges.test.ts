/**
 * The review of an edge PR in private mode (Pulumi.dev-private.yaml, `--base/--head`): the edge's
 * network half is an Allow rule of the endpoint subnet's NSG, and the review reports its change as
 * an access change, decided through the one access model (reach: the NSG rule that admits).
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { reach } from "@service-edges/model";
import { meshOfPlan } from "@service-edges/cli/access";
import { reviewPlans, reviewText } from "@service-edges/cli/review";
import { type PlanResult, runPlan } from "@service-edges/cli/run";
import { readStackConfig } from "@service-edges/cli/stack-config";
import { ROOT, type Values, clone } from "../fixtures";

type Obj = Record<string, unknown>;
const NSG_TYPE = "azure-native:network:NetworkSecurityGroup";
const NSG_URN_END = "::mesh-network-pe-10-40-1-0-25";

function devPrivate(mutate: (v: Values) => void = () => {}): Promise<PlanResult> {
  const config = readStackConfig(path.join(ROOT, "Pulumi.dev-private.yaml"), "dev-private");
  const values = clone(config.values);
  mutate(values);
  return runPlan({ config: { ...config, values } });
}

const edges = (v: Values) => v["service-edges:edges"] as Obj[];
const nsgOf = (p: PlanResult) => p.resources.find((r) => r.type === NSG_TYPE)!;
/** `p` with its endpoint subnet's NSG as `other` plans it (the rest unchanged). */
const withNsgOf = (p: PlanResult, other: PlanResult): PlanResult => ({
  ...p,
  resources: p.resources.map((r) => (r.type === NSG_TYPE ? nsgOf(other) : r)),
});
const ruleNames = (p: PlanResult) =>
  (nsgOf(p).inputs.securityRules as Obj[]).map((r) => String(r.name));
const ruleSources = (p: PlanResult, rule: string) =>
  (nsgOf(p).inputs.securityRules as Obj[]).find((r) => r.name === rule)!.sourceAddressPrefixes;

describe("review: edges in private mode are NSG rule changes, shown as access changes", function () {
  this.timeout(120000);
  let base: PlanResult;
  let added: PlanResult;
  let removed: PlanResult;
  before(async () => {
    base = await devPrivate();
    added = await devPrivate((v) =>
      edges(v).push({ from: "reports", to: "catalog", roles: ["Catalog.Read"] }),
    );
    removed = await devPrivate((v) => {
      v["service-edges:edges"] = edges(v).filter(
        (e) => !(e.from === "orders" && e.to === "inventory"),
      );
    });
  });

  it("adding an edge: the callee's NSG rule admits the caller's subnet, and the review says it may now call", () => {
    const review = reviewPlans(base, added);
    assert.deepEqual(review.access, [
      {
        change: "added",
        from: "reports",
        to: "catalog",
        rolesBefore: [],
        rolesAfter: ["Catalog.Read"],
      },
    ]);
    const nsg = review.resources.find((r) => r.urn.endsWith(NSG_URN_END))!;
    assert.equal(nsg.op, "update");
    assert.deepEqual(
      nsg.changes.find(
        (c) => c.path === "securityRules[allow-catalog-callers].sourceAddressPrefixes",
      ),
      {
        path: "securityRules[allow-catalog-callers].sourceAddressPrefixes",
        before: ["10.40.0.64/26", "10.40.0.32/28", "10.40.0.0/27"],
        // reports' integration subnet.
        after: ["10.40.0.64/26", "10.40.0.32/28", "10.40.0.48/28", "10.40.0.0/27"],
      },
    );
    // The model decides the call by that rule (public access is off: the endpoint is the only way).
    const r = reach(meshOfPlan(added), "reports", "catalog");
    assert.equal(r.allowed, true);
    assert.equal(r.network.decision?.by.kind, "private-endpoint");
    assert.deepEqual(
      r.network.decision?.by.kind === "private-endpoint" && r.network.decision.by.rule,
      {
        name: "allow-catalog-callers",
        priority: r.network.decision.by.rule!.priority,
        isDefault: false,
      },
    );
    assert.equal(reach(meshOfPlan(base), "reports", "catalog").allowed, false);
    const text = reviewText(review);
    assert.match(text, /Access changes:\n {2}- reports may now call catalog with Catalog\.Read\n/);
    assert.match(text, /securityRules\[allow-catalog-callers\]\.sourceAddressPrefixes: /);
  });

  it("adding an edge whose NSG rule is left as it was: the grant alone opens nothing, no access change", () => {
    const review = reviewPlans(base, withNsgOf(added, base));
    assert.deepEqual(review.access, []);
    // The role assignment is still created: the identity half without the network half.
    assert.ok(
      review.resources.some(
        (r) => r.op === "create" && r.urn.endsWith("::mesh-reports.catalog.Catalog.Read"),
      ),
    );
  });

  it("removing an edge: the caller's subnet leaves the NSG rule, and the review says it may no longer call", () => {
    const review = reviewPlans(base, removed);
    assert.deepEqual(review.access, [
      {
        change: "removed",
        from: "orders",
        to: "inventory",
        rolesBefore: ["Stock.Reserve"],
        rolesAfter: [],
      },
    ]);
    assert.deepEqual(ruleSources(base, "allow-inventory-callers"), ["10.40.0.32/28"]);
    // inventory's only caller: its Allow rule goes; deny-all-else then refuses every source.
    assert.ok(!ruleNames(removed).includes("allow-inventory-callers"));
    assert.ok(ruleNames(removed).includes("deny-all-else"));
    const nsg = review.resources.find((r) => r.urn.endsWith(NSG_URN_END))!;
    assert.equal(nsg.op, "update");
    assert.ok(nsg.changes.some((c) => c.path.startsWith("securityRules[allow-inventory-callers]")));
    assert.match(reviewText(review), /\n {2}- orders may no longer call inventory\n/);
  });

  it("removing only the NSG rule (the grant kept) is already the access change", () => {
    const review = reviewPlans(base, withNsgOf(base, removed));
    assert.deepEqual(review.access, [
      {
        change: "removed",
        from: "orders",
        to: "inventory",
        rolesBefore: ["Stock.Reserve"],
        rolesAfter: [],
      },
    ]);
    assert.deepEqual(
      review.resources.map((r) => `${r.op} ${r.urn.split("::").pop()}`),
      ["update mesh-network-pe-10-40-1-0-25"],
    );
  });
});
