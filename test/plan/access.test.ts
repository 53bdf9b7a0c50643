import { strict as assert } from "node:assert";
import { checkAccess, matchAccess } from "@service-edges/cli/access";
import { type PlanResult, emptyPlan, graphOf, runPlan } from "@service-edges/cli/run";
import { devConfig } from "../fixtures";

describe("access queries (check / match) on the dev stack", () => {
  let plan: PlanResult;
  before(async () => {
    plan = await runPlan({ config: devConfig() });
  });

  it("answers every ordered pair: allowed exactly on edges, or into the public front door", () => {
    const graph = graphOf(devConfig());
    const names = graph.services.map((s) => s.name);
    let checked = 0;
    for (const from of names) {
      for (const to of names) {
        if (from === to) continue;
        const edge = graph.edges.find((e) => e.from === from && e.to === to);
        const inMesh = graph.byName.get(to)!.roles.length > 0;
        const isPublic = graph.byName.get(to)!.ingress.kind === "public";
        const a = checkAccess(plan, from, to);
        assert.equal(a.allowed, edge !== undefined || isPublic, `${from} -> ${to}`);
        assert.deepEqual(a.identity.roles, edge ? edge.roles : [], `${from} -> ${to} roles`);
        if (!edge && !isPublic) assert.equal(a.network.allowed, false, `${from} -> ${to} network`);
        if (inMesh && !edge) assert.equal(a.identity.allowed, false);
        checked++;
      }
    }
    assert.equal(checked, 30);
  });

  it("denies a call into a service that only calls, and allows one into the public front door", () => {
    const closed = checkAccess(plan, "web", "reports");
    assert.equal(closed.allowed, false);
    assert.equal(
      closed.network.reason,
      "reports denies by default and has no rule for web's subnet snet-web",
    );
    const open = checkAccess(plan, "reports", "web");
    assert.equal(open.allowed, true);
    assert.equal(
      open.network.reason,
      'web is public (ingress: public): the rule "public-ipv4" admits every address, reports included',
    );
  });

  it("explains both layers", () => {
    const a = checkAccess(plan, "reports", "billing");
    assert.equal(
      a.network.reason,
      'the access restriction "reports" on billing allows the subnet of reports, snet-reports',
    );
    assert.equal(
      a.identity.reason,
      "the app registration of reports holds Invoices.Read on billing",
    );
    const d = checkAccess(plan, "web", "billing");
    assert.equal(
      d.network.reason,
      "billing denies by default and has no rule for web's subnet snet-web",
    );
  });

  it("lists who may call a service and whom it may call", () => {
    const m = matchAccess(plan, "orders");
    assert.deepEqual(
      m.inbound.map((a) => [a.caller, a.identity.roles]),
      [
        ["reports", ["Orders.Read"]],
        ["web", ["Orders.Read", "Orders.Write"]],
      ],
    );
    assert.deepEqual(
      m.outbound.map((a) => a.callee),
      ["billing", "catalog", "inventory"],
    );
    assert.ok([...m.inbound, ...m.outbound].every((a) => a.allowed));
  });

  it("names the services there are for an unknown service, or says the plan has none", () => {
    assert.throws(
      () => checkAccess(plan, "payments", "orders"),
      /^Error: unknown service "payments"; the stack has billing, catalog, inventory, orders, reports, web$/,
    );
    assert.throws(
      () => matchAccess(emptyPlan("dev"), "orders"),
      (e: Error) =>
        e.message ===
        'unknown service "orders": the plan has no services (the program registered no mesh component and no App Service sites). Fix: plan the stack that declares it (--stack NAME, --config FILE or --program FILE)',
    );
  });
});
