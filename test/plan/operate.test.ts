/**
 * Operating the mesh (issue 23): a callee in shadow (its exact settings, advisory until its last
 * day and mandatory after), expiring edges (granting nothing once past, a warning within 14 days),
 * observability (diagnostic settings, saved queries and alert rules for every mesh site, none
 * without it), the review's loud enforcement changes, and `--now` on the CLI.
 */
import { strict as assert } from "node:assert";
import { ConfigError, buildServiceGraph } from "@service-edges/contract";
import { reviewPlans, reviewSummary, reviewText } from "@service-edges/cli/review";
import { type PlanResult, runPlan } from "@service-edges/cli/run";
import { humanPlan } from "@service-edges/cli/render";
import { graphOf } from "@service-edges/cli/run";
import { T, type Values, clone, ofType, one, smallConfig } from "../fixtures";

const WORKSPACE =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ops/providers/Microsoft.OperationalInsights/workspaces/mesh-logs";
const OBS = {
  diag: "azure-native:monitor:DiagnosticSetting",
  saved: "azure-native:operationalinsights:SavedSearch",
  alert: "azure-native:monitor:ScheduledQueryRule",
};

type Services = Record<string, Record<string, unknown>>;
type Edges = Array<Record<string, unknown>>;

/** smallConfig (a -> b, c -> b, a -> c) with b in shadow until 2026-12-31. */
function shadowConfig(): Values {
  const v = clone(smallConfig());
  const b = (v["service-edges:services"] as Services).b;
  b.enforcement = "shadow";
  b.shadowUntil = "2026-12-31";
  return v;
}

const planAsOf = (values: Values, now: string) =>
  runPlan({ config: { stack: "test", file: "<memory>", values }, now });

const siteConfigOf = (plan: PlanResult, service: string) =>
  one(plan, T.app, service).inputs.siteConfig as {
    ipSecurityRestrictionsDefaultAction: string;
    ipSecurityRestrictions: Array<{ name: string; action: string; vnetSubnetResourceId?: string }>;
    scmIpSecurityRestrictionsDefaultAction: string;
    appSettings: Array<{ name: string; value: string }>;
  };

const setting = (plan: PlanResult, service: string, name: string) =>
  siteConfigOf(plan, service).appSettings.find((s) => s.name === name)?.value;

function configErrors(values: Values): string[] {
  try {
    buildServiceGraph({
      stack: "test",
      location: values["azure-native:location"],
      network: values["service-edges:network"],
      services: values["service-edges:services"],
      edges: values["service-edges:edges"],
      observability: values["service-edges:observability"],
    });
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split("\n").slice(1);
    throw e;
  }
  return [];
}

describe("operating the mesh: shadow enforcement", () => {
  let inShadow: PlanResult;
  let pastDay: PlanResult;
  before(async () => {
    inShadow = await planAsOf(shadowConfig(), "2026-12-06");
    pastDay = await planAsOf(shadowConfig(), "2027-01-01");
  });

  it("admits what it admits today plus everything else: default Allow, the callers' rules kept", () => {
    const b = siteConfigOf(inShadow, "b");
    assert.equal(b.ipSecurityRestrictionsDefaultAction, "Allow");
    assert.deepEqual(
      b.ipSecurityRestrictions.map((r) => [r.name, r.action, typeof r.vnetSubnetResourceId]),
      [
        ["a", "Allow", "string"],
        ["c", "Allow", "string"],
      ],
    );
    // The deployment site is not part of the rollout.
    assert.equal(b.scmIpSecurityRestrictionsDefaultAction, "Deny");
    // The enforced callee is unchanged.
    assert.equal(siteConfigOf(inShadow, "c").ipSecurityRestrictionsDefaultAction, "Deny");
  });

  it("turns the token library to report-only and Entra's assignment check off, on b alone", () => {
    assert.equal(setting(inShadow, "b", "MESH_ENFORCEMENT"), "shadow");
    assert.equal(setting(inShadow, "c", "MESH_ENFORCEMENT"), undefined);
    assert.equal(one(inShadow, T.sp, "b").inputs.appRoleAssignmentRequired, false);
    assert.equal(one(inShadow, T.sp, "b").inputs.notes, "service-edges-shadow-until=2026-12-31");
    assert.equal(one(inShadow, T.sp, "c").inputs.appRoleAssignmentRequired, true);
    assert.equal(one(inShadow, T.sp, "c").inputs.notes, undefined);
    assert.deepEqual(one(inShadow, T.app, "b").inputs.tags, {
      "service-edges-shadow-until": "2026-12-31",
    });
    // Edges into b still grant their roles: declared callers keep their assignments.
    assert.equal(ofType(inShadow, T.assignment).length, 4);
    assert.deepEqual(
      inShadow.services.map((s) => [s.name, s.enforcement, s.shadowUntil]),
      [
        ["a", "enforced", undefined],
        ["b", "shadow", "2026-12-31"],
        ["c", "enforced", undefined],
      ],
    );
  });

  it("is advisory until its last day, and nothing else in the pack objects", () => {
    assert.deepEqual(
      inShadow.violations.map((v) => [v.policy, v.enforcementLevel, v.message]),
      [
        [
          "shadow-enforcement",
          "advisory",
          "edges-test-b is in shadow until 2026-12-31 (25 days left): it admits every caller and records the refusals enforcement would make. Fix: once usage shows no undeclared-allowed caller, set enforcement: enforced and remove shadowUntil.",
        ],
      ],
    );
  });

  it("is mandatory the day after its last day (the pack reads the planner's --now)", () => {
    assert.deepEqual(
      pastDay.violations.map((v) => [v.policy, v.enforcementLevel, v.message]),
      [
        // Past its day the shadow marker no longer excuses the service principal either.
        [
          "assignment-required",
          "mandatory",
          'ServicePrincipal "mesh-b" exposes app role "B.Read" to applications (Application "mesh-b"), but appRoleAssignmentRequired is false: any application in the tenant can get a token for it. Fix: set appRoleAssignmentRequired: true so that only callers with an app role assignment get tokens.',
        ],
        [
          "shadow-enforcement-expired",
          "mandatory",
          "edges-test-b is still in shadow, but its shadowUntil (2026-12-31) has passed: it admits every caller on both layers. Fix: set enforcement: enforced and remove shadowUntil (after usage shows no undeclared-allowed caller), or move shadowUntil to a later day in a reviewed change.",
        ],
      ],
    );
  });

  it("refuses shadow without its day, with a bad day, on a non-callee, with Easy Auth, and a day without shadow", () => {
    const v = clone(smallConfig());
    const s = v["service-edges:services"] as Services;
    s.b.enforcement = "shadow";
    s.c.enforcement = "shadow";
    s.c.shadowUntil = "2026-02-30";
    s.a.enforcement = "shadow";
    s.a.shadowUntil = "2026-12-31";
    v["service-edges:services"] = {
      ...s,
      d: {
        kind: "app",
        sku: "P1v3",
        maxInstances: 1,
        roles: ["D.Read"],
        shadowUntil: "2026-12-31",
      },
      e: {
        kind: "app",
        sku: "P1v3",
        maxInstances: 1,
        roles: ["E.Read"],
        easyAuth: true,
        enforcement: "shadow",
        shadowUntil: "2026-12-31",
      },
    };
    const errors = configErrors(v);
    assert.equal(errors.length, 5, errors.join("\n"));
    assert.deepEqual(errors.slice(0, 4), [
      "  - service-edges:services.a.enforcement: shadow is for callees, but a exposes no roles, so no caller of it is refused. Fix: remove enforcement, or declare a's roles.",
      `  - service-edges:services.b.shadowUntil: is missing; enforcement: shadow needs the last day of shadow, after which the policy pack refuses b until it is enforced. Fix: set it, e.g. pulumi config set --path 'service-edges:services.b.shadowUntil' ${errors[1].match(/\d{4}-\d{2}-\d{2}/)![0]}.`,
      `  - service-edges:services.c.shadowUntil: "2026-02-30" is not a day. Fix: write the last day of shadow as YYYY-MM-DD, e.g. ${errors[2].match(/e\.g\. (\d{4}-\d{2}-\d{2})/)![1]}.`,
      "  - service-edges:services.d.shadowUntil: is set, but d is enforced. Fix: remove shadowUntil, or set services.d.enforcement: shadow to run d in shadow until then.",
    ]);
    assert.equal(
      errors[4],
      "  - service-edges:services.e.easyAuth: is on, but Easy Auth has no report-only mode: in shadow it would still answer undeclared callers 401 before the token library records them. Fix: set easyAuth: false while e is in shadow (turn it back on with enforcement: enforced), or remove enforcement: shadow.",
    );
  });
});

describe("operating the mesh: expiring edges", () => {
  /** a -> c expired on 2026-12-01; c -> b expires 2026-12-20. */
  function dated(): Values {
    const v = clone(smallConfig());
    const edges = v["service-edges:edges"] as Edges;
    edges[2].expires = "2026-12-01";
    edges[1].expires = "2026-12-20";
    return v;
  }
  let plan: PlanResult;
  before(async () => {
    plan = await planAsOf(dated(), "2026-12-06");
  });

  it("an edge past its day grants nothing: no access rule, no app role assignment, no MESH_CALLEES entry", () => {
    assert.deepEqual(
      plan.edges.map((e) => `${e.from}->${e.to}`),
      ["a->b", "c->b"],
    );
    assert.deepEqual(
      ofType(plan, T.assignment).map((r) => r.name),
      ["mesh-a.b.B.Read", "mesh-c.b.B.Read", "mesh-c.b.B.Write"],
    );
    assert.deepEqual(siteConfigOf(plan, "c").ipSecurityRestrictions, []);
    assert.deepEqual(Object.keys(JSON.parse(setting(plan, "a", "MESH_CALLEES")!)), ["b"]);
  });

  it("lists it as expired and warns about the one within 14 days", () => {
    assert.deepEqual(plan.expiredEdges, [
      { from: "a", to: "c", roles: ["C.Call"], expires: "2026-12-01", daysLeft: -5 },
    ]);
    assert.deepEqual(plan.expiringEdges, [
      { from: "c", to: "b", roles: ["B.Read", "B.Write"], expires: "2026-12-20", daysLeft: 14 },
    ]);
    const text = humanPlan(
      graphOf({ stack: "test", file: "<memory>", values: dated() }),
      plan,
      "x",
    );
    assert.match(
      text,
      /Expired edges \(1: they grant nothing; npm run plan -- prune-expired --stack test --write removes them\):\n {2}a -> c \(C\.Call\): expired 2026-12-01\n/,
    );
    assert.match(
      text,
      /warning: c -> b \(B\.Read, B\.Write\) expires 2026-12-20 \(in 14 days; within 14 days\): renew it \(a later expires\) or let it lapse\n/,
    );
  });

  it("grants on its last day, and warns from 14 days before it (not 15)", () => {
    const asOf = (now: string) => {
      const g = graphAsOf(dated(), now);
      return [g.edges.length, g.expiredEdges.length, g.expiringEdges.map((e) => e.daysLeft)];
    };
    // a -> c's last day is 2026-12-01, c -> b's 2026-12-20.
    assert.deepEqual(asOf("2026-12-01"), [3, 0, [0]]);
    assert.deepEqual(asOf("2026-11-17"), [3, 0, [14]]);
    assert.deepEqual(asOf("2026-11-16"), [3, 0, []]);
    assert.deepEqual(asOf("2026-12-21"), [1, 2, []]);
  });

  it("refuses an expires that is not a day", () => {
    const v = clone(smallConfig());
    (v["service-edges:edges"] as Edges)[0].expires = "next week";
    assert.deepEqual(configErrors(v), [
      '  - service-edges:edges[0].expires: "next week" is not a day. Fix: write the edge\'s last day as YYYY-MM-DD, e.g. 2026-12-31, or remove expires.',
    ]);
  });
});

/** The graph as of a day, through the same helper the planner uses. */
function graphAsOf(values: Values, now: string) {
  const g = globalThis as Record<symbol, unknown>;
  const key = Symbol.for("service-edges.planning-day");
  g[key] = now;
  try {
    return graphOf({ stack: "test", file: "<memory>", values });
  } finally {
    delete g[key];
  }
}

describe("operating the mesh: observability", () => {
  let plan: PlanResult;
  let none: PlanResult;
  before(async () => {
    const v = shadowConfig();
    v["service-edges:observability"] = { workspaceId: WORKSPACE };
    plan = await planAsOf(v, "2026-12-06");
    none = await planAsOf(shadowConfig(), "2026-12-06");
  });

  it("plans a diagnostic setting on every mesh site, three saved queries and two alert rules", () => {
    assert.deepEqual(
      ofType(plan, OBS.diag).map((r) => [r.name, r.inputs.name, r.inputs.workspaceId]),
      [
        ["mesh-observability-a", "service-edges-mesh", WORKSPACE],
        ["mesh-observability-b", "service-edges-mesh", WORKSPACE],
        ["mesh-observability-c", "service-edges-mesh", WORKSPACE],
      ],
    );
    const site = one(plan, T.app, "b").outputs.id;
    assert.equal(ofType(plan, OBS.diag)[1].inputs.resourceUri, site);
    assert.deepEqual(ofType(plan, OBS.diag)[0].inputs.logs, [
      { category: "AppServiceIPSecAuditLogs", enabled: true },
      { category: "AppServiceHTTPLogs", enabled: true },
    ]);
    assert.deepEqual(
      ofType(plan, OBS.saved).map((r) => [
        r.inputs.resourceGroupName,
        r.inputs.workspaceName,
        r.inputs.savedSearchId,
      ]),
      [
        ["ops", "mesh-logs", "edges-test-calls"],
        ["ops", "mesh-logs", "edges-test-refused-edges"],
        ["ops", "mesh-logs", "edges-test-undeclared-shadow"],
      ],
    );
    assert.deepEqual(
      ofType(plan, OBS.alert).map((r) => [r.inputs.ruleName, r.inputs.severity, r.inputs.scopes]),
      [
        ["edges-test-refused-edges", 2, [WORKSPACE]],
        ["edges-test-undeclared-shadow", 3, [WORKSPACE]],
      ],
    );
    // Without action groups the alerts only show in Azure Monitor: no `actions`.
    assert.deepEqual(
      ofType(plan, OBS.alert).map((r) => r.inputs.actions),
      [undefined, undefined],
    );
  });

  it("notifies the configured action groups from both alert rules", async () => {
    const group =
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ops/providers/Microsoft.Insights/actionGroups/mesh-oncall";
    const v = shadowConfig();
    v["service-edges:observability"] = { workspaceId: WORKSPACE, actionGroupIds: [group] };
    const notified = await planAsOf(v, "2026-12-06");
    assert.deepEqual(
      ofType(notified, OBS.alert).map((r) => r.inputs.actions),
      [{ actionGroups: [group] }, { actionGroups: [group] }],
    );
  });

  it("maps subnets, client ids and applications back to service names in the KQL", () => {
    const query = String(ofType(plan, OBS.saved)[2].inputs.query);
    const clientA = one(plan, T.uami, "a").outputs.clientId as string;
    const appB = one(plan, T.application, "b").outputs.clientId as string;
    assert.match(
      query,
      /let MeshSubnets = datatable\(Caller:string, Subnet:string\) \[\n {2}"a", "10\.10\.0\.0\/28",\n {2}"c", "10\.10\.0\.32\/27"\n\];/,
    );
    assert.ok(query.includes(`"a", "${clientA.toLowerCase()}"`), query);
    assert.ok(query.includes(`"b", "${appB.toLowerCase()}"`), query);
    assert.ok(query.includes(`"b", "edges-test-b.azurewebsites.net", "shadow"`), query);
    assert.match(
      query,
      /\| where Enforcement == "shadow" and Result == "Allowed"\n\| join kind=leftanti MeshEdges on Caller, Callee/,
    );
    const rule = ofType(plan, OBS.alert)[0].inputs.criteria as { allOf: Array<{ query: string }> };
    assert.equal(rule.allOf[0].query, String(ofType(plan, OBS.saved)[1].inputs.query));
  });

  it("plans none of them without observability", () => {
    assert.deepEqual(
      [OBS.diag, OBS.saved, OBS.alert].map((t) => ofType(none, t).length),
      [0, 0, 0],
    );
  });

  it("adding a service renames nothing: every observability resource keeps its URN", async () => {
    const v = shadowConfig();
    v["service-edges:observability"] = { workspaceId: WORKSPACE };
    (v["service-edges:services"] as Services).aa = { kind: "app", sku: "P1v3", maxInstances: 1 };
    const grown = await planAsOf(v, "2026-12-06");
    const urns = (p: PlanResult) =>
      p.resources.filter((r) => Object.values(OBS).includes(r.type)).map((r) => r.urn);
    const added = urns(grown).filter((u) => !urns(plan).includes(u));
    assert.deepEqual(
      urns(plan).filter((u) => !urns(grown).includes(u)),
      [],
    );
    assert.deepEqual(
      added.map((u) => u.split("::").pop()),
      ["mesh-observability-aa"],
    );
  });

  it("refuses an action group id that is not one, and one listed twice", () => {
    const group =
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ops/providers/Microsoft.Insights/actionGroups/oncall";
    const v = clone(smallConfig());
    v["service-edges:observability"] = { workspaceId: WORKSPACE, actionGroupIds: ["oncall"] };
    assert.deepEqual(configErrors(v), [
      `  - service-edges:observability.actionGroupIds[0]: "oncall" is not an action group id. Fix: set it to the action group's ARM id: pulumi config set --path 'service-edges:observability.actionGroupIds[0]' $(az monitor action-group show -g <group> -n <name> --query id -o tsv).`,
    ]);
    v["service-edges:observability"] = {
      workspaceId: WORKSPACE,
      actionGroupIds: [group, group.toUpperCase().replace("/SUBSCRIPTIONS", "/subscriptions")],
    };
    assert.deepEqual(configErrors(v), [
      "  - service-edges:observability.actionGroupIds: lists an action group twice. Fix: list each action group once.",
    ]);
  });

  it("refuses a workspace id that is not one", () => {
    const v = clone(smallConfig());
    v["service-edges:observability"] = { workspaceId: "mesh-logs" };
    assert.deepEqual(configErrors(v), [
      `  - service-edges:observability.workspaceId: "mesh-logs" is not a Log Analytics workspace id. Fix: set it to the workspace's ARM id: pulumi config set --path 'service-edges:observability.workspaceId' $(az monitor log-analytics workspace show -g <group> -n <name> --query id -o tsv).`,
    ]);
  });
});

describe("operating the mesh: the review says when enforcement turns on or off", () => {
  let enforced: PlanResult;
  let shadow: PlanResult;
  before(async () => {
    enforced = await planAsOf(clone(smallConfig()), "2026-12-06");
    shadow = await planAsOf(shadowConfig(), "2026-12-06");
  });

  it("turning enforcement on is in the summary and first in the text", () => {
    const r = reviewPlans(shadow, enforced);
    assert.equal(reviewSummary(r), "0 to create, 2 to update · ENFORCEMENT ON (1)");
    const text = reviewText(r).split("\n");
    assert.deepEqual(text.slice(2, 4), [
      "Enforcement:",
      "  ! ENFORCEMENT ON for b: it now refuses every caller without an edge (network: unmatched traffic denied; identity: assignment required, so undeclared callers get AADSTS501051; the token library enforces). Check first that usage shows no undeclared-allowed caller of b.",
    ]);
  });

  it("turning it off is as loud", () => {
    const r = reviewPlans(enforced, shadow);
    assert.equal(reviewSummary(r), "0 to create, 2 to update · ENFORCEMENT OFF (1)");
    assert.deepEqual(r.enforcement, [
      { service: "b", change: "off", shadowUntilAfter: "2026-12-31" },
    ]);
  });

  it("says nothing when enforcement does not change", () => {
    const r = reviewPlans(enforced, enforced);
    assert.deepEqual(r.enforcement, []);
    assert.doesNotMatch(reviewText(r), /Enforcement|ENFORCEMENT/);
  });
});
