import assert from "node:assert/strict";
import {
  ClientAssertionCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
} from "@azure/identity";
import { AppSettingNames as N } from "@service-edges/contract/app-settings";
import {
  ENFORCEMENT_SETTING,
  MeshSettingsError,
  createMeshAuth,
  meshCredential,
  readCalleeSettings,
  readCallerSettings,
} from "@service-edges/service-auth";
import { devMesh } from "./support/dev-mesh";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CALLER = "3c7f1a2b-0000-4000-8000-000000000001";
const MI = "3c7f1a2b-0000-4000-8000-0000000000aa";

const callee = (over: Record<string, string | undefined> = {}) => ({
  [N.tenantId]: TENANT,
  [N.serviceName]: "billing",
  [N.audiences]: JSON.stringify(["api://billing", "3c7f1a2b-0000-4000-8000-00000000b111"]),
  [N.allowedCallers]: JSON.stringify({ [CALLER]: { service: "orders", roles: ["Invoices.Read"] } }),
  ...over,
});

const caller = (over: Record<string, string | undefined> = {}) => ({
  [N.tenantId]: TENANT,
  [N.serviceName]: "orders",
  [N.identityKind]: "managed",
  [N.managedIdentityClientId]: MI,
  [N.callees]: JSON.stringify({
    billing: {
      audience: "api://billing",
      scope: "api://billing/.default",
      url: "https://billing.azurewebsites.net",
      roles: ["Invoices.Read"],
    },
  }),
  ...over,
});

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof MeshSettingsError, String(err));
    return err.problems;
  }
  assert.fail("expected a MeshSettingsError");
}

describe("service-auth: settings", () => {
  it("reads what the program writes on every app of the dev stack", async function () {
    this.timeout(20_000);
    const mesh = await devMesh();
    for (const { name } of mesh.plan.services) {
      const env = mesh.envOf(name);
      if (mesh.isCallee(name)) {
        const s = readCalleeSettings(env);
        const edges = mesh.plan.edges.filter((e) => e.to === name);
        assert.deepEqual(
          [...s.allowedCallers.values()].map((c) => c.service).sort(),
          edges.map((e) => e.from).sort(),
        );
      }
      if (mesh.isCaller(name)) {
        const s = readCallerSettings(env);
        assert.equal(s.identity.kind, env[N.identityKind]);
        assert.deepEqual(
          [...s.callees.keys()].sort(),
          mesh.plan.edges
            .filter((e) => e.from === name)
            .map((e) => e.to)
            .sort(),
        );
      }
    }
  });

  it("names every missing callee setting at once", () => {
    const problems = problemsOf(() => readCalleeSettings({}));
    for (const name of [N.tenantId, N.serviceName, N.audiences, N.allowedCallers]) {
      assert.ok(
        problems.some((p) => p.startsWith(name)),
        `${name} in ${problems.join("; ")}`,
      );
    }
  });

  it("refuses malformed callee settings, naming the setting", () => {
    assert.match(
      problemsOf(() => readCalleeSettings(callee({ [N.tenantId]: "contoso.com" })))[0],
      /MESH_TENANT_ID must be a GUID/,
    );
    assert.match(
      problemsOf(() => readCalleeSettings(callee({ [N.audiences]: "[]" })))[0],
      /MESH_AUDIENCES must be a non-empty/,
    );
    assert.match(
      problemsOf(() => readCalleeSettings(callee({ [N.allowedCallers]: "{" })))[0],
      /MESH_ALLOWED_CALLERS is not valid JSON/,
    );
    assert.match(
      problemsOf(() => readCalleeSettings(callee({ [N.allowedCallers]: "[]" })))[0],
      /must be a JSON object/,
    );
    const bad = JSON.stringify({
      constructor: { service: "x", roles: [] },
      [CALLER]: { service: "orders", roles: "Invoices.Read" },
    });
    const problems = problemsOf(() => readCalleeSettings(callee({ [N.allowedCallers]: bad })));
    assert.match(problems[0], /\["constructor"\]: the key must be the caller's client id/);
    assert.match(problems[1], /must be \{ "service": string, "roles": string\[\] \}/);
  });

  it("keeps the allow-list off Object.prototype", () => {
    const s = readCalleeSettings(callee());
    assert.equal(s.allowedCallers.get("constructor"), undefined);
    assert.deepEqual(s.allowedCallers.get(CALLER), { service: "orders", roles: ["Invoices.Read"] });
  });

  it("MESH_ENFORCEMENT: enforced unless it says shadow (report-only); anything else is refused", () => {
    assert.equal(ENFORCEMENT_SETTING, "MESH_ENFORCEMENT");
    assert.equal(readCalleeSettings(callee()).enforcement, "enforced");
    assert.equal(readCalleeSettings(callee({ MESH_ENFORCEMENT: "" })).enforcement, "enforced");
    assert.equal(readCalleeSettings(callee({ MESH_ENFORCEMENT: "shadow" })).enforcement, "shadow");
    assert.equal(
      readCalleeSettings(callee({ MESH_ENFORCEMENT: "enforced" })).enforcement,
      "enforced",
    );
    assert.deepEqual(
      problemsOf(() => readCalleeSettings(callee({ MESH_ENFORCEMENT: "audit" }))),
      ['MESH_ENFORCEMENT must be "enforced" or "shadow" (report-only), got "audit"'],
    );
    assert.equal(
      createMeshAuth({ env: callee({ MESH_ENFORCEMENT: "shadow" }), logger: { warn() {} } })
        .enforcement,
      "shadow",
    );
  });

  it("refuses malformed caller settings, naming the setting", () => {
    assert.match(
      problemsOf(() => readCallerSettings(caller({ [N.identityKind]: "system" })))[0],
      /MESH_IDENTITY must be "managed" or "registration"/,
    );
    assert.match(
      problemsOf(() => readCallerSettings(caller({ [N.managedIdentityClientId]: undefined })))[0],
      /MESH_MANAGED_IDENTITY_CLIENT_ID is missing/,
    );
    const callees = (t: object) => ({ [N.callees]: JSON.stringify({ billing: t }) });
    const base = {
      audience: "api://billing",
      scope: "api://billing/.default",
      url: "https://b",
      roles: ["R"],
    };
    assert.match(
      problemsOf(() =>
        readCallerSettings(caller(callees({ ...base, scope: "api://billing/Invoices.Read" }))),
      )[0],
      /scope must end with "\/.default"/,
    );
    assert.match(
      problemsOf(() => readCallerSettings(caller(callees({ ...base, url: "billing" }))))[0],
      /url is not an absolute URL/,
    );
    assert.match(
      problemsOf(() => readCallerSettings(caller(callees({ ...base, roles: "R" }))))[0],
      /MESH_CALLEES\["billing"\] must be/,
    );
  });

  it("a registration needs its managed identity unless it opted into a secret", () => {
    const registration = { [N.identityKind]: "registration", [N.appClientId]: CALLER };
    const [problem] = problemsOf(() =>
      readCallerSettings(caller({ ...registration, [N.managedIdentityClientId]: undefined })),
    );
    assert.match(
      problem,
      /MESH_MANAGED_IDENTITY_CLIENT_ID is missing \(a registration without a client secret/,
    );
    const withSecret = readCallerSettings(
      caller({ ...registration, [N.managedIdentityClientId]: undefined, AZURE_CLIENT_SECRET: "s" }),
    );
    assert.deepEqual(withSecret.identity, {
      kind: "registration",
      appClientId: CALLER,
      managedIdentityClientId: undefined,
      clientSecret: "s",
    });
    // A managed caller ignores a secret meant for something else.
    assert.deepEqual(readCallerSettings(caller({ AZURE_CLIENT_SECRET: "s" })).identity, {
      kind: "managed",
      managedIdentityClientId: MI,
    });
  });

  it("chooses the credential from MESH_IDENTITY", () => {
    const managed = readCallerSettings(caller());
    assert.ok(meshCredential(TENANT, managed.identity) instanceof ManagedIdentityCredential);
    const registration = readCallerSettings(
      caller({ [N.identityKind]: "registration", [N.appClientId]: CALLER }),
    );
    assert.ok(meshCredential(TENANT, registration.identity) instanceof ClientAssertionCredential);
    const secret = readCallerSettings(
      caller({
        [N.identityKind]: "registration",
        [N.appClientId]: CALLER,
        AZURE_CLIENT_SECRET: "s",
      }),
    );
    assert.ok(meshCredential(TENANT, secret.identity) instanceof ClientSecretCredential);
  });

  it("refuses to accept symmetric or unsigned algorithms", () => {
    const settings = readCalleeSettings(callee());
    for (const alg of ["none", "HS256"]) {
      assert.throws(
        () => createMeshAuth({ settings, algorithms: [alg] }),
        /not an asymmetric JWS algorithm/,
      );
    }
  });
});
