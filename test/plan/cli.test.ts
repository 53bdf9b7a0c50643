import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { type Values, clone, planCli, planCliProcess, smallConfig } from "../fixtures";

/**
 * In-process; the exit status and the streams of a process are checked by the tests that run one
 * (`planCliProcess`): a plan, a refused config, a denied check.
 */
const plan = planCli;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "service-edges-"));
function configFile(values: Values, name = "Pulumi.ci.yaml"): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, stringify({ config: values }));
  return file;
}

describe("plan CLI", () => {
  it("plans the dev stack with services and edges tables, exit 0", () => {
    const r = planCliProcess("--stack", "dev");
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Plan of stack dev \(Pulumi\.dev\.yaml\): 6 services, 8 edges, \d+ resources/,
    );
    assert.match(
      r.stdout,
      /inventory \(caller\+callee\)\s*│ function │ EP1\s*│ 20\s*│ 10\.40\.0\.64\/26 │ 19 free/,
    );
    assert.match(
      r.stdout,
      /web -> orders\s*│ Orders\.Read, Orders\.Write │ allow snet-web \(10\.40\.0\.0\/27\)/,
    );
    assert.equal(r.stderr, "");
  });

  it("--json prints exactly one object with the contract's shape", async () => {
    const r = await plan("--config", configFile(smallConfig()), "--json");
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(j).sort(), [
      "edges",
      "meshes",
      "outputs",
      "resources",
      "services",
      "stack",
      "violations",
    ]);
    assert.equal(j.stack, "ci");
    // The mesh component the program registered, found by type.
    assert.deepEqual(j.meshes, [
      {
        type: "service-edges:index:ServiceMesh",
        name: "mesh",
        urn: "urn:pulumi:ci::service-edges::service-edges:index:ServiceMesh::mesh",
        namePrefix: j.meshes[0].namePrefix,
      },
    ]);
    assert.match(j.meshes[0].namePrefix, /^[a-z][a-z0-9-]+$/);
    assert.deepEqual(Object.keys(j.services[0]).sort(), [
      "enforcement",
      "identity",
      "ingress",
      "kind",
      "maxInstances",
      "name",
      "roles",
      "sku",
      "subnet",
      "urns",
    ]);
    assert.deepEqual(Object.keys(j.services[0].urns).sort(), [
      "app",
      "application",
      "identity",
      "plan",
      "servicePrincipal",
      "subnet",
    ]);
    const urns = new Set(j.resources.map((r: { urn: string }) => r.urn));
    for (const s of j.services)
      for (const u of Object.values(s.urns)) if (u !== null) assert.ok(urns.has(u), String(u));
    for (const e of j.edges) for (const u of e.urns.assignments) assert.ok(urns.has(u));
    const app = j.resources.find(
      (r: { type: string; name: string }) =>
        r.type === "azure-native:web:WebApp" && r.name === "mesh-a",
    );
    // `aliases` only where the program gave some (not the provider's API versions: the mesh
    // drops those, components/aliases.ts).
    assert.deepEqual(Object.keys(app).sort(), [
      "dependencies",
      "id",
      "inputs",
      "name",
      "outputs",
      "parent",
      "type",
      "urn",
    ]);
    assert.match(
      app.id,
      /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/edges-ci-g\d\d\/providers\/Microsoft\.Web\/sites\/edges-ci-a$/,
    );
    const vnet = j.resources.find(
      (r: { type: string }) => r.type === "azure-native:network:VirtualNetwork",
    );
    assert.ok(
      app.dependencies.includes(vnet.urn),
      "the caller app depends on the VNet through its subnet id",
    );
    assert.equal(app.inputs.virtualNetworkSubnetId, `${vnet.id}/subnets/snet-a`);
  });

  it("gives the same JSON for the same config on every run", async () => {
    const f = configFile(smallConfig());
    // A process's run and an in-process run: nothing of one run carries into the next.
    const first = planCliProcess("--config", f, "--json");
    assert.equal(first.code, 0, first.stderr);
    assert.equal((await plan("--config", f, "--json")).stdout, first.stdout);
  });

  it("--mermaid prints a flowchart of services and edges", async () => {
    const r = await plan("--config", configFile(smallConfig()), "--mermaid");
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout.trim(),
      [
        "flowchart LR",
        '  s_a["a<br/>app P1v3<br/>10.10.0.0/28"]',
        '  s_b["b<br/>app P1v3"]',
        '  s_c["c<br/>function EP1<br/>10.10.0.32/27"]',
        '  s_a -->|"B.Read"| s_b',
        '  s_a -->|"C.Call"| s_c',
        '  s_c -->|"B.Read, B.Write"| s_b',
      ].join("\n"),
    );
  });

  it("refuses a bad config with every error on stderr, exit 1, nothing on stdout", () => {
    const v = clone(smallConfig());
    (v["service-edges:edges"] as Values[])[0].to = "nope";
    (v["service-edges:services"] as Record<string, Values>).b.sku = "F1";
    const r = planCliProcess("--config", configFile(v), "--json");
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^The stack config has 2 errors; nothing was planned:/);
    assert.match(r.stderr, /service-edges:edges\[0\]\.to: unknown service "nope"\. Fix: /);
    assert.match(r.stderr, /service-edges:services\.b\.sku: "F1" cannot join the mesh/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  });

  it("refuses usage errors with exit 1", async () => {
    assert.equal((await plan("--config", path.join(tmp, "missing.yaml"))).code, 1);
    assert.equal((await plan("--stack", "dev", "--config", configFile(smallConfig()))).code, 1);
    assert.equal((await plan("--bogus")).code, 1);
    const bad = path.join(tmp, "bad.yaml");
    fs.writeFileSync(bad, "config: [\n");
    const r = await plan("--config", bad);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is not valid YAML/);
  });

  it("says a YAML syntax error as the file, its line and column, and the parser's words", async () => {
    const bad = path.join(tmp, "Pulumi.broken.yaml");
    fs.writeFileSync(bad, "config:\n  service-edges:services:\n    a: {kind: app\n  x: [1,\n");
    const r = await plan("--config", bad);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      `error: the stack config ${bad} is not valid YAML (line 4, column 3): Flow map in block collection must be sufficiently indented and end with a }\n`,
    );
  });
});

describe("plan CLI queries", () => {
  it("check exits 0 when allowed and 3 when denied", async () => {
    const ok = await plan("check", "web", "orders");
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^ALLOWED: web may call orders with Orders\.Read, Orders\.Write/);
    const no = planCliProcess("check", "web", "billing", "--json");
    assert.equal(no.code, 3);
    assert.equal(JSON.parse(no.stdout).allowed, false);
    assert.equal((await plan("check", "web", "nope")).code, 1);
  });

  it("match lists both directions", async () => {
    const r = await plan("match", "billing");
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      "billing may be called by:\n  orders (Invoices.Write)\n  reports (Invoices.Read)\nbilling may call: nobody\n",
    );
  });
});
