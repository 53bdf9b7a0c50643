/**
 * Callers built with the library get their tokens from the local issuer through the real
 * @azure/identity credentials (MSAL's client-credentials flow over https, authority host pointed at
 * the issuer), and the sample callee, running on every callee of the dev stack with the app
 * settings the plan writes, accepts exactly the edges the graph declares.
 *
 * What stands in for the platform: the App Service managed identity endpoint (the test's
 * `managedIdentity` credential gets the identity's token from the issuer, as that endpoint gets it
 * from Entra) and Entra's federated-credential check (done by the local issuer, since oidc-provider
 * has none).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import type { ClientAssertionCredentialOptions, TokenCredential } from "@azure/identity";
import { AppSettingNames } from "@service-edges/contract/app-settings";
import {
  CLIENT_SECRET_SETTING,
  UnknownCalleeError,
  createMeshAuth,
  createMeshCaller,
  readCalleeSettings,
  readCallerSettings,
  type CallerSettings,
  type MeshCaller,
} from "@service-edges/service-auth";
import { calleeListener } from "@service-edges/service-auth/samples/callee";
import { callerListener, checkEdges } from "@service-edges/service-auth/samples/caller";
import { SOURCE_NODE_FLAGS } from "../fixtures";
import { appServiceIdentityEndpoint } from "./support/app-service-identity";
import { devMesh, directoryFor, type DevMesh } from "./support/dev-mesh";
import { get, listen, type Listening } from "./support/http";
import { LocalEntra } from "./support/issuer";

/** @azure/core-rest-pipeline's policy type, reached through @azure/identity (not a direct dep). */
type PipelinePolicy = NonNullable<
  ClientAssertionCredentialOptions["additionalPolicies"]
>[number]["policy"];

type Probe = { callee: string; role: string; status: number };
const inOrder = (probes: Probe[]) =>
  [...probes].sort((a, b) => `${a.callee} ${a.role}`.localeCompare(`${b.callee} ${b.role}`));

describe("service-auth: callers get tokens with @azure/identity and callees accept them", function () {
  this.timeout(20_000);

  let mesh: DevMesh;
  let entra: LocalEntra;
  const callees = new Map<string, Listening>();
  const refusals: string[] = [];

  /** Lets @azure/identity reach the issuer over https (it refuses anything else). */
  const viaLocalIssuer = (): ClientAssertionCredentialOptions => {
    const tls = { ca: entra.ca };
    const policy: PipelinePolicy = {
      name: "trust-local-issuer",
      sendRequest: (request, next) => {
        request.tlsSettings = tls;
        return next(request);
      },
    };
    return {
      authorityHost: entra.authorityHost,
      // Instance discovery asks login.microsoftonline.com whether the authority is known.
      disableInstanceDiscovery: true,
      additionalPolicies: [{ position: "perCall", policy }],
    };
  };

  /** The caller's settings as the plan writes them, its callees' URLs moved to loopback. */
  function settingsOf(service: string, extraEnv: Record<string, string> = {}): CallerSettings {
    const settings = readCallerSettings({ ...mesh.envOf(service), ...extraEnv });
    const local = new Map(
      [...settings.callees].map(([name, t]) => [name, { ...t, url: callees.get(name)!.url }]),
    );
    return { ...settings, callees: local };
  }

  /** The managed identity's token source, recording the scopes it was asked for. */
  function managedIdentityOf(service: string, asked: string[] = []): TokenCredential {
    const mi = entra.managedIdentity(mesh.envOf(service)[AppSettingNames.managedIdentityClientId]);
    return {
      getToken: (scopes, options) => {
        asked.push(...(Array.isArray(scopes) ? scopes : [scopes]));
        return mi.getToken(scopes, options);
      },
    };
  }

  const callersOf = (identity: "managed" | "registration") =>
    mesh.plan.services
      .map((s) => s.name)
      .filter((n) => mesh.isCaller(n) && mesh.envOf(n)[AppSettingNames.identityKind] === identity);

  /** Every (callee, role) of the caller's edges, each answered 200. */
  const edgesFrom = (service: string) =>
    inOrder(
      mesh.plan.edges
        .filter((e) => e.from === service)
        .flatMap((e) => e.roles.map((role) => ({ callee: e.to, role, status: 200 }))),
    );

  before(async () => {
    mesh = await devMesh();
    entra = await LocalEntra.start(directoryFor(mesh, [mesh.tenantId]));
    for (const s of mesh.plan.services.filter((x) => mesh.isCallee(x.name))) {
      const auth = createMeshAuth({
        settings: readCalleeSettings(mesh.envOf(s.name)),
        issuers: { v1: entra.issuerV1(mesh.tenantId), v2: entra.issuerV2(mesh.tenantId) },
        jwksUri: entra.jwksUri(mesh.tenantId),
        jwks: { fetch: entra.fetch },
        logger: { warn: (message) => refusals.push(message) },
      });
      callees.set(s.name, await listen(calleeListener(auth)));
    }
  });

  after(async () => {
    for (const c of callees.values()) await c.close();
    await entra?.close();
  });

  it("a registration caller, secretless: its managed identity's token is the client assertion", async () => {
    const [service] = callersOf("registration");
    assert.ok(service, "the dev stack has a registration caller");
    const asked: string[] = [];
    const caller = createMeshCaller({
      settings: settingsOf(service),
      credentialOptions: {
        managedIdentity: managedIdentityOf(service, asked),
        entra: viaLocalIssuer(),
      },
    });
    assert.deepEqual(inOrder(await checkEdges(caller)), edgesFrom(service));
    assert.deepEqual([...new Set(asked)], ["api://AzureADTokenExchange/.default"]);

    const [first] = caller.settings.callees.keys();
    const whoami = await caller.fetch(first, "/whoami");
    assert.equal(whoami.status, 200);
    const seen = (await whoami.json()) as { service: string; clientId: string };
    assert.deepEqual(
      { service: seen.service, clientId: seen.clientId },
      { service, clientId: mesh.envOf(service)[AppSettingNames.appClientId] },
    );
  });

  it("the federated credential trusts only the caller's own identity", async () => {
    const [service] = callersOf("registration");
    const [other] = callersOf("managed");
    const caller = createMeshCaller({
      settings: settingsOf(service),
      credentialOptions: { managedIdentity: managedIdentityOf(other), entra: viaLocalIssuer() },
    });
    const [first] = caller.settings.callees.keys();
    await assert.rejects(caller.token(first), (err: Error) => {
      assert.match(err.message, new RegExp(`${service} could not get a token for ${first}`));
      assert.match(String((err.cause as Error)?.message), /AADSTS70021|invalid_client/);
      return true;
    });
  });

  it("a managed-identity caller: every edge role is accepted, nothing else is asked for", async () => {
    for (const service of callersOf("managed")) {
      const asked: string[] = [];
      const caller = createMeshCaller({
        settings: settingsOf(service),
        credentialOptions: { managedIdentity: managedIdentityOf(service, asked) },
      });
      assert.deepEqual(inOrder(await checkEdges(caller)), edgesFrom(service), service);
      assert.deepEqual(
        [...new Set(asked)].sort(),
        [...caller.settings.callees.values()].map((t) => t.scope).sort(),
      );
    }
  });

  it("a registration caller that opted into a client secret uses ClientSecretCredential", async () => {
    const [service] = callersOf("registration");
    const appClientId = mesh.envOf(service)[AppSettingNames.appClientId];
    const settings = settingsOf(service, { [CLIENT_SECRET_SETTING]: entra.secretOf(appClientId) });
    const unused: TokenCredential = {
      getToken: () => Promise.reject(new Error("the managed identity must not be used")),
    };
    const caller = createMeshCaller({
      settings,
      credentialOptions: { managedIdentity: unused, entra: viaLocalIssuer() },
    });
    assert.deepEqual(inOrder(await checkEdges(caller)), edgesFrom(service));
  });

  it("tokens are cached by the credential: one token request per callee for many calls", async () => {
    const [registration] = callersOf("registration");
    const appClientId = mesh.envOf(registration)[AppSettingNames.appClientId];
    const caller: MeshCaller = createMeshCaller({
      settings: settingsOf(registration),
      credentialOptions: {
        managedIdentity: managedIdentityOf(registration),
        entra: viaLocalIssuer(),
      },
    });
    const [first] = caller.settings.callees.keys();
    const before = entra.tokenRequests.get(appClientId) ?? 0;
    for (let i = 0; i < 5; i++) assert.equal((await caller.fetch(first, "/whoami")).status, 200);
    assert.equal(entra.tokenRequests.get(appClientId), before + 1);
  });

  it("the sample caller's page reports every edge of the caller as 200", async () => {
    const [service] = callersOf("managed");
    const caller = createMeshCaller({
      settings: settingsOf(service),
      credentialOptions: { managedIdentity: managedIdentityOf(service) },
    });
    const page = await listen(callerListener(caller));
    try {
      const res = await fetch(`${page.url}/`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(res.status, 200);
      assert.deepEqual(inOrder((await res.json()) as Probe[]), edgesFrom(service));
    } finally {
      await page.close();
    }
  });

  it("the sample caller as a process on App Service: ManagedIdentityCredential via IDENTITY_ENDPOINT", async () => {
    const [service] = callersOf("managed");
    const identity = await appServiceIdentityEndpoint(entra);
    const { callees: targets } = settingsOf(service);
    // Only what App Service gives the process: the program's app settings and the identity endpoint.
    const env = {
      ...mesh.envOf(service),
      [AppSettingNames.callees]: JSON.stringify(Object.fromEntries(targets)),
      ...identity.env,
      PORT: "0",
    };
    const sample = path.resolve(__dirname, "../../service-auth/samples/caller.ts");
    const child = spawn(process.execPath, [...SOURCE_NODE_FLAGS, sample], {
      env,
      cwd: path.resolve(__dirname, "../.."),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d));
    child.stderr.on("data", (d: Buffer) => (output += d));
    try {
      const port = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`sample did not start: ${output}`)),
          10_000,
        );
        child.stdout.on("data", () => {
          const m = /listening on (\d+)/.exec(output);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.once("exit", (code) => reject(new Error(`sample exited ${code}: ${output}`)));
      });
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(res.status, 200, output);
      assert.deepEqual(inOrder((await res.json()) as Probe[]), edgesFrom(service));
      const mi = mesh.envOf(service)[AppSettingNames.managedIdentityClientId];
      assert.deepEqual(
        [...new Set(identity.requests)].sort(),
        [...targets.values()].map((t) => `${mi} ${t.audience}`).sort(),
      );
    } finally {
      child.kill();
      if (child.exitCode === null) await once(child, "exit");
      await identity.close();
    }
  });

  it("the sample callee refuses a caller outside its edges and anonymous calls", async () => {
    const [service] = callersOf("managed");
    const edges = mesh.plan.edges;
    const outside = mesh.plan.services.find(
      (s) =>
        mesh.isCallee(s.name) &&
        s.name !== service &&
        !edges.some((e) => e.from === service && e.to === s.name),
    )!;
    const token = await entra.requestToken({
      clientId: mesh.clientIdOf(service),
      scope: `${mesh.appOf(outside.name).identifierUri}/.default`,
    });
    const url = `${callees.get(outside.name)!.url}/whoami`;
    assert.equal((await get(url, `Bearer ${token}`)).status, 403);
    assert.equal((await get(url)).status, 401);
    assert.equal((await get(`${callees.get(outside.name)!.url}/health`)).status, 200);
  });

  it("never sends a token where it does not belong", async () => {
    const [service] = callersOf("managed");
    const settings = settingsOf(service);
    const [first] = settings.callees.keys();
    const asked: string[] = [];
    const caller = createMeshCaller({
      settings,
      credentialOptions: { managedIdentity: managedIdentityOf(service, asked) },
    });
    await assert.rejects(caller.fetch("no-such-service", "/"), UnknownCalleeError);
    await assert.rejects(caller.fetch(first, "//evil.example/steal"), /single "\/"/);
    await assert.rejects(caller.fetch(first, "https://evil.example/steal"), /single "\/"/);

    const cleartext = createMeshCaller({
      settings: {
        ...settings,
        callees: new Map([[first, { ...settings.callees.get(first)!, url: "http://example.com" }]]),
      },
      credentialOptions: { managedIdentity: managedIdentityOf(service, asked) },
    });
    await assert.rejects(cleartext.fetch(first, "/"), /must be https/);
    assert.deepEqual(asked, [], "no token was even requested");
  });
});
