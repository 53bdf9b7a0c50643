/**
 * README "Use it in your own repository", end to end: a user's Pulumi project in its own git
 * repository, with the packages installed from their tarballs (test/support/packages.ts), its
 * graph in its own config namespace, planned by the installed `service-edges` command
 * (`node_modules/.bin/service-edges`, what `npx service-edges` runs): the tables, Mermaid,
 * reviews between two configs and between two git refs, `check` / `match`, a program without a
 * mesh queried by its sites' Azure names. (The policy pack starting from node_modules, as
 * `pulumi preview --policy-pack` starts it, is test/packages/package.test.ts's.)
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { cleanEnv, installedPackages, workDir } from "../support/packages";

const PROGRAM = `import { ServiceMesh, meshArgsFromConfig } from "service-edges";

const mesh = new ServiceMesh("payments-mesh", meshArgsFromConfig("payments"));
export const accessMatrix = mesh.accessMatrix;
`;

const STACK = `config:
  azure-native:location: westeurope
  payments:namePrefix: acme-pay
  payments:network:
    addressSpace: 10.40.0.0/16
  payments:services:
    storefront: { kind: app, sku: P1v3, maxInstances: 4, subnet: 10.40.0.0/28 }
    payments: { kind: function, sku: EP1, maxInstances: 10, roles: [Payments.Charge] }
    ledger: { kind: app, sku: P1v3, maxInstances: 2, roles: [Ledger.Write] }
  payments:edges:
    - from: storefront
      to: payments
      roles: [Payments.Charge]
`;

const ADDED_EDGE = `    - from: storefront
      to: ledger
      roles: [Ledger.Write]
`;

/** Two App Service sites of its own, one restricting the other's outbound address: no mesh. */
const PLAIN_PROGRAM = `import * as web from "@pulumi/azure-native/web";

const plan = new web.AppServicePlan("plan", { resourceGroupName: "rg", sku: { name: "P1v3" } });
new web.WebApp("front", { resourceGroupName: "rg", name: "acme-front", serverFarmId: plan.id });
new web.WebApp("back", {
  resourceGroupName: "rg",
  name: "acme-back",
  serverFarmId: plan.id,
  siteConfig: {
    ipSecurityRestrictionsDefaultAction: "Deny",
    ipSecurityRestrictions: [{ name: "office", ipAddress: "203.0.113.0/24", action: "Allow", priority: 100 }],
  },
});
`;

describe("your own repository: the installed service-edges command plans your program", function () {
  this.timeout(600_000);
  let repo: string;
  let bin: string;

  const run = (cwd: string, ...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], {
      cwd,
      encoding: "utf8",
      env: cleanEnv(),
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.email=ci@example.com", "-c", "user.name=ci", ...args], {
      cwd: repo,
      env: cleanEnv(),
    });

  before(async () => {
    const installed = await installedPackages();
    bin = fs.realpathSync(path.join(installed.infra, "node_modules", ".bin", "service-edges"));
    // The project's own repository, inside the installed one (node resolves its node_modules).
    repo = workDir(installed.infra, "own-repository");
    fs.writeFileSync(path.join(repo, "Pulumi.yaml"), "name: acme-payments\nruntime: nodejs\n");
    fs.writeFileSync(path.join(repo, "index.ts"), PROGRAM);
    fs.writeFileSync(path.join(repo, "Pulumi.prod.yaml"), STACK);
    fs.copyFileSync(path.join(repo, "Pulumi.prod.yaml"), path.join(repo, "base.yaml"));
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "the mesh");
  });

  it("is the package's bin, built JavaScript", () => {
    assert.match(bin, /node_modules\/@service-edges\/cli\/dist\/bin\.js$/);
    assert.match(fs.readFileSync(bin, "utf8"), /^#!\/usr\/bin\/env node\n/);
  });

  it("plans the project it runs in, with the services and edges tables from the component", () => {
    const r = run(repo);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Plan of stack prod \(Pulumi\.prod\.yaml\): 3 services, 1 edges, \d+ resources$/m,
    );
    assert.match(r.stdout, /│ storefront \(caller\) +│ app +│ P1v3 +│ 4 +│ 10\.40\.0\.0\/28 /);
    assert.match(r.stdout, /│ payments \(callee\) +│ function +│ EP1 /);
    assert.match(
      r.stdout,
      /│ storefront -> payments │ Payments\.Charge │ allow snet-storefront \(10\.40\.0\.0\/28\) │ payments-mesh-storefront\.payments\.Payments\.Charge │/,
    );
    assert.match(r.stdout, /^Policy pack: no violations\.$/m);
  });

  it("draws it as Mermaid", () => {
    const r = run(repo, "--mermaid");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^flowchart LR$/m);
    assert.match(r.stdout, /^ {2}s_storefront -->\|"Payments\.Charge"\| s_payments$/m);
  });

  it("answers check and match for its services, in both layers", () => {
    const allowed = run(repo, "check", "storefront", "payments");
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, /^ALLOWED: storefront may call payments with Payments\.Charge$/m);
    const denied = run(repo, "check", "storefront", "ledger");
    assert.equal(denied.code, 3, denied.stderr);
    assert.match(
      denied.stdout,
      /^ {2}network: {2}deny {2}- ledger denies by default and has no rule for storefront's subnet snet-storefront$/m,
    );
    const match = run(repo, "match", "payments");
    assert.equal(match.code, 0, match.stderr);
    assert.equal(
      match.stdout,
      "payments may be called by:\n  storefront (Payments.Charge)\npayments may call: nobody\n",
    );
  });

  describe("a config PR that adds an edge", () => {
    before(() => {
      fs.appendFileSync(path.join(repo, "Pulumi.prod.yaml"), ADDED_EDGE);
    });
    after(() => {
      fs.copyFileSync(path.join(repo, "base.yaml"), path.join(repo, "Pulumi.prod.yaml"));
    });

    it("is reviewed between two stack configs, naming the added edge", () => {
      const r = run(repo, "--diff", "base.yaml", "--stack", "prod");
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /^Access changes:\n {2}- storefront may now call ledger with Ledger\.Write$/m,
      );
    });

    it("is reviewed between two git refs: the base is the commit's own program and config", () => {
      const r = run(repo, "--base-ref", "HEAD");
      assert.equal(r.code, 0, r.stderr);
      const commit = git("rev-parse", "--short=12", "HEAD").toString().trim();
      assert.match(
        r.stdout,
        new RegExp(`^The base is commit ${commit}: its program and Pulumi\\.prod\\.yaml`, "m"),
      );
      assert.match(
        r.stdout,
        /^Access changes:\n {2}- storefront may now call ledger with Ledger\.Write$/m,
      );
      const md = run(repo, "--base-ref", "HEAD", "--format", "markdown");
      assert.equal(md.code, 0, md.stderr);
      assert.match(md.stdout, /^- storefront may now call ledger with Ledger\.Write$/m);
      assert.match(md.stdout, /^ {2}s_storefront ==>\|"Ledger\.Write"\| s_ledger$/m);
    });

    it("names a ref it cannot find, with the fix", () => {
      const r = run(repo, "--base-ref", "no-such-branch");
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /^error: --base-ref no-such-branch: no such commit in .*\. Fix: fetch it first/,
      );
    });
  });

  it("names the component and the argument in an error, and the user's namespace in the did-you-mean", () => {
    const dir = workDir(repo, "typo");
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      "name: acme-typo\nruntime: nodejs\nmain: ../index.ts\n",
    );
    fs.writeFileSync(
      path.join(dir, "Pulumi.prod.yaml"),
      STACK.replace("payments:edges:", "payments:edge:"),
    );
    const r = run(dir);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /payments:edge: unknown key; the program never reads it\. Fix: did you mean payments:edges\?/,
    );
  });

  it("queries a program without a mesh component by its sites' Azure names", () => {
    const dir = workDir(repo, "plain");
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: acme-plain\nruntime: nodejs\n");
    fs.writeFileSync(path.join(dir, "index.ts"), PLAIN_PROGRAM);
    const unknown = run(dir, "check", "front", "back");
    assert.equal(unknown.code, 1);
    assert.equal(
      unknown.stderr,
      'error: unknown service "front"; the program\'s sites are acme-back, acme-front\n',
    );
    const r = run(dir, "check", "acme-front", "acme-back");
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^DENIED: acme-front may not call acme-back$/m);
  });
});
