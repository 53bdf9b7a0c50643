/**
 * ServiceMesh in a user's own program (test/programs/component-args): its args are the documented
 * config (network.vnets included), Outputs where a value only fills in a property, errors that
 * name the component and the argument path, and a user's own config namespace with a did-you-mean.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { mockCall, mockContext } from "@service-edges/cli/mock-outputs";
import { type PlanResult, runPlan } from "@service-edges/cli/run";
import { T, ofType } from "../fixtures";

const PROGRAM = path.join(__dirname, "..", "programs", "component-args", "index.ts");
const FRONT_DOOR_ID = "3c5e1d2a-8f4b-4c6d-9e0f-1a2b3c4d5e6f";
const OWNER = "6c2f0a52-96ab-4c2e-9c0d-2b3f7c5c1e11";
const OTHER_OWNER = "0b8e7f3a-1d2c-4e5f-8a9b-0c1d2e3f4a5b";
const DEPLOYER = mockCall(mockContext("test"), "azuread:index/getClientConfig:getClientConfig")!
  .objectId as string;

type Obj = Record<string, unknown>;

function planCase(which: string, values: Obj = {}): Promise<PlanResult> {
  return runPlan({
    config: { stack: "test", file: "<memory>", values: { "test:case": which, ...values } },
    program: PROGRAM,
  });
}

/** The mesh's resources, without the program's own (the RandomStrings that stand for Outputs). */
const meshShape = (plan: PlanResult) =>
  plan.resources
    .filter((r) => r.type !== "random:index/randomString:RandomString")
    .map((r) => `${r.type}::${r.name}`)
    .sort();

const storefrontRules = (plan: PlanResult) => {
  const app = ofType(plan, T.app).find((r) => r.name === "payments-mesh-storefront")!;
  return (app.inputs.siteConfig as Obj).ipSecurityRestrictions as Obj[];
};

describe("ServiceMesh args in a user's program", function () {
  this.timeout(120000);

  it("Outputs for frontDoorId and owners plan the same resources with the same values", async () => {
    const plain = await planCase("plain");
    const computed = await planCase("computed");
    assert.deepEqual(meshShape(computed), meshShape(plain));
    assert.equal(ofType(plain, T.app).length, 2);
    // network.vnets: the caller's subnet is in the second virtual network.
    const vnets = ofType(plain, T.vnet)
      .map((v) => v.inputs.virtualNetworkName)
      .sort();
    assert.deepEqual(vnets, ["acme-pay-vnet", "acme-pay-vnet-b"]);
    const b = ofType(plain, T.vnet).find((v) => v.inputs.virtualNetworkName === "acme-pay-vnet-b")!;
    assert.deepEqual(
      (b.inputs.subnets as Obj[]).map((s) => [s.name, s.addressPrefix]),
      [["snet-storefront", "10.41.0.0/28"]],
    );
    const frontDoorRule = {
      name: "ingress-AzureFrontDoor.Backend",
      description: "ingress AzureFrontDoor.Backend -> storefront",
      action: "Allow",
      priority: 100,
      tag: "ServiceTag",
      ipAddress: "AzureFrontDoor.Backend",
      headers: { "x-azure-fdid": [FRONT_DOOR_ID] },
    };
    assert.deepEqual(storefrontRules(plain), [frontDoorRule]);
    assert.deepEqual(storefrontRules(computed), [frontDoorRule]);
    for (const plan of [plain, computed]) {
      const owners = [...ofType(plan, T.application), ...ofType(plan, T.sp)].map(
        (r) => r.inputs.owners,
      );
      // payments' application and service principal.
      assert.equal(owners.length, 2);
      for (const o of owners) assert.deepEqual(o, [DEPLOYER, OWNER, OTHER_OWNER]);
    }
  });

  it("names the component and the argument path in every error", async () => {
    await assert.rejects(
      planCase("bad"),
      (e: Error) =>
        e.message ===
        'ServiceMesh "payments-mesh" has 2 errors; nothing was created:\n' +
          '  - ServiceMesh "payments-mesh": services.payments.sku: "F1" cannot join the mesh: Free plans have no VNet integration. Fix: use Elastic Premium (EP1) or a dedicated plan (P1v3).\n' +
          '  - ServiceMesh "payments-mesh": edges[0].to: unknown service "payment". Fix: use a declared service ("payments") or declare "payment" under services.',
    );
  });

  it("refuses an Output where the graph needs the value, naming its argument path", async () => {
    await assert.rejects(
      planCase("computed-sku"),
      (e: Error) =>
        e.message ===
        'ServiceMesh "payments-mesh" has 1 error; nothing was created:\n' +
          '  - ServiceMesh "payments-mesh": services.payments.sku: is an Output, but the graph needs its value before deployment (it decides which resources exist and is validated before any is registered). Fix: pass the value itself; only frontDoorId and owners take Outputs.',
    );
  });

  describe("meshArgsFromConfig: the graph in the program's own config namespace", () => {
    const config = (): Obj => ({
      "azure-native:location": "westeurope",
      "myinfra:namePrefix": "acme-pay",
      "myinfra:network": { addressSpace: "10.40.0.0/16" },
      "myinfra:services": {
        storefront: { kind: "app", sku: "P1v3", maxInstances: 4, subnet: "10.40.0.0/28" },
        payments: { kind: "function", sku: "EP1", maxInstances: 10, roles: ["Payments.Charge"] },
      },
      "myinfra:edges": [{ from: "storefront", to: "payments", roles: ["Payments.Charge"] }],
    });

    it("plans the mesh its keys declare", async () => {
      const plan = await planCase("namespace", config());
      assert.deepEqual(
        ofType(plan, T.app).map((a) => a.inputs.name),
        ["acme-pay-payments", "acme-pay-storefront"],
      );
      assert.equal(ofType(plan, T.assignment).length, 1);
    });

    it("refuses an unknown key with a did-you-mean, with the graph's errors, naming its keys", async () => {
      const values = config();
      values["myinfra:edge"] = values["myinfra:edges"];
      delete values["myinfra:edges"];
      (values["myinfra:services"] as Record<string, Obj>).payments.sku = "Y1";
      await assert.rejects(
        planCase("namespace", values),
        (e: Error) =>
          e.message ===
          "The stack config has 2 errors; nothing was created:\n" +
            "  - myinfra:edge: unknown key; the program never reads it. Fix: did you mean myinfra:edges? Rename it.\n" +
            '  - myinfra:services.payments.sku: "Y1" cannot join the mesh: the Functions Consumption plan (Y1) has no Regional VNet Integration. Fix: use Elastic Premium (EP1) or a dedicated plan (P1v3).',
      );
    });
  });
});
