/**
 * The refusal line, exactly: one JSON object per refused request for every reason, report-only
 * mode letting the request through with the same line, and no token in anything logged. Tokens
 * are signed here with a key whose JWKS the callee fetches through `jwks.fetch`, so every claim
 * (and so every line) is fixed; the e2e suite runs the same checks against the local issuer.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from "jose";
import {
  REFUSAL_REASONS,
  TOKEN_CACHE_HINT,
  createMeshAuth,
  meshCallerOf,
  type AuthOutcome,
  type CalleeSettings,
  type MeshAuthOptions,
  type RefusalReason,
} from "@service-edges/service-auth";
import { get, listen } from "./support/http";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OTHER_TENANT = "0badc0de-0000-4000-8000-00000000f00d";
const ORDERS = "3c7f1a2b-0000-4000-8000-000000000001";
const STRANGER = "3c7f1a2b-0000-4000-8000-0000000000ff";
const BILLING_APP = "3c7f1a2b-0000-4000-8000-00000000b111";
const ISSUER = `https://login.microsoftonline.com/${TENANT}/v2.0`;
const GET_INVOICES = { method: "GET", path: "/invoices" };

/** billing, called by orders with Invoices.Read only. */
const settings = (over: Partial<CalleeSettings> = {}): CalleeSettings => ({
  tenantId: TENANT,
  serviceName: "billing",
  audiences: ["api://billing", BILLING_APP],
  allowedCallers: new Map([[ORDERS, { service: "orders", roles: ["Invoices.Read"] }]]),
  ...over,
});

/** The whole line for a refusal in billing; `fields` from `status` on, in the line's order. */
const refusalLine = (fields: Record<string, unknown>, enforced = true) =>
  JSON.stringify({
    source: "service-auth",
    event: "refusal",
    layer: "identity",
    callee: "billing",
    enforced,
    wouldRefuse: true,
    ...fields,
  });

describe("service-auth: the refusal line", () => {
  let signingKey: CryptoKey;
  let otherKey: CryptoKey;
  let jwks: { keys: object[] };
  /** Every token signed here, to prove none reaches a log. */
  const issued: string[] = [];
  /** Everything any logger was given: messages, fields, console output. */
  const everythingLogged: string[] = [];

  before(async () => {
    const pair = await generateKeyPair("RS256", { extractable: true });
    signingKey = pair.privateKey;
    otherKey = (await generateKeyPair("RS256")).privateKey;
    jwks = {
      keys: [{ ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" }],
    };
  });

  const jwksFetch = async () =>
    new Response(JSON.stringify(jwks), { headers: { "content-type": "application/json" } });

  /** A callee whose lines are collected (as JSON text) in `lines`. */
  function callee(options: Partial<MeshAuthOptions> = {}) {
    const lines: string[] = [];
    const auth = createMeshAuth({
      settings: settings(),
      jwks: { fetch: jwksFetch },
      logger: {
        warn: (message, fields) => {
          lines.push(JSON.stringify(fields));
          everythingLogged.push(message, JSON.stringify(fields));
        },
      },
      ...options,
    });
    return { auth, lines };
  }

  /** An app token from orders for billing (v2, Entra's shape), with `claims` changed. */
  async function token(claims: JWTPayload = {}, key: CryptoKey = signingKey): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const t = await new SignJWT({
      iss: ISSUER,
      aud: BILLING_APP,
      tid: TENANT,
      azp: ORDERS,
      oid: "0a1b2c3d-0000-4000-8000-0000000000b1",
      idtyp: "app",
      ver: "2.0",
      roles: ["Invoices.Read"],
      uti: "uti-orders-1",
      iat: now,
      nbf: now,
      exp: now + 3600,
      ...claims,
    })
      .setProtectedHeader({ alg: "RS256", kid: "k1", typ: "JWT" })
      .sign(key);
    issued.push(t);
    return t;
  }

  /** Checks one request and returns its outcome and the one line it wrote. */
  async function refuse(
    authorization: string | undefined,
    roles: string[],
    request: { method?: string; path?: string } | undefined = GET_INVOICES,
    options: Partial<MeshAuthOptions> = {},
  ): Promise<{ outcome: AuthOutcome; line: string }> {
    const { auth, lines } = callee(options);
    const outcome = await auth.check(authorization, roles, request);
    assert.equal(lines.length, 1, lines.join("\n"));
    return { outcome, line: lines[0] };
  }

  const covered = new Set<RefusalReason>();
  const expectRefusal = (
    got: { outcome: AuthOutcome; line: string },
    fields: Record<string, unknown>,
  ) => {
    assert.equal(got.outcome.ok, false);
    assert.equal(!got.outcome.ok && got.outcome.status, fields.status);
    assert.equal(!got.outcome.ok && got.outcome.code, fields.reason);
    assert.equal(got.line, refusalLine(fields));
    covered.add(fields.reason as RefusalReason);
  };

  it("no-token: no Authorization header, or another scheme", async () => {
    for (const header of [undefined, "Basic dXNlcjpwYXNz"]) {
      expectRefusal(await refuse(header, ["Invoices.Read"]), {
        status: 401,
        reason: "no-token",
        callerClientId: null,
        callerService: null,
        missingEdge: null,
        hint: null,
        detail: "no bearer token",
        method: "GET",
        path: "/invoices",
        tokenId: null,
      });
    }
  });

  it("malformed-token: not a JWS (and no request labels: method and path are null)", async () => {
    expectRefusal(await refuse("Bearer not-a-jwt", [], {}), {
      status: 401,
      reason: "malformed-token",
      callerClientId: null,
      callerService: null,
      missingEdge: null,
      hint: null,
      detail: "malformed token header",
      method: null,
      path: null,
      tokenId: null,
    });
  });

  it("bad-signature: our kid and claims, someone else's key (the claims are not trusted)", async () => {
    expectRefusal(await refuse(`Bearer ${await token({}, otherKey)}`, ["Invoices.Read"]), {
      status: 401,
      reason: "bad-signature",
      callerClientId: null,
      callerService: null,
      missingEdge: null,
      hint: null,
      detail: "signature verification failed",
      method: "GET",
      path: "/invoices",
      tokenId: null,
    });
  });

  it("wrong-issuer: another tenant's issuer, or this issuer with another tenant's tid", async () => {
    const otherIssuer = `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0`;
    const foreign = await token({ iss: otherIssuer, tid: OTHER_TENANT, uti: "uti-foreign" });
    expectRefusal(await refuse(`Bearer ${foreign}`, ["Invoices.Read"]), {
      status: 401,
      reason: "wrong-issuer",
      callerClientId: ORDERS,
      callerService: "orders",
      missingEdge: null,
      hint: null,
      detail: `claim "iss" rejected: issuer ${otherIssuer} is not accepted`,
      method: "GET",
      path: "/invoices",
      tokenId: "uti-foreign",
    });
    const otherTid = await token({ tid: OTHER_TENANT });
    expectRefusal(await refuse(`Bearer ${otherTid}`, ["Invoices.Read"]), {
      status: 401,
      reason: "wrong-issuer",
      callerClientId: ORDERS,
      callerService: "orders",
      missingEdge: null,
      hint: null,
      detail: `tid ${OTHER_TENANT} is not this tenant`,
      method: "GET",
      path: "/invoices",
      tokenId: "uti-orders-1",
    });
  });

  it("wrong-audience: orders' token for another callee", async () => {
    const forCatalog = await token({ aud: "api://catalog" });
    expectRefusal(await refuse(`Bearer ${forCatalog}`, ["Invoices.Read"]), {
      status: 401,
      reason: "wrong-audience",
      callerClientId: ORDERS,
      callerService: "orders",
      missingEdge: null,
      hint: null,
      detail: `claim "aud" rejected: the token is for api://catalog, this callee accepts api://billing, ${BILLING_APP}`,
      method: "GET",
      path: "/invoices",
      tokenId: "uti-orders-1",
    });
  });

  it("expired: beyond the clock skew, with the expiry time", async () => {
    const old = await token({ iat: 1577833200, nbf: 1577833200, exp: 1577836800 });
    expectRefusal(await refuse(`Bearer ${old}`, ["Invoices.Read"]), {
      status: 401,
      reason: "expired",
      callerClientId: ORDERS,
      callerService: "orders",
      missingEdge: null,
      hint: null,
      detail: "token expired at 2020-01-01T00:00:00.000Z",
      method: "GET",
      path: "/invoices",
      tokenId: "uti-orders-1",
    });
  });

  it("not-yet-valid: nbf beyond the clock skew", async () => {
    const early = await token({ nbf: 4102444800, exp: 4102448400 });
    expectRefusal(await refuse(`Bearer ${early}`, ["Invoices.Read"]), {
      status: 401,
      reason: "not-yet-valid",
      callerClientId: ORDERS,
      callerService: "orders",
      missingEdge: null,
      hint: null,
      detail: 'claim "nbf" rejected: token not valid before 2100-01-01T00:00:00.000Z',
      method: "GET",
      path: "/invoices",
      tokenId: "uti-orders-1",
    });
  });

  it("user-token: a delegated token orders got for a signed-in user", async () => {
    const delegated = await token({ scp: "user_impersonation", idtyp: "user" });
    expectRefusal(await refuse(`Bearer ${delegated}`, ["Invoices.Read"]), {
      status: 403,
      reason: "user-token",
      callerClientId: ORDERS,
      callerService: "orders",
      missingEdge: null,
      hint: null,
      detail: "delegated (user) token; only app tokens are accepted",
      method: "GET",
      path: "/invoices",
      tokenId: "uti-orders-1",
    });
  });

  it("unknown-caller: a client id without an edge, named by its client id", async () => {
    const stranger = await token({ azp: STRANGER, uti: "uti-stranger" });
    expectRefusal(await refuse(`Bearer ${stranger}`, ["Invoices.Read"]), {
      status: 403,
      reason: "unknown-caller",
      callerClientId: STRANGER,
      callerService: null,
      missingEdge: `no edge client ${STRANGER} -> billing (Invoices.Read)`,
      hint: null,
      detail: `caller ${STRANGER} is not in MESH_ALLOWED_CALLERS`,
      method: "GET",
      path: "/invoices",
      tokenId: "uti-stranger",
    });
    // A route that requires no role: the edge itself is missing.
    const { line } = await refuse(`Bearer ${stranger}`, []);
    assert.equal(JSON.parse(line).missingEdge, `no edge client ${STRANGER} -> billing`);
  });

  it("missing-role: the edge lacks the role (and so does the token): the edge to add, and the cache hint", async () => {
    expectRefusal(await refuse(`Bearer ${await token()}`, ["Invoices.Write"]), {
      status: 403,
      reason: "missing-role",
      callerClientId: ORDERS,
      callerService: "orders",
      missingEdge: "no edge orders -> billing (Invoices.Write)",
      hint: TOKEN_CACHE_HINT,
      detail: "orders lacks role Invoices.Write in its token",
      method: "GET",
      path: "/invoices",
      tokenId: "uti-orders-1",
    });
  });

  it("missing-role: the edge grants it, the token predates the assignment: no edge missing, the cache hint", async () => {
    expectRefusal(await refuse(`Bearer ${await token({ roles: [] })}`, ["Invoices.Read"]), {
      status: 403,
      reason: "missing-role",
      callerClientId: ORDERS,
      callerService: "orders",
      missingEdge: null,
      hint: TOKEN_CACHE_HINT,
      detail:
        "orders lacks role Invoices.Read in its token (Invoices.Read granted on its edge: the " +
        "token was issued before the assignment took effect)",
      method: "GET",
      path: "/invoices",
      tokenId: "uti-orders-1",
    });
    assert.match(TOKEN_CACHE_HINT, /cached up to 24 h/);
  });

  it("missing-role: the token has a role its edge does not grant (assigned out of band): no cache hint", async () => {
    const outOfBand = await token({ roles: ["Invoices.Read", "Invoices.Write"] });
    expectRefusal(await refuse(`Bearer ${outOfBand}`, ["Invoices.Read", "Invoices.Write"]), {
      status: 403,
      reason: "missing-role",
      callerClientId: ORDERS,
      callerService: "orders",
      missingEdge: "no edge orders -> billing (Invoices.Write)",
      hint: null,
      detail: "orders has role Invoices.Write in its token but its edge does not grant it",
      method: "GET",
      path: "/invoices",
      tokenId: "uti-orders-1",
    });
  });

  it("keys-unavailable: the JWKS cannot be fetched (503, fail closed)", async () => {
    const dark = {
      jwks: {
        fetch: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:9")),
      },
    };
    expectRefusal(await refuse(`Bearer ${await token()}`, ["Invoices.Read"], GET_INVOICES, dark), {
      status: 503,
      reason: "keys-unavailable",
      callerClientId: null,
      callerService: null,
      missingEdge: null,
      hint: null,
      detail: "cannot fetch the issuer's JWKS: connect ECONNREFUSED 127.0.0.1:9",
      method: "GET",
      path: "/invoices",
      tokenId: null,
    });
  });

  it("every reason of the vocabulary has its exact line above", () => {
    assert.deepEqual([...covered].sort(), [...REFUSAL_REASONS].sort());
  });

  it("an admitted request writes nothing", async () => {
    const { auth, lines } = callee();
    const outcome = await auth.check(`Bearer ${await token()}`, ["Invoices.Read"], GET_INVOICES);
    assert.equal(outcome.ok && outcome.caller?.service, "orders");
    assert.deepEqual(lines, []);
  });

  it("by default, one JSON line on stderr (console.warn) per refusal", async () => {
    const written: unknown[][] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void written.push(args);
    try {
      const auth = createMeshAuth({ settings: settings(), jwks: { fetch: jwksFetch } });
      await auth.check(`Bearer ${await token()}`, ["Invoices.Write"], GET_INVOICES);
    } finally {
      console.warn = warn;
    }
    assert.equal(written.length, 1);
    assert.equal(written[0].length, 1);
    everythingLogged.push(String(written[0][0]));
    assert.equal(
      written[0][0],
      refusalLine({
        status: 403,
        reason: "missing-role",
        callerClientId: ORDERS,
        callerService: "orders",
        missingEdge: "no edge orders -> billing (Invoices.Write)",
        hint: TOKEN_CACHE_HINT,
        detail: "orders lacks role Invoices.Write in its token",
        method: "GET",
        path: "/invoices",
        tokenId: "uti-orders-1",
      }),
    );
  });

  it("a route requiring a role nobody is granted is reported once, at startup", () => {
    const { auth, lines } = callee();
    auth.requireRoles("Invoices.Delete");
    assert.deepEqual(lines, [
      JSON.stringify({
        source: "service-auth",
        event: "unreachable-route",
        layer: "identity",
        callee: "billing",
        enforced: true,
        role: "Invoices.Delete",
        detail:
          "a route of billing requires role Invoices.Delete, which no allowed caller is granted; every call to it will get 403",
      }),
    ]);
  });

  it("the README shows the line as it is and explains every reason", async () => {
    const readme = readFileSync(path.join(__dirname, "../../service-auth/README.md"), "utf8");
    const example = /^```json\n(\{\n {2}"source": "service-auth",[\s\S]*?\n\})\n```$/m.exec(readme);
    assert.ok(example, "service-auth/README.md has an example refusal line");
    const shown = JSON.parse(example[1]) as Record<string, unknown>;
    const { line } = await refuse(`Bearer ${await token()}`, ["Invoices.Write"]);
    assert.deepEqual(Object.keys(shown), Object.keys(JSON.parse(line) as object));
    assert.equal(shown.hint, TOKEN_CACHE_HINT);
    for (const reason of REFUSAL_REASONS) {
      assert.match(readme, new RegExp(`^\\| \`${reason}\`\\s+\\| \\d{3} `, "m"), reason);
    }
  });

  describe("report-only (shadow enforcement)", () => {
    it("MESH_ENFORCEMENT=shadow: check lets the refusal through, same line with enforced: false", async () => {
      const { auth, lines } = callee({ settings: settings({ enforcement: "shadow" }) });
      assert.equal(auth.enforcement, "shadow");
      assert.equal(
        lines.shift(),
        JSON.stringify({
          source: "service-auth",
          event: "enforcement",
          layer: "identity",
          callee: "billing",
          enforced: false,
          setting: "shadow",
          option: null,
          detail:
            'identity enforcement is report-only for billing: requests it would refuse are let through and logged with "enforced": false',
        }),
      );
      const outcome = await auth.check(`Bearer ${await token()}`, ["Invoices.Write"], GET_INVOICES);
      assert.equal(outcome.ok, true);
      assert.equal(outcome.caller, undefined);
      assert.equal(outcome.wouldRefuse?.status, 403);
      assert.equal(outcome.wouldRefuse?.code, "missing-role");
      assert.deepEqual(lines, [
        refusalLine(
          {
            status: 403,
            reason: "missing-role",
            callerClientId: ORDERS,
            callerService: "orders",
            missingEdge: "no edge orders -> billing (Invoices.Write)",
            hint: TOKEN_CACHE_HINT,
            detail: "orders lacks role Invoices.Write in its token",
            method: "GET",
            path: "/invoices",
            tokenId: "uti-orders-1",
          },
          false,
        ),
      ]);
      // What enforcement admits is admitted as before, with its caller, and writes nothing.
      const ok = await auth.check(`Bearer ${await token()}`, ["Invoices.Read"], GET_INVOICES);
      assert.equal(ok.ok && ok.caller?.service, "orders");
      assert.equal(lines.length, 1);
    });

    it("the middleware: every request reaches the handler; only admitted ones carry a caller", async () => {
      const { auth, lines } = callee({ enforcement: "shadow" });
      const write = auth.requireRoles("Invoices.Write");
      const read = auth.requireRoles("Invoices.Read");
      const server = await listen((req, res) => {
        const route = req.url?.startsWith("/write") ? write : read;
        void route(req, res, () => {
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify({ caller: meshCallerOf(req)?.service ?? null }));
        });
      });
      try {
        const before = lines.length;
        const anonymous = await get(`${server.url}/write?secret=1`);
        assert.deepEqual(
          { status: anonymous.status, body: anonymous.body },
          {
            status: 200,
            body: { caller: null },
          },
        );
        const lacking = await get(`${server.url}/write`, `Bearer ${await token()}`);
        assert.deepEqual(lacking.body, { caller: null });
        const admitted = await get(`${server.url}/read`, `Bearer ${await token()}`);
        assert.deepEqual(admitted.body, { caller: "orders" });

        const written = lines.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
        assert.deepEqual(
          written.map((l) => [l.enforced, l.wouldRefuse, l.status, l.reason, l.method, l.path]),
          [
            [false, true, 401, "no-token", "GET", "/write"],
            [false, true, 403, "missing-role", "GET", "/write"],
          ],
        );
      } finally {
        await server.close();
      }
    });

    it("a callee that cannot fetch its keys still serves in report-only mode", async () => {
      const { auth, lines } = callee({
        enforcement: "shadow",
        jwks: { fetch: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:9")) },
      });
      const outcome = await auth.check(`Bearer ${await token()}`, [], GET_INVOICES);
      assert.equal(outcome.ok, true);
      assert.equal(outcome.wouldRefuse?.code, "keys-unavailable");
      assert.deepEqual(lines.slice(1), [
        refusalLine(
          {
            status: 503,
            reason: "keys-unavailable",
            callerClientId: null,
            callerService: null,
            missingEdge: null,
            hint: null,
            detail: "cannot fetch the issuer's JWKS: connect ECONNREFUSED 127.0.0.1:9",
            method: "GET",
            path: "/invoices",
            tokenId: null,
          },
          false,
        ),
      ]);
    });

    it("the option in code wins over MESH_ENFORCEMENT, and a startup line says so", async () => {
      const { auth, lines } = callee({
        settings: settings({ enforcement: "shadow" }),
        enforcement: "enforced",
      });
      assert.equal(auth.enforcement, "enforced");
      assert.equal(
        lines[0],
        JSON.stringify({
          source: "service-auth",
          event: "enforcement",
          layer: "identity",
          callee: "billing",
          enforced: true,
          setting: "shadow",
          option: "enforced",
          detail:
            "identity enforcement is on for billing (set in code, MESH_ENFORCEMENT says shadow)",
        }),
      );
      const outcome = await auth.check(undefined, [], GET_INVOICES);
      assert.equal(outcome.ok, false);
      assert.equal(JSON.parse(lines[1]).enforced, true);
    });

    it("enforced by default: no startup line", () => {
      const { auth, lines } = callee();
      assert.equal(auth.enforcement, "enforced");
      assert.deepEqual(lines, []);
    });
  });

  // Last: after every other test of this file has logged.
  describe("no token in logs", () => {
    it("never logs a token, nor any part of one", () => {
      assert.ok(issued.length >= 15 && everythingLogged.length >= 30);
      for (const t of issued) {
        for (const part of [t, ...t.split(".")]) {
          for (const logged of everythingLogged) {
            assert.ok(!logged.includes(part), `a token part leaked into: ${logged}`);
          }
        }
      }
    });
  });
});
