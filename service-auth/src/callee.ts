/**
 * Callee side: the checks the scenario asks of Service B (step 5 and the allow-list/roles
 * alternatives), in one middleware for plain Node `http` and Express-style `(req, res, next)`.
 *
 * A token is accepted only if all of these hold:
 * 1. it is a JWS signed with an asymmetric key published in the tenant's JWKS (never `none`/HS*:
 *    with a shared secret anyone who can verify could also mint);
 * 2. `iss` is this tenant's v1 or v2 issuer and `tid` is this tenant: Entra signs every tenant's
 *    tokens with the same keys, so the signature alone does not say which directory issued it;
 * 3. `aud` is one of this callee's audiences: otherwise a token issued for another service would
 *    be replayable here;
 * 4. `exp`/`nbf` hold within a small clock skew;
 * 5. it is an app token (no `scp`): the mesh authorizes services, not users signed in to them;
 * 6. the caller (`azp` in v2 tokens, `appid` in v1) is in MESH_ALLOWED_CALLERS, the allow-list
 *    derived from the graph's edges, so a principal that got an app role out of band is still out;
 * 7. every role the route requires is both in the token's `roles` and granted to that caller on
 *    its edge.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
} from "jose";
import { issuersFor } from "@service-edges/contract/app-settings";
import { readCalleeSettings, type AllowedCaller, type CalleeSettings, type Env } from "./settings";

/** The verified caller, attached to the request on success. */
export interface VerifiedCaller {
  /** The caller's service name in the graph. */
  service: string;
  /** `azp` (v2) or `appid` (v1): the managed identity's or app registration's client id. */
  clientId: string;
  /** Roles both present in the token and granted on the caller's edge. */
  roles: string[];
  tokenVersion: "1.0" | "2.0";
  /** The caller's service principal (`oid`). */
  objectId?: string;
  /** The token's id (`uti`), to correlate with Entra sign-in logs; not a secret. */
  tokenId?: string;
}

export type MeshRequest = IncomingMessage & { meshCaller?: VerifiedCaller };

/** The caller verified by the middleware for this request, if any. */
export function meshCallerOf(req: IncomingMessage): VerifiedCaller | undefined {
  return (req as MeshRequest).meshCaller;
}

/** Where refusals are reported. `fields` never contain the token. */
export interface MeshAuthLogger {
  warn(message: string, fields: Record<string, unknown>): void;
}

const consoleLogger: MeshAuthLogger = {
  warn: (message) => console.warn(message),
};

export interface MeshAuthOptions {
  /** Default: read from `env`. */
  settings?: CalleeSettings;
  /** Default: `process.env`. */
  env?: Env;
  /**
   * Accepted issuers by token version. Default: Entra's for the tenant,
   * `https://sts.windows.net/{tid}/` (v1) and `https://login.microsoftonline.com/{tid}/v2.0` (v2).
   * Leave one out to refuse that token version.
   */
  issuers?: { v1?: string; v2?: string };
  /** Default: `https://login.microsoftonline.com/{tid}/discovery/v2.0/keys` (v1 and v2 keys). */
  jwksUri?: string;
  /** Accepted JWS algorithms, asymmetric only. Default `["RS256"]`, the one Entra uses. */
  algorithms?: string[];
  /** Allowed clock skew for `exp`/`nbf`, in seconds. Default 60. */
  clockToleranceSec?: number;
  jwks?: {
    /**
     * After a fetch, how long an unknown `kid` waits before the JWKS is fetched again. Default
     * 30 s: Entra publishes a new key well before signing with it, and random kids must not turn
     * every request into a fetch.
     */
    cooldownMs?: number;
    /** Default 10 min. */
    cacheMaxAgeMs?: number;
    /** Default 5 s. */
    timeoutMs?: number;
    /** Default: the global `fetch`. */
    fetch?: (url: string, init: RequestInit) => Promise<Response>;
  };
  logger?: MeshAuthLogger;
}

export type AuthOutcome =
  | { ok: true; caller: VerifiedCaller }
  | {
      ok: false;
      status: 401 | 403 | 503;
      /** RFC 6750 error code; absent when no token was presented at all. */
      error?: "invalid_token" | "insufficient_scope";
      /** Sent to the caller: short, no detail an attacker could use. */
      description: string;
      /** Logged: why exactly. */
      reason: string;
      callerClientId?: string;
      callerService?: string;
      tokenId?: string;
    };

export type MeshMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => Promise<void>;

/** A refusal as an HTTP answer, for hosts that are not Node `http` (e.g. Azure Functions). */
export interface Refusal {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface MeshAuth {
  readonly settings: CalleeSettings;
  /**
   * Validates an `Authorization` header value for a route that requires `roles` (all of them),
   * and logs the reason of a refusal. `request` only labels the log line.
   */
  check(
    authorization: string | undefined,
    roles: readonly string[],
    request?: { method?: string; path?: string },
  ): Promise<AuthOutcome>;
  /** The 401/403/503 answer for a refused outcome, `WWW-Authenticate` included. */
  refusal(outcome: Extract<AuthOutcome, { ok: false }>): Refusal;
  /**
   * Middleware: 401/403 with `WWW-Authenticate`, or `next()` with the caller attached to the
   * request (see {@link meshCallerOf}). No roles = any allowed caller.
   */
  requireRoles(...roles: string[]): MeshMiddleware;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/;

function fail(
  status: 401 | 403 | 503,
  reason: string,
  extra: Partial<Extract<AuthOutcome, { ok: false }>> = {},
): AuthOutcome {
  const error =
    status === 401 ? "invalid_token" : status === 403 ? "insufficient_scope" : undefined;
  const description =
    status === 401
      ? "the access token is not valid for this service"
      : status === 403
        ? "the caller is not allowed this operation"
        : "signing keys are unavailable, retry later";
  return { ok: false, status, error, description, reason, ...extra };
}

/** A JOSE failure, as a reason for the log (jose messages never include the token). */
function joseReason(err: unknown): { status: 401 | 503; reason: string; description?: string } {
  if (err instanceof errors.JWTExpired) {
    return {
      status: 401,
      reason: `token expired (${err.message})`,
      description: "the access token expired",
    };
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    return { status: 401, reason: `claim "${err.claim}" rejected: ${err.message}` };
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return { status: 401, reason: `algorithm not allowed: ${err.message}` };
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return { status: 401, reason: "signature verification failed" };
  }
  if (err instanceof errors.JWKSNoMatchingKey) {
    return { status: 401, reason: "no key in the issuer's JWKS matches the token's kid" };
  }
  if (err instanceof errors.JWKSMultipleMatchingKeys) {
    return { status: 401, reason: "several keys in the issuer's JWKS match the token's kid" };
  }
  if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError)) {
    return { status: 503, reason: `cannot fetch the issuer's JWKS: ${(err as Error)?.message}` };
  }
  if (err.code === "ERR_JOSE_GENERIC") {
    return { status: 503, reason: `cannot fetch the issuer's JWKS: ${err.message}` };
  }
  return { status: 401, reason: `malformed token: ${err.message}` };
}

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, "")}"`;
}

export function createMeshAuth(options: MeshAuthOptions = {}): MeshAuth {
  const settings = options.settings ?? readCalleeSettings(options.env);
  const logger = options.logger ?? consoleLogger;
  const entra = issuersFor(settings.tenantId);
  const issuers = options.issuers ?? entra;
  const versionOfIssuer = new Map<string, "1.0" | "2.0">();
  if (issuers.v1) versionOfIssuer.set(issuers.v1, "1.0");
  if (issuers.v2) versionOfIssuer.set(issuers.v2, "2.0");
  if (versionOfIssuer.size === 0) throw new Error("at least one issuer must be accepted");

  const algorithms = options.algorithms ?? ["RS256"];
  for (const alg of algorithms) {
    if (!ASYMMETRIC.test(alg)) {
      throw new Error(`algorithm ${alg} is not an asymmetric JWS algorithm; refusing to accept it`);
    }
  }

  const jwksUri = new URL(
    options.jwksUri ?? `https://login.microsoftonline.com/${settings.tenantId}/discovery/v2.0/keys`,
  );
  const jwks = createRemoteJWKSet(jwksUri, {
    cooldownDuration: options.jwks?.cooldownMs,
    cacheMaxAge: options.jwks?.cacheMaxAgeMs,
    timeoutDuration: options.jwks?.timeoutMs,
    ...(options.jwks?.fetch ? { [customFetch]: options.jwks.fetch } : {}),
  });

  const verify = async (
    authorization: string | undefined,
    roles: readonly string[],
  ): Promise<AuthOutcome> => {
    if (!authorization || !/^Bearer\b/i.test(authorization)) {
      // RFC 6750 §3.1: a request without credentials gets the challenge but no error code.
      return fail(401, "no bearer token", {
        error: undefined,
        description: "bearer token required",
      });
    }
    const token = BEARER.exec(authorization)?.[1];
    if (!token) return fail(401, "malformed Authorization header");

    try {
      decodeProtectedHeader(token);
    } catch {
      return fail(401, "malformed token header");
    }

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: [...versionOfIssuer.keys()],
        audience: settings.audiences,
        algorithms,
        clockTolerance: options.clockToleranceSec ?? 60,
        requiredClaims: ["exp", "tid"],
      }));
    } catch (err) {
      const j = joseReason(err);
      return fail(j.status, j.reason, j.description ? { description: j.description } : {});
    }

    const tokenId = typeof payload.uti === "string" ? payload.uti : payload.jti;
    const version = versionOfIssuer.get(payload.iss!)!;
    if (payload.tid !== settings.tenantId) {
      return fail(401, `tid ${String(payload.tid)} is not this tenant`, { tokenId });
    }
    // v1 tokens name the caller in `appid`, v2 tokens in `azp`; each issuer only issues its version.
    if (payload.ver !== undefined && payload.ver !== version) {
      return fail(401, `ver ${String(payload.ver)} does not match issuer ${payload.iss}`, {
        tokenId,
      });
    }
    const rawCaller = version === "2.0" ? payload.azp : payload.appid;
    if (typeof rawCaller !== "string" || rawCaller.length === 0) {
      return fail(401, `token has no ${version === "2.0" ? "azp" : "appid"} claim`, { tokenId });
    }
    const callerClientId = rawCaller.toLowerCase();
    const who = { callerClientId, tokenId };

    // Delegated tokens carry `scp`; a user signed in to an allowed caller is not that caller.
    if (payload.scp !== undefined || (payload.idtyp !== undefined && payload.idtyp !== "app")) {
      return fail(403, "delegated (user) token; only app tokens are accepted", who);
    }

    const allowed: AllowedCaller | undefined = settings.allowedCallers.get(callerClientId);
    if (!allowed) {
      return fail(403, `caller ${callerClientId} is not in MESH_ALLOWED_CALLERS`, who);
    }
    const withService = { ...who, callerService: allowed.service };

    const tokenRoles = new Set(
      Array.isArray(payload.roles) ? payload.roles.filter((r) => typeof r === "string") : [],
    );
    const granted = new Set(allowed.roles);
    for (const role of roles) {
      if (!tokenRoles.has(role)) {
        const hint = granted.has(role)
          ? " (granted on the edge: a new assignment can take minutes to reach tokens)"
          : "";
        return fail(403, `${allowed.service} lacks role ${role} in its token${hint}`, withService);
      }
      if (!granted.has(role)) {
        return fail(
          403,
          `${allowed.service} has role ${role} in its token but its edge does not grant it`,
          withService,
        );
      }
    }

    return {
      ok: true,
      caller: {
        service: allowed.service,
        clientId: callerClientId,
        roles: [...tokenRoles].filter((r) => granted.has(r)).sort(),
        tokenVersion: version,
        objectId: typeof payload.oid === "string" ? payload.oid : undefined,
        tokenId,
      },
    };
  };

  const grantedToAnyone = new Set([...settings.allowedCallers.values()].flatMap((c) => c.roles));
  const realm = quoted(settings.serviceName);

  const check: MeshAuth["check"] = async (authorization, roles, request = {}) => {
    const outcome = await verify(authorization, roles);
    if (!outcome.ok) {
      const { status, error, reason, callerClientId, callerService, tokenId } = outcome;
      const where =
        request.method || request.path ? ` ${request.method ?? ""} ${request.path ?? ""}` : "";
      logger.warn(`service-auth: ${status}${where.trimEnd()}: ${reason}`, {
        status,
        error,
        reason,
        ...request,
        callerClientId,
        callerService,
        tokenId,
      });
    }
    return outcome;
  };

  const refusal: MeshAuth["refusal"] = ({ status, error, description }) => {
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      "Cache-Control": "no-store",
    };
    if (status === 503) {
      headers["Retry-After"] = "5";
    } else {
      const challenge = [`Bearer realm=${realm}`];
      if (error)
        challenge.push(`error=${quoted(error)}`, `error_description=${quoted(description)}`);
      headers["WWW-Authenticate"] = challenge.join(", ");
    }
    const body = JSON.stringify({ error: error ?? "unauthorized", error_description: description });
    return { status, headers, body };
  };

  return {
    settings,
    check,
    refusal,
    requireRoles(...roles) {
      for (const role of roles) {
        if (!grantedToAnyone.has(role)) {
          logger.warn(
            `service-auth: a route of ${settings.serviceName} requires role ${role}, which no ` +
              `allowed caller is granted; every call to it will get 403`,
            { role },
          );
        }
      }
      return async (req, res, next) => {
        const request = { method: req.method, path: pathOf(req) };
        let outcome: AuthOutcome;
        try {
          outcome = await check(req.headers.authorization, roles, request);
        } catch (err) {
          logger.warn(
            `service-auth: 500 ${request.method} ${request.path}: ${(err as Error).message}`,
            {
              status: 500,
              ...request,
            },
          );
          if (!res.headersSent) res.writeHead(500).end();
          return;
        }
        if (outcome.ok) {
          (req as MeshRequest).meshCaller = outcome.caller;
          next();
          return;
        }
        if (res.headersSent) return;
        const { status, headers, body } = refusal(outcome);
        res.writeHead(status, headers).end(body);
      };
    },
  };
}

/** The path without its query string, which may carry values that do not belong in logs. */
function pathOf(req: IncomingMessage): string {
  return (req.url ?? "/").split("?")[0];
}
