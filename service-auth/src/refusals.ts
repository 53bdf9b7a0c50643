/**
 * What the callee writes when it refuses a request (or, in report-only mode, would refuse it): one
 * JSON object per refusal, the same in every service, so that one query over App Service's
 * console logs (`AppServiceConsoleLogs`, where stderr lines land with `Level` = `Error`) finds
 * every identity-layer refusal of the mesh and says which edge is missing.
 *
 * Nothing here ever receives the token: lines are built from verified claims, the callee's
 * settings and the route's labels.
 */
import { errors, type JWTPayload } from "jose";

/** Why a request was refused. The README ("Reading a refusal") gives the fix for each. */
export const REFUSAL_REASONS = [
  "no-token",
  "malformed-token",
  "bad-signature",
  "wrong-issuer",
  "wrong-audience",
  "expired",
  "not-yet-valid",
  "user-token",
  "unknown-caller",
  "missing-role",
  "keys-unavailable",
] as const;

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/**
 * Where log lines go. `fields` is the whole structured line (a {@link RefusalLine} for a
 * refusal); `message` repeats it in words for text loggers. Neither ever contains the token.
 */
export interface MeshAuthLogger {
  warn(message: string, fields: Record<string, unknown>): void;
}

/**
 * The default: `fields` as one JSON line on stderr. App Service collects stdout/stderr into
 * `AppServiceConsoleLogs` (`ResultDescription` is the line; stderr gives `Level` = `Error`): Azure
 * Monitor table reference, https://learn.microsoft.com/azure/azure-monitor/reference/tables/appserviceconsolelogs
 */
export const jsonLineLogger: MeshAuthLogger = {
  warn: (_message, fields) => console.warn(JSON.stringify(fields)),
};

/** One refused (or, in report-only mode, let-through) request. Keys always in this order. */
export interface RefusalLine {
  source: "service-auth";
  event: "refusal";
  layer: "identity";
  /** This service's name in the graph (`MESH_SERVICE_NAME`). */
  callee: string;
  /** `false` in report-only mode: the request was let through. */
  enforced: boolean;
  /** Always `true` on a refusal line: enforcement refuses (or would refuse) this request. */
  wouldRefuse: true;
  /** The answer enforcement gives (report-only: would have given). */
  status: 401 | 403 | 503;
  reason: RefusalReason;
  /** `azp` (v2) / `appid` (v1), only from a token whose signature verified. */
  callerClientId: string | null;
  /** The caller's service, when its client id is in `MESH_ALLOWED_CALLERS`. */
  callerService: string | null;
  /** The edge the graph would need for this call to pass, in words; null if none is missing. */
  missingEdge: string | null;
  /** A cause that is easy to miss (token caches), when it may apply. */
  hint: string | null;
  /** Why exactly, in words (the outcome's `reason`). */
  detail: string;
  method: string | null;
  /** The request path without its query string. */
  path: string | null;
  /** The token's `uti`, to find it in Entra's sign-in logs; an id, not the token. */
  tokenId: string | null;
}

/** Another line the middleware writes: report-only at startup, a route nobody can call, a crash. */
export interface NoticeLine {
  source: "service-auth";
  event: "enforcement" | "unreachable-route" | "error";
  layer: "identity";
  callee: string;
  enforced: boolean;
  detail: string;
  [field: string]: unknown;
}

/**
 * The edge the graph lacks, as an operator would say it: `no edge orders -> billing
 * (Invoices.Write)`. An unknown caller is named by its client id, which the callee cannot map.
 */
export function missingEdgeIn(
  caller: { service?: string; clientId: string },
  callee: string,
  roles: readonly string[],
): string {
  const from = caller.service ?? `client ${caller.clientId}`;
  return `no edge ${from} -> ${callee}${roles.length > 0 ? ` (${roles.join(", ")})` : ""}`;
}

/**
 * Managed identity tokens are cached by Azure for about 24 h per resource and cannot be refreshed
 * on demand, so a caller may present a token issued before its new role assignment: MS Learn,
 * "Managed identity best practice recommendations", Limitation of using managed identities for
 * authorization (https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/managed-identity-best-practice-recommendations#limitation-of-using-managed-identities-for-authorization).
 * A registration caller's app token comes from Entra through MSAL's in-process cache instead.
 */
export const TOKEN_CACHE_HINT =
  "token caches can make a fresh edge look broken: the caller's token lacks the role, and a " +
  "managed identity's token is cached up to 24 h after a role is assigned (a caller with " +
  "identity: registration gets a fresh token when it restarts)";

/** A request enforcement refuses. */
export interface RefusedOutcome {
  ok: false;
  status: 401 | 403 | 503;
  /** RFC 6750 error code; absent when no token was presented at all. */
  error?: "invalid_token" | "insufficient_scope";
  /** Sent to the caller: short, no detail an attacker could use. */
  description: string;
  /** Logged (as `detail`): why exactly, in words. */
  reason: string;
  /** Logged (as `reason`): why, from a fixed vocabulary. */
  code: RefusalReason;
  callerClientId?: string;
  callerService?: string;
  tokenId?: string;
  /** The edge the graph lacks, e.g. `no edge orders -> billing (Invoices.Write)`. */
  missingEdge?: string;
  hint?: string;
}

export type Who = Pick<RefusedOutcome, "callerClientId" | "callerService" | "tokenId">;

export function fail(
  status: 401 | 403 | 503,
  code: RefusalReason,
  reason: string,
  extra: Partial<RefusedOutcome> = {},
): RefusedOutcome {
  const error =
    status === 401 ? "invalid_token" : status === 403 ? "insufficient_scope" : undefined;
  const description =
    status === 401
      ? "the access token is not valid for this service"
      : status === 403
        ? "the caller is not allowed this operation"
        : "signing keys are unavailable, retry later";
  return { ok: false, status, error, description, reason, code, ...extra };
}

export const asText = (v: unknown): string | undefined =>
  typeof v === "string" && v.length > 0 ? v : undefined;
export const tokenIdOf = (p: JWTPayload) => asText(p.uti) ?? asText(p.jti);
const listed = (v: unknown) => (Array.isArray(v) ? v.join(", ") : String(v));

/** A JOSE failure as a refusal (jose messages never include the token). */
export function joseRefusal(
  err: unknown,
  audiences: readonly string[],
  who: (payload: JWTPayload) => Who,
): RefusedOutcome {
  // Claim errors come after the signature verified, so their payload names the real caller.
  if (err instanceof errors.JWTExpired) {
    const exp = typeof err.payload.exp === "number" ? err.payload.exp : undefined;
    const at = exp === undefined ? "" : ` at ${new Date(exp * 1000).toISOString()}`;
    return fail(401, "expired", `token expired${at}`, {
      description: "the access token expired",
      ...who(err.payload),
    });
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    const p = err.payload;
    const id = who(p);
    const rejected = `claim "${err.claim}" rejected`;
    if (err.claim === "aud") {
      const its =
        p.aud === undefined ? "the token has no audience" : `the token is for ${listed(p.aud)}`;
      const why = `${rejected}: ${its}, this callee accepts ${audiences.join(", ")}`;
      return fail(401, "wrong-audience", why, id);
    }
    if (err.claim === "iss") {
      return fail(401, "wrong-issuer", `${rejected}: issuer ${String(p.iss)} is not accepted`, id);
    }
    if (err.claim === "nbf" && err.reason === "check_failed") {
      const nbf = new Date(Number(p.nbf) * 1000).toISOString();
      return fail(401, "not-yet-valid", `${rejected}: token not valid before ${nbf}`, id);
    }
    return fail(401, "malformed-token", `${rejected}: ${err.message}`, id);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return fail(401, "bad-signature", `algorithm not allowed: ${err.message}`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return fail(401, "bad-signature", "signature verification failed");
  }
  if (err instanceof errors.JWKSNoMatchingKey) {
    return fail(401, "bad-signature", "no key in the issuer's JWKS matches the token's kid");
  }
  if (err instanceof errors.JWKSMultipleMatchingKeys) {
    return fail(401, "bad-signature", "several keys in the issuer's JWKS match the token's kid");
  }
  if (
    err instanceof errors.JWKSTimeout ||
    !(err instanceof errors.JOSEError) ||
    err.code === "ERR_JOSE_GENERIC"
  ) {
    return fail(
      503,
      "keys-unavailable",
      `cannot fetch the issuer's JWKS: ${(err as Error)?.message}`,
    );
  }
  return fail(401, "malformed-token", `malformed token: ${err.message}`);
}

/**
 * The refusal of a known caller that lacks a required role: in its token (not assigned yet, or a
 * cached token), on its edge (the graph does not grant it), or both. Null if it has them all.
 */
export function roleRefusal(
  caller: { service: string; clientId: string; granted: readonly string[] },
  tokenRoles: ReadonlySet<string>,
  required: readonly string[],
  callee: string,
  who: Who,
): RefusedOutcome | null {
  const granted = new Set(caller.granted);
  const notInToken = required.filter((r) => !tokenRoles.has(r));
  const notGranted = required.filter((r) => !granted.has(r));
  if (notInToken.length === 0 && notGranted.length === 0) return null;

  const said: string[] = [];
  if (notInToken.length > 0) {
    const onEdge = notInToken.filter((r) => granted.has(r));
    said.push(
      `${caller.service} lacks role ${notInToken.join(", ")} in its token` +
        (onEdge.length > 0
          ? ` (${onEdge.join(", ")} granted on its edge: the token was issued before the assignment took effect)`
          : ""),
    );
  }
  // A role assigned outside the graph (portal, another stack), or one its edge no longer grants.
  const outOfBand = notGranted.filter((r) => tokenRoles.has(r));
  if (outOfBand.length > 0) {
    said.push(
      `${caller.service} has role ${outOfBand.join(", ")} in its token but its edge does not grant it`,
    );
  }
  return fail(403, "missing-role", said.join("; "), {
    ...who,
    missingEdge: notGranted.length > 0 ? missingEdgeIn(caller, callee, notGranted) : undefined,
    hint: notInToken.length > 0 ? TOKEN_CACHE_HINT : undefined,
  });
}
