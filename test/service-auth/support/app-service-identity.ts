/**
 * The App Service managed identity endpoint, as @azure/identity finds it through IDENTITY_ENDPOINT
 * and IDENTITY_HEADER (protocol 2019-08-01): it answers with a token that the platform gets from
 * Entra for the user-assigned identity named by `client_id`. Here the identity's token comes from
 * the local issuer.
 */
import { randomUUID } from "node:crypto";
import { listen } from "./http";
import type { LocalEntra } from "./issuer";

export interface IdentityEndpoint {
  /** What App Service puts in the environment of an app with a managed identity. */
  env: { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  /** `client_id resource` of every token request. */
  requests: string[];
  close(): Promise<void>;
}

export async function appServiceIdentityEndpoint(entra: LocalEntra): Promise<IdentityEndpoint> {
  const header = randomUUID();
  const requests: string[] = [];
  const server = await listen((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    const resource = url.searchParams.get("resource");
    const clientId = url.searchParams.get("client_id");
    if (url.pathname !== "/msi/token" || url.searchParams.get("api-version") !== "2019-08-01") {
      return reply(404, { error: "not found" });
    }
    if (req.headers["x-identity-header"] !== header) return reply(401, { error: "bad header" });
    if (!resource || !clientId) return reply(400, { error: "resource and client_id required" });
    requests.push(`${clientId} ${resource}`);
    entra.requestToken({ clientId, scope: `${resource.replace(/\/+$/, "")}/.default` }).then(
      (token) =>
        reply(200, {
          access_token: token,
          expires_on: String(Math.floor(Date.now() / 1000) + 3600),
          resource,
          token_type: "Bearer",
          client_id: clientId,
        }),
      (err: Error) => reply(400, { error: "invalid_request", error_description: err.message }),
    );
  });
  return {
    env: { IDENTITY_ENDPOINT: `${server.url}/msi/token`, IDENTITY_HEADER: header },
    requests,
    close: server.close,
  };
}
