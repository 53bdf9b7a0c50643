/**
 * A local stand-in for Microsoft Entra ID, built on the real `oidc-provider`: discovery, JWKS and a
 * client-credentials token endpoint on https://127.0.0.1:<ephemeral port>, one issuer per tenant at
 * `/{tenantId}/v2.0` (the path shape MSAL and @azure/identity derive from an authority host).
 *
 * It issues access tokens the way Entra does for app-only (client credentials) requests, so that the
 * callee middleware is tested against what it will really receive:
 * - the resource is named by the scope `<identifier URI or client id>/.default` (no `resource`
 *   parameter), and an unknown resource is refused (Entra's AADSTS500011);
 * - v2 tokens (callee apps with `requestedAccessTokenVersion: 2`): `aud` = the callee's client id,
 *   `azp` = the caller's client id, `iss` = `{authority}/{tid}/v2.0`, `ver` = "2.0";
 * - v1 tokens: `aud` = the resource as requested, `appid` = the caller's client id, `iss` =
 *   `{authority}/{tid}/` (the shape of `https://sts.windows.net/{tid}/`), `ver` = "1.0";
 * - `roles` = the app roles assigned to the caller on that resource, omitted when there are none;
 * - `oid` = `sub` = the caller's service principal, `tid`, `idtyp: "app"`, no `scp`;
 * - every tenant signs with the same keys (Entra's signing keys are common to all tenants), so a
 *   token from another tenant verifies against the same JWKS and only `iss`/`tid` tell it apart.
 */
import { generateKeyPairSync, randomUUID, type JsonWebKey } from "node:crypto";
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { createLocalJWKSet, jwtVerify } from "jose";
import type {
  IssuedToken,
  Provider as ProviderType,
  ProviderContext,
  ResourceServerInfo,
  StructuredToken,
} from "oidc-provider";
import { selfSignedLoopbackCertificate } from "./tls";

/** A callee app registration: what a caller can request a token for. */
export interface LocalApp {
  clientId: string;
  identifierUri: string;
  /** Entra's `requestedAccessTokenVersion` (the program sets 2). */
  accessTokenVersion: 1 | 2;
}

/** A caller principal that authenticates with a client secret. */
export interface LocalClient {
  clientId: string;
  secret: string;
  /** The service principal object id (`oid`/`sub` in tokens). */
  objectId: string;
}

/** App roles assigned to a caller on a callee app (an `AppRoleAssignment` per role). */
export interface LocalAssignment {
  clientId: string;
  resourceClientId: string;
  roles: string[];
}

/**
 * A federated identity credential on an app registration, as the identity layer writes it (issuer
 * `https://login.microsoftonline.com/{tid}/v2.0`, served here by this host). Entra accepts, as that
 * app's client assertion, a token whose `iss`, `sub` and `aud` match it exactly and whose signature
 * verifies against the issuer's keys.
 */
export interface LocalFederatedCredential {
  appClientId: string;
  issuer: string;
  subject: string;
  audiences: string[];
}

export interface LocalEntraOptions {
  tenants: string[];
  apps: LocalApp[];
  clients: LocalClient[];
  assignments: LocalAssignment[];
  federatedCredentials?: LocalFederatedCredential[];
}

/**
 * The first-party app behind `api://AzureADTokenExchange`, for which a managed identity requests
 * the token it presents as a federated assertion. Its v2 tokens carry the app's client id as `aud`,
 * so the federated-credential check below accepts the URI and that id alike.
 */
export const TOKEN_EXCHANGE_APP: LocalApp = {
  clientId: "fb60f99c-7a34-4190-8149-302f77469936",
  identifierUri: "api://AzureADTokenExchange",
  accessTokenVersion: 2,
};

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

type OidcModule = typeof import("oidc-provider");

let oidcModule: Promise<OidcModule> | undefined;

/**
 * oidc-provider 9 announces on import that it wants Node 22 LTS; it runs on Node 20.19+ (the
 * project's engine) for what is used here. Only that one line is dropped, nothing else.
 */
function loadOidcProvider(): Promise<OidcModule> {
  oidcModule ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === "string" && args[0].includes("Unsupported runtime")) return;
      warn(...args);
    };
    try {
      return await import("oidc-provider");
    } finally {
      console.warn = warn;
    }
  })();
  return oidcModule;
}

/** oidc-provider keeps grants and replay records here; one store per issuer, nothing persisted. */
function memoryAdapter() {
  const store = new Map<string, Record<string, unknown>>();
  return class MemoryAdapter {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: Record<string, unknown>) {
      store.set(this.key(id), payload);
    }
    async find(id: string) {
      return store.get(this.key(id));
    }
    async findByUid(uid: string) {
      return [...store.values()].find((p) => p.uid === uid);
    }
    async findByUserCode(userCode: string) {
      return [...store.values()].find((p) => p.userCode === userCode);
    }
    async consume(id: string) {
      const p = store.get(this.key(id));
      if (p) p.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [k, p] of store) if (p.grantId === grantId) store.delete(k);
    }
  };
}

function newSigningKey(): JsonWebKey & { kid: string } {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { ...privateKey.export({ format: "jwk" }), kid: randomUUID(), use: "sig", alg: "RS256" };
}

/** A fetch that trusts only the given CA: how tests reach the local issuer's https endpoints. */
export function fetchTrusting(ca: string): FetchLike {
  return (url, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const headers = new Headers(init.headers);
      const req = https.request(
        url,
        {
          method: init.method ?? "GET",
          headers: Object.fromEntries(headers.entries()),
          ca,
          agent: false,
          signal: init.signal ?? undefined,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const out = new Headers();
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(", ") : v);
            }
            resolve(new Response(Buffer.concat(chunks), { status: res.statusCode, headers: out }));
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      if (typeof init.body === "string" || init.body instanceof URLSearchParams) {
        req.end(String(init.body));
      } else {
        req.end();
      }
    });
}

export class LocalEntra {
  /** `https://127.0.0.1:<port>`: the authority host to give @azure/identity. */
  readonly authorityHost: string;
  /** The CA (the self-signed certificate itself) that a client must trust. */
  readonly ca: string;
  /** A fetch that trusts `ca`. */
  readonly fetch: FetchLike;
  /** Shifts the `iat`/`nbf`/`exp` of the next tokens, as an issuer would if its clock were off. */
  clockOffsetSec = 0;
  /**
   * Claims added to the next tokens: what this issuer has no flow for but Entra issues, e.g. the
   * `scp` and `idtyp: "user"` of a delegated token that a caller app got for a signed-in user.
   */
  extraClaims: Record<string, unknown> = {};
  /** How often each tenant's JWKS was fetched (to see a key-rotation refetch happen). */
  readonly jwksRequests = new Map<string, number>();
  /** Token requests by client id (to see that callers cache tokens). */
  readonly tokenRequests = new Map<string, number>();

  private signingKeys: Array<JsonWebKey & { kid: string }> = [newSigningKey()];
  private providers = new Map<string, ProviderType>();
  private readonly apps: LocalApp[];
  private readonly clients: LocalClient[];
  private assignments: LocalAssignment[];

  private constructor(
    private readonly server: https.Server,
    private readonly options: LocalEntraOptions,
    private readonly oidc: OidcModule,
    cert: { cert: string },
  ) {
    const { port } = server.address() as AddressInfo;
    this.authorityHost = `https://127.0.0.1:${port}`;
    this.ca = cert.cert;
    this.fetch = fetchTrusting(this.ca);
    this.apps = [...options.apps, TOKEN_EXCHANGE_APP].map((a) => ({ ...a }));
    this.clients = options.clients;
    this.assignments = options.assignments.map((a) => ({ ...a, roles: [...a.roles] }));
  }

  static async start(options: LocalEntraOptions): Promise<LocalEntra> {
    const oidc = await loadOidcProvider();
    const cert = selfSignedLoopbackCertificate();
    const started: { entra?: LocalEntra } = {};
    const server = https.createServer({ cert: cert.cert, key: cert.key }, (req, res) =>
      started.entra ? started.entra.dispatch(req, res) : res.writeHead(503).end(),
    );
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const entra = new LocalEntra(server, options, oidc, cert);
    entra.buildProviders();
    started.entra = entra;
    return entra;
  }

  /** Entra's v2 issuer shape: `{authority}/{tid}/v2.0`. */
  issuerV2(tenantId: string): string {
    return `${this.authorityHost}/${tenantId}/v2.0`;
  }

  /** Entra's v1 issuer shape (`https://sts.windows.net/{tid}/`), on this host. */
  issuerV1(tenantId: string): string {
    return `${this.authorityHost}/${tenantId}/`;
  }

  jwksUri(tenantId: string): string {
    return `${this.issuerV2(tenantId)}/jwks`;
  }

  /** Signs with a new key from now on; the JWKS lists it first and keeps the old one. */
  rotateSigningKey(): string {
    const key = newSigningKey();
    this.signingKeys = [key, ...this.signingKeys];
    this.buildProviders();
    return key.kid;
  }

  /** The client secret of a caller principal (for a registration that opted into a secret). */
  secretOf(clientId: string): string {
    const client = this.clients.find((c) => c.clientId === clientId);
    if (!client) throw new Error(`no client ${clientId}`);
    return client.secret;
  }

  setAccessTokenVersion(resourceClientId: string, version: 1 | 2): void {
    const app = this.apps.find((a) => a.clientId === resourceClientId);
    if (!app) throw new Error(`no app ${resourceClientId}`);
    app.accessTokenVersion = version;
  }

  /**
   * Adds an app role assignment outside the graph, as someone could in the portal; returns the
   * function that removes it again.
   */
  assign(clientId: string, resourceClientId: string, roles: string[]): () => void {
    const added = { clientId, resourceClientId, roles };
    this.assignments.push(added);
    return () => {
      this.assignments = this.assignments.filter((a) => a !== added);
    };
  }

  /** A client-credentials request as any OAuth client would make it (client_secret_post). */
  async requestToken(args: {
    clientId: string;
    scope: string;
    tenantId?: string;
  }): Promise<string> {
    const tenantId = args.tenantId ?? this.options.tenants[0];
    const client = this.clients.find((c) => c.clientId === args.clientId);
    if (!client) throw new Error(`no client ${args.clientId}`);
    const res = await this.fetch(`${this.issuerV2(tenantId)}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: client.clientId,
        client_secret: client.secret,
        scope: args.scope,
      }),
    });
    const body = (await res.json()) as { access_token?: string; error?: string };
    if (!res.ok || !body.access_token) {
      throw new Error(`token request failed: ${res.status} ${JSON.stringify(body)}`);
    }
    return body.access_token;
  }

  /**
   * What the App Service managed identity endpoint does for a user-assigned identity: get a token
   * from Entra for it. The MI is a client of this issuer; the test stands in for the platform.
   */
  managedIdentity(clientId: string, tenantId = this.options.tenants[0]): TokenCredential {
    return {
      getToken: async (scopes): Promise<AccessToken> => {
        const scope = Array.isArray(scopes) ? scopes.join(" ") : (scopes as string);
        const token = await this.requestToken({ clientId, scope, tenantId });
        return { token, expiresOnTimestamp: Date.now() + 3_000_000 };
      },
    };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? "/";
    const m = /^\/([^/?]+)\/v2\.0(\/[^?]*)?(\?.*)?$/.exec(url);
    const provider = m ? this.providers.get(m[1]) : undefined;
    if (!m || !provider) {
      res.writeHead(404).end();
      return;
    }
    if (m[2] === "/jwks") this.jwksRequests.set(m[1], (this.jwksRequests.get(m[1]) ?? 0) + 1);
    const rest = `${m[2] ?? "/"}${m[3] ?? ""}`;
    if (req.method === "POST" && m[2] === "/token") {
      void this.federatedTokenRequest(m[1], req, res, url, rest);
      return;
    }
    this.mount(provider, req, res, url, rest);
  }

  /** oidc-provider derives its own URLs from originalUrl minus the remaining url. */
  private mount(
    provider: ProviderType,
    req: IncomingMessage,
    res: ServerResponse,
    originalUrl: string,
    rest: string,
  ): void {
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = originalUrl;
    req.url = rest;
    provider.callback()(req, res);
  }

  /**
   * oidc-provider has no workload identity federation, so Entra's check is done here: a
   * `client_assertion` that matches one of the app's federated credentials is swapped for the
   * app's own client authentication before the request reaches the token endpoint.
   */
  private async federatedTokenRequest(
    tenantId: string,
    req: IncomingMessage,
    res: ServerResponse,
    originalUrl: string,
    rest: string,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const params = new URLSearchParams(Buffer.concat(chunks).toString());

    const requester = params.get("client_id") ?? "";
    this.tokenRequests.set(requester, (this.tokenRequests.get(requester) ?? 0) + 1);
    if (params.get("client_assertion_type") === JWT_BEARER) {
      const clientId = params.get("client_id") ?? "";
      const refusal = await this.checkFederatedAssertion(clientId, params.get("client_assertion"));
      if (refusal) {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "invalid_client", error_description: refusal }));
        return;
      }
      params.delete("client_assertion");
      params.delete("client_assertion_type");
      params.set("client_secret", this.clients.find((c) => c.clientId === clientId)!.secret);
    }

    const body = Buffer.from(params.toString());
    const replay = Object.assign(Readable.from([body]), {
      headers: { ...req.headers, "content-length": String(body.length) },
      method: req.method,
      url: req.url,
      socket: req.socket,
      httpVersion: req.httpVersion,
      httpVersionMajor: req.httpVersionMajor,
      httpVersionMinor: req.httpVersionMinor,
    }) as unknown as IncomingMessage;
    this.mount(this.providers.get(tenantId)!, replay, res, originalUrl, rest);
  }

  /** Entra's federated credential rule; returns why it fails, or undefined. */
  private async checkFederatedAssertion(
    clientId: string,
    assertion: string | null,
  ): Promise<string | undefined> {
    const candidates = (this.options.federatedCredentials ?? []).filter(
      (f) => f.appClientId === clientId,
    );
    if (!assertion || candidates.length === 0) return `no federated credential on ${clientId}`;
    const keys = createLocalJWKSet({
      keys: this.signingKeys.map(({ kty, n, e, kid }) => ({ kty, n, e, kid, use: "sig" })),
    });
    for (const fic of candidates) {
      // The assertion names the token-exchange audience by URI (v1) or by its app id (v2).
      const audience = fic.audiences.flatMap((a) =>
        a === TOKEN_EXCHANGE_APP.identifierUri ? [a, TOKEN_EXCHANGE_APP.clientId] : [a],
      );
      try {
        await jwtVerify(assertion, keys, {
          issuer: fic.issuer.replace(/^https:\/\/login\.microsoftonline\.com/, this.authorityHost),
          subject: fic.subject,
          audience,
          algorithms: ["RS256"],
        });
        return undefined;
      } catch {
        // try the next credential
      }
    }
    return "AADSTS70021: no matching federated identity record found for the presented assertion";
  }

  private appFor(resource: string): LocalApp | undefined {
    return this.apps.find((a) => a.identifierUri === resource || a.clientId === resource);
  }

  private buildProviders(): void {
    for (const tenantId of this.options.tenants) {
      this.providers.set(tenantId, this.buildProvider(tenantId));
    }
  }

  private buildProvider(tenantId: string): ProviderType {
    const { Provider, errors } = this.oidc;
    // Entra names the resource in the scope (`<resource>/.default`), not in RFC 8707's `resource`.
    const resourceOfScope = (scope: unknown) =>
      typeof scope === "string"
        ? scope
            .split(" ")
            .find((s) => s.endsWith("/.default"))
            ?.slice(0, -"/.default".length)
        : undefined;

    return new Provider(this.issuerV2(tenantId), {
      adapter: memoryAdapter(),
      ttl: { ClientCredentials: 3600 },
      jwks: { keys: this.signingKeys },
      clients: this.clients.map((c) => ({
        client_id: c.clientId,
        client_secret: c.secret,
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: "client_secret_post",
      })),
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: async (ctx: ProviderContext) => resourceOfScope(ctx.oidc.params.scope),
          useGrantedResource: async () => true,
          getResourceServerInfo: async (
            ctx: ProviderContext,
            resource: string,
          ): Promise<ResourceServerInfo> => {
            const app = this.appFor(resource);
            if (!app) throw new errors.InvalidTarget(`resource ${resource} not found in tenant`);
            return {
              scope: String(ctx.oidc.params.scope ?? ""),
              audience: app.accessTokenVersion === 2 ? app.clientId : resource,
              accessTokenFormat: "jwt",
              jwt: { sign: { alg: "RS256" } },
            };
          },
        },
      },
      extraTokenClaims: async (_ctx: unknown, token: IssuedToken) => {
        const resource = token.resourceServer?.identifier();
        const app = resource ? this.appFor(resource) : undefined;
        const client = this.clients.find((c) => c.clientId === token.clientId);
        if (!app || !client) return undefined;
        const roles = [
          ...new Set(
            this.assignments
              .filter((a) => a.clientId === client.clientId && a.resourceClientId === app.clientId)
              .flatMap((a) => a.roles),
          ),
        ].sort();
        const common = {
          tid: tenantId,
          oid: client.objectId,
          idtyp: "app",
          ...(roles.length > 0 ? { roles } : {}),
        };
        return app.accessTokenVersion === 2
          ? { ...common, azp: client.clientId, azpacr: "1", ver: "2.0" }
          : { ...common, appid: client.clientId, appidacr: "1", ver: "1.0" };
      },
      formats: {
        customizers: {
          jwt: async (_ctx: unknown, _token: unknown, jwt: StructuredToken) => {
            const p = jwt.payload;
            if (p.ver === "1.0") {
              p.iss = this.issuerV1(tenantId);
              p.idp = p.iss;
            }
            // App-only Entra tokens: sub is the service principal, no scope or client_id claims.
            p.sub = p.oid;
            p.uti = p.jti;
            delete p.jti;
            delete p.scope;
            delete p.client_id;
            const shift = this.clockOffsetSec;
            p.iat = Number(p.iat) + shift;
            p.nbf = p.iat;
            p.exp = Number(p.exp) + shift;
            Object.assign(p, this.extraClaims);
            jwt.header = { ...jwt.header, typ: "JWT" };
          },
        },
      },
    });
  }
}
