/**
 * The plan's services and graph from the meshes the program reported (contract
 * planned-meshes.ts): each component's URN as registered, the URNs of its children under it,
 * each service as the plan lists it, and one graph for the tables when a program has several
 * meshes (names qualified by their component).
 */
import {
  type MeshUrns,
  type PlannedMesh,
  RESOURCE_TYPES,
  type ServiceGraph,
  describeIngress,
  isCallee,
} from "@service-edges/contract";
import type { PlanResource, PlanService } from "./plan-result";

/**
 * The component's URN as registered: found by type and name (a program may nest its mesh under a
 * component of its own, so its URN is not always the root one).
 */
export function componentUrn(resources: readonly PlanResource[], m: PlannedMesh): string | null {
  const found = resources.filter((r) => r.type === m.type && r.name === m.name);
  return found.length === 1 ? found[0].urn : null;
}

/** The mesh's child URNs, under the component's actual parents when it has any. */
export function urnsUnder(u: MeshUrns, urn: string | null): MeshUrns {
  const root = u.mesh();
  if (!urn || urn === root) return u;
  // urn:pulumi:<stack>::<project>::<parent types$>type::name: only the type chain differs.
  const chain = (x: string) => x.split("::")[2];
  const from = `::${chain(root)}`;
  const to = `::${chain(urn)}`;
  const move = (x: string) => x.replace(from, to);
  return {
    mesh: () => urn,
    service: (c, t, s) => move(u.service(c, t, s)),
    vnet: (n) => move(u.vnet(n)),
    assignment: (f, t, r) => move(u.assignment(f, t, r)),
  };
}

/** One service of a reported mesh, as the plan lists it. */
export function planService(
  m: PlannedMesh,
  s: ServiceGraph["services"][number],
  u: MeshUrns,
  known: (urn: string) => string | null,
  named: (service: string) => string,
): PlanService {
  const R = RESOURCE_TYPES;
  const owner = isCallee(s) ? "callee" : s.identity === "registration" ? "identity" : null;
  const team = m.teamOf?.[s.name];
  return {
    name: named(s.name),
    ...(named(s.name) !== s.name ? { mesh: m.name } : {}),
    kind: s.kind,
    ...(team ? { team } : {}),
    sku: team ? "-" : s.sku.name,
    maxInstances: s.maxInstances,
    subnet: s.subnet?.text ?? null,
    identity: s.identity,
    roles: s.roles,
    ingress: team ? "-" : describeIngress(s.ingress),
    enforcement: s.enforcement,
    ...(s.shadowUntil ? { shadowUntil: s.shadowUntil } : {}),
    urns: {
      plan: known(u.service("host", R.plan, s.name)),
      subnet: s.subnet ? known(u.vnet(s.vnet)) : null,
      app: known(u.service("host", R.app, s.name)),
      identity: known(u.service("identity", R.userAssignedIdentity, s.name)),
      application: owner && known(u.service(owner, R.application, s.name)),
      servicePrincipal: owner && known(u.service(owner, R.servicePrincipal, s.name)),
    },
  };
}

/**
 * The graph the plan's tables and Mermaid draw: the one mesh's, or every mesh's services and
 * edges with names qualified by their component (`payments/api`) when the program has several.
 */
export function mergedGraph(
  meshes: readonly PlannedMesh[],
  qualify: boolean,
): ServiceGraph | undefined {
  if (meshes.length === 0) return undefined;
  if (!qualify) return meshes[0].graph;
  const services = meshes.flatMap((m) =>
    m.graph.services.map((s) => ({ ...s, name: `${m.name}/${s.name}` })),
  );
  const rename = <E extends { from: string; to: string }>(m: PlannedMesh, e: E): E => ({
    ...e,
    from: `${m.name}/${e.from}`,
    to: `${m.name}/${e.to}`,
  });
  return {
    ...meshes[0].graph,
    services,
    edges: meshes.flatMap((m) => m.graph.edges.map((e) => rename(m, e))),
    expiredEdges: meshes.flatMap((m) => m.graph.expiredEdges.map((e) => rename(m, e))),
    expiringEdges: meshes.flatMap((m) => m.graph.expiringEdges.map((e) => rename(m, e))),
    byName: new Map(services.map((s) => [s.name, s])),
  };
}
