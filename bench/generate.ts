/**
 * Generated meshes for benchmarks and scale tests: n services, each calling the next `fanout`
 * (wrapping around), each with its own /28 integration subnet and one role.
 */
import { formatCidr, parseCidr } from "@service-edges/contract";

export function generatedMesh(n: number, fanout = 10): Record<string, unknown> {
  const space = parseCidr("10.64.0.0/12");
  if (!space.ok) throw new Error("bad address space");
  const name = (i: number) => `svc${String(i).padStart(4, "0")}`;
  const services: Record<string, unknown> = {};
  const edges: unknown[] = [];
  for (let i = 0; i < n; i++) {
    services[name(i)] = {
      kind: i % 10 === 9 ? "function" : "app",
      sku: i % 10 === 9 ? "EP1" : "P1v3",
      maxInstances: 5,
      subnet: formatCidr(space.cidr.start + BigInt(i) * 16n, 28),
      roles: ["Call"],
    };
    for (let k = 1; k <= Math.min(fanout, n - 1); k++) {
      edges.push({ from: name(i), to: name((i + k) % n), roles: ["Call"] });
    }
  }
  return {
    "azure-native:location": "westeurope",
    "service-edges:network": { addressSpace: "10.64.0.0/12" },
    "service-edges:services": services,
    "service-edges:edges": edges,
  };
}
