/**
 * The app settings that the identity layer writes on every service, and that service code reads
 * to get and validate tokens. One definition serves the program (which writes them from the graph)
 * and the service-auth library (which reads them), so code and graph cannot drift.
 *
 * Pure: no Pulumi imports.
 */

/** Setting names. Values are strings, as App Service app settings always are. */
export const AppSettingNames = {
  /** Entra tenant (directory) id. Callee: expected `iss` tenant. Caller: authority. */
  tenantId: "MESH_TENANT_ID",
  /** Name of this service in the mesh graph. */
  serviceName: "MESH_SERVICE_NAME",
  /**
   * Callee only. JSON array of accepted `aud` values: the identifier URI (`api://...`, v1 tokens)
   * and the application's client id (v2 tokens carry the client id as `aud`).
   */
  audiences: "MESH_AUDIENCES",
  /**
   * Callee only. JSON object: caller client id -> { service, roles }. A token whose `azp` (v2) or
   * `appid` (v1) is not a key here is refused; `roles` lists the app roles granted on that edge.
   */
  allowedCallers: "MESH_ALLOWED_CALLERS",
  /** Caller only. `managed` | `registration`: how this service gets tokens. */
  identityKind: "MESH_IDENTITY",
  /** Caller only. Client id of the service's user-assigned managed identity. */
  managedIdentityClientId: "MESH_MANAGED_IDENTITY_CLIENT_ID",
  /** Caller with `identity: registration` only. Client id of its app registration. */
  appClientId: "MESH_APP_CLIENT_ID",
  /**
   * Caller only. JSON object: callee service name -> { audience, scope, url, roles } for every
   * edge this service may call. `scope` is `<identifier URI>/.default` (client credentials).
   */
  callees: "MESH_CALLEES",
  /**
   * Callee in shadow only (`enforcement: shadow`): `shadow` puts the token library in report-only
   * mode (every request let through, each refusal it would have made logged); absent: enforce.
   */
  enforcement: "MESH_ENFORCEMENT",
} as const;

/** One allowed caller of a callee, as carried in `MESH_ALLOWED_CALLERS`. */
export interface AllowedCaller {
  service: string;
  roles: string[];
}

/** One callee of a caller, as carried in `MESH_CALLEES`. */
export interface CalleeTarget {
  audience: string;
  scope: string;
  url: string;
  roles: string[];
}

export type AllowedCallers = Record<string, AllowedCaller>;
export type CalleeTargets = Record<string, CalleeTarget>;

/** The token scope for client credentials against an audience (Entra's `/.default`). */
export function scopeFor(audience: string): string {
  return `${audience.replace(/\/+$/, "")}/.default`;
}

/** Issuer values Entra puts in `iss`: v1 (`sts.windows.net`) and v2 (`login.microsoftonline.com`). */
export function issuersFor(tenantId: string): { v1: string; v2: string } {
  return {
    v1: `https://sts.windows.net/${tenantId}/`,
    v2: `https://login.microsoftonline.com/${tenantId}/v2.0`,
  };
}

/** The edges of the graph, as the app settings need them. */
export interface EdgeLike {
  from: string;
  to: string;
  roles: readonly string[];
}

/**
 * `MESH_ALLOWED_CALLERS` of one callee, from the graph's edges: every caller with an edge to it,
 * keyed by the caller's client id, with exactly the roles of that edge.
 */
export function allowedCallersFor(
  edges: readonly EdgeLike[],
  callee: string,
  clientIdOf: (service: string) => string,
): AllowedCallers {
  const out: AllowedCallers = {};
  for (const e of edges) {
    if (e.to !== callee) continue;
    out[clientIdOf(e.from)] = { service: e.from, roles: [...e.roles].sort() };
  }
  return out;
}

/** `MESH_CALLEES` of one caller, from the graph's edges. */
export function calleeTargetsFor(
  edges: readonly EdgeLike[],
  caller: string,
  targetOf: (callee: string) => { audience: string; url: string },
): CalleeTargets {
  const out: CalleeTargets = {};
  for (const e of edges) {
    if (e.from !== caller) continue;
    const t = targetOf(e.to);
    out[e.to] = {
      audience: t.audience,
      scope: scopeFor(t.audience),
      url: t.url,
      roles: [...e.roles].sort(),
    };
  }
  return out;
}
