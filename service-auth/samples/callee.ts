/**
 * Sample callee: a plain Node http service that only answers the callers its edges allow.
 *
 *   GET /health         no token (App Service health check)
 *   GET /whoami         any allowed caller: who the token says is calling
 *   GET /roles/{role}   an allowed caller granted {role}: a mesh smoke test, one route per role
 *
 * Settings: MESH_TENANT_ID, MESH_SERVICE_NAME, MESH_AUDIENCES, MESH_ALLOWED_CALLERS (written by the
 * infrastructure), PORT (set by App Service).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createMeshAuth, meshCallerOf, type MeshAuth } from "../src";

export function calleeListener(auth: MeshAuth): http.RequestListener {
  const whoami = auth.requireRoles();
  // Middleware is built once per route at startup, never from request input.
  const granted = [...auth.settings.allowedCallers.values()].flatMap((c) => c.roles);
  const byRole = new Map(granted.map((role) => [role, auth.requireRoles(role)]));
  const reply = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };

  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") return reply(res, 405, { error: "method not allowed" });
    if (path === "/health") return reply(res, 200, { ok: true });
    if (path === "/whoami") return void whoami(req, res, () => reply(res, 200, meshCallerOf(req)));

    const match = /^\/roles\/([^/]+)$/.exec(path);
    if (match) {
      // A real route names its role the same way: auth.requireRoles("Invoices.Read").
      const role = safeDecode(match[1]);
      const route = role === undefined ? undefined : byRole.get(role);
      if (!route) return void whoami(req, res, () => reply(res, 404, { error: "no such role" }));
      return void route(req, res, () => reply(res, 200, { role, caller: meshCallerOf(req) }));
    }
    reply(res, 404, { error: "not found" });
  };
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

if (require.main === module) {
  const auth = createMeshAuth();
  const server = http.createServer(calleeListener(auth));
  server.listen(Number(process.env.PORT ?? 8080), () => {
    const { port } = server.address() as AddressInfo;
    const callers = [...auth.settings.allowedCallers.values()].map((c) => c.service);
    console.log(
      `${auth.settings.serviceName} listening on ${port}; callers: ${callers.join(", ")}`,
    );
  });
}
