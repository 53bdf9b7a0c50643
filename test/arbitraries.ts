/** fast-check arbitraries: random valid service graphs as stack config values. */
import fc from "fast-check";
import { formatCidr, parseCidr } from "@service-edges/contract";
import type { Values } from "./fixtures";

export interface RandomGraph {
  n: number;
  services: Record<string, Record<string, unknown>>;
  edges: Array<{ from: string; to: string; roles: string[] }>;
}

const SPACE = parseCidr("10.80.0.0/16");
/** The i-th /27 of the address space: fixed per service index, so graphs never renumber. */
export function subnetOf(i: number): string {
  if (!SPACE.ok) throw new Error("bad space");
  return formatCidr(SPACE.cidr.start + BigInt(i) * 32n, 27);
}
export const nameOf = (i: number) => `svc-${i}`;

const spec = fc.record({
  kind: fc.constantFrom("app", "function"),
  sku: fc.constantFrom("P1v3", "S1", "B2"),
  identity: fc.constantFrom("managed", "registration"),
  roles: fc.subarray(["Read", "Write", "Admin"], { minLength: 1 }),
  easyAuth: fc.boolean(),
});

export const randomGraph: fc.Arbitrary<RandomGraph> = fc
  .integer({ min: 2, max: 7 })
  .chain((n) =>
    fc.record({
      n: fc.constant(n),
      specs: fc.array(spec, { minLength: n, maxLength: n }),
      pairs: fc.uniqueArray(
        fc.tuple(fc.nat(n - 1), fc.nat(n - 1)).filter(([a, b]) => a !== b),
        { selector: ([a, b]) => `${a}.${b}`, maxLength: n * 2 },
      ),
      pick: fc.array(fc.nat(), { minLength: n * 2, maxLength: n * 2 }),
    }),
  )
  .map(({ n, specs, pairs, pick }) => {
    const services: RandomGraph["services"] = {};
    specs.forEach((s, i) => {
      services[nameOf(i)] = {
        kind: s.kind,
        sku: s.kind === "function" && s.sku === "S1" ? "EP1" : s.sku,
        maxInstances: 3,
        identity: s.identity,
        subnet: subnetOf(i),
        roles: s.roles,
        easyAuth: s.easyAuth,
      };
    });
    const edges = pairs.map(([a, b], k) => {
      const roles = specs[b].roles;
      return { from: nameOf(a), to: nameOf(b), roles: [roles[pick[k] % roles.length]] };
    });
    return { n, services, edges };
  });

export function valuesOf(g: RandomGraph): Values {
  return {
    "azure-native:location": "westeurope",
    "service-edges:network": { addressSpace: "10.80.0.0/16" },
    "service-edges:services": g.services,
    "service-edges:edges": g.edges,
  };
}
