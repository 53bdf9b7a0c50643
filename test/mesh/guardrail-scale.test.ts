/**
 * The guardrails do not grow with the mesh: adding a service to a generated mesh changes only that
 * service's resources and its edges' (no policy definition or assignment, no authorization
 * resource of anyone else), and every policy request stays the size it is for three services.
 *
 * Its size: `SERVICE_EDGES_SCALE` services, 100 by default (`npm test`); `npm run bench` runs this
 * file at 1,000 (its two plans took 69 s of CPU together, an eighth of the whole suite's, against
 * 12 s at 100). 100 exercises the same claim: an input that names services, callers or subnets
 * (as the assignments once did, two subnet ids per caller) differs between N and N + 1 at every
 * N, and the single mesh has no size threshold between 100 and 1,000 that could change what a new
 * service touches: placement hashes every service into 32 groups per webspace class (contract
 * placement.ts; all 32 PremiumV3 groups, the new service's g25 among them, are in use from 40
 * services, so the new service adds no group), the limits per site (512 access rules) and per
 * group (100 plans) are not reached with one caller per callee, and subnets past a VNet's 3,000
 * are refused before anything is registered.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT, RESOURCE_TYPES, formatCidr, meshUrns, parseCidr } from "@service-edges/contract";
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

/** Services in the generated mesh (see the header). */
const SIZE = Number(process.env.SERVICE_EDGES_SCALE ?? 100);
if (!Number.isInteger(SIZE) || SIZE < 40 || SIZE > 1000) {
  throw new Error(`SERVICE_EDGES_SCALE=${process.env.SERVICE_EDGES_SCALE}: give 40 to 1000`);
}
const n = (k: number) => k.toLocaleString("en-US");

/** The /28 after generatedMesh's first `count` (they start at 10.64.0.0, one /28 each). */
function firstFreeSubnet(count: number): string {
  const space = parseCidr("10.64.0.0/12");
  if (!space.ok) throw new Error("bad address space");
  return formatCidr(space.cidr.start + BigInt(count) * 16n, 28);
}

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

describe(`guardrails at scale (${n(SIZE)} services)`, function () {
  // At 1,000 (`npm run bench`): two plans of about a minute each on an idle machine.
  this.timeout(1_800_000);
  let small: PlanResult;
  let grown: PlanResult;
  const NEW = "svcnew";
  before(async () => {
    // Every service a caller with its own subnet and a callee with one role, each calling the
    // next: the dimension the old assignments grew with (two subnet ids per caller).
    const mesh = generatedMesh(SIZE, 1);
    const next: Values = clone(mesh);
    (next["service-edges:services"] as Record<string, Obj>)[NEW] = {
      kind: "app",
      sku: "P1v3",
      maxInstances: 5,
      // The first /28 after the generated ones (10.64.0.0 + SIZE x 16).
      subnet: firstFreeSubnet(SIZE),
    };
    (next["service-edges:edges"] as Obj[]).push({ from: NEW, to: "svc0000", roles: ["Call"] });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guardrail-scale-"));
    try {
      [small, grown] = await Promise.all([
        planApart(mesh, dir, `${SIZE}`),
        planApart(next, dir, `${SIZE + 1}`),
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`adding a service to ${n(SIZE)} changes only its own resources, its edge's and the VNet`, () => {
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

  it(`sends policy requests of the same size for ${n(SIZE)} services as for ${n(SIZE + 1)}, far below 1 MiB`, () => {
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
