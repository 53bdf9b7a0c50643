/**
 * Report-only mode, the identity half of shadow enforcement: a request enforcement would refuse
 * is let through and its refusal line says "enforced": false; what enforcement admits is
 * unchanged; MESH_ENFORCEMENT and the code option decide, and a startup line says which.
 */
import assert from "node:assert/strict";
import { TOKEN_CACHE_HINT, meshCallerOf } from "@service-edges/service-auth";
import { get, listen } from "./support/http";
import {
  GET_INVOICES,
  ORDERS,
  SignedTokens,
  billingSettings,
  refusalLine,
} from "./support/signed-tokens";

describe("service-auth: report-only (shadow enforcement)", () => {
  let signed: SignedTokens;
  before(async () => {
    signed = await SignedTokens.create();
  });
  const token: SignedTokens["token"] = (...args) => signed.token(...args);
  const callee: SignedTokens["callee"] = (...args) => signed.callee(...args);

  it("MESH_ENFORCEMENT=shadow: check lets the refusal through, same line with enforced: false", async () => {
    const { auth, lines } = callee({ settings: billingSettings({ enforcement: "shadow" }) });
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

  it("an unexpected failure in a check: 500 when enforced, let through in report-only mode", async () => {
    /** An allow-list that fails when asked, as a stand-in for any bug inside a check. */
    class FailingAllowList extends Map<string, { service: string; roles: string[] }> {
      override get(): never {
        throw new Error("allow-list unavailable");
      }
    }
    const broken = billingSettings({ allowedCallers: new FailingAllowList() });
    const answers: Array<[number, string]> = [];
    const errorLines: Array<Record<string, unknown>> = [];
    for (const enforcement of ["enforced", "shadow"] as const) {
      const { auth, lines } = callee({ settings: broken, enforcement });
      const route = auth.requireRoles();
      const server = await listen((req, res) => void route(req, res, () => res.end("served")));
      try {
        const res = await fetch(`${server.url}/invoices`, {
          headers: { authorization: `Bearer ${await token()}` },
        });
        answers.push([res.status, await res.text()]);
      } finally {
        await server.close();
      }
      errorLines.push(JSON.parse(lines[lines.length - 1]) as Record<string, unknown>);
    }
    assert.deepEqual(answers, [
      [500, ""],
      [200, "served"],
    ]);
    assert.deepEqual(
      errorLines.map((l) => [l.event, l.enforced, l.status, l.detail]),
      [
        ["error", true, 500, "GET /invoices: allow-list unavailable"],
        ["error", false, null, "GET /invoices: allow-list unavailable"],
      ],
    );
  });

  it("the option in code wins over MESH_ENFORCEMENT, and a startup line says so", async () => {
    const { auth, lines } = callee({
      settings: billingSettings({ enforcement: "shadow" }),
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

  it("never logs a token, nor any part of one (last: after every test above)", () => {
    assert.ok(signed.issued.length >= 5 && signed.everythingLogged.length >= 10);
    signed.assertNoTokenLogged();
  });
});
