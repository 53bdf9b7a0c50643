/**
 * The edges' rules: each edge names two declared services, is not a self or duplicate edge, and
 * grants only roles its callee exposes; no callee has more callers than a site holds
 * access-restriction rules; no edge names a retired service. Pure: no Pulumi imports.
 */
import { shown } from "./errors";
import { type Issues, type Segments, listed, nearest, zodIssue } from "./graph-issues";
import { type Ingress, NO_INGRESS, ingressRuleCount } from "./ingress";
import { checkExpires } from "./operations";
import { type RawEdge, type RawService, edgeSchema } from "./schema";
import { type Edge, MAX_RULES_PER_SITE, type StackConfigInput } from "./service-graph";

export function parseEdges(
  input: StackConfigInput,
  raw: ReadonlyMap<string, RawService>,
  declared: ReadonlySet<string>,
  { add, push, keys }: Issues,
): Edge[] {
  const edges: Edge[] = [];
  const edgeAt = new Map<string, number>();
  if (input.edges !== undefined && !Array.isArray(input.edges)) {
    add(
      ["edges"],
      `expected a list of edges, got ${shown(input.edges)}`,
      "write edges as a list of { from, to, roles }",
    );
  }
  const rawEdges: unknown[] = Array.isArray(input.edges) ? input.edges : [];
  const names = [...declared].sort();
  rawEdges.forEach((value, i) => {
    const at: Segments = ["edges", i];
    const parsed = edgeSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) push(zodIssue(keys, at, issue, value));
      return;
    }
    const e: RawEdge = parsed.data;
    let ok = true;
    for (const end of ["from", "to"] as const) {
      if (!declared.has(e[end])) {
        ok = false;
        add(
          [...at, end],
          `unknown service ${shown(e[end])}`,
          `use a declared service (${listed(nearest(e[end], names))}) or declare ${shown(e[end])} under ${keys.key(["services"])}`,
        );
      }
    }
    if (!ok) return;
    if (e.from === e.to) {
      add(
        at,
        `${shown(e.from)} calls itself`,
        "remove the edge; a service needs no permission to call itself",
      );
      return;
    }
    const key = `${e.from}\u0000${e.to}`;
    const first = edgeAt.get(key);
    if (first !== undefined) {
      add(
        at,
        `duplicates edges[${first}] (${e.from} -> ${e.to})`,
        `merge its roles into edges[${first}] and remove this one`,
      );
      return;
    }
    edgeAt.set(key, i);
    if (e.expires !== undefined && !checkExpires(at, e.expires, add)) return;
    const callee = raw.get(e.to);
    if (!callee) return; // its own errors are reported above
    const declaredRoles = new Set(callee.roles);
    const seen = new Set<string>();
    e.roles.forEach((role, k) => {
      if (seen.has(role))
        add([...at, "roles", k], `${shown(role)} is listed twice`, "list each role once");
      seen.add(role);
      if (!declaredRoles.has(role)) {
        add(
          [...at, "roles", k],
          `${shown(e.to)} does not expose the role ${shown(role)}`,
          callee.retiredRoles.includes(role)
            ? `${shown(role)} is being retired on ${e.to}; remove it from this edge`
            : callee.roles.length > 0
              ? `use one of ${listed(callee.roles)}, or add ${shown(role)} to ${keys.key(["services", e.to, "roles"])}`
              : `declare it under ${keys.key(["services", e.to, "roles"])}`,
        );
      }
    });
    edges.push({
      from: e.from,
      to: e.to,
      roles: [...seen].sort(),
      ...(e.expires !== undefined ? { expires: e.expires } : {}),
    });
  });

  return edges;
}

export function checkRuleLimits(
  callersOf: ReadonlyMap<string, string[]>,
  ingresses: ReadonlyMap<string, Ingress>,
  { add }: Issues,
): void {
  for (const [callee, callers] of callersOf) {
    const ingress = ingressRuleCount(ingresses.get(callee) ?? NO_INGRESS);
    if (callers.length + ingress > MAX_RULES_PER_SITE) {
      add(
        ["services", callee],
        `has ${callers.length} callers${ingress ? ` and ${ingress} ingress rules` : ""}, but a site holds at most ${MAX_RULES_PER_SITE} access-restriction rules (one per caller)`,
        `split ${callee} into several services, or remove ${callers.length + ingress - MAX_RULES_PER_SITE} of its incoming edges`,
      );
    }
  }
}

/** Retirement step 1: no edge may name a retired service, so its site can go. */
export function checkRetiredEdges(
  input: StackConfigInput,
  retired: ReadonlySet<string>,
  edges: readonly Edge[],
  { add, keys }: Issues,
): void {
  if (retired.size === 0) return;
  const rawEdges: unknown[] = Array.isArray(input.edges) ? input.edges : [];
  const at = new Map(
    rawEdges.map((e, i) => {
      const r = e as { from?: unknown; to?: unknown };
      return [`${String(r.from)}\u0000${String(r.to)}`, i] as const;
    }),
  );
  for (const e of edges) {
    for (const end of ["from", "to"] as const) {
      if (!retired.has(e[end])) continue;
      add(
        ["edges", at.get(`${e.from}\u0000${e.to}`) ?? 0, end],
        `${shown(e[end])} is retired (${keys.key(["services", e[end], "retired"])}: true)`,
        `remove this edge (${e.from} -> ${e.to}) in the same change: a retired service keeps only its subnet`,
      );
    }
  }
}
