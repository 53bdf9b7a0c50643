/**
 * What a config PR changes: resources added / changed / removed by URN (with the changed
 * properties), and the access matrix delta in words.
 */
import { adopt } from "./adoption";
import type { PlanResult } from "./run";

export interface ResourceChange {
  urn: string;
  type: string;
  name: string;
  /** Changed input paths, e.g. `siteConfig.appSettings[MESH_ALLOWED_CALLERS].value`. */
  properties: string[];
}

export interface PlanDiff {
  added: ResourceChange[];
  changed: ResourceChange[];
  removed: ResourceChange[];
  /** Sentences like "reports may now call catalog with Catalog.Read". */
  access: string[];
  /** Edges (`from.to`) that are new or whose roles changed, for highlighting. */
  newEdges: Set<string>;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Arrays of named entries (app settings, restriction rules, roles) are compared by name. */
function keyOf(v: unknown): string | undefined {
  if (!isObj(v)) return undefined;
  for (const k of ["name", "value"]) if (typeof v[k] === "string") return v[k] as string;
  return undefined;
}

/** One changed input: its path, and the values before and after (`undefined`: absent). */
export interface InputChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** Changed inputs, by path; arrays of named entries are compared by name. */
export function inputChanges(a: unknown, b: unknown, at = ""): InputChange[] {
  if (a === b) return [];
  if (Array.isArray(a) && Array.isArray(b)) {
    const ka = a.map(keyOf);
    const kb = b.map(keyOf);
    if (ka.every((k) => k !== undefined) && kb.every((k) => k !== undefined)) {
      const ma = new Map(a.map((x, i) => [ka[i]!, x]));
      const mb = new Map(b.map((x, i) => [kb[i]!, x]));
      const out: InputChange[] = [];
      for (const k of new Set([...ma.keys(), ...mb.keys()])) {
        if (!ma.has(k) || !mb.has(k))
          out.push({ path: `${at}[${k}]`, before: ma.get(k), after: mb.get(k) });
        else out.push(...inputChanges(ma.get(k), mb.get(k), `${at}[${k}]`));
      }
      return out;
    }
    if (a.length !== b.length) return [{ path: at, before: a, after: b }];
    return a.flatMap((x, i) => inputChanges(x, b[i], `${at}[${i}]`));
  }
  if (isObj(a) && isObj(b)) {
    const out: InputChange[] = [];
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      out.push(...inputChanges(a[k], b[k], at ? `${at}.${k}` : k));
    }
    return out;
  }
  return [{ path: at, before: a, after: b }];
}

export function changedPaths(a: unknown, b: unknown, at = ""): string[] {
  return inputChanges(a, b, at).map((c) => c.path);
}

function entry(r: PlanResult["resources"][number], properties: string[] = []): ResourceChange {
  return { urn: r.urn, type: r.type, name: r.name, properties };
}

export function diffPlans(base: PlanResult, head: PlanResult): PlanDiff {
  const before = new Map(base.resources.map((r) => [r.urn, r]));
  const after = new Map(head.resources.map((r) => [r.urn, r]));
  const added: ResourceChange[] = [];
  const changed: ResourceChange[] = [];
  const removed: ResourceChange[] = [];
  // A resource renamed or moved under an alias is the same resource, as the engine sees it.
  const adopted = adopt(head.resources, new Set(before.keys()));
  const taken = new Set(adopted.values());
  for (const [urn, r] of after) {
    const was = adopted.get(urn);
    const old = was === undefined ? undefined : before.get(was);
    if (!old) added.push(entry(r));
    else {
      const props = changedPaths(old.inputs, r.inputs);
      if (props.length > 0) changed.push(entry(r, props));
    }
  }
  for (const [urn, r] of before) if (!taken.has(urn)) removed.push(entry(r));

  const edgesOf = (p: PlanResult) => new Map(p.edges.map((e) => [`${e.from}.${e.to}`, e]));
  const eb = edgesOf(base);
  const eh = edgesOf(head);
  const access: string[] = [];
  const newEdges = new Set<string>();
  const sb = new Set(base.services.map((s) => s.name));
  const sh = new Set(head.services.map((s) => s.name));
  for (const s of head.services)
    if (!sb.has(s.name)) access.push(`new service ${s.name} (${s.kind} ${s.sku})`);
  for (const s of base.services) if (!sh.has(s.name)) access.push(`service ${s.name} is removed`);
  for (const [k, e] of eh) {
    const old = eb.get(k);
    if (!old) {
      access.push(`${e.from} may now call ${e.to} with ${e.roles.join(", ")}`);
      newEdges.add(k);
      continue;
    }
    const gained = e.roles.filter((r) => !old.roles.includes(r));
    const lost = old.roles.filter((r) => !e.roles.includes(r));
    if (gained.length) access.push(`${e.from} gains ${gained.join(", ")} on ${e.to}`);
    if (lost.length) access.push(`${e.from} loses ${lost.join(", ")} on ${e.to}`);
    if (gained.length || lost.length) newEdges.add(k);
  }
  for (const [k, e] of eb) if (!eh.has(k)) access.push(`${e.from} may no longer call ${e.to}`);
  const byUrn = (a: ResourceChange, b: ResourceChange) => (a.urn < b.urn ? -1 : 1);
  return {
    added: added.sort(byUrn),
    changed: changed.sort(byUrn),
    removed: removed.sort(byUrn),
    access,
    newEdges,
  };
}

/** URN without the stack and project: what a reviewer reads. */
export function shortUrn(urn: string): string {
  return urn.split("::").slice(2).join("::");
}
