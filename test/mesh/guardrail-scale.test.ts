/**
 * The guardrails do not grow with the mesh: adding a service to a 1,000-service mesh changes only
 * that service's resources and its edges' (no policy definition or assignment, no authorization
 * resource of anyone else), and every policy request stays the size it is for three services.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT, RESOURCE_TYPES, meshUrns } from "@service-edges/contract";
import { generatedMesh, generatedOrg } from "../../bench/generate";
import { policyRequestSizes } from "@service-edges/cli/policy-request-size";
import { MESH_NAME, type PlanResult } from "@service-edges/cli/run";
import { ROOT, SOURCE_NODE_FLAGS, type Values, clone, planOf } from "../fixtures";
import { guardrailInputs } from "./support/guardrail-changes";

type Obj = Record<string, unknown>;

const inputsByUrn = (p: PlanResult) =>
  new Map(p.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));

function diff(a: PlanResult, b: PlanResult) {
  const x = inputsByUrn(a);
  const y = inputsByUrn(b);
  return {
    added: [...y.keys()].filter((u) => !x.has(u)),
    removed: [...x.keys()].filter((u) => !y.has(u)),
    changed: [...x.keys()].filter((u) => y.has(u) && x.get(u) !== y.get(u)),
  };
}

const isAuthorization = (type: string) => type.startsWith("azure-native:authorization:");

/** A plan in its own process with the plan scripts' heap flags (support/plan-to-file.ts). */
function planApart(values: Values, dir: string, label: string): Promise<PlanResult> {
  const config = path.join(dir, `${label}.config.json`);
  const out = path.join(dir, `${label}.plan.json`);
  fs.writeFileSync(config, JSON.stringify(values));
  const script = path.join(ROOT, "test/mesh/support/plan-to-file.ts");
  const flags = ["--max-old-space-size=1024", "--max-semi-space-size=32", ...SOURCE_NODE_FLAGS];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, script, config, out, "scale"], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) =>
      code === 0
        ? resolve(JSON.parse(fs.readFileSync(out, "utf8")) as PlanResult)
        : reject(new Error(`plan of ${label} failed (${code}): ${stderr}`)),
    );
  });
}

describe("guardrails at scale", function () {
  // Two 1,000-service plans: about a minute each on an idle machine (README: Scale).
  this.timeout(1_800_000);
  let small: PlanResult;
  let grown: PlanResult;
  const NEW = "svcnew";
  before(async () => {
    // Every service a caller with its own subnet and a callee with one role, each calling the
    // next: the dimension the old assignments grew with (two subnet ids per caller).
    const mesh = generatedMesh(1000, 1);
    const next: Values = clone(mesh);
    (next["service-edges:services"] as Record<string, Obj>)[NEW] = {
      kind: "app",
      sku: "P1v3",
      maxInstances: 5,
      // The first /28 after the generated ones (10.64.0.0 + 1,000 x 16).
      subnet: "10.64.62.128/28",
    };
    (next["service-edges:edges"] as Obj[]).push({ from: NEW, to: "svc0000", roles: ["Call"] });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guardrail-scale-"));
    try {
      [small, grown] = await Promise.all([
        planApart(mesh, dir, "1000"),
        planApart(next, dir, "1001"),
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("adding a service to 1,000 changes only its own resources, its edge's and the VNet", () => {
    const d = diff(small, grown);
    assert.deepEqual(d.removed, []);
    const short = (u: string) => u.split("::").slice(2).join("::");
    // The VNet gains the subnet inline; the callee's site admits the new caller's subnet.
    const u = meshUrns("scale", PROJECT, MESH_NAME);
    assert.deepEqual(d.changed.sort(), [
      u.vnet(),
      u.service("host", RESOURCE_TYPES.app, "svc0000"),
    ]);
    assert.ok(d.added.length > 0);
    for (const u of d.added) assert.match(short(u), new RegExp(`::mesh-${NEW}(\\.|$)`), u);
  });

  it("changes no policy definition or assignment, and no authorization resource but its own", () => {
    assert.deepEqual(guardrailInputs(grown), guardrailInputs(small));
    assert.equal(guardrailInputs(small).size, 14);
    const auth = (p: PlanResult) =>
      new Map(
        p.resources
          .filter((r) => isAuthorization(r.type))
          .map((r) => [r.urn, JSON.stringify(r.inputs)]),
      );
    const a = auth(small);
    const b = auth(grown);
    for (const [urn, inputs] of a) assert.equal(b.get(urn), inputs, urn);
    for (const urn of b.keys()) if (!a.has(urn)) assert.match(urn, new RegExp(`::mesh-${NEW}`));
  });

  it("sends policy requests of the same size for 1,000 services as for 1,001, far below 1 MiB", () => {
    const sizes = (p: PlanResult) => policyRequestSizes(p.resources).map((s) => [s.urn, s.bytes]);
    assert.deepEqual(sizes(grown), sizes(small));
    const [largest] = policyRequestSizes(small.resources);
    assert.ok(largest.bytes < 8192, `${largest.name}: ${largest.bytes} bytes`);
  });

  it("the org platform's guardrails do not change when a service joins the registry", async () => {
    const platformOf = (n: number) =>
      (generatedOrg(n, 2)["Pulumi.platform.yaml"] as { config: Values }).config;
    const base = platformOf(40);
    const more = clone(base);
    (more["service-edges:services"] as Record<string, Obj>)[NEW] = {
      team: "team000",
      kind: "app",
      maxInstances: 5,
      subnet: "10.64.1.64/28",
    };
    const [p, q] = [await planOf(base, "platform"), await planOf(more, "platform")];
    assert.equal(guardrailInputs(p).size, 14);
    assert.deepEqual(guardrailInputs(q), guardrailInputs(p));
    const slot = p.resources.find(
      (r) => r.type === RESOURCE_TYPES.policyAssignment && r.name.endsWith("no-slot-on-mesh-site"),
    )!;
    assert.deepEqual(slot.inputs.parameters, { namePrefix: { value: "gen" } });
  });
});
