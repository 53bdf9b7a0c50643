/**
 * The refusal line, exactly: one JSON object per refused request for every reason, the other
 * lines, the default logger, the README's example, and no token in anything logged. Tokens are
 * signed in the test (support/signed-tokens.ts), so every claim and so every line is fixed; the
 * e2e suite runs the same checks against the local issuer. Report-only mode: report-only.test.ts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  REFUSAL_REASONS,
  TOKEN_CACHE_HINT,
  createMeshAuth,
  type AuthOutcome,
  type MeshAuthOptions,
  type RefusalReason,
} from "@service-edges/service-auth";
import {
  BILLING_APP,
  GET_INVOICES,
  ORDERS,
  OTHER_TENANT,
  STRANGER,
  SignedTokens,
  billingSettings,
  refusalLine,
} from "./support/signed-tokens";

describe("service-auth: the refusal line", () => {
  let signed: SignedTokens;
  before(async () => {
    signed = await SignedTokens.create();
  });
  const token: SignedTokens["token"] = (...args) => signed.token(...args);
  const callee: SignedTokens["callee"] = (...args) => signed.callee(...args);

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
    expectRefusal(await refuse(`Bearer ${await token({}, signed.otherKey)}`, ["Invoices.Read"]), {
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
      const auth = createMeshAuth({ settings: billingSettings(), jwks: { fetch: signed.fetch } });
      await auth.check(`Bearer ${await token()}`, ["Invoices.Write"], GET_INVOICES);
    } finally {
      console.warn = warn;
    }
    assert.equal(written.length, 1);
    assert.equal(written[0].length, 1);
    signed.everythingLogged.push(String(written[0][0]));
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

  // Last: after every other test of this file has logged.
  describe("no token in logs", () => {
    it("never logs a token, nor any part of one", () => {
      assert.ok(signed.issued.length >= 15 && signed.everythingLogged.length >= 30);
      signed.assertNoTokenLogged();
    });
  });
});
