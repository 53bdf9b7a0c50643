/**
 * Caller side: a token for a named callee, from the caller's own identity, attached as a bearer
 * token (the scenario's steps 1-4). Callees are looked up by name in MESH_CALLEES, so a service can
 * only ask for tokens for the edges the graph declares.
 */
import type { TokenCredential } from "@azure/identity";
import { meshCredential, type MeshCredentialOptions } from "./credential";
import { readCallerSettings, type CallerSettings, type Env } from "./settings";

export interface MeshCallerOptions {
  /** Default: read from `env`. */
  settings?: CallerSettings;
  /** Default: `process.env`. */
  env?: Env;
  /** Replaces the credential chosen from MESH_IDENTITY (e.g. a test issuer). */
  credential?: TokenCredential;
  /** Options for the credential chosen from MESH_IDENTITY. */
  credentialOptions?: MeshCredentialOptions;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
}

export interface MeshCaller {
  readonly settings: CallerSettings;
  /** A bearer token for the callee (cached by the credential until shortly before it expires). */
  token(callee: string, options?: { abortSignal?: AbortSignal }): Promise<string>;
  /**
   * `fetch` to `path` on the callee's URL with `Authorization: Bearer <token>`. `path` must be
   * absolute-path (`/orders?x=1`): the token is only ever sent to the callee it was issued for.
   */
  fetch(callee: string, path: string, init?: RequestInit): Promise<Response>;
}

/** The graph has no edge from this service to that callee. */
export class UnknownCalleeError extends Error {
  constructor(caller: string, callee: string, known: string[]) {
    super(
      `${caller} has no edge to "${callee}" (MESH_CALLEES lists: ${known.join(", ") || "none"}); ` +
        `add an edge from ${caller} to ${callee} in the stack config`,
    );
    this.name = "UnknownCalleeError";
  }
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

export function createMeshCaller(options: MeshCallerOptions = {}): MeshCaller {
  const settings = options.settings ?? readCallerSettings(options.env);
  const credential =
    options.credential ??
    meshCredential(settings.tenantId, settings.identity, options.credentialOptions);
  const doFetch = options.fetch ?? globalThis.fetch;

  const target = (callee: string) => {
    const t = settings.callees.get(callee);
    if (!t)
      throw new UnknownCalleeError(settings.serviceName, callee, [...settings.callees.keys()]);
    return t;
  };

  const token = async (callee: string, opts: { abortSignal?: AbortSignal } = {}) => {
    const { scope } = target(callee);
    let result;
    try {
      result = await credential.getToken(scope, { abortSignal: opts.abortSignal });
    } catch (cause) {
      throw new Error(`${settings.serviceName} could not get a token for ${callee} (${scope})`, {
        cause,
      });
    }
    if (!result) throw new Error(`no token for ${callee} (${scope})`);
    return result.token;
  };

  return {
    settings,
    token,
    async fetch(callee, path, init = {}) {
      const base = new URL(target(callee).url);
      // A bearer token is usable by whoever holds it: never over cleartext beyond this machine.
      if (base.protocol !== "https:" && !LOOPBACK.has(base.hostname)) {
        throw new Error(`refusing to send a token to ${base.origin}: callee URL must be https`);
      }
      if (!path.startsWith("/") || path.startsWith("//")) {
        throw new Error(`path must start with a single "/", got ${JSON.stringify(path)}`);
      }
      const url = new URL(base.origin + base.pathname.replace(/\/+$/, "") + path);
      if (url.origin !== base.origin) throw new Error(`path leaves ${base.origin}`);

      const headers = new Headers(init.headers);
      headers.set(
        "authorization",
        `Bearer ${await token(callee, { abortSignal: init.signal ?? undefined })}`,
      );
      // A redirect would carry the request elsewhere; the caller decides what to do with it.
      return doFetch(url, { redirect: "manual", ...init, headers });
    },
  };
}
