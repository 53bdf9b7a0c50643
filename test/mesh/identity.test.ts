import { strict as assert } from "node:assert";
import { AppSettingNames as S, identifierUriFor } from "@service-edges/contract";
import type { PlanResult } from "@service-edges/cli/run";
import { T, clone, ofType, one, planOf, smallConfig } from "../fixtures";

type Obj = Record<string, unknown>;

function settingsOf(plan: PlanResult, service: string): Record<string, string> {
  const cfg = one(plan, T.app, service).inputs.siteConfig as Obj;
  return Object.fromEntries(
    (cfg.appSettings as Array<{ name: string; value: string }>).map((s) => [s.name, s.value]),
  );
}

function withRegistrationCaller() {
  const v = smallConfig();
  (v["service-edges:services"] as Record<string, Obj>).a.identity = "registration";
  (v["service-edges:services"] as Record<string, Obj>).b.easyAuth = true;
  return v;
}

describe("identity layer under mocks", () => {
  let plan: PlanResult;
  let reg: PlanResult;
  before(async () => {
    plan = await planOf(smallConfig());
    reg = await planOf(withRegistrationCaller());
  });

  it("gives each callee an application exposing its roles to applications only, with stable ids", () => {
    const app = one(plan, T.application, "b");
    const tenant = plan.outputs.tenantId as string;
    assert.deepEqual(app.inputs.identifierUris, [identifierUriFor(tenant, "edges-test", "b")]);
    assert.deepEqual(app.inputs.api, { requestedAccessTokenVersion: 2 });
    const roles = app.inputs.appRoles as Obj[];
    assert.deepEqual(
      roles.map((r) => [r.value, r.allowedMemberTypes, r.enabled]),
      [
        ["B.Read", ["Application"], true],
        ["B.Write", ["Application"], true],
      ],
    );
    const uuids = new Map(ofType(plan, T.uuid).map((u) => [u.name, u.outputs.result]));
    assert.equal(roles[0].id, uuids.get("mesh-b.B.Read"));
    assert.equal(roles[1].id, uuids.get("mesh-b.B.Write"));
    assert.equal(
      ofType(plan, T.application).filter((a) => a.name === "mesh-a").length,
      0,
      "a caller-only managed service has no application",
    );
  });

  it("requires assignment on every callee's service principal", () => {
    for (const name of ["b", "c"]) {
      const sp = one(plan, T.sp, name);
      assert.equal(sp.inputs.appRoleAssignmentRequired, true);
      assert.equal(sp.inputs.clientId, one(plan, T.application, name).outputs.clientId);
    }
  });

  it("creates one assignment per (edge, role), wired to the caller's managed identity", () => {
    const assignments = ofType(plan, T.assignment);
    assert.deepEqual(assignments.map((a) => a.name).sort(), [
      "mesh-a.b.B.Read",
      "mesh-a.c.C.Call",
      "mesh-c.b.B.Read",
      "mesh-c.b.B.Write",
    ]);
    const x = one(plan, T.assignment, "c.b.B.Write").inputs;
    assert.equal(x.principalObjectId, one(plan, T.uami, "c").outputs.principalId);
    assert.equal(x.resourceObjectId, one(plan, T.sp, "b").outputs.objectId);
    const appRoles = one(plan, T.application, "b").inputs.appRoles as Obj[];
    assert.equal(x.appRoleId, appRoles.find((r) => r.value === "B.Write")!.id);
  });

  it("wires a registration caller through its own service principal, federated with its identity", () => {
    const regApps = ofType(reg, T.application).filter((a) => a.parent?.includes("ServiceIdentity"));
    assert.equal(regApps.length, 1);
    const sp = ofType(reg, T.sp).find((s) => s.parent?.endsWith("ServiceIdentity::mesh-a"))!;
    const x = one(reg, T.assignment, "a.b.B.Read").inputs;
    assert.equal(x.principalObjectId, sp.outputs.objectId);
    const fic = one(reg, T.fic, "a").inputs;
    const tenant = reg.outputs.tenantId as string;
    assert.deepEqual(
      { aud: fic.audiences, iss: fic.issuer, sub: fic.subject, app: fic.applicationId },
      {
        aud: ["api://AzureADTokenExchange"],
        iss: `https://login.microsoftonline.com/${tenant}/v2.0`,
        sub: one(reg, T.uami, "a").outputs.principalId,
        app: regApps[0].id,
      },
    );
    assert.equal(ofType(reg, T.password).length, 0, "no client secret unless asked for");
  });

  it("issues a client secret only on request, as a secret that the plan never prints", async () => {
    const v = withRegistrationCaller();
    (v["service-edges:services"] as Record<string, Obj>).a.clientSecret = true;
    const p = await planOf(v);
    assert.equal(ofType(p, T.password).length, 1);
    assert.equal(one(p, T.password, "a").outputs.value, "[secret]");
    // The stack output clientSecrets holds it on purpose, as a secret: the plan shows it masked.
    assert.equal(p.outputs.clientSecrets, "[secret]");
    assert.ok(!JSON.stringify(p).includes("mock-secret-"));
  });

  it("puts Easy Auth on a callee that asks for it, allowing exactly its callers, answering 401", () => {
    const auth = one(reg, T.auth, "b").inputs as Obj;
    const aad = (auth.identityProviders as Obj).azureActiveDirectory as Obj;
    const validation = aad.validation as Obj;
    const bApp = one(reg, T.application, "b");
    const regApp = ofType(reg, T.application).find((a) => a.parent?.includes("ServiceIdentity"))!;
    assert.deepEqual(
      [...((validation.defaultAuthorizationPolicy as Obj).allowedApplications as string[])].sort(),
      [regApp.outputs.clientId, one(reg, T.uami, "c").outputs.clientId].sort(),
    );
    assert.deepEqual(validation.allowedAudiences, [
      (bApp.inputs.identifierUris as string[])[0],
      bApp.outputs.clientId,
    ]);
    assert.equal((auth.globalValidation as Obj).unauthenticatedClientAction, "Return401");
    assert.deepEqual((auth.platform as Obj).enabled, true);
  });

  it("keeps Easy Auth settings on every callee: off is written as platform.enabled false", () => {
    // authsettingsV2 has no DELETE: forgetting the resource would leave Easy Auth as it was.
    for (const callee of ["b", "c"]) {
      const auth = one(plan, T.auth, callee).inputs as Obj;
      assert.deepEqual(
        { ...auth, resourceGroupName: undefined },
        {
          resourceGroupName: undefined,
          name: `edges-test-${callee}`,
          platform: { enabled: false },
        },
      );
    }
    assert.equal(ofType(plan, T.auth).length, 2, "callees only");
  });

  it("writes the callee's allow-list and audiences from the edges, and each caller's targets", () => {
    const b = settingsOf(plan, "b");
    assert.deepEqual(JSON.parse(b[S.allowedCallers]), {
      [one(plan, T.uami, "a").outputs.clientId as string]: { service: "a", roles: ["B.Read"] },
      [one(plan, T.uami, "c").outputs.clientId as string]: {
        service: "c",
        roles: ["B.Read", "B.Write"],
      },
    });
    const bApp = one(plan, T.application, "b");
    assert.deepEqual(JSON.parse(b[S.audiences]), [
      (bApp.inputs.identifierUris as string[])[0],
      bApp.outputs.clientId,
    ]);
    assert.equal(b[S.tenantId], plan.outputs.tenantId);
    const a = settingsOf(plan, "a");
    const callees = JSON.parse(a[S.callees]) as Record<string, Obj>;
    assert.deepEqual(Object.keys(callees), ["b", "c"]);
    assert.deepEqual(callees.b, {
      audience: (bApp.inputs.identifierUris as string[])[0],
      scope: `${(bApp.inputs.identifierUris as string[])[0]}/.default`,
      url: "https://edges-test-b.azurewebsites.net",
      roles: ["B.Read"],
    });
    assert.equal(a[S.identityKind], "managed");
    assert.equal(a[S.managedIdentityClientId], one(plan, T.uami, "a").outputs.clientId);
    assert.equal(a[S.allowedCallers], undefined);
    assert.equal(
      settingsOf(reg, "a")[S.appClientId],
      ofType(reg, T.application).find((x) => x.parent?.includes("ServiceIdentity"))!.outputs
        .clientId,
    );
  });

  it("exports per callee its audience and client id, and per edge the assignment ids", () => {
    const services = plan.outputs.services as Record<string, Obj>;
    const bApp = one(plan, T.application, "b");
    assert.equal(services.b.audience, (bApp.inputs.identifierUris as string[])[0]);
    assert.equal(services.b.applicationClientId, bApp.outputs.clientId);
    assert.equal(services.a.audience, undefined, "a is not a callee");
    assert.equal(services.a.clientId, one(plan, T.uami, "a").outputs.clientId);
    assert.equal(services.a.subnetId, `${one(plan, T.vnet, "network").id}/subnets/snet-a`);
    assert.equal(services.a.appId, one(plan, T.app, "a").id);
    const matrix = plan.outputs.accessMatrix as Array<{
      from: string;
      to: string;
      roles: string[];
      assignmentIds: string[];
    }>;
    assert.deepEqual(
      matrix.map((e) => [e.from, e.to, e.roles, e.assignmentIds]),
      [
        ["a", "b", ["B.Read"], [one(plan, T.assignment, "a.b.B.Read").id]],
        ["a", "c", ["C.Call"], [one(plan, T.assignment, "a.c.C.Call").id]],
        [
          "c",
          "b",
          ["B.Read", "B.Write"],
          [one(plan, T.assignment, "c.b.B.Read").id, one(plan, T.assignment, "c.b.B.Write").id],
        ],
      ],
    );
  });

  it("adding a role keeps every other role id; retiring one keeps it, disabled", async () => {
    const v = clone(smallConfig());
    const services = v["service-edges:services"] as Record<string, Obj>;
    services.b.roles = ["B.Admin", "B.Read", "B.Write"];
    const added = await planOf(v);
    const ids = (p: PlanResult) =>
      Object.fromEntries(
        (one(p, T.application, "b").inputs.appRoles as Obj[]).map((r) => [
          r.value,
          [r.id, r.enabled],
        ]),
      );
    const before = ids(plan);
    const after = ids(added);
    assert.deepEqual(after["B.Read"], before["B.Read"]);
    assert.deepEqual(after["B.Write"], before["B.Write"]);
    assert.ok(after["B.Admin"]);

    const r = clone(smallConfig());
    const rs = r["service-edges:services"] as Record<string, Obj>;
    rs.b.roles = ["B.Read"];
    rs.b.retiredRoles = ["B.Write"];
    (r["service-edges:edges"] as Obj[])[1].roles = ["B.Read"];
    const retired = ids(await planOf(r));
    assert.deepEqual(retired["B.Write"], [before["B.Write"][0], false]);
    assert.deepEqual(retired["B.Read"], before["B.Read"]);
  });
});
