/**
 * Generated meshes for benchmarks and scale tests: n services, each calling the next `fanout`
 * (wrapping around), each with its own /28 integration subnet and one role.
 */
import { formatCidr, parseCidr } from "@service-edges/contract";

/** Private mode: service i's endpoint subnet, a /25 from 10.72.0.0 (above every /28 used). */
function peSubnet(i: number): string {
  const start = parseCidr("10.72.0.0/25");
  if (!start.ok) throw new Error("bad endpoint range");
  return formatCidr(start.cidr.start + BigInt(Math.floor(i / 100)) * 128n, 25);
}

export function generatedMesh(
  n: number,
  fanout = 10,
  inbound: "serviceEndpoints" | "privateEndpoints" = "serviceEndpoints",
): Record<string, unknown> {
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
      // Private mode: 100 endpoints per subnet (an NSG's rules name at most 100 ASGs).
      ...(inbound === "privateEndpoints" ? { privateEndpointSubnet: peSubnet(i) } : {}),
    };
    for (let k = 1; k <= Math.min(fanout, n - 1); k++) {
      edges.push({ from: name(i), to: name((i + k) % n), roles: ["Call"] });
    }
  }
  const peSubnets = [...new Set(Object.keys(services).map((_, i) => peSubnet(i)))];
  return {
    "azure-native:location": "westeurope",
    "service-edges:network": {
      addressSpace: "10.64.0.0/12",
      ...(inbound === "privateEndpoints" ? { inbound, privateEndpointSubnets: peSubnets } : {}),
    },
    "service-edges:services": services,
    "service-edges:edges": edges,
  };
}

/**
 * A generated org (contract org.ts): one platform stack whose registry holds `n` services in
 * `teams` teams, and one stack per team. Every other service is a caller with its own /28; each
 * service is called by up to `fanout` callers, and every edge lives in its callee's team stack
 * (and in its caller's `calls` when the two teams differ).
 * Returns stack file name -> its config.
 */
export function generatedOrg(n: number, teams: number, fanout = 10): Record<string, unknown> {
  const space = parseCidr("10.64.0.0/12");
  if (!space.ok) throw new Error("bad address space");
  const name = (i: number) => `svc${String(i).padStart(5, "0")}`;
  const team = (i: number) => `team${String(i % teams).padStart(3, "0")}`;
  // One VNet holds at most 3,000 subnets: caller k >= 3,000 goes in extra VNet floor(k / 3000).
  const PER_VNET = 3000;
  const vnets: Record<string, string> = {};
  const subnetOf = (k: number) => {
    const v = Math.floor(k / PER_VNET);
    if (v === 0) return formatCidr(space.cidr.start + BigInt(k) * 16n, 28);
    const cidr = parseCidr(`10.${80 + v}.0.0/16`);
    if (!cidr.ok) throw new Error("bad vnet space");
    vnets[`v${v}`] = cidr.cidr.text;
    return formatCidr(cidr.cidr.start + BigInt(k % PER_VNET) * 16n, 28);
  };
  const registry: Record<string, unknown> = {};
  const own: Array<Record<string, unknown>> = Array.from({ length: teams }, () => ({}));
  const inbound: unknown[][] = Array.from({ length: teams }, () => []);
  const callers: number[] = [];
  for (let i = 0; i < n; i++) {
    const fn = i % 10 === 9;
    const caller = i % 2 === 0;
    registry[name(i)] = {
      team: team(i),
      kind: fn ? "function" : "app",
      maxInstances: 5,
      ...(caller ? { subnet: subnetOf(callers.length) } : {}),
    };
    if (caller) callers.push(i);
    own[i % teams][name(i)] = { sku: fn ? "EP1" : "P1v3", roles: ["Call"] };
  }
  for (let i = 0; i < n; i++) {
    for (let k = 1; k <= Math.min(fanout, callers.length); k++) {
      const from = callers[(Math.floor(i / 2) + k) % callers.length];
      if (from === i) continue;
      inbound[i % teams].push({ from: name(from), to: name(i), roles: ["Call"] });
      // The caller's side: its calls into other teams' services (its MESH_CALLEES).
      if (from % teams !== i % teams) {
        const spec = own[from % teams][name(from)] as { calls?: Record<string, string[]> };
        (spec.calls ??= {})[name(i)] = ["Call"];
      }
    }
  }
  const files: Record<string, unknown> = {
    "Pulumi.platform.yaml": {
      config: {
        "azure-native:location": "westeurope",
        "service-edges:namePrefix": "gen",
        "service-edges:network": { addressSpace: "10.64.0.0/12", vnets },
        "service-edges:services": registry,
      },
    },
  };
  for (let t = 0; t < teams; t++) {
    files[`Pulumi.${team(t)}.yaml`] = {
      config: {
        "service-edges:platform": "platform",
        "service-edges:team": team(t),
        "service-edges:services": own[t],
        "service-edges:edges": inbound[t],
      },
    };
  }
  return files;
}
