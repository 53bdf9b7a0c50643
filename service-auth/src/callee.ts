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
 *
 * Every refusal writes one structured line (refusals.ts) saying which check failed and which edge
 * the graph lacks. In report-only mode (`MESH_ENFORCEMENT=shadow`, for a callee rolling into the
 * mesh) the same line is written with `"enforced": false` and the request is let through.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  jwtVerify,
  type JWTPayload,
} from "jose";
import { issuersFor } from "@service-edges/contract/app-settings";
import {
  asText,
  fail,
  joseRefusal,
  jsonLineLogger,
  missingEdgeIn,
  roleRefusal,
  tokenIdOf,
  type MeshAuthLogger,
  type NoticeLine,
  type RefusalLine,
  type RefusedOutcome,
  type Who,
} from "./refusals";
import {
  ENFORCEMENT_SETTING,
  readCalleeSettings,
  type AllowedCaller,
  type CalleeSettings,
  type Enforcement,
  type Env,
} from "./settings";

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

export interface MeshAuthOptions {
  /** Default: read from `env`. */
  settings?: CalleeSettings;
  /** Default: `process.env`. */
  env?: Env;
  /**
   * `shadow` = report-only: a request that would be refused is let through, and its refusal line
   * says `"enforced": false`. Default: the settings' (`MESH_ENFORCEMENT`), else `enforced`. Set
   * here, it wins over the setting, and a startup line says so.
   */
  enforcement?: Enforcement;
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
  /** Default: one JSON line per event on stderr (`console.warn`). */
  logger?: MeshAuthLogger;
}

/**
 * `ok: true` with the verified caller; or, in report-only mode only, `ok: true` without a caller
 * and with the refusal enforcement would have made (`wouldRefuse`); or a refusal.
 */
export type AuthOutcome =
  | { ok: true; caller: VerifiedCaller; wouldRefuse?: undefined }
  | { ok: true; caller?: undefined; wouldRefuse: RefusedOutcome }
  | RefusedOutcome;

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
  /** `shadow` when refusals are only reported. */
  readonly enforcement: Enforcement;
  /**
   * Validates an `Authorization` header value for a route that requires `roles` (all of them),
   * and logs one refusal line if it fails. `request` only labels the line. In report-only mode a
   * failure comes back as `ok: true` with `wouldRefuse` set and no caller.
   */
  check(
    authorization: string | undefined,
    roles: readonly string[],
    request?: { method?: string; path?: string },
  ): Promise<AuthOutcome>;
  /** The 401/403/503 answer for a refused outcome, `WWW-Authenticate` included. */
  refusal(outcome: RefusedOutcome): Refusal;
  /**
   * Middleware: 401/403 with `WWW-Authenticate`, or `next()` with the caller attached to the
   * request (see {@link meshCallerOf}). No roles = any allowed caller. In report-only mode every
   * request reaches `next()`; only those enforcement would admit carry a caller.
   */
  requireRoles(...roles: string[]): MeshMiddleware;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/;

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, "")}"`;
}

export function createMeshAuth(options: MeshAuthOptions = {}): MeshAuth {
  const settings = options.settings ?? readCalleeSettings(options.env);
  const logger = options.logger ?? jsonLineLogger;
  const callee = settings.serviceName;
  const enforcement = options.enforcement ?? settings.enforcement ?? "enforced";
  const enforced = enforcement === "enforced";
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

  const notice = (
    event: NoticeLine["event"],
    detail: string,
    extra: Record<string, unknown> = {},
  ) => {
    const line: NoticeLine = {
      source: "service-auth",
      event,
      layer: "identity",
      callee,
      enforced,
      ...extra,
      detail,
    };
    logger.warn(`service-auth: ${detail}`, line);
  };

  const setting = settings.enforcement ?? null;
  if (!enforced || (options.enforcement && setting && options.enforcement !== setting)) {
    notice(
      "enforcement",
      enforced
        ? `identity enforcement is on for ${callee} (set in code, ${ENFORCEMENT_SETTING} says ${setting})`
        : `identity enforcement is report-only for ${callee}: requests it would refuse are let ` +
            `through and logged with "enforced": false`,
      { setting, option: options.enforcement ?? null },
    );
  }

  /** The caller a verified payload names, mapped to its service when the allow-list knows it. */
  const whoIs = (payload: JWTPayload): Who => {
    const raw = asText(payload.azp) ?? asText(payload.appid);
    const callerClientId = raw?.toLowerCase();
    const callerService = callerClientId && settings.allowedCallers.get(callerClientId)?.service;
    return {
      callerClientId,
      callerService: callerService || undefined,
      tokenId: tokenIdOf(payload),
    };
  };

  const verify = async (
    authorization: string | undefined,
    roles: readonly string[],
  ): Promise<AuthOutcome> => {
    if (!authorization || !/^Bearer\b/i.test(authorization)) {
      // RFC 6750 §3.1: a request without credentials gets the challenge but no error code.
      return fail(401, "no-token", "no bearer token", {
        error: undefined,
        description: "bearer token required",
      });
    }
    const token = BEARER.exec(authorization)?.[1];
    if (!token) return fail(401, "malformed-token", "malformed Authorization header");

    try {
      decodeProtectedHeader(token);
    } catch {
      return fail(401, "malformed-token", "malformed token header");
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
      return joseRefusal(err, settings.audiences, whoIs);
    }

    const version = versionOfIssuer.get(payload.iss!)!;
    if (payload.tid !== settings.tenantId) {
      return fail(401, "wrong-issuer", `tid ${String(payload.tid)} is not this tenant`, {
        ...whoIs(payload),
      });
    }
    // v1 tokens name the caller in `appid`, v2 tokens in `azp`; each issuer only issues its version.
    if (payload.ver !== undefined && payload.ver !== version) {
      const why = `ver ${String(payload.ver)} does not match issuer ${payload.iss}`;
      return fail(401, "wrong-issuer", why, { ...whoIs(payload) });
    }
    const tokenId = tokenIdOf(payload);
    const rawCaller = version === "2.0" ? payload.azp : payload.appid;
    if (typeof rawCaller !== "string" || rawCaller.length === 0) {
      const why = `token has no ${version === "2.0" ? "azp" : "appid"} claim`;
      return fail(401, "malformed-token", why, { tokenId });
    }
    const callerClientId = rawCaller.toLowerCase();
    const allowed: AllowedCaller | undefined = settings.allowedCallers.get(callerClientId);
    const who: Who = { callerClientId, callerService: allowed?.service, tokenId };

    // Delegated tokens carry `scp`; a user signed in to an allowed caller is not that caller.
    if (payload.scp !== undefined || (payload.idtyp !== undefined && payload.idtyp !== "app")) {
      return fail(403, "user-token", "delegated (user) token; only app tokens are accepted", who);
    }

    if (!allowed) {
      return fail(
        403,
        "unknown-caller",
        `caller ${callerClientId} is not in MESH_ALLOWED_CALLERS`,
        { ...who, missingEdge: missingEdgeIn({ clientId: callerClientId }, callee, roles) },
      );
    }

    const tokenRoles = new Set(
      Array.isArray(payload.roles) ? payload.roles.filter((r) => typeof r === "string") : [],
    );
    const lacking = roleRefusal(
      { service: allowed.service, clientId: callerClientId, granted: allowed.roles },
      tokenRoles,
      roles,
      callee,
      who,
    );
    if (lacking) return lacking;
    const granted = new Set(allowed.roles);

    return {
      ok: true,
      caller: {
        service: allowed.service,
        clientId: callerClientId,
        roles: [...tokenRoles].filter((r) => granted.has(r)).sort(),
        tokenVersion: version,
        objectId: asText(payload.oid),
        tokenId,
      },
    };
  };

  const grantedToAnyone = new Set([...settings.allowedCallers.values()].flatMap((c) => c.roles));
  const realm = quoted(callee);

  const check: MeshAuth["check"] = async (authorization, roles, request = {}) => {
    const outcome = await verify(authorization, roles);
    if (outcome.ok) return outcome;
    const line: RefusalLine = {
      source: "service-auth",
      event: "refusal",
      layer: "identity",
      callee,
      enforced,
      wouldRefuse: true,
      status: outcome.status,
      reason: outcome.code,
      callerClientId: outcome.callerClientId ?? null,
      callerService: outcome.callerService ?? null,
      missingEdge: outcome.missingEdge ?? null,
      hint: outcome.hint ?? null,
      detail: outcome.reason,
      method: request.method ?? null,
      path: request.path ?? null,
      tokenId: outcome.tokenId ?? null,
    };
    const where = [request.method, request.path].filter(Boolean).join(" ");
    const verdict = enforced ? `${outcome.status}` : `would refuse ${outcome.status}, let through`;
    logger.warn(
      `service-auth: ${verdict}${where ? ` ${where}` : ""}: ${outcome.code}: ${outcome.reason}`,
      { ...line },
    );
    return enforced ? outcome : { ok: true, wouldRefuse: outcome };
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
    enforcement,
    check,
    refusal,
    requireRoles(...roles) {
      for (const role of roles) {
        if (!grantedToAnyone.has(role)) {
          notice(
            "unreachable-route",
            `a route of ${callee} requires role ${role}, which no allowed caller is granted; ` +
              (enforced ? "every call to it will get 403" : "every call to it will be reported"),
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
          notice("error", `${request.method} ${request.path}: ${(err as Error).message}`, {
            status: enforced ? 500 : null,
            ...request,
          });
          if (!enforced) return next();
          if (!res.headersSent) res.writeHead(500).end();
          return;
        }
        if (outcome.ok) {
          if (outcome.caller) (req as MeshRequest).meshCaller = outcome.caller;
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
