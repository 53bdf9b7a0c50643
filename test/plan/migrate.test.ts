/**
 * Moving a deployed single stack into a platform stack and team stacks (packages/cli/src/migrate.ts):
 * the stack files written from the single stack's config, and the proof that the move, done
 * with `pulumi state move` and taken over through aliases, replaces and deletes nothing.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { ConfigError, formatIssue } from "@service-edges/contract";
import {
  type Migration,
  moveState,
  planMigration,
  readSingleStack,
  splitSingleStack,
} from "@service-edges/cli/migrate";
import { orgStacks } from "@service-edges/cli/org";
import { runPlan } from "@service-edges/cli/run";
import { readStackConfig } from "@service-edges/cli/stack-config";
import { generatedMesh } from "../../bench/generate";
import { ROOT, planCli } from "../fixtures";

const DEV = path.join(ROOT, "Pulumi.dev.yaml");
const TEAMS = {
  storefront: ["web", "reports"],
  orders: ["orders", "billing"],
  catalog: ["catalog", "inventory"],
};

type Config = Record<string, unknown>;

/** The org's stack files written into a fresh directory, each edited by `edit` first. */
function splitInto(
  single: string,
  edit: (files: Record<string, Config>) => void = () => {},
  teams = TEAMS,
): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "migrate-"));
  const { stacks } = splitSingleStack(readStackConfig(single, "dev"), teams);
  const files = Object.fromEntries(
    stacks.map((s) => [s.file, (parse(s.text) as { config: Config }).config]),
  );
  edit(files);
  for (const [f, config] of Object.entries(files))
    fs.writeFileSync(path.join(dir, f), stringify({ config }));
  return dir;
}

/** The dev stack's config file with `edit` applied to its values. */
function devWith(edit: (values: Config) => void): string {
  const doc = parse(fs.readFileSync(DEV, "utf8")) as { config: Config };
  edit(doc.config);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "single-"));
  const file = path.join(dir, "Pulumi.dev.yaml");
  fs.writeFileSync(file, stringify(doc));
  return file;
}

const services = (c: Config) => c["service-edges:services"] as Record<string, Config>;

describe("moving a single stack into platform and team stacks (migrate)", function () {
  this.timeout(300000);

  describe("the stack files", () => {
    const { stacks } = splitSingleStack(readStackConfig(DEV, "dev"), TEAMS);
    const config = (name: string) =>
      (parse(stacks.find((s) => s.name === name)!.text) as { config: Config }).config;

    it("a platform with the registry, each service kept in the group the single stack placed it in", () => {
      assert.deepEqual(
        stacks.map((s) => s.file),
        [
          "Pulumi.platform.yaml",
          "Pulumi.catalog.yaml",
          "Pulumi.orders.yaml",
          "Pulumi.storefront.yaml",
        ],
      );
      const p = config("platform");
      assert.equal(p["service-edges:namePrefix"], "edges-dev");
      assert.equal(p["azure-native:location"], "westeurope");
      assert.deepEqual(p["service-edges:network"], { addressSpace: "10.40.0.0/16" });
      assert.deepEqual(services(p).orders, {
        team: "orders",
        kind: "app",
        maxInstances: 4,
        subnet: "10.40.0.32/28",
        sharedGroup: "g12",
      });
      assert.deepEqual(
        Object.fromEntries(Object.entries(services(p)).map(([n, s]) => [n, s.sharedGroup])),
        {
          billing: "g28",
          catalog: "classic-g24",
          inventory: "ep-g31",
          orders: "g12",
          reports: "classic-g08",
          web: "g17",
        },
      );
    });

    it("a stack per team with its services' own keys, the edges into them, and calls into other teams", () => {
      const orders = config("orders");
      assert.equal(orders["service-edges:platform"], "platform");
      assert.equal(orders["service-edges:team"], "orders");
      assert.equal(orders["azure-native:location"], undefined);
      assert.deepEqual(services(orders).orders, {
        sku: "P1v3",
        roles: ["Orders.Read", "Orders.Write"],
        calls: {
          catalog: ["Catalog.Read"],
          inventory: ["Stock.Reserve"],
        },
      });
      assert.deepEqual(
        (orders["service-edges:edges"] as Array<{ from: string; to: string }>).map(
          (e) => `${e.from}->${e.to}`,
        ),
        ["web->orders", "orders->billing", "reports->billing", "reports->orders"],
      );
      // orders -> billing is within the team: the edge says it, no calls entry.
      assert.equal(services(orders).billing.calls, undefined);
      assert.deepEqual(services(config("storefront")).web.calls, {
        orders: ["Orders.Read", "Orders.Write"],
        catalog: ["Catalog.Read"],
      });
    });

    it("refuses a team list that misses, repeats or invents a service", () => {
      const dev = readStackConfig(DEV, "dev");
      const refused = (teams: Record<string, string[]>) => {
        try {
          splitSingleStack(dev, teams);
        } catch (e) {
          return (e as Error).message;
        }
        return assert.fail("expected a refusal");
      };
      assert.equal(
        refused({ a: ["web", "reports", "orders", "billing", "catalog"] }),
        "--teams: no team deploys inventory; list every service once",
      );
      assert.equal(
        refused({ ...TEAMS, extra: ["web"] }),
        "--teams: web is listed by both storefront and extra",
      );
      assert.match(
        refused({ ...TEAMS, extra: ["nope"] }),
        /lists "nope", which .* does not declare/,
      );
      assert.match(refused({ Bad_Team: ["web"] }), /not a valid team name/);
    });
  });

  describe("the proof", () => {
    let migration: Migration;
    let dir: string;
    before(async () => {
      dir = splitInto(DEV);
      migration = await planMigration(readSingleStack(DEV), dir, 2);
    });

    it("moves every resource of the single stack but its mesh component, each to one stack", async () => {
      const old = await runPlan({ config: readStackConfig(DEV, "dev") });
      const { moves, leftBehind } = moveState(old, orgStacks(dir));
      assert.deepEqual(leftBehind, []);
      const moved = [...moves.values()].reduce((n, m) => n + m.state.length, 0);
      assert.equal(moved, old.resources.length - 1);
      assert.deepEqual(
        migration.stacks.map((s) => [s.name, s.moved, s.move.length]),
        [
          // The platform: network, groups, identities, the guardrails (7 definitions, 7
          // assignments: none per service group) and the single stack's first-deployer keeper
          // (components/entra-owners.ts).
          ["platform", 41, 17],
          ["catalog", 34, 4],
          ["orders", 28, 4],
          ["storefront", 12, 2],
        ],
      );
      // The moved URNs keep the single stack's type chain, only the stack is renamed.
      const orders = moves.get("orders")!.state.find((r) => r.type === "azure-native:web:WebApp")!;
      assert.equal(
        orders.urn,
        "urn:pulumi:orders::service-edges::service-edges:index:ServiceMesh$service-edges:mesh:ServiceHost$azure-native:web:WebApp::mesh-billing",
      );
    });

    it("replaces, deletes and creates nothing; only each team stack's first deployer joins the Entra owners", () => {
      assert.deepEqual(migration.blocking, []);
      for (const s of migration.stacks) {
        assert.deepEqual([s.created, s.replaced, s.deleted], [[], [], []], s.name);
        for (const u of s.updated) assert.deepEqual(u.paths, ["owners[0]"], u.urn);
      }
      // The platform takes over the single stack's first deployer: its owners stay.
      assert.deepEqual(
        migration.stacks.map((s) => s.updated.length),
        [0, 4, 4, 0],
      );
      assert.deepEqual(migration.access, { same: 8, lost: [], gained: [] });
    });

    it("prints the state moves, the platform first, and exits 0", async () => {
      const r = await planCli("migrate", "--from", DEV, "--org", dir, "--jobs", "2");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Nothing is replaced or deleted/);
      const moves = [...r.stdout.matchAll(/pulumi state move --source dev --dest (\S+)/g)].map(
        (m) => m[1],
      );
      assert.deepEqual(moves, ["platform", "catalog", "orders", "storefront"]);
      assert.match(
        r.stdout,
        /'urn:pulumi:dev::service-edges::service-edges:index:ServiceMesh\$service-edges:mesh:ServiceHost::mesh-web'\n/,
      );
    });
  });

  it("with guardrails: false the identities stay in the service groups, still nothing replaced", async () => {
    const single = devWith((v) => (v["service-edges:guardrails"] = false));
    const dir = splitInto(single);
    const platform = parse(fs.readFileSync(path.join(dir, "Pulumi.platform.yaml"), "utf8")) as {
      config: Config;
    };
    assert.equal(services(platform.config).web.identityGroup, "shared");
    const m = await planMigration(readSingleStack(single), dir, 2);
    assert.deepEqual(m.blocking, []);
    // The platform's identities group is new (and empty): the only thing created.
    assert.deepEqual(
      m.stacks.flatMap((s) => s.created.map((u) => u.split("::").pop())),
      ["mesh-identities"],
    );
  });

  it("refuses a move that would recreate a service: its registry entry lost its shared group", async () => {
    const dir = splitInto(DEV, (f) => {
      delete services(f["Pulumi.platform.yaml"]).billing.sharedGroup;
    });
    const m = await planMigration(readSingleStack(DEV), dir, 2);
    const orders = m.stacks.find((s) => s.name === "orders")!;
    assert.ok(orders.created.some((u) => u.endsWith("azure-native:web:WebApp::mesh-billing")));
    assert.ok(
      m.blocking.includes(
        "orders: urn:pulumi:orders::service-edges::service-edges:index:ServiceMesh$service-edges:mesh:ServiceHost$azure-native:web:WebApp::mesh-billing is moved here but the stack does not declare it (it would be deleted)",
      ),
      m.blocking.join("\n"),
    );
    const r = await planCli("migrate", "--from", DEV, "--org", dir, "--jobs", "1");
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /The migration is refused/);
  });

  it("refuses a team stack whose SKU would put a shared service in another group", async () => {
    const dir = splitInto(DEV, (f) => {
      services(f["Pulumi.orders.yaml"]).orders.sku = "P1v2";
    });
    await assert.rejects(planMigration(readSingleStack(DEV), dir, 1), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(
        e.issues.map((i) => formatIssue(i).replace(dir + path.sep, "")),
        [
          "Pulumi.orders.yaml: service-edges:services.orders.sku: P1v2 (with its name's group) places orders in classic-g12, but its plan and app are in the shared group g12 (the registry's sharedGroup). Fix: keep the SKU and group the single stack deployed it with; a plan cannot move to another group without being replaced.",
        ],
      );
      return true;
    });
  });

  it("a generated mesh of 40 services in 4 teams moves with nothing created, replaced or deleted", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gen-"));
    const single = path.join(dir, "Pulumi.gen.yaml");
    fs.writeFileSync(single, stringify({ config: generatedMesh(40, 4) }));
    const names = Array.from({ length: 40 }, (_, i) => `svc${String(i).padStart(4, "0")}`);
    const teams = Object.fromEntries(
      ["a", "b", "c", "d"].map((t, k) => [`team-${t}`, names.filter((_, i) => i % 4 === k)]),
    );
    const org = fs.mkdtempSync(path.join(os.tmpdir(), "gen-org-"));
    for (const s of splitSingleStack(readStackConfig(single, "gen"), teams).stacks)
      fs.writeFileSync(path.join(org, s.file), s.text);
    const m = await planMigration(readSingleStack(single), org, 2);
    assert.deepEqual(m.blocking, []);
    assert.deepEqual(m.access, { same: 160, lost: [], gained: [] });
    for (const s of m.stacks) assert.deepEqual([s.created, s.replaced, s.deleted], [[], [], []]);
  });

  it("in the user's own project: every state move and alias names it, read from the Pulumi.yaml beside --from", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acme-infra-"));
    const single = path.join(dir, "Pulumi.dev.yaml");
    fs.copyFileSync(DEV, single);
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: acme-infra\nruntime: nodejs\n");
    const teams = path.join(dir, "teams.yaml");
    fs.writeFileSync(teams, stringify(TEAMS));
    const out = path.join(dir, "org");
    const r = await planCli(
      "migrate",
      "--from",
      single,
      "--teams",
      teams,
      "--out",
      out,
      "--jobs",
      "2",
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Nothing is replaced or deleted/);
    const projects = [...r.stdout.matchAll(/'urn:pulumi:dev::([^:]+)::/g)].map((m) => m[1]);
    assert.ok(projects.length > 10, r.stdout);
    assert.deepEqual([...new Set(projects)], ["acme-infra"]);
    assert.match(
      r.stdout,
      /'urn:pulumi:dev::acme-infra::service-edges:index:ServiceMesh\$service-edges:mesh:ServiceHost::mesh-web'\n/,
    );
    // Without a Pulumi.yaml beside it, the project is asked for; --project must be a project name.
    const alone = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "alone-")), "Pulumi.dev.yaml");
    fs.copyFileSync(DEV, alone);
    const r2 = await planCli("migrate", "--from", alone, "--org", out);
    assert.equal(r2.code, 1);
    assert.match(
      r2.stderr,
      /--from .*Pulumi\.dev\.yaml: no Pulumi\.yaml beside it to read the project name from\. Fix: give --project NAME/,
    );
    const r3 = await planCli("migrate", "--from", single, "--org", out, "--project", "acme infra");
    assert.equal(r3.code, 1);
    assert.match(r3.stderr, /--project "acme infra": not a project name/);
  });

  it("says what is missing on the command line", async () => {
    const r1 = await planCli("migrate", "--from", DEV);
    assert.equal(r1.code, 1);
    assert.match(r1.stderr, /give --teams FILE --out DIR .* or --org DIR/);
    const r2 = await planCli("migrate", "--from", DEV, "--out", os.tmpdir());
    assert.match(r2.stderr, /--out DIR needs --teams FILE/);
    const r3 = await planCli(
      "migrate",
      "--from",
      path.join(os.tmpdir(), "nope.yaml"),
      "--org",
      ROOT,
    );
    assert.match(r3.stderr, /--from .*nope\.yaml: no such file/);
    const teams = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "teams-")), "teams.yaml");
    fs.writeFileSync(teams, stringify(TEAMS));
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "out-"));
    const r4 = await planCli(
      "migrate",
      "--from",
      DEV,
      "--teams",
      teams,
      "--out",
      out,
      "--jobs",
      "2",
    );
    assert.equal(r4.code, 0, r4.stderr);
    assert.deepEqual(fs.readdirSync(out).sort(), [
      "Pulumi.catalog.yaml",
      "Pulumi.orders.yaml",
      "Pulumi.platform.yaml",
      "Pulumi.storefront.yaml",
    ]);
  });
});
