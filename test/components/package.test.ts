/**
 * The component package as a user gets it: `npm pack` of the component and its contract, both
 * installed into an empty Pulumi TypeScript program (everything else from the registry), the
 * program type-checked against the installed declarations and planned under Pulumi's mocks with
 * plain `node` — no workspace, no TypeScript sources, no custom conditions.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { cleanEnv, installedPackages, workDir } from "../support/packages";
import { getSchema, startProvider, stopProvider } from "./grpc";

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { ServiceMesh, type ServiceMeshArgs } from "service-edges";

const graph: ServiceMeshArgs = {
  location: "westeurope",
  network: { addressSpace: "10.70.0.0/16" },
  services: {
    web: { kind: "app", sku: "P1v3", maxInstances: 4, subnet: "10.70.0.0/28" },
    api: { kind: "function", sku: "EP1", maxInstances: 10, roles: ["Api.Read"], easyAuth: true },
  },
  edges: [{ from: "web", to: "api", roles: ["Api.Read"] }],
};

const mesh = new ServiceMesh("mesh", graph);
export const audience: pulumi.Output<string | undefined> = mesh.services.apply((s) => s.api.audience);
export const accessMatrix = mesh.accessMatrix;
`;

/** Plans the compiled program under the SDK's own mocks and prints what it registered. */
const PLAN = `const pulumi = require("@pulumi/pulumi");
const registered = [];
pulumi.runtime.setMocks(
  {
    newResource: (a) => {
      registered.push({ type: a.type, name: a.name });
      const state = { ...a.inputs };
      if (a.type === "azure-native:managedidentity:UserAssignedIdentity") {
        Object.assign(state, { principalId: "p-" + a.name, clientId: "c-" + a.name });
      }
      if (a.type === "azuread:index/application:Application") state.clientId = "app-" + a.name;
      if (a.type === "azuread:index/servicePrincipal:ServicePrincipal") state.objectId = "sp-" + a.name;
      if (a.type === "random:index/randomUuid:RandomUuid") state.result = "00000000-0000-4000-8000-000000000000";
      return { id: a.name + "-id", state };
    },
    call: (a) =>
      a.token === "azuread:index/getClientConfig:getClientConfig"
        ? { tenantId: "tenant-1", clientId: "deployer", objectId: "deployer-oid" }
        : {},
  },
  "consumer",
  "dev",
);
const program = require("./bin/index.js");
Promise.all(
  ["audience", "accessMatrix"].map(
    (k) => new Promise((resolve) => program[k].apply((v) => resolve([k, v]))),
  ),
).then((outputs) => {
  setTimeout(() => {
    console.log(JSON.stringify({ registered, outputs: Object.fromEntries(outputs) }));
  }, 100);
});
`;

describe("the component package, packed and installed into an empty program", function () {
  this.timeout(600_000);
  let consumer: string;
  let program: string;
  let files: string[];

  before(async () => {
    const installed = await installedPackages();
    files = installed.packed.component.files;
    consumer = installed.infra;
    program = workDir(consumer, "component-program");
    fs.writeFileSync(
      path.join(program, "Pulumi.yaml"),
      "name: consumer\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n",
    );
    fs.writeFileSync(path.join(program, "index.ts"), PROGRAM);
    fs.writeFileSync(path.join(program, "plan.js"), PLAN);
    fs.writeFileSync(
      path.join(program, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "ES2022",
          outDir: "bin",
          types: [],
          skipLibCheck: true,
        },
        files: ["index.ts"],
      }),
    );
  });

  it("ships compiled JS and declarations, the sources the provider's schema is read from, and PulumiPlugin.yaml", () => {
    for (const f of [
      "dist/index.js",
      "dist/index.d.ts",
      "dist/provider.js",
      "index.ts",
      "args.ts",
      "tsconfig.json",
      "PulumiPlugin.yaml",
      "package.json",
    ]) {
      assert.ok(files.includes(f), `${f} is not in the tarball: ${files.join(", ")}`);
    }
    assert.deepEqual(
      files.filter((f) => f.includes("..") || f.endsWith(".test.ts")),
      [],
    );
  });

  it("installs from the registry with real dependencies, the contract beside it", () => {
    const installed = (p: string) =>
      JSON.parse(fs.readFileSync(path.join(consumer, "node_modules", p, "package.json"), "utf8"));
    assert.equal(installed("service-edges").version, "0.4.0");
    assert.equal(installed("@service-edges/contract").version, "0.4.0");
    const manifest = installed("service-edges");
    assert.equal(manifest.main, "dist/index.js");
    for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
      assert.equal(manifest[field]?.typescript, undefined, `typescript in ${field}`);
    }
    for (const dep of [
      "@pulumi/pulumi",
      "@pulumi/azure-native",
      "@pulumi/azuread",
      "@pulumi/random",
    ]) {
      assert.ok(installed(dep).version, dep);
    }
    // One SDK for the program and the component: resources and outputs are the same classes.
    assert.equal(
      fs.existsSync(
        path.join(consumer, "node_modules", "service-edges", "node_modules", "@pulumi"),
      ),
      false,
    );
  });

  it("type-checks a program against the installed declarations, with the project's own tsc", () => {
    execFileSync(
      process.execPath,
      [path.join(consumer, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"],
      { cwd: program, encoding: "utf8", env: cleanEnv() },
    );
    assert.ok(fs.existsSync(path.join(program, "bin", "index.js")));
  });

  /** GetSchema from the installed copy's compiled provider, as the engine starts it. */
  async function installedSchema(preload: string[] = []) {
    const pkg = path.join(consumer, "node_modules", "service-edges");
    const running = await startProvider([...preload, path.join(pkg, "dist", "provider.js")], pkg);
    try {
      return await getSchema(running.client);
    } finally {
      stopProvider(running);
    }
  }

  let schema: Awaited<ReturnType<typeof installedSchema>>;

  it("serves its schema from the installed copy: node dist/provider.js, GetSchema over gRPC", async () => {
    schema = await installedSchema();
    assert.equal(schema.name, "service-edges");
    assert.equal(schema.version, "0.4.0");
    assert.deepEqual(Object.keys(schema.resources), ["service-edges:index:ServiceMesh"]);
    assert.deepEqual(schema.resources["service-edges:index:ServiceMesh"].requiredInputs.sort(), [
      "network",
      "services",
    ]);
  });

  it("needs no compiler at run time: with `typescript` unresolvable, the SDK's own reads the sources to the same schema", async () => {
    // @pulumi/pulumi's typescript-shim requires `typescript` and falls back to the copy it vendors.
    const hide = path.join(program, "no-typescript.cjs");
    fs.writeFileSync(
      hide,
      `const Module = require("node:module");
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === "typescript") throw Object.assign(new Error("hidden"), { code: "MODULE_NOT_FOUND" });
  return resolve.call(this, request, ...rest);
};
`,
    );
    assert.ok(schema, "the schema of the previous test");
    assert.deepEqual(await installedSchema(["--require", hide]), schema);
  });

  it("plans under mocks with plain node: the whole mesh and its outputs", () => {
    const out = execFileSync(process.execPath, ["plan.js"], {
      cwd: program,
      encoding: "utf8",
      env: cleanEnv(),
    });
    const { registered, outputs } = JSON.parse(out) as {
      registered: { type: string; name: string }[];
      outputs: { audience: string; accessMatrix: { assignmentIds: string[] }[] };
    };
    const count = (t: string) => registered.filter((r) => r.type === t).length;
    assert.equal(count("service-edges:index:ServiceMesh"), 1);
    assert.equal(count("azure-native:web:WebApp"), 2);
    assert.equal(count("azure-native:web:AppServicePlan"), 2);
    assert.equal(count("azuread:index/appRoleAssignment:AppRoleAssignment"), 1);
    assert.equal(count("azure-native:web:WebAppAuthSettingsV2"), 1);
    assert.ok(registered.some((r) => r.name === "mesh-web.api.Api.Read"));
    assert.equal(outputs.audience, "api://tenant-1/edges-dev-api");
    assert.deepEqual(outputs.accessMatrix, [
      { from: "web", to: "api", roles: ["Api.Read"], assignmentIds: ["mesh-web.api.Api.Read-id"] },
    ]);
  });
});
