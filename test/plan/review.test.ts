/**
 * Day-2 scenarios, each a config PR on the dev stack, reviewed the way the engine will run it:
 * operations, replace reasons, the order of steps, and Azure's refusals as blocking.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type Review, reviewPlans, reviewSummary, reviewText } from "@service-edges/cli/review";
import { type PlanResult, runPlan } from "@service-edges/cli/run";
import { DEV_FILE, DEV_U, T, type Values, clone, devConfig, planCli, short } from "../fixtures";

type Services = Record<string, Record<string, unknown>>;
type Edge = { from: string; to: string; roles: string[] };

let base: PlanResult;
const plans = new Map<string, Promise<PlanResult>>();

type Mutate = (services: Services, edges: Edge[], v: Values) => void;

/** The plan of the dev stack changed by `mutate` (plans are cached by the resulting config). */
function planOf(mutate: Mutate): Promise<PlanResult> {
  const config = devConfig();
  const values = clone(config.values);
  mutate(
    values["service-edges:services"] as Services,
    values["service-edges:edges"] as Edge[],
    values,
  );
  const key = JSON.stringify(values);
  if (!plans.has(key)) plans.set(key, runPlan({ config: { ...config, values } }));
  return plans.get(key)!;
}

/** The review of the dev stack changed by `mutate`, against `from` (default: the dev stack). */
async function review(mutate: Mutate, from?: PlanResult) {
  return reviewPlans(from ?? base, await planOf(mutate));
}

/** The review of a PR from one changed dev stack to another. */
async function reviewBetween(before: Mutate, after: Mutate) {
  return reviewPlans(await planOf(before), await planOf(after));
}

const ops = (r: Review, op: string) =>
  r.resources
    .filter((x) => x.op === op)
    .map((x) => short(x.urn))
    .sort();
const stepOps = (r: Review) => r.steps.map((s) => s.op);
const app = (s: string) => short(DEV_U.service("host", T.app, s));

describe("day-2 review: operations, order and Azure's refusals", function () {
  this.timeout(120000);
  before(async () => {
    base = await runPlan({ config: devConfig() });
  });

  it("no change: nothing to do", async () => {
    const r = await review(() => {});
    assert.deepEqual(r.resources, []);
    assert.deepEqual(r.steps, []);
    assert.deepEqual(r.blocking, []);
  });

  it("add an edge: one assignment created, the two apps updated, nothing deleted", async () => {
    const r = await review((_, e) =>
      e.push({ from: "reports", to: "catalog", roles: ["Catalog.Read"] }),
    );
    assert.deepEqual(r.access, [
      {
        change: "added",
        from: "reports",
        to: "catalog",
        rolesBefore: [],
        rolesAfter: ["Catalog.Read"],
      },
    ]);
    assert.deepEqual(ops(r, "create"), [
      short(DEV_U.assignment("reports", "catalog", "Catalog.Read")),
    ]);
    assert.deepEqual(ops(r, "update"), [app("catalog"), app("reports")]);
    const catalog = r.resources.find((x) => short(x.urn) === app("catalog"))!;
    assert.deepEqual(
      catalog.changes.map((c) => c.path),
      [
        "siteConfig.appSettings[MESH_ALLOWED_CALLERS].value",
        "siteConfig.ipSecurityRestrictions[reports]",
      ],
    );
    assert.equal(catalog.changes[1].before, undefined);
    assert.equal(
      (catalog.changes[1].after as { description: string }).description,
      "edge reports -> catalog",
    );
    assert.deepEqual(r.blocking, []);
    assert.ok(!stepOps(r).includes("delete"));
  });

  it("access changes come from the resources, not the config's edges: the same with no edges known", async () => {
    const head = await planOf((_, e) =>
      e.push({ from: "reports", to: "catalog", roles: ["Catalog.Read"] }),
    );
    // As a program the planner knows no graph of: resources only.
    const r = reviewPlans({ ...base, edges: [] }, { ...head, edges: [] });
    assert.deepEqual(r.access, [
      {
        change: "added",
        from: "reports",
        to: "catalog",
        rolesBefore: [],
        rolesAfter: ["Catalog.Read"],
      },
    ]);
  });

  it("the review text shows the MESH_* entry that changed, not the start of the setting", async () => {
    const r = await review((_, e) => {
      e.push({ from: "reports", to: "catalog", roles: ["Catalog.Read"] });
      e.find((x) => x.from === "reports" && x.to === "billing")!.roles.push("Invoices.Write");
    });
    const lines = reviewText(r)
      .split("\n")
      .filter((l) => l.includes("[MESH_"));
    const id = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    const expected = [
      // billing: reports' entry gains a role; catalog: reports' entry is new.
      `siteConfig\\.appSettings\\[MESH_ALLOWED_CALLERS\\]\\.value \\.${id}\\.roles: \\["Invoices\\.Read"\\] -> \\["Invoices\\.Read","Invoices\\.Write"\\]`,
      `siteConfig\\.appSettings\\[MESH_ALLOWED_CALLERS\\]\\.value \\.${id}: unset -> \\{"service":"reports","roles":\\["Catalog\\.Read"\\]\\}`,
      // reports: its billing target gains the role; its catalog target is new, shown whole.
      `siteConfig\\.appSettings\\[MESH_CALLEES\\]\\.value \\.billing\\.roles: \\["Invoices\\.Read"\\] -> \\["Invoices\\.Read","Invoices\\.Write"\\]`,
      `siteConfig\\.appSettings\\[MESH_CALLEES\\]\\.value \\.catalog: unset -> \\{"audience":"api://[^"]+/edges-dev-catalog","scope":"api://[^"]+/edges-dev-catalog/\\.default","url":"https://edges-dev-catalog\\.azurewebsites\\.net","roles":\\["Catalog\\.Read"\\]\\}`,
    ];
    assert.equal(lines.length, expected.length, lines.join("\n"));
    for (const pattern of expected) {
      assert.ok(
        lines.some((l) => new RegExp(`^      ${pattern}$`).test(l)),
        `${pattern}\n${lines.join("\n")}`,
      );
    }
  });

  it("remove an edge: updates first, then its assignment is deleted, last", async () => {
    const r = await review((_, e) =>
      e.splice(
        e.findIndex((x) => x.from === "reports" && x.to === "billing"),
        1,
      ),
    );
    assert.deepEqual(r.access, [
      {
        change: "removed",
        from: "reports",
        to: "billing",
        rolesBefore: ["Invoices.Read"],
        rolesAfter: [],
      },
    ]);
    assert.deepEqual(ops(r, "delete"), [
      short(DEV_U.assignment("reports", "billing", "Invoices.Read")),
    ]);
    assert.equal(r.steps.at(-1)!.op, "delete");
    assert.deepEqual(
      stepOps(r)
        .slice(0, -1)
        .every((o) => o === "update"),
      true,
    );
    assert.deepEqual(r.blocking, []);
  });

  it("add a caller: its resources created, the VNet updated with its subnet, no refusal", async () => {
    const r = await review((s, e) => {
      s.worker = { kind: "function", sku: "EP1", maxInstances: 5, subnet: "10.40.0.128/28" };
      e.push({ from: "worker", to: "orders", roles: ["Orders.Read"] });
    });
    assert.deepEqual(ops(r, "delete"), []);
    assert.ok(ops(r, "update").includes(short(DEV_U.vnet())));
    assert.ok(ops(r, "create").includes(app("worker")));
    // The subnet exists before the app that integrates into it.
    const order = r.steps.map((s) => short(s.urn));
    assert.ok(order.indexOf(short(DEV_U.vnet())) < order.indexOf(app("worker")));
    assert.deepEqual(r.blocking, []);
  });

  it("retire a caller in one PR: blocked, the subnet would go while the app is still integrated", async () => {
    const r = await review((s, e, v) => {
      delete s.reports;
      v["service-edges:edges"] = e.filter((x) => x.from !== "reports");
    });
    assert.ok(ops(r, "delete").includes(app("reports")));
    const order = r.steps.map((s) => `${s.op} ${short(s.urn)}`);
    assert.ok(
      order.indexOf(`update ${short(DEV_U.vnet())}`) < order.indexOf(`delete ${app("reports")}`),
    );
    assert.deepEqual(
      r.blocking.map((b) => [b.urn, b.message.split(":")[0]]),
      [
        [
          DEV_U.vnet(),
          "subnet snet-reports is removed while edges-dev-reports is integrated in it",
        ],
      ],
    );
    assert.match(r.blocking[0].message, /Fix: retire in two deployments/);
    const identity = r.resources.find(
      (x) => short(x.urn) === short(DEV_U.service("identity", T.uami, "reports")),
    )!;
    assert.equal(identity.op, "delete");
    assert.match(identity.risks[0], /new principal/);
  });

  it("retire a caller, step 1 (retired: true, its edges removed): disconnected, then deleted; the VNet keeps its subnet", async () => {
    const r = await review((s, e, v) => {
      s.reports.retired = true;
      v["service-edges:edges"] = e.filter((x) => x.from !== "reports" && x.to !== "reports");
    });
    assert.deepEqual(r.blocking, []);
    assert.ok(!r.resources.some((x) => short(x.urn) === short(DEV_U.vnet())), "VNet untouched");
    const disconnect = `${short(DEV_U.service("host", T.command, "reports"))}.disconnect`;
    const deletes = r.steps.filter((s) => s.op === "delete").map((s) => short(s.urn));
    for (const gone of [
      disconnect,
      app("reports"),
      short(DEV_U.service("host", T.plan, "reports")),
      short(DEV_U.service("identity", T.uami, "reports")),
    ])
      assert.ok(deletes.includes(gone), gone);
    // The disconnect runs before the site's delete, and the site's before its plan's.
    assert.ok(deletes.indexOf(disconnect) < deletes.indexOf(app("reports")));
    assert.ok(
      deletes.indexOf(app("reports")) <
        deletes.indexOf(short(DEV_U.service("host", T.plan, "reports"))),
    );
    assert.deepEqual(
      r.steps.filter((s) => s.op !== "delete").map((s) => s.op),
      r.steps.filter((s) => s.op !== "delete").map(() => "update"),
      "the rest are updates (allow-lists), no creates",
    );
  });

  it("retire a caller, step 2 (its entry removed after step 1 deployed): the subnet goes, nothing refused", async () => {
    const step1 = (s: Services, e: Edge[], v: Values) => {
      s.reports.retired = true;
      v["service-edges:edges"] = e.filter((x) => x.from !== "reports" && x.to !== "reports");
    };
    const r = await reviewBetween(step1, (s, e, v) => {
      step1(s, e, v);
      delete s.reports;
    });
    assert.deepEqual(r.blocking, []);
    assert.deepEqual(
      r.resources.map((x) => [short(x.urn), x.op]),
      [[short(DEV_U.vnet()), "update"]],
    );
    const vnet = r.resources[0];
    assert.deepEqual(
      vnet.changes.map((c) => c.path).filter((p) => p.startsWith("subnets")).length > 0,
      true,
    );
  });

  it("retire a caller deployed before the disconnect step existed: blocked, with the upgrade first", async () => {
    const old = { ...base, resources: base.resources.filter((x) => x.type !== T.command) };
    const r = await review((s, e, v) => {
      s.reports.retired = true;
      v["service-edges:edges"] = e.filter((x) => x.from !== "reports" && x.to !== "reports");
    }, old);
    assert.deepEqual(
      r.blocking.map((b) => [short(b.urn), b.message.split(":")[0]]),
      [
        [
          app("reports"),
          "edges-dev-reports is deleted while integrated in snet-reports, and nothing disconnects it first",
        ],
      ],
    );
    assert.match(r.blocking[0].message, /Fix: deploy the config without this removal first/);
  });

  it("pulumi destroy: every caller disconnected before its site is deleted, the VNet after every site", () => {
    const r = reviewPlans(base, { ...base, resources: [], violations: [] });
    assert.deepEqual(r.blocking, []);
    const order = r.steps.map((s) => `${s.op} ${short(s.urn)}`);
    assert.ok(r.steps.every((s) => s.op === "delete"));
    for (const caller of ["web", "orders", "inventory", "reports"]) {
      const disconnect = `delete ${short(DEV_U.service("host", T.command, caller))}.disconnect`;
      assert.ok(order.includes(disconnect), disconnect);
      assert.ok(order.indexOf(disconnect) < order.indexOf(`delete ${app(caller)}`), caller);
      assert.ok(
        order.indexOf(`delete ${app(caller)}`) < order.indexOf(`delete ${short(DEV_U.vnet())}`),
      );
    }
  });

  it("retire a callee that only is called: its application goes with its roles, nothing refused", async () => {
    const r = await review((s, e, v) => {
      delete s.catalog;
      v["service-edges:edges"] = e.filter((x) => x.to !== "catalog");
    });
    assert.ok(ops(r, "delete").includes(short(DEV_U.service("callee", T.application, "catalog"))));
    assert.deepEqual(r.blocking, []);
    // Deleting auth settings does not turn Easy Auth off: said where it happens.
    const auth = r.resources.find(
      (x) => short(x.urn) === short(DEV_U.service("host", T.auth, "catalog")),
    )!;
    assert.equal(auth.op, "delete");
    assert.match(auth.risks[0], /^authsettingsV2 has no DELETE/);
  });

  it("resize an integrated subnet: blocked, its size cannot change under an app", async () => {
    const r = await review((s) => (s.orders.subnet = "10.40.0.128/27"));
    assert.equal(r.blocking.length, 1);
    assert.match(
      r.blocking[0].message,
      /^subnet snet-orders is resized \(10\.40\.0\.32\/28 -> 10\.40\.0\.128\/27\) while edges-dev-orders is integrated in it/,
    );
  });

  it("delete an enabled app role: blocked; retire it first, then remove it: allowed", async () => {
    const deleted = await review((s) => (s.inventory.roles = ["Stock.Reserve"]));
    assert.deepEqual(
      deleted.blocking.map((b) => short(b.urn)),
      [short(DEV_U.service("callee", T.application, "inventory"))],
    );
    assert.match(deleted.blocking[0].message, /the enabled app role Stock\.Read is deleted/);
    const retired = await review((s) => {
      s.inventory.roles = ["Stock.Reserve"];
      s.inventory.retiredRoles = ["Stock.Read"];
    });
    assert.deepEqual(retired.blocking, []);
    const role = retired.resources.find(
      (x) => short(x.urn) === short(DEV_U.service("callee", T.application, "inventory")),
    )!;
    assert.equal(role.op, "update");
    assert.deepEqual(
      role.changes
        .map((c) => [c.path, c.before, c.after])
        .filter(([p]) => String(p).endsWith("enabled")),
      [["appRoles[Stock.Read].enabled", true, false]],
    );
  });

  it("switch Easy Auth off: its settings stay, disabled (authsettingsV2 has no DELETE)", async () => {
    const r = await review((s) => (s.billing.easyAuth = false));
    const auth = r.resources.find((x) => x.type === T.auth)!;
    assert.equal(auth.op, "update");
    assert.deepEqual(
      auth.changes.find((c) => c.path === "platform.enabled"),
      { path: "platform.enabled", before: true, after: false },
    );
    assert.deepEqual(ops(r, "delete"), []);
  });

  it("change region: everything in Azure is replaced (deleted first), said loudly, with why", async () => {
    const r = await review((_s, _e, v) => (v["azure-native:location"] = "northeurope"));
    const replaced = (type: string) =>
      r.resources.filter((x) => x.type === type && x.op === "replace").length;
    assert.equal(replaced(T.app), 6);
    assert.equal(replaced(T.plan), 6);
    assert.equal(replaced(T.uami), 6);
    assert.equal(replaced(T.vnet), 1);
    const site = r.resources.find((x) => short(x.urn) === app("orders"))!;
    assert.deepEqual(site.replaceReasons, [
      "the location changes (westeurope -> northeurope); the provider cannot change location in place",
    ]);
    // New identities mean new principals: the assignments that name them are replaced too.
    const assignment = r.resources.find(
      (x) => short(x.urn) === short(DEV_U.assignment("web", "orders", "Orders.Read")),
    )!;
    assert.equal(assignment.op, "replace");
    assert.deepEqual(
      assignment.changes.map((c) => c.path),
      ["principalObjectId"],
    );
    assert.match(reviewSummary(r), /^REPLACES \d+, 0 to create/);
    // azure-native deletes before it re-creates; the Entra assignments are re-created first.
    const i = r.steps.findIndex((x) => short(x.urn) === app("orders"));
    assert.deepEqual(
      [r.steps[i].op, r.steps[i + 1].op, short(r.steps[i + 1].urn)],
      ["delete-replaced", "create-replacement", app("orders")],
    );
  });

  it("change SKU within a webspace class: the plan is updated in place", async () => {
    for (const [service, sku] of [
      ["orders", "P2v3"],
      ["orders", "P1mv3"],
      ["catalog", "B2"],
      ["catalog", "P1v2"],
      ["inventory", "EP2"],
    ]) {
      const r = await review((s) => (s[service].sku = sku));
      const plan = r.resources.find(
        (x) => short(x.urn) === short(DEV_U.service("host", T.plan, service)),
      )!;
      assert.equal(plan.op, "update", sku);
      assert.ok(plan.changes.some((c) => c.path === "sku.name" && c.after === sku));
      assert.deepEqual(ops(r, "replace"), [], sku);
      assert.deepEqual(r.blocking, [], sku);
    }
  });

  it("change SKU across webspace classes: the service moves group, replaced; blocked (global site name)", async () => {
    const r = await review((s) => (s.orders.sku = "S2"));
    assert.deepEqual(
      ops(r, "replace"),
      [
        T.plan,
        T.app,
        T.auth,
        "azure-native:web:WebAppFtpAllowed",
        "azure-native:web:WebAppScmAllowed",
      ]
        .map((t) => short(DEV_U.service("host", t, "orders")))
        .sort(),
    );
    const plan = r.resources.find(
      (x) => short(x.urn) === short(DEV_U.service("host", T.plan, "orders")),
    )!;
    assert.deepEqual(
      plan.changes.find((c) => c.path === "resourceGroupName"),
      { path: "resourceGroupName", before: "edges-dev-g12", after: "edges-dev-classic-g12" },
    );
    assert.ok(ops(r, "create").some((u) => u.endsWith(`$${T.rg}::mesh-classic-g12`)));
    assert.deepEqual(
      r.blocking.map((b) => [short(b.urn), b.message.split(":")[0]]),
      [
        [
          app("orders"),
          "edges-dev-orders is replaced by a new site of the same name, created before the old one is deleted, and its name is global",
        ],
      ],
    );
    assert.match(r.blocking[0].message, /Fix: add the service again under a new name/);
  });

  it("managed identity -> registration: the edges' assignments move to the new principal", async () => {
    const r = await review((s) => (s.web.identity = "registration"));
    assert.ok(ops(r, "create").includes(short(DEV_U.service("identity", T.application, "web"))));
    const assignment = r.resources.find(
      (x) => short(x.urn) === short(DEV_U.assignment("web", "orders", "Orders.Read")),
    )!;
    assert.equal(assignment.op, "replace");
    assert.match(assignment.replaceReasons[0], /^principalObjectId changes/);
    // The registration (created first) exists before the assignment that names it.
    const order = r.steps.map((x) => short(x.urn));
    assert.ok(
      order.indexOf(short(DEV_U.service("identity", T.sp, "web"))) <
        order.indexOf(short(DEV_U.assignment("web", "orders", "Orders.Read"))),
    );
  });

  it("Easy Auth on: the callee's settings are enabled in place, nothing else moves", async () => {
    const r = await review((s) => (s.catalog.easyAuth = true));
    assert.deepEqual(ops(r, "update"), [short(DEV_U.service("host", T.auth, "catalog"))]);
    assert.deepEqual(ops(r, "create"), []);
    assert.deepEqual(r.blocking, []);
  });

  it("the CLI: --json prints the contract, and a blocked review exits 1 with the fix on stderr", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "review-"));
    try {
      const head = path.join(dir, "Pulumi.dev.yaml");
      fs.writeFileSync(
        head,
        fs
          .readFileSync(DEV_FILE, "utf8")
          .replace("subnet: 10.40.0.32/28", "subnet: 10.40.0.128/27"),
      );
      const r = await planCli("--base", DEV_FILE, "--head", head, "--json");
      assert.equal(r.code, 1, r.stderr);
      const j = JSON.parse(r.stdout);
      assert.deepEqual(Object.keys(j).sort(), [
        "access",
        "blocking",
        "enforcement",
        "resources",
        "steps",
        "violations",
      ]);
      assert.deepEqual(Object.keys(j.resources[0]).sort(), [
        "changes",
        "op",
        "replaceReasons",
        "risks",
        "type",
        "urn",
      ]);
      assert.deepEqual(Object.keys(j.resources[0].changes[0]).sort(), ["after", "before", "path"]);
      assert.deepEqual(Object.keys(j.steps[0]).sort(), ["op", "urn"]);
      assert.match(r.stderr, /^blocking: .*subnet snet-orders is resized .* Fix: /m);
      const text = await planCli("--base", DEV_FILE, "--head", head);
      assert.equal(text.code, 1);
      assert.match(text.stdout, /^Review: 0 to create, 1 to update · BLOCKED \(1\)/);
      assert.match(text.stdout, /^BLOCKING \(Azure will refuse this deployment as ordered\):/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
