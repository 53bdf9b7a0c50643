/**
 * Day-2 on real Azure: every Entra application and service principal has owners, and a client
 * secret expires, rotates on a config change and reaches the stack outputs only as a secret.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { mockCall, mockContext } from "@service-edges/cli/mock-outputs";
import { type PlanResult, lastProgramExports, runPlan } from "@service-edges/cli/run";
import { ProgramActivity } from "@service-edges/cli/settle";
import { ServiceMesh } from "service-edges";
import { T, clone, ofType, one, planOf, smallConfig, type Values } from "../fixtures";

type Obj = Record<string, unknown>;
type Services = Record<string, Obj>;

const OWNER = "6c2f0a52-96ab-4c2e-9c0d-2b3f7c5c1e11";
const OTHER = "0b8e7f3a-1d2c-4e5f-8a9b-0c1d2e3f4a5b";

/** The deployer's object id, as the mocks' getClientConfig answers it for the test stack. */
const DEPLOYER = mockCall(mockContext("test"), "azuread:index/getClientConfig:getClientConfig")!
  .objectId as string;

/** The small mesh with registration callers: a with a client secret, c without. */
function withRegistrations(): Values {
  const v = clone(smallConfig());
  const s = v["service-edges:services"] as Services;
  s.a.identity = "registration";
  s.a.clientSecret = true;
  s.c.identity = "registration";
  return v;
}

/** The program's `clientSecrets` export from the plan that ran last, unresolved. */
/** The last planned program's `clientSecrets` stack output, as the Output it returned. */
function exportedSecrets(): pulumi.Output<Record<string, string>> {
  return lastProgramExports().clientSecrets as pulumi.Output<Record<string, string>>;
}

function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) =>
    pulumi.unsecret(o).apply((v) => {
      resolve(v);
      return v;
    }),
  );
}

/** Every Entra application and service principal of a plan, by URN, with its owners. */
function ownersByResource(plan: PlanResult): Record<string, unknown> {
  return Object.fromEntries(
    [...ofType(plan, T.application), ...ofType(plan, T.sp)].map((r) => [r.urn, r.inputs.owners]),
  );
}

describe("owners and client secrets under mocks", () => {
  let plan: PlanResult;
  let secrets: pulumi.Output<Record<string, string>>;
  before(async () => {
    const v = withRegistrations();
    v["service-edges:owners"] = [OWNER, OTHER];
    plan = await planOf(v);
    secrets = exportedSecrets();
  });

  it("gives every application and service principal the deployer, then the configured owners", () => {
    const owners = ownersByResource(plan);
    // Callees b and c, and the registrations of a and c: an application and an SP each.
    assert.equal(Object.keys(owners).length, 8);
    for (const [urn, list] of Object.entries(owners)) {
      assert.deepEqual(list, [DEPLOYER, OWNER, OTHER], urn);
    }
  });

  it("without owners in config: the deployer alone; listed too, the deployer once", async () => {
    for (const list of Object.values(ownersByResource(await planOf(withRegistrations())))) {
      assert.deepEqual(list, [DEPLOYER]);
    }
    const v = withRegistrations();
    v["service-edges:owners"] = [OWNER, DEPLOYER];
    for (const list of Object.values(ownersByResource(await planOf(v)))) {
      assert.deepEqual(list, [DEPLOYER, OWNER]);
    }
  });

  it("issues the client secret for 180 days, with a rotation keeper", () => {
    assert.equal(ofType(plan, T.password).length, 1, "only a asked for a secret");
    const password = one(plan, T.password, "a");
    assert.equal(password.inputs.endDateRelative, "4320h");
    assert.deepEqual(password.inputs.rotateWhenChanged, { rotation: "initial" });
    assert.equal(password.outputs.value, "[secret]");
  });

  it("changing secretRotation changes the password's rotation keeper and nothing else", async () => {
    const v = withRegistrations();
    v["service-edges:owners"] = [OWNER, OTHER];
    (v["service-edges:services"] as Services).a.secretRotation = "2026-11";
    const rotated = await planOf(v);
    const inputs = (p: PlanResult) =>
      new Map(p.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));
    const before = inputs(plan);
    const after = inputs(rotated);
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
    const changed = [...after].filter(([urn, text]) => before.get(urn) !== text).map(([u]) => u);
    const password = one(rotated, T.password, "a");
    assert.deepEqual(changed, [password.urn]);
    assert.deepEqual(
      { ...password.inputs, rotateWhenChanged: undefined },
      { ...one(plan, T.password, "a").inputs, rotateWhenChanged: undefined },
    );
    assert.deepEqual(password.inputs.rotateWhenChanged, { rotation: "2026-11" });
  });

  it("exports exactly the secret services' client secrets, as a secret", async () => {
    assert.equal(await pulumi.isSecret(secrets), true);
    const keyId = one(plan, T.password, "a").outputs.keyId as string;
    assert.deepEqual(await valueOf(secrets), { a: `mock-secret-${keyId}` });
    // Nowhere in the plan (`--json` prints it): the stack output itself is shown masked.
    assert.equal(plan.outputs.clientSecrets, "[secret]");
    assert.ok(!JSON.stringify(plan).includes("mock-secret-"));
  });

  it("exports an empty secret map when no service has a client secret", async () => {
    await planOf(smallConfig());
    const none = exportedSecrets();
    assert.equal(await pulumi.isSecret(none), true);
    assert.deepEqual(await valueOf(none), {});
  });
});

describe("owners that do not depend on who deploys", () => {
  const KEEPER = "random:index/randomUuid:RandomUuid";

  /** The small mesh with registrations, planned as `deployer` runs it, over a stack's state. */
  function deployedBy(deployer: string, owners: string[], state?: PlanResult): Promise<PlanResult> {
    const v = withRegistrations();
    v["service-edges:owners"] = owners;
    return runPlan({
      config: { stack: "test", file: "<memory>", values: v },
      mocks: {
        invokes: {
          "azuread:index/getClientConfig:getClientConfig": {
            clientId: `app-of-${deployer}`,
            objectId: deployer,
            tenantId: mockContext("test").tenantId,
          },
        },
      },
      ...(state ? { state: state.resources.map((r) => ({ ...r })) } : {}),
    });
  }

  it("reads the first deployer into a keeper that ignores every later one", async () => {
    const plan = await deployedBy(OTHER, [OWNER]);
    const keeper = one(plan, KEEPER, "first-deployer");
    assert.equal(
      keeper.parent,
      "urn:pulumi:test::service-edges::service-edges:index:ServiceMesh::mesh",
    );
    assert.deepEqual(keeper.inputs.keepers, { objectId: OTHER });
    assert.deepEqual(keeper.ignoreChanges, ["keepers"]);
    for (const list of Object.values(ownersByResource(plan)))
      assert.deepEqual(list, [OTHER, OWNER]);
  });

  it("a second deployer changes no owner; a change of service-edges:owners still does", async () => {
    const first = await deployedBy(DEPLOYER, [OWNER]);
    const second = await deployedBy(OTHER, [OWNER], first);
    assert.deepEqual(one(second, KEEPER, "first-deployer").inputs.keepers, { objectId: DEPLOYER });
    const owners = Object.values(ownersByResource(second));
    assert.equal(owners.length, 8);
    for (const list of owners) assert.deepEqual(list, [DEPLOYER, OWNER]);
    const reconfigured = await deployedBy(OTHER, [OWNER, OTHER], first);
    for (const list of Object.values(ownersByResource(reconfigured)))
      assert.deepEqual(list, [DEPLOYER, OWNER, OTHER]);
  });

  it("builds a ServiceMesh under the SDK's standard mocks (call returns its inputs)", async () => {
    // The mocks of Pulumi's unit testing guide, exactly: ids from names, state = inputs, and
    // every invoke answered with its own inputs (so the client config has no object id).
    const registered: pulumi.runtime.MockResourceArgs[] = [];
    const failures: unknown[] = [];
    const onFailure = (e: unknown) => failures.push(e);
    process.on("unhandledRejection", onFailure);
    try {
      await pulumi.runtime.setMocks(
        {
          newResource: (
            args: pulumi.runtime.MockResourceArgs,
          ): { id: string; state: Record<string, unknown> } => {
            registered.push(args);
            return { id: args.inputs.name + "_id", state: args.inputs };
          },
          call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
        },
        "project",
        "stack",
        false,
      );
      const activity = new ProgramActivity();
      const mesh = activity.run(
        () =>
          new ServiceMesh("mesh", {
            location: "westeurope",
            network: { addressSpace: "10.70.0.0/16" },
            owners: [OWNER],
            services: {
              web: {
                kind: "app",
                sku: "P1v3",
                maxInstances: 4,
                subnet: "10.70.0.0/28",
                identity: "registration",
              },
              api: { kind: "app", sku: "P1v3", maxInstances: 2, roles: ["Api.Read"] },
            },
            edges: [{ from: "web", to: "api", roles: ["Api.Read"] }],
          }),
      );
      const matrix = await valueOf(mesh.accessMatrix);
      await activity.settled();
      assert.deepEqual(failures, []);
      assert.deepEqual(
        matrix.map((e) => [e.from, e.to]),
        [["web", "api"]],
      );
      const entra = registered.filter((r) =>
        [T.application, T.sp].includes(r.type as typeof T.application),
      );
      // api's application and SP, web's registration and its SP: the configured owner alone.
      assert.equal(entra.length, 4);
      for (const r of entra) assert.deepEqual(r.inputs.owners, [OWNER], `${r.type} ${r.name}`);
    } finally {
      process.off("unhandledRejection", onFailure);
    }
  });
});
