/**
 * Moving a deployed stack between network.inbound modes: the review blocks the one-step switch
 * that would refuse declared calls in the engine's order, and lets the two-step move through.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { reviewPlans } from "@service-edges/cli/review";
import { type PlanResult, runPlan } from "@service-edges/cli/run";
import { readStackConfig } from "@service-edges/cli/stack-config";
import { ROOT, type Values, clone } from "../fixtures";

type Obj = Record<string, unknown>;
const file = path.join(ROOT, "Pulumi.dev-private.yaml");

/** The dev-private graph in a mode (serviceEndpoints drops the endpoint subnets). */
function inMode(mode: string, mutate: (v: Values) => void = () => {}): Promise<PlanResult> {
  const config = readStackConfig(file, "dev-private");
  const values = clone(config.values);
  const net = values["service-edges:network"] as Obj;
  net.inbound = mode;
  if (mode === "serviceEndpoints") delete net.privateEndpointSubnets;
  mutate(values);
  return runPlan({ config: { ...config, values } });
}

const SITES = ["billing", "catalog", "inventory", "orders", "web"].map(
  (s) => `edges-dev-private-${s}`,
);

describe("review: moving between network.inbound modes", function () {
  this.timeout(120000);
  let service: PlanResult;
  let staged: PlanResult;
  let priv: PlanResult;
  before(async () => {
    // One plan at a time: the mock runtime is one per process.
    service = await inMode("serviceEndpoints");
    staged = await inMode("serviceAndPrivateEndpoints");
    priv = await inMode("privateEndpoints");
  });

  const messages = (base: PlanResult, head: PlanResult) =>
    reviewPlans(base, head).blocking.map((b) => b.message);

  it("blocks serviceEndpoints -> privateEndpoints in one step, once per reachable site", () => {
    const blocking = reviewPlans(service, priv).blocking;
    assert.deepEqual(blocking.map((b) => b.urn.split("::").pop()).sort(), [
      "mesh-billing",
      "mesh-catalog",
      "mesh-inventory",
      "mesh-orders",
      "mesh-web",
    ]);
    assert.equal(
      blocking.find((b) => b.urn.endsWith("::mesh-billing"))!.message,
      "edges-dev-private-billing turns public network access off in the same deployment that creates its private endpoint, which depends on the site and so is created after it: its callers reach it neither way in between. " +
        "Fix: move in two deployments: first set service-edges:network.inbound to serviceAndPrivateEndpoints and deploy (endpoints, NSGs and DNS while public access still admits the callers), then set it to privateEndpoints and deploy (README, Day-2 operations).",
    );
    // reports calls but is called by nobody: no endpoint, nothing to cut.
    assert.ok(!blocking.some((b) => b.urn.endsWith("::mesh-reports")));
    assert.equal(SITES.length, blocking.length);
  });

  it("lets the two steps through: serviceAndPrivateEndpoints, then privateEndpoints", () => {
    assert.deepEqual(messages(service, staged), []);
    assert.deepEqual(messages(staged, priv), []);
  });

  it("lets the way back through in two steps (updates run before the endpoints' deletes)", () => {
    assert.deepEqual(messages(priv, staged), []);
    assert.deepEqual(messages(staged, service), []);
  });

  it("blocks the way back in one step while guardrails deny public access (their delete runs last), not without guardrails", async () => {
    const blocking = reviewPlans(priv, service).blocking;
    assert.deepEqual(blocking.map((b) => b.urn.split("::").pop()).sort(), [
      "mesh-billing",
      "mesh-catalog",
      "mesh-inventory",
      "mesh-orders",
      "mesh-reports",
      "mesh-web",
    ]);
    assert.equal(
      blocking.find((b) => b.urn.endsWith("::mesh-reports"))!.message,
      "edges-dev-private-reports turns public network access on while the guardrail edges-dev-private-mesh-site-public-access-off still denies it: the engine deletes that assignment last, after the site's update, which Azure Policy refuses. " +
        "Fix: leave private mode in two deployments: first set service-edges:network.inbound to serviceAndPrivateEndpoints and deploy (the assignment stays, no longer enforced), then set serviceEndpoints and deploy (README, Day-2 operations).",
    );
    const off = (v: Values) => (v["service-edges:guardrails"] = false);
    const privOff = await inMode("privateEndpoints", off);
    const serviceOff = await inMode("serviceEndpoints", off);
    assert.deepEqual(messages(privOff, serviceOff), []);
  });

  it("blocks moving an endpoint to another subnet while public access is off, not in the step between", async () => {
    const pinned = (v: Values) => {
      (v["service-edges:network"] as Obj).privateEndpointSubnets = [
        "10.40.1.0/25",
        "10.40.1.128/25",
      ];
      (v["service-edges:services"] as Record<string, Obj>).billing.privateEndpointSubnet =
        "10.40.1.128/25";
    };
    const privMoved = await inMode("privateEndpoints", pinned);
    const blocking = reviewPlans(priv, privMoved).blocking;
    assert.deepEqual(
      blocking.map((b) => b.urn.split("::").pop()),
      ["mesh-private-endpoints-billing"],
    );
    assert.equal(
      blocking[0].message,
      "the private endpoint edges-dev-private-billing-pe is replaced (deleted first) while edges-dev-private-billing has public network access off: its callers cannot reach it until the new endpoint and its DNS record exist. " +
        "Fix: set service-edges:network.inbound to serviceAndPrivateEndpoints and deploy, make this change and deploy, then set privateEndpoints again.",
    );
    const stagedMoved = await inMode("serviceAndPrivateEndpoints", pinned);
    assert.deepEqual(messages(staged, stagedMoved), []);
  });
});
