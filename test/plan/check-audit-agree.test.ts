import { strict as assert } from "node:assert";
import { modelResource } from "@service-edges/model";
import { checkAccess } from "@service-edges/cli/access";
import { type AuditReport, audit } from "@service-edges/cli/audit";
import { type PlanResult, runPlan } from "@service-edges/cli/run";
import { devConfig } from "../fixtures";

type Obj = Record<string, unknown>;

/** Edits a service's site config as planned (its inputs, and the outputs the mocks echo). */
function editSiteConfig(plan: PlanResult, service: string, edit: (sc: Obj) => void): void {
  const app = plan.resources.find(
    (r) => r.type === "azure-native:web:WebApp" && String(r.inputs.name).endsWith(`-${service}`),
  )!;
  for (const props of [app.inputs, app.outputs]) {
    if (props.siteConfig) edit(props.siteConfig as Obj);
  }
}

function subnetIdOf(plan: PlanResult, service: string): string {
  const app = plan.resources.find(
    (r) => r.type === "azure-native:web:WebApp" && String(r.inputs.name).endsWith(`-${service}`),
  )!;
  return app.inputs.virtualNetworkSubnetId as string;
}

/** What audit says of one ordered pair: admitted on the network, the roles it holds. */
function auditSays(report: AuditReport, from: string, to: string) {
  const entry = report.access.find((a) => a.from === from && a.to === to);
  const everyone = report.access.find((a) => a.from === "everyone" && a.to === to);
  return {
    network: entry ? entry.network.admitted === true : everyone?.network.admitted === true,
    roles: entry?.identity.roles ?? [],
  };
}

/** Every ordered pair: check and audit give the same network answer and the same roles. */
function assertAgree(plan: PlanResult): number {
  const config = devConfig();
  const report = audit({
    config,
    state: { stack: plan.stack, resources: plan.resources.map(modelResource) },
  });
  let pairs = 0;
  for (const { name: from } of plan.services) {
    for (const { name: to } of plan.services) {
      if (from === to) continue;
      const check = checkAccess(plan, from, to);
      const said = auditSays(report, from, to);
      assert.equal(check.network.allowed, said.network, `${from} -> ${to}: network`);
      assert.deepEqual(check.identity.roles, said.roles, `${from} -> ${to}: roles`);
      pairs++;
    }
  }
  return pairs;
}

describe("check and audit agree on every pair of the same resources", function () {
  this.timeout(120000);
  let base: PlanResult;
  before(async () => {
    base = await runPlan({ config: devConfig() });
  });

  it("the dev stack as planned", () => {
    assert.equal(assertAgree(base), 30);
  });

  it("a Deny rule for orders' subnet at priority 50 on billing, before its Allow at 100", () => {
    const plan = structuredClone(base);
    editSiteConfig(plan, "billing", (sc) =>
      (sc.ipSecurityRestrictions as Obj[]).push({
        name: "deny-orders",
        priority: 50,
        action: "Deny",
        vnetSubnetResourceId: subnetIdOf(plan, "orders"),
      }),
    );
    const check = checkAccess(plan, "orders", "billing");
    assert.equal(check.allowed, false);
    assert.equal(
      check.network.reason,
      `the access restriction "deny-orders" on billing (priority 50) denies orders's subnet snet-orders first`,
    );
    const report = audit({
      config: devConfig(),
      state: { stack: plan.stack, resources: plan.resources.map(modelResource) },
    });
    assert.ok(
      report.findings.some(
        (f) =>
          f.message ===
          'orders cannot reach billing: a Deny rule on billing blocks orders\'s subnet snet-orders first (rule "deny-orders", priority 50)',
      ),
    );
    assert.equal(assertAgree(plan), 30);
  });

  it("a site with no explicit default action: its rules end in the implicit deny-all", () => {
    const plan = structuredClone(base);
    editSiteConfig(plan, "billing", (sc) => delete sc.ipSecurityRestrictionsDefaultAction);
    const check = checkAccess(plan, "web", "billing");
    assert.equal(check.network.allowed, false);
    assert.equal(
      check.network.reason,
      "billing sets no unmatched-traffic action, so its rules end in Azure's implicit deny-all, and has no rule for web's subnet snet-web",
    );
    assert.equal(checkAccess(plan, "reports", "billing").network.allowed, true);
    assert.equal(assertAgree(plan), 30);
  });

  it("a site with no rules and no default action admits everyone, in both", () => {
    const plan = structuredClone(base);
    editSiteConfig(plan, "inventory", (sc) => {
      delete sc.ipSecurityRestrictionsDefaultAction;
      sc.ipSecurityRestrictions = [];
    });
    assert.equal(checkAccess(plan, "web", "inventory").network.allowed, true);
    assert.equal(assertAgree(plan), 30);
  });
});
