/**
 * The callee middleware against a real OIDC issuer (oidc-provider on loopback), with the callee's
 * MESH_* app settings taken from the offline plan of the dev stack. Every token on a happy path is
 * issued by the issuer's client-credentials endpoint; only tokens the issuer cannot produce (alg
 * none, HS256, forged or tampered signatures) are made by hand.
 */
import assert from "node:assert/strict";
import { createPublicKey } from "node:crypto";
import {
  SignJWT,
  base64url,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  type JWTPayload,
} from "jose";
import {
  AppSettingNames,
  scopeFor,
  type CalleeTargets,
} from "@service-edges/contract/app-settings";
import {
  TOKEN_CACHE_HINT,
  createMeshAuth,
  meshCallerOf,
  readCalleeSettings,
  type MeshAuth,
  type MeshAuthOptions,
} from "@service-edges/service-auth";
import { devMesh, directoryFor, pickScene, type DevMesh, type Scene } from "./support/dev-mesh";
import { get, listen, type Answer, type Listening } from "./support/http";
import { LocalEntra } from "./support/issuer";

/** A second directory served by the same issuer host with the same keys, as in Entra. */
const OTHER_TENANT = "0badc0de-0000-4000-8000-00000000f00d";

describe("service-auth: callee middleware against a local OIDC issuer", function () {
  this.timeout(20_000);

  let mesh: DevMesh;
  let scene: Scene;
  let entra: LocalEntra;
  let callee: Listening;
  let auth: MeshAuth;
  /** Every line the callees wrote: the message and the structured line, as text. */
  const logged: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const issued: string[] = [];

  const authOptions = (extra: Partial<MeshAuthOptions> = {}): MeshAuthOptions => ({
    settings: readCalleeSettings(mesh.envOf(scene.callee)),
    issuers: { v1: entra.issuerV1(mesh.tenantId), v2: entra.issuerV2(mesh.tenantId) },
    jwksUri: entra.jwksUri(mesh.tenantId),
    jwks: { fetch: entra.fetch, cooldownMs: 0 },
    logger: {
      warn: (message, fields) => {
        logged.push(`${message} ${JSON.stringify(fields)}`);
        lines.push(fields);
      },
    },
    ...extra,
  });

  /** A token as `service` gets it: with the scope its MESH_CALLEES names for the callee. */
  async function tokenOf(service: string, opts: { to?: string; tenantId?: string } = {}) {
    const to = opts.to ?? scene.callee;
    const targets = JSON.parse(
      mesh.envOf(service)[AppSettingNames.callees] ?? "{}",
    ) as CalleeTargets;
    const scope = targets[to]?.scope ?? scopeFor(mesh.appOf(to).identifierUri);
    const token = await entra.requestToken({
      clientId: mesh.clientIdOf(service),
      scope,
      tenantId: opts.tenantId,
    });
    issued.push(token);
    return token;
  }

  const call = (path: string, token?: string): Promise<Answer> =>
    get(`${callee.url}${path}`, token === undefined ? undefined : `Bearer ${token}`);

  function assertRefused(a: Answer, status: 401 | 403) {
    assert.equal(a.status, status, JSON.stringify(a.body));
    const error = status === 401 ? "invalid_token" : "insufficient_scope";
    assert.match(
      a.challenge ?? "",
      new RegExp(`^Bearer realm="${scene.callee}", error="${error}"`),
    );
    assert.equal(a.body.error, error);
  }

  const lastLog = () => logged[logged.length - 1] ?? "";
  /** The last line's fields that name the caller and say why. */
  const lastWhy = () => {
    const l = lines[lines.length - 1] ?? {};
    return {
      reason: l.reason,
      callerClientId: l.callerClientId,
      callerService: l.callerService,
      missingEdge: l.missingEdge,
    };
  };

  before(async () => {
    mesh = await devMesh();
    scene = pickScene(mesh);
    entra = await LocalEntra.start(directoryFor(mesh, [mesh.tenantId, OTHER_TENANT]));
    auth = createMeshAuth(authOptions());
    const routes: Record<string, ReturnType<MeshAuth["requireRoles"]>> = {
      "/granted": auth.requireRoles(scene.grantedRole),
      "/missing": auth.requireRoles(scene.missingRole),
      "/any": auth.requireRoles(),
    };
    callee = await listen((req, res) => {
      const route = routes[req.url ?? ""];
      if (!route) return void res.writeHead(404).end();
      void route(req, res, () => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(meshCallerOf(req)));
      });
    });
  });

  after(async () => {
    await callee?.close();
    await entra?.close();
  });

  afterEach(() => {
    entra.clockOffsetSec = 0;
    entra.extraClaims = {};
  });

  it("plans the dev stack and picks a callee whose allow-list comes from its app settings", () => {
    const allowed = JSON.parse(mesh.envOf(scene.callee)[AppSettingNames.allowedCallers]);
    const edgesIn = mesh.plan.edges.filter((e) => e.to === scene.callee);
    assert.deepEqual(
      Object.keys(allowed).sort(),
      edgesIn.map((e) => mesh.clientIdOf(e.from)).sort(),
    );
    assert.ok(allowed[mesh.clientIdOf(scene.caller)].roles.includes(scene.grantedRole));
  });

  it("200: an allowed caller with the route's role, and the verified caller on the request", async () => {
    const a = await call("/granted", await tokenOf(scene.caller));
    assert.equal(a.status, 200);
    const edge = mesh.plan.edges.find((e) => e.from === scene.caller && e.to === scene.callee)!;
    assert.deepEqual(
      { service: a.body.service, clientId: a.body.clientId, roles: a.body.roles },
      {
        service: scene.caller,
        clientId: mesh.clientIdOf(scene.caller),
        roles: [...edge.roles].sort(),
      },
    );
    assert.equal(a.body.tokenVersion, "2.0");
  });

  it("200: a v1 token (appid, sts-style issuer, identifier URI as aud) from the same caller", async () => {
    const { clientId } = mesh.appOf(scene.callee);
    entra.setAccessTokenVersion(clientId, 1);
    try {
      const token = await tokenOf(scene.caller);
      assert.equal(decodeJwt(token).appid, mesh.clientIdOf(scene.caller));
      const a = await call("/granted", token);
      assert.equal(a.status, 200);
      assert.equal(a.body.tokenVersion, "1.0");
    } finally {
      entra.setAccessTokenVersion(clientId, 2);
    }
  });

  it("401 with a bare challenge: no token, or another scheme", async () => {
    for (const header of [undefined, "Basic dXNlcjpwYXNz"]) {
      const a = await get(`${callee.url}/any`, header);
      assert.equal(a.status, 401);
      assert.equal(a.challenge, `Bearer realm="${scene.callee}"`);
      assert.deepEqual(lastWhy(), {
        reason: "no-token",
        callerClientId: null,
        callerService: null,
        missingEdge: null,
      });
    }
  });

  it("403: a caller with no edge to the callee, even holding the role out of band", async () => {
    const undo = entra.assign(mesh.clientIdOf(scene.stranger), mesh.appOf(scene.callee).clientId, [
      scene.grantedRole,
    ]);
    try {
      const token = await tokenOf(scene.stranger);
      assert.deepEqual(decodeJwt(token).roles, [scene.grantedRole]);
      assertRefused(await call("/granted", token), 403);
      assert.match(lastLog(), /not in MESH_ALLOWED_CALLERS/);
      assert.deepEqual(lastWhy(), {
        reason: "unknown-caller",
        callerClientId: mesh.clientIdOf(scene.stranger),
        callerService: null,
        missingEdge: `no edge client ${mesh.clientIdOf(scene.stranger)} -> ${scene.callee} (${scene.grantedRole})`,
      });
      assertRefused(await call("/any", token), 403);
    } finally {
      undo();
    }
  });

  it("403: an allowed caller without the route's role", async () => {
    assertRefused(await call("/missing", await tokenOf(scene.caller)), 403);
    assert.match(lastLog(), new RegExp(`lacks role ${scene.missingRole.replace(".", "\\.")}`));
    assert.deepEqual(lastWhy(), {
      reason: "missing-role",
      callerClientId: mesh.clientIdOf(scene.caller),
      callerService: scene.caller,
      missingEdge: `no edge ${scene.caller} -> ${scene.callee} (${scene.missingRole})`,
    });
    assert.equal(lines[lines.length - 1].hint, TOKEN_CACHE_HINT);
    assert.equal(lines[lines.length - 1].path, "/missing");
  });

  it("403: a role in the token that the caller's edge does not grant (assigned out of band)", async () => {
    const undo = entra.assign(mesh.clientIdOf(scene.caller), mesh.appOf(scene.callee).clientId, [
      scene.missingRole,
    ]);
    try {
      const token = await tokenOf(scene.caller);
      assert.ok((decodeJwt(token).roles as string[]).includes(scene.missingRole));
      assertRefused(await call("/missing", token), 403);
      assert.match(lastLog(), /its edge does not grant it/);
      assert.deepEqual(lastWhy(), {
        reason: "missing-role",
        callerClientId: mesh.clientIdOf(scene.caller),
        callerService: scene.caller,
        missingEdge: `no edge ${scene.caller} -> ${scene.callee} (${scene.missingRole})`,
      });
      assert.equal(lines[lines.length - 1].hint, null);
      const ok = await call("/granted", token);
      assert.equal(ok.status, 200);
      assert.ok(!(ok.body.roles as string[]).includes(scene.missingRole));
    } finally {
      undo();
    }
  });

  it("403: a delegated (user) token that an allowed caller app got for a signed-in user", async () => {
    entra.extraClaims = { scp: "user_impersonation", idtyp: "user" };
    assertRefused(await call("/granted", await tokenOf(scene.caller)), 403);
    assert.match(lastLog(), /only app tokens are accepted/);
    assert.equal(lastWhy().reason, "user-token");
  });

  it("401: a token for another audience (the caller's token for its other callee)", async () => {
    const token = await tokenOf(scene.caller, { to: scene.otherCallee });
    assert.equal(decodeJwt(token).aud, mesh.appOf(scene.otherCallee).clientId);
    assertRefused(await call("/any", token), 401);
    assert.match(lastLog(), /claim "aud"/);
    assert.deepEqual(lastWhy(), {
      reason: "wrong-audience",
      callerClientId: mesh.clientIdOf(scene.caller),
      callerService: scene.caller,
      missingEdge: null,
    });
  });

  it("401: an expired token; one expired less than the 60 s skew ago still passes", async () => {
    entra.clockOffsetSec = -(3600 + 120);
    const expired = await call("/granted", await tokenOf(scene.caller));
    assertRefused(expired, 401);
    assert.match(expired.challenge ?? "", /error_description="the access token expired"/);
    assert.match(lastLog(), /token expired/);
    assert.deepEqual(lastWhy(), {
      reason: "expired",
      callerClientId: mesh.clientIdOf(scene.caller),
      callerService: scene.caller,
      missingEdge: null,
    });

    entra.clockOffsetSec = -(3600 + 20);
    assert.equal((await call("/granted", await tokenOf(scene.caller))).status, 200);
  });

  it("401: a token not valid yet beyond the skew", async () => {
    entra.clockOffsetSec = 300;
    assertRefused(await call("/granted", await tokenOf(scene.caller)), 401);
    assert.equal(lastWhy().reason, "not-yet-valid");
  });

  it("401: a token from another tenant, signed with the very same keys", async () => {
    const token = await tokenOf(scene.caller, { tenantId: OTHER_TENANT });
    assert.equal(decodeProtectedHeader(token).kid !== undefined, true);
    assertRefused(await call("/granted", token), 401);
    assert.match(lastLog(), /claim "iss"/);
    assert.equal(lastWhy().reason, "wrong-issuer");
  });

  it("401: a token from a foreign issuer with its own key", async () => {
    const claims = decodeJwt(await tokenOf(scene.caller));
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT({ ...claims, iss: "https://127.0.0.1:9/evil/v2.0" })
      .setProtectedHeader({ alg: "RS256", kid: "evil", typ: "JWT" })
      .sign(privateKey);
    assertRefused(await call("/granted", forged), 401);
  });

  it("401: our issuer's claims and kid, signed by someone else's key", async () => {
    const real = await tokenOf(scene.caller);
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT(decodeJwt(real))
      .setProtectedHeader(decodeProtectedHeader(real) as { alg: string })
      .sign(privateKey);
    assertRefused(await call("/granted", forged), 401);
    assert.match(lastLog(), /signature verification failed/);
    assert.deepEqual(lastWhy(), {
      reason: "bad-signature",
      callerClientId: null,
      callerService: null,
      missingEdge: null,
    });
  });

  it("401: a tampered payload (roles widened) or a flipped signature byte", async () => {
    const real = await tokenOf(scene.caller);
    const [h, p, s] = real.split(".");
    const widened: JWTPayload = {
      ...decodeJwt(real),
      roles: [scene.grantedRole, scene.missingRole],
    };
    const tampered = `${h}.${base64url.encode(JSON.stringify(widened))}.${s}`;
    assertRefused(await call("/missing", tampered), 401);

    const sig = Buffer.from(base64url.decode(s));
    sig[10] ^= 0x01;
    assertRefused(await call("/granted", `${h}.${p}.${base64url.encode(sig)}`), 401);
  });

  it('401: `alg: "none"` and HS256 keyed with the issuer\'s public key', async () => {
    const real = await tokenOf(scene.caller);
    const [, p] = real.split(".");
    const none = `${base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }))}.${p}.`;
    assertRefused(await call("/granted", none), 401);

    const jwks = (await (await entra.fetch(entra.jwksUri(mesh.tenantId))).json()) as {
      keys: Array<Record<string, string>>;
    };
    const kid = decodeProtectedHeader(real).kid;
    const jwk = jwks.keys.find((k) => k.kid === kid)!;
    const pem = createPublicKey({ key: jwk, format: "jwk" }).export({
      type: "spki",
      format: "pem",
    });
    const hs = await new SignJWT(decodeJwt(real))
      .setProtectedHeader({ alg: "HS256", kid })
      .sign(new TextEncoder().encode(String(pem)));
    assertRefused(await call("/granted", hs), 401);
    assert.match(lastLog(), /algorithm not allowed/);
    assert.equal(lastWhy().reason, "bad-signature");
  });

  it("401: garbage after Bearer", async () => {
    assertRefused(await call("/any", "not-a-jwt"), 401);
    assert.equal(lastWhy().reason, "malformed-token");
    assertRefused(await call("/any", "a.b.c d"), 401);
    assert.equal(lastWhy().reason, "malformed-token");
  });

  it("200 after the issuer rotates its signing key: the unknown kid triggers one JWKS refetch", async () => {
    const beforeRotation = await tokenOf(scene.caller);
    assert.equal((await call("/granted", beforeRotation)).status, 200);
    const fetches = entra.jwksRequests.get(mesh.tenantId) ?? 0;

    const kid = entra.rotateSigningKey();
    const afterRotation = await tokenOf(scene.caller);
    assert.equal(decodeProtectedHeader(afterRotation).kid, kid);
    assert.equal((await call("/granted", afterRotation)).status, 200);
    assert.equal(entra.jwksRequests.get(mesh.tenantId), fetches + 1);
    // The old key stays published until its tokens have expired.
    assert.equal((await call("/granted", beforeRotation)).status, 200);
  });

  it("within the JWKS cooldown an unknown kid is refused without hammering the issuer", async () => {
    const cooled = createMeshAuth(
      authOptions({ jwks: { fetch: entra.fetch, cooldownMs: 60_000 } }),
    );
    assert.equal((await cooled.check(`Bearer ${await tokenOf(scene.caller)}`, [])).ok, true);
    const fetches = entra.jwksRequests.get(mesh.tenantId);
    entra.rotateSigningKey();
    const outcome = await cooled.check(`Bearer ${await tokenOf(scene.caller)}`, []);
    assert.equal(outcome.ok, false);
    assert.equal(!outcome.ok && outcome.status, 401);
    assert.equal(entra.jwksRequests.get(mesh.tenantId), fetches);
  });

  it("503 (no challenge) when the JWKS cannot be fetched: fail closed, retry later", async () => {
    const dark = createMeshAuth(
      authOptions({
        jwksUri: "https://127.0.0.1:9/keys",
        jwks: { fetch: entra.fetch, timeoutMs: 2_000 },
      }),
    );
    const outcome = await dark.check(`Bearer ${await tokenOf(scene.caller)}`, []);
    assert.equal(!outcome.ok && outcome.status, 503);
    assert.equal(lastWhy().reason, "keys-unavailable");
  });

  it("report-only (MESH_ENFORCEMENT=shadow on the callee's app): every call passes, refusals are logged", async () => {
    const env = { ...mesh.envOf(scene.callee), MESH_ENFORCEMENT: "shadow" };
    const shadow = createMeshAuth(authOptions({ settings: readCalleeSettings(env) }));
    assert.equal(shadow.enforcement, "shadow");
    assert.equal(lines[lines.length - 1].event, "enforcement");
    const routes: Record<string, ReturnType<MeshAuth["requireRoles"]>> = {
      "/granted": shadow.requireRoles(scene.grantedRole),
      "/missing": shadow.requireRoles(scene.missingRole),
    };
    const shadowed = await listen((req, res) => {
      void routes[req.url ?? ""]?.(req, res, () => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ caller: meshCallerOf(req)?.service ?? null }));
      });
    });
    try {
      const before = lines.length;
      const at = (path: string, token?: string) =>
        get(`${shadowed.url}${path}`, token === undefined ? undefined : `Bearer ${token}`);
      const answers = [
        await at("/granted", await tokenOf(scene.caller)),
        await at("/missing", await tokenOf(scene.caller)),
        await at("/granted", await tokenOf(scene.stranger)),
        await at("/granted"),
      ];
      assert.deepEqual(
        answers.map((a) => [a.status, a.body.caller]),
        [
          [200, scene.caller],
          [200, null],
          [200, null],
          [200, null],
        ],
      );
      assert.deepEqual(
        lines
          .slice(before)
          .map((l) => [l.enforced, l.wouldRefuse, l.status, l.reason, l.callerService, l.path]),
        [
          [false, true, 403, "missing-role", scene.caller, "/missing"],
          [false, true, 403, "unknown-caller", null, "/granted"],
          [false, true, 401, "no-token", null, "/granted"],
        ],
      );
    } finally {
      await shadowed.close();
    }
  });

  it("logs why for every refusal, as one structured line, and never a token", () => {
    assert.ok(logged.length >= 10);
    for (const line of logged) {
      assert.match(line, /^service-auth: /);
      for (const token of issued) {
        for (const part of [token, ...token.split(".")]) {
          assert.ok(!line.includes(part), `a token leaked into: ${line}`);
        }
      }
    }
    for (const line of lines) {
      assert.deepEqual(
        [line.source, line.layer, line.callee],
        ["service-auth", "identity", scene.callee],
      );
    }
  });
});
