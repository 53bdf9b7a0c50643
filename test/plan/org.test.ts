/**
 * One mesh across many stacks: the platform stack (address plan, identities, registry), team
 * stacks (their services, their callees' applications, the edges into their own services), and
 * the org plan over a directory of stack files, in parallel workers.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { parse, stringify } from "yaml";
import {
  ConfigError,
  RESOURCE_TYPES,
  buildPlatformGraph,
  buildTeamGraph,
  formatIssue,
} from "@service-edges/contract";
import { deployWaves, touchedStacks } from "../../tools/ci/org-stacks";
import { type OrgPlan, planOrg } from "@service-edges/cli/org";
import { type OrgReview, orgReviewText, reviewOrg } from "@service-edges/cli/org-review";
import type { Review } from "@service-edges/cli/review";
import { ROOT, T, planCli } from "../fixtures";

const ORG = path.join(ROOT, "test/fixtures/org");

/** A copy of the fixture org with `edit(stack file name -> its config)` applied. */
function orgWith(edit: (files: Record<string, Record<string, unknown>>) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "org-"));
  const files: Record<string, Record<string, unknown>> = {};
  for (const f of fs.readdirSync(ORG)) {
    files[f] = (
      parse(fs.readFileSync(path.join(ORG, f), "utf8")) as { config: Record<string, unknown> }
    ).config;
  }
  edit(files);
  for (const [f, config] of Object.entries(files)) {
    if (config) fs.writeFileSync(path.join(dir, f), stringify({ config }));
  }
  return dir;
}

async function orgIssues(dir: string): Promise<string[]> {
  try {
    await planOrg(dir, 2);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.issues.map((i) => formatIssue(i).replace(dir + path.sep, ""));
  }
  return assert.fail("expected the org to be refused");
}

const types = (p: OrgPlan, stack: string) =>
  new Set(p.resources.filter((r) => r.stack === stack).map((r) => r.type));
const count = (p: OrgPlan, stack: string, type: string) =>
  p.resources.filter((r) => r.stack === stack && r.type === type).length;

describe("one mesh across many stacks (--org)", function () {
  this.timeout(180000);
  let plan: OrgPlan;
  before(async () => {
    plan = await planOrg(ORG, 2);
  });

  it("plans the platform first, then every team stack, each with its own resources", () => {
    assert.deepEqual(
      plan.stacks.map((s) => [s.name, s.kind, s.team ?? null, s.violations.length]),
      [
        ["platform", "platform", null, 0],
        ["inventory", "team", "inventory", 0],
        ["orders", "team", "orders", 0],
        ["storefront", "team", "storefront", 0],
      ],
    );
    assert.deepEqual(
      plan.stacks.map((s) => s.resources),
      ["platform", "inventory", "orders", "storefront"].map(
        (s) => plan.resources.filter((r) => r.stack === s).length,
      ),
    );
  });

  it("the platform owns the VNet (every caller's subnet) and every identity, and no compute", () => {
    assert.equal(count(plan, "platform", T.vnet), 1);
    assert.equal(count(plan, "platform", T.uami), 5);
    assert.equal(count(plan, "platform", T.plan), 0);
    assert.equal(count(plan, "platform", T.app), 0);
    const vnet = plan.resources.find((r) => r.stack === "platform" && r.type === T.vnet)!;
    assert.deepEqual(
      (vnet.inputs.subnets as Array<{ name: string; addressPrefix: string }>).map((s) => [
        s.name,
        s.addressPrefix,
      ]),
      [
        ["snet-orders", "10.50.0.32/28"],
        ["snet-reports", "10.50.0.48/28"],
        ["snet-stock", "10.50.0.64/26"],
        ["snet-web", "10.50.0.0/27"],
      ],
    );
    // The registration caller's app registration and federated credential are the platform's.
    assert.equal(count(plan, "platform", T.fic), 1);
  });

  it("a team stack deploys only its own services, integrated into the platform's subnets", () => {
    for (const stack of ["orders", "inventory", "storefront"]) {
      assert.ok(!types(plan, stack).has(T.vnet), stack);
      assert.ok(!types(plan, stack).has(T.uami), stack);
    }
    const apps = (stack: string) =>
      plan.resources
        .filter((r) => r.stack === stack && r.type === T.app)
        .map((r) => r.inputs.name)
        .sort();
    assert.deepEqual(apps("orders"), ["acme-prod-billing", "acme-prod-orders"]);
    assert.deepEqual(apps("storefront"), ["acme-prod-reports", "acme-prod-web"]);
    assert.deepEqual(apps("inventory"), ["acme-prod-stock"]);
    const orders = plan.resources.find(
      (r) => r.stack === "orders" && r.type === T.app && r.inputs.name === "acme-prod-orders",
    )!;
    const snet = plan.resources.find((r) => r.stack === "platform" && r.type === T.vnet)!.outputs
      .subnets as Array<{ name: string; id: string }>;
    assert.equal(
      orders.inputs.virtualNetworkSubnetId,
      snet.find((s) => s.name === "snet-orders")!.id,
    );
    // Its own resource groups, named for the team, so the team can hold rights on them alone.
    assert.deepEqual(
      plan.resources
        .filter((r) => r.stack === "orders" && r.type === T.rg)
        .map((r) => r.inputs.resourceGroupName)
        .sort(),
      ["acme-prod-orders-g12", "acme-prod-orders-g28"],
    );
  });

  it("the callee's team grants its callers: one assignment per inbound edge and role, to the platform's principals", () => {
    assert.deepEqual(
      plan.edges.map((e) => `${e.from}->${e.to} ${e.roles.join("+")} [${e.stack}]`),
      [
        "orders->billing Invoices.Read [orders]",
        "orders->stock Stock.Read [inventory]",
        "reports->billing Invoices.Read [orders]",
        "reports->orders Orders.Read [orders]",
        "web->orders Orders.Read+Orders.Write [orders]",
      ],
    );
    assert.equal(count(plan, "orders", T.assignment), 5);
    assert.equal(count(plan, "inventory", T.assignment), 1);
    assert.equal(count(plan, "storefront", T.assignment), 0);
    // reports signs in as its registration: the assignments name the registration's principal.
    const platformSps = plan.resources.filter((r) => r.stack === "platform" && r.type === T.sp);
    const reportsSp = platformSps.find((r) => r.name === "mesh-reports")!;
    const reportsGrants = plan.resources.filter(
      (r) => r.stack === "orders" && r.type === T.assignment && r.name.startsWith("mesh-reports."),
    );
    assert.equal(reportsGrants.length, 2);
    for (const g of reportsGrants)
      assert.equal(g.inputs.principalObjectId, reportsSp.outputs.objectId);
  });

  it("a caller's calls give it its MESH_CALLEES across teams; the org warns where calls and grants disagree", async () => {
    const settingsOf = (p: OrgPlan, stack: string, site: string) =>
      Object.fromEntries(
        (
          p.resources.find((r) => r.stack === stack && r.type === T.app && r.inputs.name === site)!
            .inputs.siteConfig as { appSettings: Array<{ name: string; value: string }> }
        ).appSettings.map((x) => [x.name, x.value]),
      );
    const web = settingsOf(plan, "storefront", "acme-prod-web");
    assert.equal(web.MESH_IDENTITY, "managed");
    assert.ok(web.MESH_MANAGED_IDENTITY_CLIENT_ID);
    const callees = JSON.parse(web.MESH_CALLEES) as Record<
      string,
      { roles: string[]; url: string }
    >;
    assert.deepEqual(Object.keys(callees), ["orders"]);
    assert.deepEqual(callees.orders.roles, ["Orders.Read", "Orders.Write"]);
    assert.equal(callees.orders.url, "https://acme-prod-orders.azurewebsites.net");
    const reports = settingsOf(plan, "storefront", "acme-prod-reports");
    assert.equal(reports.MESH_IDENTITY, "registration");
    assert.deepEqual(Object.keys(JSON.parse(reports.MESH_CALLEES) as object), [
      "billing",
      "orders",
    ]);
    // orders calls stock in team inventory's stack, and is called from storefront's.
    const orders = settingsOf(plan, "orders", "acme-prod-orders");
    assert.deepEqual(Object.keys(JSON.parse(orders.MESH_CALLEES) as object), ["billing", "stock"]);
    assert.deepEqual(plan.warnings, []);

    const drifted = orgWith((f) => {
      const sf = f["Pulumi.storefront.yaml"]["service-edges:services"] as Record<
        string,
        Record<string, unknown>
      >;
      sf.web.calls = { orders: ["Orders.Read"], billing: ["Invoices.Read"] };
      delete sf.reports.calls;
    });
    const p = await planOrg(drifted, 2);
    assert.deepEqual(p.warnings, [
      "reports may call billing (Invoices.Read), but reports's calls in storefront does not list billing: its MESH_CALLEES has no entry for it",
      "reports may call orders (Orders.Read), but reports's calls in storefront does not list orders: its MESH_CALLEES has no entry for it",
      "web calls billing (Invoices.Read), but team orders's stack orders has no edge web -> billing: its calls will get no token",
      "web calls orders expecting Orders.Read; team orders's stack orders grants Orders.Read, Orders.Write",
    ]);
    assert.match(
      (await planCli("--org", drifted, "--jobs", "1")).stdout,
      /Calls and grants that disagree \(warnings\)\n {2}reports may call billing/,
    );
  });

  it("refuses calls from a service without a subnet, to an unknown service, or unlike its own stack's edge", async () => {
    const dir = orgWith((f) => {
      const o = f["Pulumi.orders.yaml"]["service-edges:services"] as Record<
        string,
        Record<string, unknown>
      >;
      o.billing.calls = { stock: ["Stock.Read"] };
      o.orders.calls = { nope: ["X"], billing: ["Invoices.Write"] };
    });
    const issues = await orgIssues(dir);
    assert.deepEqual(issues, [
      'Pulumi.orders.yaml: service-edges:services.orders.calls.nope: "nope" is not in the platform\'s registry. Fix: name a registered service.',
      "Pulumi.orders.yaml: service-edges:services.orders.calls.billing: says Invoices.Write, but this stack's edge orders -> billing grants Invoices.Read. Fix: remove it: within a team stack the edges say whom orders calls.",
      "Pulumi.orders.yaml: service-edges:services.billing.calls: billing has no integration subnet in the platform's registry, and every caller needs one. Fix: give it a subnet in the platform stack's service-edges:services.billing.subnet first.",
    ]);
  });

  it("the platform holds the guardrails: shared rules at the subscription, the identities rule on its group", () => {
    const assignments = plan.resources.filter((r) => r.type === RESOURCE_TYPES.policyAssignment);
    assert.ok(assignments.every((a) => a.stack === "platform"));
    assert.equal(
      plan.resources.filter((r) => r.type === RESOURCE_TYPES.policyDefinition).length,
      7,
    );
    // No shared groups: 6 rules at the subscription + 1 identities.
    assert.deepEqual(assignments.map((a) => a.name).sort(), [
      "mesh-guardrails-identities-no-federated-credential-on-mesh-identity",
      "mesh-guardrails-subscription-mesh-site-public-network-access",
      "mesh-guardrails-subscription-mesh-subnet-only-its-site",
      "mesh-guardrails-subscription-no-basic-auth-publishing",
      "mesh-guardrails-subscription-no-private-endpoint-approval",
      "mesh-guardrails-subscription-no-private-endpoint-to-mesh-site-by-name",
      "mesh-guardrails-subscription-no-slot-on-mesh-site",
    ]);
    // Named by the prefix, not by the services: a team's sites are held wherever they are placed.
    const slot = assignments.find((a) => a.name.endsWith("no-slot-on-mesh-site"))!;
    assert.deepEqual(slot.inputs.parameters, { namePrefix: { value: "acme-prod" } });
    assert.match(slot.inputs.scope as string, /^\/subscriptions\/[0-9a-f-]+$/);
  });

  it("one team stack planned alone: its own services, other teams' callers by team, its assignments", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "team-alone-"));
    const platform = await planCli("--config", path.join(ORG, "Pulumi.platform.yaml"), "--json");
    assert.equal(platform.code, 0, platform.stderr);
    const outputs = path.join(dir, "platform.json");
    fs.writeFileSync(
      outputs,
      JSON.stringify((JSON.parse(platform.stdout) as { outputs: object }).outputs),
    );
    const r = await planCli(
      "--config",
      path.join(ORG, "Pulumi.orders.yaml"),
      "--stack-outputs",
      `platform=${outputs}`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /: 2 services \(and 2 callers of other teams\), 4 edges, /);
    assert.match(r.stdout, /│ web \(caller, team storefront\) +│ app +│ - +│ 10 /);
    assert.match(
      r.stdout,
      /│ web -> orders +│ Orders.Read, Orders.Write +│ allow snet-web \(10.50.0.0\/27\) +│ mesh-web.orders.Orders.Read +│/,
    );
  });

  it("a platform with a second virtual network: its callers integrate there, team stacks admit them", async () => {
    const dir = orgWith((f) => {
      const p = f["Pulumi.platform.yaml"];
      p["service-edges:network"] = { addressSpace: "10.50.0.0/16", vnets: { b: "10.51.0.0/16" } };
      (p["service-edges:services"] as Record<string, Record<string, unknown>>).web.subnet =
        "10.51.0.0/27";
    });
    const p = await planOrg(dir, 2);
    const vnets = p.resources
      .filter((r) => r.type === T.vnet)
      .sort((x, y) => (x.name < y.name ? -1 : 1));
    assert.deepEqual(
      vnets.map((v) => [v.stack, v.inputs.virtualNetworkName]),
      [
        ["platform", "acme-prod-vnet"],
        ["platform", "acme-prod-vnet-b"],
      ],
    );
    const b = vnets[1];
    const orders = p.resources.find(
      (r) => r.stack === "orders" && r.type === T.app && r.inputs.name === "acme-prod-orders",
    )!;
    const rules = (
      orders.inputs.siteConfig as {
        ipSecurityRestrictions: Array<{ vnetSubnetResourceId?: string }>;
      }
    ).ipSecurityRestrictions.map((r) => r.vnetSubnetResourceId);
    assert.ok(rules.includes(`${b.id}/subnets/snet-web`), rules.join("\n"));
    const web = p.resources.find(
      (r) => r.stack === "storefront" && r.type === T.app && r.inputs.name === "acme-prod-web",
    )!;
    assert.equal(web.inputs.virtualNetworkSubnetId, `${b.id}/subnets/snet-web`);
    assert.deepEqual(
      p.stacks.map((s) => s.violations.length),
      [0, 0, 0, 0],
    );
  });

  it("the registry names every service with its team and the stack that deploys it", () => {
    assert.deepEqual(
      plan.services.map((s) => `${s.name}:${s.team}:${s.stack}`),
      [
        "billing:orders:orders",
        "orders:orders:orders",
        "reports:storefront:storefront",
        "stock:inventory:inventory",
        "web:storefront:storefront",
      ],
    );
  });

  it("one worker or two: the same plan", async () => {
    const serial = await planOrg(ORG, 1);
    assert.deepEqual(
      serial.resources.map((r) => [r.stack, r.urn]),
      plan.resources.map((r) => [r.stack, r.urn]),
    );
  });

  it("--org --json prints the contract; check and match answer across stacks", async () => {
    const r = await planCli("--org", ORG, "--jobs", "2", "--json");
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as OrgPlan;
    assert.deepEqual(Object.keys(j), ["stacks", "services", "edges", "resources", "warnings"]);
    assert.deepEqual(j.warnings, []);
    assert.deepEqual(
      j.stacks.map((s) => [s.name, s.kind, s.resources, s.violations]),
      plan.stacks.map((s) => [s.name, s.kind, s.resources, []]),
    );
    assert.deepEqual(j.edges, plan.edges);
    assert.equal(j.resources.length, plan.resources.length);
    const allowed = await planCli("check", "web", "orders", "--org", ORG);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, /^ALLOWED: web may call orders with Orders\.Read, Orders\.Write/);
    assert.match(allowed.stdout, /allows the subnet of web, snet-web/);
    assert.match(
      allowed.stdout,
      /the managed identity of web holds Orders\.Read, Orders\.Write on orders/,
    );
    // Both layers across stacks: billing (team orders) has no subnet, no role on stock (inventory).
    const denied = await planCli("check", "billing", "stock", "--org", ORG, "--json");
    assert.equal(denied.code, 3);
    const a = JSON.parse(denied.stdout) as {
      network: { allowed: boolean };
      identity: { allowed: boolean };
    };
    assert.deepEqual([a.network.allowed, a.identity.allowed], [false, false]);
    const m = await planCli("match", "billing", "--org", ORG);
    assert.equal(m.code, 0, m.stderr);
    assert.equal(
      m.stdout.trim(),
      [
        "billing may be called by:",
        "  orders (Invoices.Read)",
        "  reports (Invoices.Read)",
        "billing may call: nobody",
      ].join("\n"),
    );
  });

  it("reviews a PR that changes two team stacks: both shown, each deployable in any order", async () => {
    const head = orgWith((f) => {
      (f["Pulumi.inventory.yaml"]["service-edges:edges"] as unknown[]).push({
        from: "reports",
        to: "stock",
        roles: ["Stock.Read"],
      });
      (
        f["Pulumi.storefront.yaml"]["service-edges:services"] as Record<
          string,
          Record<string, unknown>
        >
      ).reports.sku = "B2";
    });
    const r = await reviewOrg(ORG, head, 2);
    assert.deepEqual(
      r.stacks.map((s) => [s.name, s.kind, s.change]),
      [
        ["inventory", "team", "changed"],
        ["storefront", "team", "changed"],
      ],
    );
    assert.deepEqual(r.deployOrder, ["inventory", "storefront"]);
    const inventory = r.stacks[0].review;
    assert.deepEqual(inventory.access, [
      {
        change: "added",
        from: "reports",
        to: "stock",
        rolesBefore: [],
        rolesAfter: ["Stock.Read"],
      },
    ]);
    assert.ok(inventory.resources.some((x) => x.op === "create" && x.type === T.assignment));
    const storefront = r.stacks[1].review;
    assert.deepEqual(
      storefront.resources.map((x) => [x.type, x.op]),
      [[T.plan, "update"]],
    );
  });

  it("a registry change reviews the platform first, then the team stacks it moves", async () => {
    const head = orgWith((f) => {
      const s = f["Pulumi.platform.yaml"]["service-edges:services"] as Record<
        string,
        Record<string, unknown>
      >;
      s.billing.subnet = "10.50.1.0/28";
      // orders also revokes an edge (a delete), which need not wait: the platform removes nothing.
      const o = f["Pulumi.orders.yaml"];
      o["service-edges:edges"] = (
        o["service-edges:edges"] as Array<{ from: string; to: string }>
      ).filter((e) => !(e.from === "reports" && e.to === "billing"));
    });
    const r = await reviewOrg(ORG, head, 2);
    assert.ok(r.stacks[0].review.resources.some((x) => x.type === T.vnet && x.op === "update"));
    assert.ok(r.stacks[1].review.steps.some((x) => x.op === "delete"));
    // billing now integrates into its new subnet: its team's stack deploys after the platform.
    assert.deepEqual(r.deployOrder, ["platform", "orders"]);
    assert.deepEqual(r.beforePlatform, []);
    const cli = await planCli("--org", head, "--base", ORG);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /^Deploy order: 1\. platform {2}2\. orders \(the platform first/);
  });

  describe("retiring a caller across stacks: retired: true in both stacks, then removal", () => {
    type Services = Record<string, Record<string, unknown>>;
    const services = (f: Record<string, Record<string, unknown>>, file: string) =>
      f[file]["service-edges:services"] as Services;
    /** Every edge naming reports, gone (they are in the callee's team stack, orders). */
    const dropReportsEdges = (f: Record<string, Record<string, unknown>>) => {
      const o = f["Pulumi.orders.yaml"];
      o["service-edges:edges"] = (o["service-edges:edges"] as Array<{ from: string }>).filter(
        (e) => e.from !== "reports",
      );
    };
    const removed = (f: Record<string, Record<string, unknown>>) => {
      delete services(f, "Pulumi.platform.yaml").reports;
      delete services(f, "Pulumi.storefront.yaml").reports;
      dropReportsEdges(f);
    };
    const retired = (f: Record<string, Record<string, unknown>>) => {
      services(f, "Pulumi.platform.yaml").reports.retired = true;
      services(f, "Pulumi.storefront.yaml").reports = { sku: "B1", retired: true };
      dropReportsEdges(f);
    };
    const reviewCli = async (head: string, base: string) => {
      const r = await planCli("--org", head, "--base", base, "--jobs", "2", "--json");
      return { ...r, review: JSON.parse(r.stdout) as OrgReview };
    };
    const byStack = (r: OrgReview) => new Map(r.stacks.map((s) => [s.name, s.review]));
    const ops = (r: Review, op: string) =>
      r.resources.filter((x) => x.op === op).map((x) => `${x.type}::${x.urn.split("::").pop()}`);
    const FIX =
      "Fix: retire reports in two deployments: first set service-edges:services.reports.retired: true in both Pulumi.platform.yaml and Pulumi.storefront.yaml (keep both entries), remove every edge and calls naming reports, and deploy the team stacks, then the platform: its site is disconnected, then deleted, its identity deleted, and the subnet stays; then remove both entries and deploy again.";

    it("in one step (registry, team stack, edges): refused (exit 1), the subnet is still in use; the fix is the two steps", async () => {
      const r = await reviewCli(orgWith(removed), ORG);
      assert.equal(r.code, 1, r.stderr);
      const message =
        'subnet snet-reports is removed from acme-prod-vnet while acme-prod-reports (team stack storefront) is integrated in it: Azure refuses the platform\'s VNet update while the site is integrated ("Subnet snet-reports is in use by .../serviceAssociationLinks/AppServiceLink", Azure/deployment-stacks#150), and in one change nothing makes the platform wait for storefront to disconnect and delete the site (team stacks read the platform as deployed and deploy on their own). ' +
        FIX;
      const platform = byStack(r.review).get("platform")!;
      assert.deepEqual(platform.blocking, [
        {
          urn: "urn:pulumi:platform::service-edges::service-edges:index:MeshPlatform$service-edges:mesh:MeshNetwork$azure-native:network:VirtualNetwork::mesh-network",
          message,
        },
      ]);
      assert.deepEqual(r.stderr.trim().split("\n"), [
        `blocking: [platform] service-edges:index:MeshPlatform$service-edges:mesh:MeshNetwork$azure-native:network:VirtualNetwork::mesh-network: ${message}`,
      ]);
      // The single-stack rules alone saw nothing: the site and the subnet are in different stacks.
      assert.deepEqual(
        r.review.stacks.flatMap((s) => (s.name === "platform" ? [] : s.review.blocking)),
        [],
      );
    });

    it("step 1 (retired: true in both, its edges removed): passes; the team stacks that delete deploy before the platform, and the VNet keeps the subnet", async () => {
      const r = await reviewCli(orgWith(retired), ORG);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "");
      assert.deepEqual(r.review.deployOrder, ["orders", "storefront", "platform"]);
      assert.deepEqual(r.review.beforePlatform, ["orders", "storefront"]);
      assert.match(
        orgReviewText(r.review),
        /^Deploy order: 1\. orders {2}2\. storefront {2}3\. platform \(orders, storefront first: they delete what the platform then removes; then the platform\)\n/,
      );
      const s = byStack(r.review);
      assert.deepEqual(
        r.review.stacks.map((x) => [x.name, x.review.blocking.length]),
        [
          ["platform", 0],
          ["orders", 0],
          ["storefront", 0],
        ],
      );
      // The platform: reports' identity goes; its subnet stays (no VNet change at all).
      assert.deepEqual(ops(s.get("platform")!, "delete"), [
        `${T.uami}::mesh-reports`,
        `${T.application}::mesh-reports`,
        `${T.fic}::mesh-reports`,
        `${T.sp}::mesh-reports`,
        "service-edges:mesh:ServiceIdentity::mesh-reports",
      ]);
      assert.ok(!s.get("platform")!.resources.some((x) => x.type === T.vnet));
      // orders: the grants to reports go.
      assert.deepEqual(ops(s.get("orders")!, "delete"), [
        `${T.assignment}::mesh-reports.billing.Invoices.Read`,
        `${T.assignment}::mesh-reports.orders.Orders.Read`,
      ]);
      // storefront: reports' site is disconnected, then deleted, with its plan and group.
      const steps = s
        .get("storefront")!
        .steps.map(
          (x) => `${x.op} ${x.urn.split("::")[2].split("$").pop()}::${x.urn.split("::").pop()}`,
        );
      const disconnect = steps.indexOf(`delete ${T.command}::mesh-reports.disconnect`);
      assert.ok(
        disconnect >= 0 && disconnect < steps.indexOf(`delete ${T.app}::mesh-reports`),
        steps.join("\n"),
      );
      assert.equal(ops(s.get("storefront")!, "delete").length, 7);
      assert.equal(s.get("storefront")!.resources.length, 7);
    });

    it("step 2 (both entries removed after step 1 deployed): the subnet goes, the platform alone deploys, nothing refused", async () => {
      const r = await reviewCli(orgWith(removed), orgWith(retired));
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.review.deployOrder, ["platform"]);
      assert.deepEqual(r.review.beforePlatform, []);
      const platform = byStack(r.review).get("platform")!;
      assert.deepEqual(platform.blocking, []);
      assert.deepEqual(
        platform.resources.map((x) => [x.type, x.op, x.changes.map((c) => c.path)]),
        [[T.vnet, "update", ["subnets[snet-reports]"]]],
      );
    });

    it("step 1 with a new service of the same team: that stack would deploy both before and after the platform, refused", async () => {
      const head = orgWith((f) => {
        retired(f);
        services(f, "Pulumi.platform.yaml").search = {
          team: "storefront",
          kind: "app",
          maxInstances: 2,
          subnet: "10.50.0.128/28",
        };
        services(f, "Pulumi.storefront.yaml").search = { sku: "P1v3" };
      });
      const r = await reviewOrg(ORG, head, 2);
      assert.deepEqual(r.deployOrder, ["orders", "storefront", "platform"]);
      const storefront = r.stacks.find((x) => x.name === "storefront")!.review;
      assert.deepEqual(
        storefront.blocking.map((b) => b.message),
        [
          "storefront deletes resources, so it deploys before the platform, which removes what they use; but it also uses search, which the platform adds or changes in this change and storefront reads only once the platform is deployed. Fix: split the change: first the part that adds or changes search (deploy the platform, then storefront), then the removal.",
        ],
      );
      assert.deepEqual(
        r.stacks.filter((x) => x.name !== "storefront").flatMap((x) => x.review.blocking),
        [],
      );
    });

    it("a caller's subnet re-addressed in the registry while its site stays integrated: refused, with a new service as the fix", async () => {
      const head = orgWith((f) => {
        services(f, "Pulumi.platform.yaml").web.subnet = "10.50.1.0/27";
      });
      const r = await reviewOrg(ORG, head, 2);
      assert.deepEqual(
        r.stacks.find((x) => x.name === "platform")!.review.blocking.map((b) => b.message),
        [
          "subnet snet-web is changed (10.50.0.0/27 -> 10.50.1.0/27) in acme-prod-vnet while acme-prod-web (team stack storefront) is integrated in it: Azure refuses the platform's VNet update while the site is integrated (\"Subnet snet-web is in use by .../serviceAssociationLinks/AppServiceLink\", Azure/deployment-stacks#150), and the site stays integrated in it. Fix: a subnet's address cannot change while an app is integrated in it; add the service again under a new name with the new subnet, move its edges, and retire web in two deployments.",
        ],
      );
    });

    it("both stacks say it, the registry's retirement reaches every team stack: key-naming errors", async () => {
      // The platform retires reports; its team stack still deploys it, and orders still grants it.
      const platformOnly = orgWith((f) => {
        services(f, "Pulumi.platform.yaml").reports.retired = true;
      });
      assert.deepEqual(await orgIssues(platformOnly), [
        'Pulumi.orders.yaml: service-edges:edges[1].from: "reports" (team storefront) is retired in the platform\'s registry (service-edges:services.reports.retired: true). Fix: remove this edge (reports -> orders) in the same change: a retired service keeps only its subnet.',
        'Pulumi.orders.yaml: service-edges:edges[3].from: "reports" (team storefront) is retired in the platform\'s registry (service-edges:services.reports.retired: true). Fix: remove this edge (reports -> billing) in the same change: a retired service keeps only its subnet.',
        "Pulumi.storefront.yaml: service-edges:services.reports.retired: the platform's registry retires reports (service-edges:services.reports.retired: true), but this stack still deploys it. Fix: set service-edges:services.reports.retired: true here too, and remove its edges and calls: its site is disconnected, then deleted.",
      ]);
      // The team stack retires it (keeping its calls); the registry does not.
      const teamOnly = orgWith((f) => {
        dropReportsEdges(f);
        services(f, "Pulumi.storefront.yaml").reports.retired = true;
      });
      assert.deepEqual(await orgIssues(teamOnly), [
        "Pulumi.storefront.yaml: service-edges:services.reports.retired: retires reports, but the platform's registry does not. Fix: set service-edges:services.reports.retired: true in the platform stack's registry in the same change: both stacks retire a service together (its identity goes, its subnet stays until both entries are removed).",
        "Pulumi.storefront.yaml: service-edges:services.reports.calls: reports is retired (service-edges:services.reports.retired: true) and calls nothing. Fix: remove its calls in the same change: a retired service keeps only its subnet.",
      ]);
      // Deployed before the platform (whose deployed registry does not say it yet), a team stack
      // may retire first: only the review, which sees both files, asks for both.
      const registry = buildPlatformGraph({
        stack: "platform",
        location: "westeurope",
        namePrefix: "acme-prod",
        network: { addressSpace: "10.50.0.0/16" },
        services: parse(fs.readFileSync(path.join(ORG, "Pulumi.platform.yaml"), "utf8")).config[
          "service-edges:services"
        ],
      });
      const facts = {
        namePrefix: "acme-prod",
        location: "westeurope",
        addressSpace: "10.50.0.0/16",
      };
      const team = buildTeamGraph(
        {
          stack: "storefront",
          platform: "platform",
          team: "storefront",
          services: { web: { sku: "P1v3" }, reports: { sku: "B1", retired: true } },
        },
        registry.registry,
        facts,
      );
      assert.deepEqual(
        team.graph.services.map((x) => x.name),
        ["web"],
      );
      assert.deepEqual(
        team.graph.retired.map((x) => x.name),
        ["reports"],
      );
    });
  });

  it("a team stack's azure-native:location: accepted when it is the platform's, refused (naming both) when not", async () => {
    // The fixture's inventory stack sets it (westeurope), as every azure-native stack does.
    assert.equal(
      parse(fs.readFileSync(path.join(ORG, "Pulumi.inventory.yaml"), "utf8")).config[
        "azure-native:location"
      ],
      "westeurope",
    );
    assert.equal(plan.stacks.find((s) => s.name === "inventory")!.resources > 0, true);
    const dir = orgWith((f) => {
      f["Pulumi.orders.yaml"]["azure-native:location"] = "northeurope";
      f["Pulumi.storefront.yaml"]["azure-native:location"] = "West Europe";
    });
    assert.deepEqual(await orgIssues(dir), [
      'Pulumi.orders.yaml: azure-native:location: is "northeurope", but the platform stack "platform" is in "westeurope", where this stack places its resources. Fix: set azure-native:location to westeurope in this stack (or remove it), or move the platform.',
    ]);
  });

  describe("validation across stacks, before anything deploys", () => {
    it("an inbound edge from a caller the registry does not know", async () => {
      const dir = orgWith((f) => {
        (f["Pulumi.orders.yaml"]["service-edges:edges"] as unknown[]).push({
          from: "ghost",
          to: "orders",
          roles: ["Orders.Read"],
        });
      });
      const issues = await orgIssues(dir);
      assert.equal(issues.length, 1, issues.join("\n"));
      assert.match(
        issues[0],
        /^Pulumi\.orders\.yaml: service-edges:edges\[4\]\.from: unknown caller "ghost": it is not in the platform's registry\. Fix: use a registered service/,
      );
    });

    it("a service another team owns, and an edge into another team's service", async () => {
      const dir = orgWith((f) => {
        (f["Pulumi.storefront.yaml"]["service-edges:services"] as Record<string, unknown>).billing =
          { sku: "P1v3" };
        f["Pulumi.storefront.yaml"]["service-edges:edges"] = [
          { from: "orders", to: "stock", roles: ["Stock.Read"] },
        ];
      });
      const issues = await orgIssues(dir);
      assert.deepEqual(issues, [
        "Pulumi.storefront.yaml: service-edges:services.billing: is also declared by the stack orders. Fix: a service is deployed by exactly one team stack: the one its registry entry's team owns.",
      ]);
      const dir2 = orgWith((f) => {
        f["Pulumi.storefront.yaml"]["service-edges:edges"] = [
          { from: "orders", to: "stock", roles: ["Stock.Read"] },
        ];
      });
      assert.deepEqual(await orgIssues(dir2), [
        'Pulumi.storefront.yaml: service-edges:edges[0].to: "stock" is team "inventory"\'s service. Fix: an edge lives in its callee\'s team stack: add it to team inventory\'s stack.',
      ]);
    });

    it("a service the registry gives another team, and registry keys in a team stack", async () => {
      const dir = orgWith((f) => {
        const s = f["Pulumi.platform.yaml"]["service-edges:services"] as Record<
          string,
          Record<string, unknown>
        >;
        s.billing.team = "storefront";
        (
          f["Pulumi.orders.yaml"]["service-edges:services"] as Record<
            string,
            Record<string, unknown>
          >
        ).orders.subnet = "10.50.1.0/28";
      });
      const issues = await orgIssues(dir);
      assert.deepEqual(issues, [
        "Pulumi.orders.yaml: service-edges:services.orders.subnet: is the platform's (the registry says \"10.50.0.32/28\"). Fix: remove it here; change it in the platform stack's service-edges:services.orders.subnet.",
        'Pulumi.orders.yaml: service-edges:services.billing: "billing" is owned by team "storefront" in the platform\'s registry. Fix: only team storefront\'s stack declares it; move this entry there, or change its team in the registry.',
        // Its edges go with it: they belong in storefront's stack now.
        'Pulumi.orders.yaml: service-edges:edges[2].to: "billing" is team "storefront"\'s service. Fix: an edge lives in its callee\'s team stack: add it to team storefront\'s stack.',
        'Pulumi.orders.yaml: service-edges:edges[3].to: "billing" is team "storefront"\'s service. Fix: an edge lives in its callee\'s team stack: add it to team storefront\'s stack.',
      ]);
    });

    it("a caller without a subnet, and a role the callee does not declare", async () => {
      const dir = orgWith((f) => {
        (f["Pulumi.inventory.yaml"]["service-edges:edges"] as unknown[]).push(
          { from: "billing", to: "stock", roles: ["Stock.Read"] },
          { from: "web", to: "stock", roles: ["Stock.Write"] },
        );
      });
      const issues = await orgIssues(dir);
      assert.equal(issues.length, 1, issues.join("\n"));
      assert.match(
        issues[0],
        /^Pulumi\.inventory\.yaml: service-edges:edges\[1\]\.from: "billing" \(team orders\) has no integration subnet in the platform's registry, and every caller needs one/,
      );
      const dir2 = orgWith((f) => {
        (f["Pulumi.inventory.yaml"]["service-edges:edges"] as unknown[]).push({
          from: "web",
          to: "stock",
          roles: ["Stock.Write"],
        });
      });
      const roles = await orgIssues(dir2);
      assert.equal(roles.length, 1, roles.join("\n"));
      assert.match(
        roles[0],
        /edges\[1\]\.roles\[0\]: "stock" does not expose the role "Stock.Write"/,
      );
    });

    it("the platform refuses overlapping subnets and entries without a team's keys", async () => {
      const dir = orgWith((f) => {
        const s = f["Pulumi.platform.yaml"]["service-edges:services"] as Record<
          string,
          Record<string, unknown>
        >;
        s.web.subnet = "10.50.0.32/27";
        s.billing.sku = "P1v3";
      });
      const issues = await orgIssues(dir);
      assert.equal(issues.length, 2, issues.join("\n"));
      assert.match(
        issues[0],
        /^Pulumi\.platform\.yaml: service-edges:services\.billing: the platform's registry does not take "sku"/,
      );
      assert.match(issues[1], /overlaps/);
    });
  });
});

describe("placement across stacks: the 100-plans limit counts what each stack's groups hold", () => {
  const registry = (n: number, team: (i: number) => string) =>
    Object.fromEntries(
      Array.from({ length: n }, (_, i) => [
        `s${i}`,
        { team: team(i), kind: "app", maxInstances: 2 },
      ]),
    );
  const platform = (services: Record<string, unknown>) =>
    buildPlatformGraph({
      stack: "platform",
      location: "westeurope",
      namePrefix: "acme",
      network: { addressSpace: "10.0.0.0/16" },
      services,
    });

  it("a platform places no plans: 4,000 services of many teams are one registry", () => {
    const { graph, registry: r } = platform(registry(4000, (i) => `t${i % 40}`));
    assert.equal(graph.services.length, 4000);
    assert.equal(Object.keys(r).length, 4000);
  });

  it("a team stack counts its own plans only, and refuses more than 100 in one of its groups", () => {
    const r = platform(registry(300, (i) => (i < 150 ? "big" : "other"))).registry;
    const naming = { namePrefix: "acme", location: "westeurope", addressSpace: "10.0.0.0/16" };
    const own = (n: number, group?: number) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [
          `s${i}`,
          { sku: "P1v3", ...(group === undefined ? {} : { group }) },
        ]),
      );
    assert.equal(
      buildTeamGraph(
        { stack: "big", platform: "platform", team: "big", services: own(150) },
        r,
        naming,
      ).graph.services.length,
      150,
    );
    assert.throws(
      () =>
        buildTeamGraph(
          { stack: "big", platform: "platform", team: "big", services: own(101, 3) },
          r,
          naming,
        ),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.issues.length === 1 &&
        /resource group g03 would hold 101 App Service plans; Azure allows 100/.test(
          e.issues[0].message,
        ),
    );
  });
});

describe("CI at org scale (.github/workflows/org.yml)", () => {
  const FILE = path.join(ROOT, ".github/workflows/org.yml");
  const at = (f: string) => `test/fixtures/org/${f}`;
  const touched = (...files: string[]) => touchedStacks(ORG, files, ROOT);

  it("plans only the stacks a change touches; the platform (and code) touch every team stack", () => {
    assert.deepEqual(touched(at("Pulumi.orders.yaml"), "README.md"), {
      platform: [],
      teams: ["orders"],
      all: ["orders"],
    });
    assert.deepEqual(touched(at("Pulumi.orders.yaml"), at("Pulumi.inventory.yaml")).all, [
      "inventory",
      "orders",
    ]);
    const everything = {
      platform: ["platform"],
      teams: ["inventory", "orders", "storefront"],
      all: ["platform", "inventory", "orders", "storefront"],
    };
    assert.deepEqual(touched(at("Pulumi.platform.yaml")), everything);
    assert.deepEqual(touched("components/service-host.ts"), everything);
    assert.deepEqual(touched("README.md", "docs/x.md"), { platform: [], teams: [], all: [] });
  });

  it("deploys in the review's waves: team stacks that delete first, the platform, then the rest", () => {
    const all = touched(at("Pulumi.platform.yaml"));
    // Step 1 of retiring orders' caller: orders deletes its site before the platform changes.
    assert.deepEqual(deployWaves(all, { beforePlatform: ["orders"] }), {
      first: ["orders"],
      after: ["inventory", "storefront"],
    });
    assert.deepEqual(deployWaves(all, { beforePlatform: [] }), {
      first: [],
      after: ["inventory", "storefront", "orders"].sort(),
    });
    // Only touched stacks deploy, whatever the review names.
    assert.deepEqual(
      deployWaves(touched(at("Pulumi.orders.yaml")), { beforePlatform: ["inventory"] }),
      {
        first: [],
        after: ["orders"],
      },
    );
  });

  it("passes action-validator, and deploys the platform before the team stacks, least privilege per job", () => {
    const r = spawnSync(path.join(ROOT, "node_modules/.bin/action-validator"), [FILE], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const wf = parse(fs.readFileSync(FILE, "utf8")) as {
      permissions: Record<string, string>;
      jobs: Record<
        string,
        {
          needs?: string | string[];
          permissions?: Record<string, string>;
          strategy?: { matrix: Record<string, string> };
          if?: string;
        }
      >;
    };
    assert.deepEqual(wf.permissions, { contents: "read" });
    // Team stacks that delete what the platform removes, then the platform, then the others.
    assert.equal(wf.jobs["deploy-teams-first"].needs, "stacks");
    assert.deepEqual(wf.jobs["deploy-platform"].needs, ["stacks", "deploy-teams-first"]);
    assert.deepEqual(wf.jobs["deploy-teams"].needs, ["stacks", "deploy-platform"]);
    assert.match(
      wf.jobs["deploy-teams-first"].strategy!.matrix.stack,
      /needs\.stacks\.outputs\.teams-first/,
    );
    assert.match(
      wf.jobs["deploy-teams"].strategy!.matrix.stack,
      /needs\.stacks\.outputs\.teams-after/,
    );
    // A failed team-first wave stops the platform; a blocked review (the stacks job) stops all.
    assert.match(wf.jobs["deploy-platform"].if!, /needs\.deploy-teams-first\.result != 'failure'/);
    assert.match(wf.jobs["deploy-platform"].if!, /needs\.stacks\.result == 'success'/);
    assert.match(wf.jobs["deploy-teams"].if!, /needs\.stacks\.result == 'success'/);
    assert.match(wf.jobs.preview.strategy!.matrix.stack, /needs\.stacks\.outputs\.all/);
    assert.deepEqual(wf.jobs["offline-review"].permissions, {
      contents: "read",
      "pull-requests": "write",
    });
    assert.deepEqual(wf.jobs["deploy-teams"].permissions, {
      contents: "read",
      "id-token": "write",
    });
    // Forks get no comment and no preview with credentials.
    assert.match(wf.jobs.preview.if!, /head\.repo\.full_name == github\.repository/);
  });
});
