/**
 * What a mesh component tells an offline plan about itself: its validated graph, as it will build
 * it. The planner (the `service-edges` CLI) runs the user's program under Pulumi's mocks; the
 * components it loads come from the user's `node_modules`, not the CLI's, so the two meet on a
 * process-wide registered symbol rather than a module's state. A component reports only while a
 * planner listens: under `pulumi up` nothing is kept.
 *
 * The graph is the component's inputs after validation (its args or its config namespace), so the
 * plan's tables, Mermaid, review and queries describe what the program passed, whatever config
 * keys it read them from.
 */
import type { ServiceGraph } from "./graph";

/** The protocol of a report; a planner reads only the versions it knows. */
export const PLANNED_MESH_VERSION = 1;

export interface PlannedMesh {
  version: typeof PLANNED_MESH_VERSION;
  /** The component's type token (`service-edges:index:ServiceMesh`, `...:MeshTeam`, ...). */
  type: string;
  /** The component's resource name (its URN's last segment). */
  name: string;
  graph: ServiceGraph;
  /** A team stack's callers from other teams: service name -> its team (the platform's registry). */
  teamOf?: Record<string, string>;
}

const SINK = Symbol.for("service-edges.planned-meshes");

type Holder = { [SINK]?: PlannedMesh[] };

/** Called by each mesh component once its graph is validated. */
export function reportPlannedMesh(mesh: Omit<PlannedMesh, "version">): void {
  const sink = (globalThis as Holder)[SINK];
  if (Array.isArray(sink)) sink.push({ version: PLANNED_MESH_VERSION, ...mesh });
}

/** Starts listening; the returned function stops and gives what was reported meanwhile. */
export function listenForPlannedMeshes(): () => PlannedMesh[] {
  const sink: PlannedMesh[] = [];
  (globalThis as Holder)[SINK] = sink;
  return () => {
    if ((globalThis as Holder)[SINK] === sink) delete (globalThis as Holder)[SINK];
    return sink.filter((m) => m.version === PLANNED_MESH_VERSION);
  };
}
