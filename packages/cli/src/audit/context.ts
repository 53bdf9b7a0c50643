/**
 * What an audit accumulates while it walks the mesh: findings and the access list, over the
 * model of the deployment and the graph it is held against.
 */
import type { ServiceGraph } from "@service-edges/contract";
import type { MeshModel, Site } from "@service-edges/model";
import type { AssignmentsFile } from "./inputs";
import type { AccessEntry, Finding, SiteSummary } from "./report";
import type { Side } from "./rules";

export class AuditContext {
  readonly findings: Finding[] = [];
  readonly access = new Map<string, AccessEntry>();
  readonly summaries: SiteSummary[] = [];
  /** Each deployed service's main side, for answering "can X reach it?" later. */
  readonly mains = new Map<string, { side: Side; publicOpen: boolean }>();

  constructor(
    readonly graph: ServiceGraph,
    readonly model: MeshModel,
    readonly assignments: AssignmentsFile | undefined,
    readonly notes: string[],
  ) {}

  site(service: string, slot?: string): Site | undefined {
    return this.model.site(service, slot);
  }

  add(
    kind: Finding["kind"],
    layer: Finding["layer"],
    service: string,
    subject: string,
    message: string,
  ): void {
    this.findings.push({ kind, layer, service, subject, message });
  }

  entry(from: string, to: string): AccessEntry {
    const key = `${from}\u0000${to}`;
    let a = this.access.get(key);
    if (!a) {
      a = {
        from,
        to,
        declared: null,
        network: { admitted: false, by: [] },
        identity: { roles: [], token: null },
      };
      this.access.set(key, a);
    }
    return a;
  }
}
