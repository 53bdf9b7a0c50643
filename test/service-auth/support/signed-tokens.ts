/**
 * A callee ("billing", called by "orders" with Invoices.Read only) and tokens signed here in
 * Entra's v2 shape with a key whose JWKS the callee fetches through `jwks.fetch`: every claim,
 * and so every log line, is fixed by the test. The e2e suites use the local OIDC issuer instead.
 */
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from "jose";
import {
  createMeshAuth,
  type CalleeSettings,
  type MeshAuth,
  type MeshAuthOptions,
} from "@service-edges/service-auth";

export const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
export const OTHER_TENANT = "0badc0de-0000-4000-8000-00000000f00d";
export const ORDERS = "3c7f1a2b-0000-4000-8000-000000000001";
export const STRANGER = "3c7f1a2b-0000-4000-8000-0000000000ff";
export const BILLING_APP = "3c7f1a2b-0000-4000-8000-00000000b111";
export const ISSUER = `https://login.microsoftonline.com/${TENANT}/v2.0`;
export const GET_INVOICES = { method: "GET", path: "/invoices" };

/** billing's settings, as the program writes them, with `over` changed. */
export const billingSettings = (over: Partial<CalleeSettings> = {}): CalleeSettings => ({
  tenantId: TENANT,
  serviceName: "billing",
  audiences: ["api://billing", BILLING_APP],
  allowedCallers: new Map([[ORDERS, { service: "orders", roles: ["Invoices.Read"] }]]),
  ...over,
});

/** The whole line for a refusal in billing; `fields` from `status` on, in the line's order. */
export const refusalLine = (fields: Record<string, unknown>, enforced = true): string =>
  JSON.stringify({
    source: "service-auth",
    event: "refusal",
    layer: "identity",
    callee: "billing",
    enforced,
    wouldRefuse: true,
    ...fields,
  });

export class SignedTokens {
  /** Every token signed, to prove none reaches a log. */
  readonly issued: string[] = [];
  /** Everything any logger was given: messages and fields as JSON text. */
  readonly everythingLogged: string[] = [];

  private constructor(
    private readonly signingKey: CryptoKey,
    /** A key nobody publishes. */
    readonly otherKey: CryptoKey,
    private readonly jwks: { keys: object[] },
  ) {}

  static async create(): Promise<SignedTokens> {
    const pair = await generateKeyPair("RS256", { extractable: true });
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    return new SignedTokens(pair.privateKey, (await generateKeyPair("RS256")).privateKey, {
      keys: [jwk],
    });
  }

  /** Serves the JWKS, as `jwks.fetch`. */
  readonly fetch = async (): Promise<Response> =>
    new Response(JSON.stringify(this.jwks), { headers: { "content-type": "application/json" } });

  /** A billing callee whose lines are collected (as JSON text) in `lines`. */
  callee(options: Partial<MeshAuthOptions> = {}): { auth: MeshAuth; lines: string[] } {
    const lines: string[] = [];
    const auth = createMeshAuth({
      settings: billingSettings(),
      jwks: { fetch: this.fetch },
      logger: {
        warn: (message, fields) => {
          lines.push(JSON.stringify(fields));
          this.everythingLogged.push(message, JSON.stringify(fields));
        },
      },
      ...options,
    });
    return { auth, lines };
  }

  /** An app token from orders for billing (v2, Entra's shape), with `claims` changed. */
  async token(claims: JWTPayload = {}, key: CryptoKey = this.signingKey): Promise<string> {
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
    this.issued.push(t);
    return t;
  }

  /** Fails if any token, or any of its three parts, is in anything logged. */
  assertNoTokenLogged(): void {
    for (const t of this.issued) {
      for (const part of [t, ...t.split(".")]) {
        for (const logged of this.everythingLogged) {
          if (logged.includes(part)) throw new Error(`a token part leaked into: ${logged}`);
        }
      }
    }
  }
}
