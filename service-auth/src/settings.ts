/**
 * The MESH_* app settings, read into typed config. The infrastructure writes them from the graph
 * (@service-edges/contract's app-settings module is the one definition of names and shapes), so a
 * service that reads its allow-list from here can never disagree with the declared edges.
 *
 * The names are bundled into the published build from the contract; the two shapes below are
 * declared here so that the published types stand alone, and `contract-shapes.ts` asserts at
 * compile time that they stay identical to the contract's.
 */
import { AppSettingNames } from "@service-edges/contract/app-settings";

export type Env = Readonly<Record<string, string | undefined>>;

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

/**
 * `enforced` (the default): refused requests get 401/403/503. `shadow`: report-only, for a callee
 * rolling into the mesh (`services.<name>.enforcement: shadow`): a request that would be refused
 * is let through and logged with `"enforced": false`.
 */
export type Enforcement = "enforced" | "shadow";

/** What a callee needs to validate tokens. */
export interface CalleeSettings {
  tenantId: string;
  serviceName: string;
  /** Accepted `aud` values: identifier URI (v1 tokens) and client id (v2 tokens). */
  audiences: string[];
  /** Caller client id -> the service and the roles granted on its edge. */
  allowedCallers: ReadonlyMap<string, AllowedCaller>;
  /** From `MESH_ENFORCEMENT`; absent means `enforced`. */
  enforcement?: Enforcement;
}

/** How a caller proves its identity to Entra. */
export type CallerIdentity =
  | { kind: "managed"; managedIdentityClientId: string }
  | {
      kind: "registration";
      appClientId: string;
      /** The identity its federated credential trusts; absent only when a secret is used. */
      managedIdentityClientId?: string;
      /** Explicit opt-in (`AZURE_CLIENT_SECRET`); the default is the secretless federated credential. */
      clientSecret?: string;
    };

/** What a caller needs to get tokens for its callees. */
export interface CallerSettings {
  tenantId: string;
  serviceName: string;
  identity: CallerIdentity;
  /** Callee service name -> audience, scope, url and the roles of that edge. */
  callees: ReadonlyMap<string, CalleeTarget>;
}

/** The variable @azure/identity's EnvironmentCredential uses; here only for the secret opt-in. */
export const CLIENT_SECRET_SETTING = "AZURE_CLIENT_SECRET";

/**
 * The callee's enforcement mode (`enforced` | `shadow`), written by the program for a callee whose
 * graph entry says `enforcement: shadow`. Not yet in the contract's names: contract-shapes.ts
 * checks that the contract agrees once it declares it.
 */
export const ENFORCEMENT_SETTING = "MESH_ENFORCEMENT";

const ENFORCEMENTS: readonly Enforcement[] = ["enforced", "shadow"];

/** One or more MESH_* settings are missing or malformed; `problems` names each one. */
export class MeshSettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid mesh app settings:\n  - ${problems.join("\n  - ")}`);
    this.name = "MeshSettingsError";
  }
}

// Entra tenant and client ids are GUIDs. A tenant given as a domain name would never equal the
// `tid` inside tokens or the issuer path, so every token would be refused: better to fail at boot.
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  text(name: string): string | undefined {
    const v = this.env[name]?.trim();
    if (!v) {
      this.problems.push(`${name} is missing (it is written by the infrastructure on every app)`);
      return undefined;
    }
    return v;
  }

  guid(name: string, optional = false, whyRequired = ""): string | undefined {
    const v = this.env[name]?.trim();
    if (!v) {
      if (!optional) this.problems.push(`${name} is missing${whyRequired}`);
      return undefined;
    }
    if (!GUID.test(v)) {
      this.problems.push(`${name} must be a GUID, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v.toLowerCase();
  }

  json(name: string): unknown {
    const raw = this.text(name);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      this.problems.push(`${name} is not valid JSON`);
      return undefined;
    }
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === "string" && x.length > 0);

/**
 * Reads the callee side: MESH_TENANT_ID, MESH_SERVICE_NAME, MESH_AUDIENCES, MESH_ALLOWED_CALLERS
 * and MESH_ENFORCEMENT (optional, default `enforced`).
 */
export function readCalleeSettings(env: Env = process.env): CalleeSettings {
  const r = new Reader(env);
  const tenantId = r.guid(AppSettingNames.tenantId);
  const serviceName = r.text(AppSettingNames.serviceName);

  const audiences = r.json(AppSettingNames.audiences);
  if (audiences !== undefined && (!isStringArray(audiences) || audiences.length === 0)) {
    r.problems.push(`${AppSettingNames.audiences} must be a non-empty JSON array of strings`);
  }

  // A Map, not the parsed object: a caller id such as "constructor" or "__proto__" must not find
  // something on Object.prototype and pass the allow-list check.
  const allowedCallers = new Map<string, AllowedCaller>();
  const rawCallers = r.json(AppSettingNames.allowedCallers);
  if (rawCallers !== undefined && !isObject(rawCallers)) {
    r.problems.push(
      `${AppSettingNames.allowedCallers} must be a JSON object: caller client id -> { service, roles }`,
    );
  } else if (rawCallers !== undefined) {
    for (const [clientId, entry] of Object.entries(rawCallers)) {
      const at = `${AppSettingNames.allowedCallers}[${JSON.stringify(clientId)}]`;
      if (!GUID.test(clientId)) {
        r.problems.push(`${at}: the key must be the caller's client id (a GUID)`);
      } else if (
        !isObject(entry) ||
        typeof entry.service !== "string" ||
        !Array.isArray(entry.roles) ||
        !entry.roles.every((x) => typeof x === "string" && x.length > 0)
      ) {
        r.problems.push(`${at} must be { "service": string, "roles": string[] }`);
      } else {
        allowedCallers.set(clientId.toLowerCase(), {
          service: entry.service,
          roles: [...(entry.roles as string[])],
        });
      }
    }
  }

  // A typo must not silently enforce (breaking the rollout) or silently stop enforcing.
  const enforcement = (env[ENFORCEMENT_SETTING]?.trim() || "enforced") as Enforcement;
  if (!ENFORCEMENTS.includes(enforcement)) {
    r.problems.push(
      `${ENFORCEMENT_SETTING} must be "enforced" or "shadow" (report-only), got ${JSON.stringify(enforcement)}`,
    );
  }

  if (r.problems.length > 0) throw new MeshSettingsError(r.problems);
  return {
    tenantId: tenantId!,
    serviceName: serviceName!,
    audiences: audiences as string[],
    allowedCallers,
    enforcement,
  };
}

/**
 * Reads the caller side: MESH_TENANT_ID, MESH_SERVICE_NAME, MESH_IDENTITY,
 * MESH_MANAGED_IDENTITY_CLIENT_ID, MESH_APP_CLIENT_ID (registration), MESH_CALLEES, and
 * AZURE_CLIENT_SECRET only for a registration that opted into a secret.
 */
export function readCallerSettings(env: Env = process.env): CallerSettings {
  const r = new Reader(env);
  const tenantId = r.guid(AppSettingNames.tenantId);
  const serviceName = r.text(AppSettingNames.serviceName);
  const kind = r.text(AppSettingNames.identityKind);

  let identity: CallerIdentity | undefined;
  if (kind === "managed") {
    const mi = r.guid(AppSettingNames.managedIdentityClientId);
    if (mi) identity = { kind, managedIdentityClientId: mi };
  } else if (kind === "registration") {
    const appClientId = r.guid(AppSettingNames.appClientId);
    const clientSecret = env[CLIENT_SECRET_SETTING] || undefined;
    // Without a secret the federated credential is the only way in, and it trusts this identity.
    const mi = r.guid(
      AppSettingNames.managedIdentityClientId,
      clientSecret !== undefined,
      " (a registration without a client secret signs in through the federated credential that trusts this managed identity)",
    );
    if (appClientId) {
      identity = { kind, appClientId, managedIdentityClientId: mi, clientSecret };
    }
  } else if (kind !== undefined) {
    r.problems.push(
      `${AppSettingNames.identityKind} must be "managed" or "registration", got ${JSON.stringify(kind)}`,
    );
  }

  const callees = new Map<string, CalleeTarget>();
  const rawCallees = r.json(AppSettingNames.callees);
  if (rawCallees !== undefined && !isObject(rawCallees)) {
    r.problems.push(
      `${AppSettingNames.callees} must be a JSON object: callee name -> { audience, scope, url, roles }`,
    );
  } else if (rawCallees !== undefined) {
    for (const [name, t] of Object.entries(rawCallees)) {
      const at = `${AppSettingNames.callees}[${JSON.stringify(name)}]`;
      if (
        !isObject(t) ||
        typeof t.audience !== "string" ||
        typeof t.scope !== "string" ||
        typeof t.url !== "string" ||
        !isStringArray(t.roles)
      ) {
        r.problems.push(
          `${at} must be { "audience": string, "scope": string, "url": string, "roles": string[] }`,
        );
        continue;
      }
      // Client credentials only grant what was consented for the whole resource: `/.default`.
      if (!t.scope.endsWith("/.default")) {
        r.problems.push(`${at}.scope must end with "/.default", got ${JSON.stringify(t.scope)}`);
        continue;
      }
      if (!URL.canParse(t.url)) {
        r.problems.push(`${at}.url is not an absolute URL: ${JSON.stringify(t.url)}`);
        continue;
      }
      callees.set(name, { audience: t.audience, scope: t.scope, url: t.url, roles: [...t.roles] });
    }
  }

  if (r.problems.length > 0) throw new MeshSettingsError(r.problems);
  return { tenantId: tenantId!, serviceName: serviceName!, identity: identity!, callees };
}
