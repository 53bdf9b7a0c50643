/**
 * Sample caller: calls every callee its edges allow, once per granted role, with a token from its
 * own identity, and shows what each callee answered.
 *
 *   GET /health   no token
 *   GET /         the mesh check: [{ callee, role, status }] for every edge and role
 *
 * Settings: MESH_TENANT_ID, MESH_SERVICE_NAME, MESH_IDENTITY, MESH_MANAGED_IDENTITY_CLIENT_ID,
 * MESH_APP_CLIENT_ID (registration), MESH_CALLEES (written by the infrastructure), PORT.
 * Anyone who can reach this page triggers the calls: keep it off a production service.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createMeshCaller, type MeshCaller } from "../src";

export interface Probe {
  callee: string;
  role: string;
  status: number;
}

export async function checkEdges(caller: MeshCaller): Promise<Probe[]> {
  const probes: Probe[] = [];
  for (const [callee, target] of caller.settings.callees) {
    for (const role of target.roles) {
      let status: number;
      try {
        const res = await caller.fetch(callee, `/roles/${encodeURIComponent(role)}`, {
          signal: AbortSignal.timeout(10_000),
        });
        await res.body?.cancel();
        status = res.status;
      } catch (err) {
        console.warn(`${callee} ${role}: ${(err as Error).message}`);
        status = 0;
      }
      probes.push({ callee, role, status });
    }
  }
  return probes;
}

export function callerListener(caller: MeshCaller): http.RequestListener {
  return (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (req.url === "/health") return reply(200, { ok: true });
    if (req.url !== "/") return reply(404, { error: "not found" });
    void checkEdges(caller).then(
      (probes) => reply(probes.every((p) => p.status === 200) ? 200 : 502, probes),
      (err: Error) => reply(500, { error: err.message }),
    );
  };
}

if (require.main === module) {
  const caller = createMeshCaller();
  const server = http.createServer(callerListener(caller));
  server.listen(Number(process.env.PORT ?? 8080), () => {
    const { port } = server.address() as AddressInfo;
    const callees = [...caller.settings.callees.keys()].join(", ");
    console.log(`${caller.settings.serviceName} listening on ${port}; callees: ${callees}`);
  });
}
