/**
 * The published package, as a consumer outside this repository gets it: `npm pack` (which builds
 * through `prepack`), the tarball's contents, `npm install <tarball>` into an empty service
 * project (test/support/packages.ts; its dependencies come from the registry or npm's cache,
 * nothing from the workspace), then plain
 * `node` (no tsx, no source condition) importing it as ESM and requiring it as CJS, each validating
 * real RS256 tokens against a JWKS served over http, and `tsc` type-checking a consumer of each.
 */
import assert from "node:assert/strict";
import { execFile, type ExecFileOptions } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from "jose";
import { cleanEnv, installedPackages, workDir } from "../support/packages";
import { listen, type Listening } from "./support/http";

const PACKAGE_DIR = path.resolve(__dirname, "../../service-auth");
const NAME = "@service-edges/service-auth";

const TENANT = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
const CALLEE_CLIENT_ID = "0a1b2c3d-0000-4000-8000-00000000ca11";
const CALLER_CLIENT_ID = "0a1b2c3d-0000-4000-8000-0000000c0de5";
const KID = "package-test-key";

interface Run {
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], options: ExecFileOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        env: cleanEnv(),
        maxBuffer: 16 * 1024 * 1024,
        shell: process.platform === "win32" && file === "npm",
        ...options,
      },
      (err, stdout, stderr) => {
        const out = { stdout: String(stdout), stderr: String(stderr) };
        if (err) {
          const tail = (text: string) => text.split("\n").slice(-40).join("\n");
          err.message += `\n--- stdout\n${tail(out.stdout)}\n--- stderr\n${tail(out.stderr)}`;
          reject(err);
        } else {
          resolve(out);
        }
      },
    );
  });
}

/** Plain `node`: the execArgv of this process (tsx, conditions) is not passed on. */
const node = (args: string[], options: ExecFileOptions = {}) =>
  run(process.execPath, args, options);

/**
 * What each consumer script runs with the library it loaded: the settings error (proving the
 * bundled setting names) and one `check` per token. It prints one JSON line.
 */
const CONSUMER_BODY = `
async function main(lib, resolved) {
  const input = JSON.parse(process.env.PACKAGE_TEST_INPUT);
  let problems;
  try {
    lib.readCalleeSettings({});
  } catch (err) {
    if (!(err instanceof lib.MeshSettingsError)) throw err;
    problems = err.problems;
  }
  const logged = [];
  const auth = lib.createMeshAuth({
    env: input.env,
    jwksUri: input.jwksUri,
    logger: { warn: (message) => logged.push(message) },
  });
  const outcomes = {};
  for (const [name, { token, roles }] of Object.entries(input.cases)) {
    outcomes[name] = await auth.check("Bearer " + token, roles);
  }
  process.stdout.write(JSON.stringify({ resolved, exports: Object.keys(lib).sort(), problems, outcomes, logged }));
}
`;

const ESM_CONSUMER = `import * as lib from "${NAME}";
${CONSUMER_BODY}
await main(lib, import.meta.resolve("${NAME}"));
`;

const CJS_CONSUMER = `const lib = require("${NAME}");
${CONSUMER_BODY}
main(lib, require.resolve("${NAME}")).catch((err) => {
  console.error(err);
  process.exit(1);
});
`;

/** A TypeScript consumer: the published types resolve and stand alone. */
const TS_CONSUMER = `import {
  createMeshAuth,
  meshCallerOf,
  MeshSettingsError,
  type AllowedCaller,
  type CalleeSettings,
  type VerifiedCaller,
} from "${NAME}";

const allowed: AllowedCaller = { service: "orders", roles: ["Orders.Read"] };
const settings: CalleeSettings = {
  tenantId: "t",
  serviceName: "billing",
  audiences: ["api://billing"],
  allowedCallers: new Map([["c", allowed]]),
};
// @ts-expect-error roles are strings: the type is really there, not an \`any\`
export const wrong: AllowedCaller = { service: "orders", roles: [1] };

const auth = createMeshAuth({ settings });
export async function callerOf(authorization: string): Promise<VerifiedCaller | undefined> {
  const outcome = await auth.check(authorization, ["Orders.Read"]);
  if (!outcome.ok) return auth.refusal(outcome).status === 401 ? undefined : undefined;
  return outcome.caller;
}
export const middleware = auth.requireRoles("Orders.Read");
export const who = meshCallerOf;
export const isSettingsError = (e: unknown): boolean => e instanceof MeshSettingsError;
`;

interface Outcome {
  ok: boolean;
  status?: number;
  error?: string;
  reason?: string;
  caller?: { service: string; clientId: string; roles: string[]; tokenVersion: string };
}

interface ConsumerReport {
  resolved: string;
  exports: string[];
  problems?: string[];
  outcomes: Record<string, Outcome>;
  logged: string[];
}

describe("service-auth: the published package (npm pack, install, plain node)", function () {
  this.timeout(180_000);

  let consumer: string;
  let installedIn: string;
  let packed: string[];
  let jwks: Listening;
  let signingKey: CryptoKey;
  let otherKey: CryptoKey;

  before(async function () {
    this.timeout(600_000);
    const installed = await installedPackages();
    packed = installed.packed.serviceAuth.files;
    installedIn = installed.service;
    consumer = workDir(installedIn, "service-auth-consumer");

    const pair = await generateKeyPair("RS256");
    signingKey = pair.privateKey;
    otherKey = (await generateKeyPair("RS256")).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: "RS256", use: "sig" };
    jwks = await listen((req, res) => {
      if (req.url !== "/keys") return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
  });

  after(async () => {
    await jwks?.close();
  });

  it("packs only the build: ESM and CJS bundles, their declarations, the README", () => {
    for (const f of [
      "package.json",
      "README.md",
      "dist/esm/index.mjs",
      "dist/cjs/index.cjs",
      "dist/types/index.d.ts",
      "dist/types/index.d.mts",
    ]) {
      assert.ok(packed.includes(f), `${f} missing from ${packed.join(", ")}`);
    }
    const unexpected = packed.filter(
      (f) =>
        !["package.json", "README.md"].includes(f) &&
        !/^dist\/(esm\/index\.mjs|cjs\/index\.cjs|types\/[\w-]+\.d\.m?ts)$/.test(f),
    );
    assert.deepEqual(unexpected, [], "nothing but the build (no src, samples or .ts sources)");
    assert.ok(!packed.some((f) => f.startsWith("src/") || f.startsWith("samples/")));
    assert.ok(!packed.some((f) => /\.ts$/.test(f) && !/\.d\.m?ts$/.test(f)));
  });

  it("installs alone: its own dependencies, nothing from the repository", async () => {
    const installed = path.join(installedIn, "node_modules", ...NAME.split("/"));
    const stat = await fs.lstat(installed);
    assert.ok(stat.isDirectory() && !stat.isSymbolicLink(), "an installed copy, not a link");
    const manifest = JSON.parse(await fs.readFile(path.join(installed, "package.json"), "utf8"));
    assert.equal(manifest.private, undefined);
    assert.deepEqual(Object.keys(manifest.dependencies).sort(), ["@azure/identity", "jose"]);
    for (const dep of ["jose", "@azure/identity"]) {
      await fs.access(path.join(installedIn, "node_modules", ...dep.split("/"), "package.json"));
    }
    await assert.rejects(
      fs.access(path.join(installedIn, "node_modules", "@service-edges", "contract")),
      "@service-edges/contract must not be installed",
    );
    // The shipped code and types name nothing outside the package.
    for (const f of packed.filter((f) => f.startsWith("dist/"))) {
      const text = await fs.readFile(path.join(installed, f), "utf8");
      assert.doesNotMatch(text, /from\s+["']@service-edges\/contract|require\(["']@service/, f);
      assert.doesNotMatch(text, /(from\s+|import\(|require\()["']\.\.\//, f);
    }
  });

  /** Tokens shaped like Entra's v2 app tokens, signed with the key the JWKS serves. */
  async function token(overrides: { aud?: string; key?: CryptoKey; claims?: JWTPayload } = {}) {
    return new SignJWT({
      tid: TENANT,
      azp: CALLER_CLIENT_ID,
      oid: "0a1b2c3d-0000-4000-8000-0000000000b1",
      roles: ["Orders.Read"],
      ver: "2.0",
      idtyp: "app",
      uti: "package-test",
      ...overrides.claims,
    })
      .setProtectedHeader({ alg: "RS256", kid: KID, typ: "JWT" })
      .setIssuer(`https://login.microsoftonline.com/${TENANT}/v2.0`)
      .setAudience(overrides.aud ?? CALLEE_CLIENT_ID)
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(overrides.key ?? signingKey);
  }

  async function consume(file: string, source: string): Promise<ConsumerReport> {
    await fs.writeFile(path.join(consumer, file), source);
    const input = {
      jwksUri: `${jwks.url}/keys`,
      env: {
        MESH_TENANT_ID: TENANT,
        MESH_SERVICE_NAME: "billing",
        MESH_AUDIENCES: JSON.stringify(["api://billing", CALLEE_CLIENT_ID]),
        MESH_ALLOWED_CALLERS: JSON.stringify({
          [CALLER_CLIENT_ID]: { service: "orders", roles: ["Orders.Read", "Orders.Write"] },
        }),
      },
      cases: {
        valid: { token: await token(), roles: ["Orders.Read"] },
        wrongAudience: { token: await token({ aud: "api://someone-else" }), roles: [] },
        otherSigner: { token: await token({ key: otherKey }), roles: [] },
        missingRole: { token: await token(), roles: ["Orders.Write"] },
      },
    };
    const { stdout } = await node([file], {
      cwd: consumer,
      env: { ...cleanEnv(), PACKAGE_TEST_INPUT: JSON.stringify(input) },
    });
    return JSON.parse(stdout) as ConsumerReport;
  }

  function assertValidates(report: ConsumerReport, entry: string) {
    const resolved = report.resolved.replace(/^file:\/\//, "").replaceAll("\\", "/");
    assert.ok(
      resolved.endsWith(`/node_modules/${NAME}/${entry}`),
      `resolved to ${report.resolved}`,
    );
    assert.ok(
      report.exports.includes("createMeshAuth") && report.exports.includes("createMeshCaller"),
    );
    assert.ok(
      report.problems?.some((p) => p.startsWith("MESH_TENANT_ID is missing")),
      `bundled setting names: ${JSON.stringify(report.problems)}`,
    );

    const { valid, wrongAudience, otherSigner, missingRole } = report.outcomes;
    assert.deepEqual(valid, {
      ok: true,
      caller: {
        service: "orders",
        clientId: CALLER_CLIENT_ID,
        roles: ["Orders.Read"],
        tokenVersion: "2.0",
        objectId: "0a1b2c3d-0000-4000-8000-0000000000b1",
        tokenId: "package-test",
      },
    });
    assert.equal(wrongAudience.ok, false);
    assert.equal(wrongAudience.status, 401);
    assert.equal(wrongAudience.error, "invalid_token");
    assert.match(wrongAudience.reason ?? "", /claim "aud"/);
    assert.equal(otherSigner.status, 401);
    assert.match(otherSigner.reason ?? "", /signature verification failed/);
    assert.equal(missingRole.status, 403);
    assert.match(missingRole.reason ?? "", /orders lacks role Orders\.Write/);
    assert.equal(report.logged.length, 3, report.logged.join("\n"));
  }

  it("validates tokens when imported as an ES module by plain node", async () => {
    assertValidates(await consume("consumer.mjs", ESM_CONSUMER), "dist/esm/index.mjs");
  });

  it("validates tokens when required as CommonJS by plain node", async () => {
    assertValidates(await consume("consumer.cjs", CJS_CONSUMER), "dist/cjs/index.cjs");
  });

  it("type-checks a TypeScript consumer, ESM and CJS, with no lib check skipped", async () => {
    await fs.writeFile(path.join(consumer, "consumer-types.mts"), TS_CONSUMER);
    await fs.writeFile(path.join(consumer, "consumer-types.cts"), TS_CONSUMER);
    await fs.writeFile(
      path.join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          // DOM: @azure/identity's own declarations (msal-common) name `JsonWebKey`.
          lib: ["ES2022", "DOM"],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          // @types/node from this repository: the consumer's own, as any Node project has.
          typeRoots: [path.resolve(__dirname, "../../node_modules/@types")],
          types: ["node"],
          listFiles: true,
        },
        files: ["consumer-types.mts", "consumer-types.cts"],
      }),
    );
    const tsc = require.resolve("typescript/bin/tsc");
    const { stdout } = await node([tsc, "-p", "tsconfig.json"], { cwd: consumer });
    // Each flavour gets its own declarations (import: .d.mts, require: .d.ts), from the copy.
    const files = stdout.split("\n").map((f) => f.trim().replaceAll("\\", "/"));
    const ours = files.filter((f) => f.includes(`/node_modules/${NAME}/`));
    for (const entry of ["index.d.mts", "index.d.ts"]) {
      assert.ok(
        ours.some((f) => f.endsWith(`/dist/types/${entry}`)),
        `${entry}: ${ours.join(", ")}`,
      );
    }
    const fromRepo = files.filter(
      (f) =>
        f.includes("@service-edges/contract") ||
        f.startsWith(`${PACKAGE_DIR}/`) ||
        f.includes("/packages/contract/"),
    );
    assert.deepEqual(fromRepo, []);
  });
});
