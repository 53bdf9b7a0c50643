/**
 * A team stack of a mesh across many stacks: its config, its `calls` into other teams' services,
 * and its graph, validated across stacks against the platform's registry (its services are its
 * team's, its edges end at its own services and start at registered callers with a subnet, a
 * retirement is said in both stacks) before the single-stack rules. Pure: no Pulumi imports.
 */
import { ConfigError, type ConfigIssue, type KeyNamer, configKeys, shown } from "./errors";
import { buildServiceGraph } from "./graph";
import {
  type PlatformFacts,
  RETIRED_KEY,
  type RegistryEntry,
  STUB_SKU,
  TEAM_NAME,
  isRegistryKey,
} from "./org-platform";
import { hashedGroupOf, placementLabel, webspaceClassOf } from "./placement";
import { SERVICE_NAME, edgeSchema, serviceSchema } from "./schema";
import type { Edge, ServiceGraph, StackConfigInput } from "./service-graph";

/** A team stack's config as plain values: the same keys as StackConfigInput, plus its own. */
export interface TeamConfigInput extends StackConfigInput {
  platform?: unknown;
  team?: unknown;
}

/**
 * `services.<name>.calls` of a team stack: each entry names a registered service of another team
 * (or, matching its edge, of its own), from a registered caller, with the roles it expects.
 */
function teamCalls(
  declared: Readonly<Record<string, Record<string, unknown>>>,
  own: ReadonlySet<string>,
  retiredHere: ReadonlySet<string>,
  registry: Readonly<Record<string, RegistryEntry>>,
  edges: readonly unknown[],
  add: (segs: Array<string | number>, message: string, fix: string) => void,
): Map<string, Array<{ from: string; to: string; roles: string[] }>> {
  const out = new Map<string, Array<{ from: string; to: string; roles: string[] }>>();
  const granted = new Map<string, string[]>();
  for (const value of edges) {
    const p = edgeSchema.safeParse(value);
    if (p.success)
      granted.set(`${p.data.from}\u0000${p.data.to}`, [...new Set(p.data.roles)].sort());
  }
  for (const name of own) {
    const raw = (declared[name] ?? {}).calls;
    if (raw === undefined) continue;
    if (retiredHere.has(name)) {
      add(
        ["services", name, "calls"],
        `${name} is retired (service-edges:services.${name}.retired: true) and calls nothing`,
        "remove its calls in the same change: a retired service keeps only its subnet",
      );
      continue;
    }
    const parsed = serviceSchema.shape.calls.safeParse(raw);
    if (!parsed.success || !parsed.data) {
      add(
        ["services", name, "calls"],
        `expected each callee with the roles ${name} expects, got ${shown(raw)}`,
        "write calls: { orders: [Orders.Read] }",
      );
      continue;
    }
    if (!registry[name].subnet) {
      add(
        ["services", name, "calls"],
        `${name} has no integration subnet in the platform's registry, and every caller needs one`,
        `give it a subnet in the platform stack's service-edges:services.${name}.subnet first`,
      );
      continue;
    }
    const targets: Array<{ from: string; to: string; roles: string[] }> = [];
    for (const [to, roles] of Object.entries(parsed.data)) {
      const at = ["services", name, "calls", to];
      const sorted = [...new Set(roles)].sort();
      if (!registry[to]) {
        add(at, `${shown(to)} is not in the platform's registry`, "name a registered service");
        continue;
      }
      if (registry[to].retired) {
        add(
          at,
          `${shown(to)} is retired in the platform's registry (service-edges:services.${to}.retired: true)`,
          `remove it: ${to} is being deleted, and nothing may call it`,
        );
        continue;
      }
      if (to === name) {
        add(at, `${name} calls itself`, "remove it: a service needs no edge to itself");
        continue;
      }
      if (own.has(to)) {
        const edge = granted.get(`${name}\u0000${to}`);
        if (!edge || edge.join() !== sorted.join()) {
          add(
            at,
            edge
              ? `says ${sorted.join(", ")}, but this stack's edge ${name} -> ${to} grants ${edge.join(", ")}`
              : `${to} is this team's own service, and this stack has no edge ${name} -> ${to}`,
            `remove it: within a team stack the edges say whom ${name} calls`,
          );
        }
        continue;
      }
      targets.push({ from: name, to, roles: sorted });
    }
    out.set(name, targets);
  }
  return out;
}

/**
 * A team stack's graph: its own services (their registry facts merged in) and the external
 * callers its inbound edges name (from the registry), validated across stacks first: every service
 * it declares is its team's in the registry, every edge ends at one of its own services and starts
 * at a registered caller that has a subnet. `own` lists the services the stack deploys.
 */
export interface TeamGraphOptions {
  /**
   * The registry is the platform stack's file in the same change (the org review), not the
   * deployed platform's outputs: a retirement must then be said in both stacks. Against the
   * deployed registry a team stack may retire first, since it deploys before the platform does.
   */
  sameChange?: boolean;
  /** The platform stack's name, for messages. */
  platformName?: string;
  /** How issues name keys (default: the `service-edges:` config keys). */
  keys?: KeyNamer;
}

export function buildTeamGraph(
  input: TeamConfigInput,
  registry: Readonly<Record<string, RegistryEntry>>,
  platform: PlatformFacts,
  options: TeamGraphOptions = {},
): { graph: ServiceGraph; team: string; own: Set<string> } {
  const issues: ConfigIssue[] = [];
  const keys = options.keys ?? configKeys();
  const add = (segs: Array<string | number>, message: string, fix: string) =>
    issues.push({ path: keys.at(segs), message, fix });
  const team = typeof input.team === "string" ? input.team : "";
  if (!TEAM_NAME.test(team)) {
    add(
      ["team"],
      input.team === undefined ? "is missing" : `${shown(input.team)} is not a valid team name`,
      "set service-edges:team to the team named in the platform's registry (team: ...)",
    );
  }
  for (const key of ["namePrefix", "network"] as const) {
    if (input[key] !== undefined) {
      add(
        [key],
        "is the platform stack's in a team stack",
        `remove it; the team stack takes it from ${shown(input.platform)}`,
      );
    }
  }
  // Every azure-native stack has a location, and a team stack's own resources need one; it only
  // has to be the platform's, where the team's groups and sites are placed.
  const region = (l: unknown) => String(l).toLowerCase().replace(/\s+/g, "");
  if (input.location !== undefined && region(input.location) !== region(platform.location)) {
    const from = options.platformName ?? input.platform;
    issues.push({
      path: "azure-native:location",
      message: `is ${shown(input.location)}, but the platform stack ${shown(from)} is in ${shown(platform.location)}, where this stack places its resources`,
      fix: `set azure-native:location to ${platform.location} in this stack (or remove it), or move the platform`,
    });
  }
  const registered = Object.keys(registry).sort();
  const own = new Set<string>();
  const services: Record<string, unknown> = {};
  const declared = (input.services ?? {}) as Record<string, Record<string, unknown>>;
  const retiredHere = new Set<string>();
  for (const [name, spec] of Object.entries(declared)) {
    const entry = registry[name];
    const retiring = serviceSchema.shape.retired.safeParse(spec?.[RETIRED_KEY]);
    if (retiring.success && retiring.data) retiredHere.add(name);
    if (!entry && retiredHere.has(name)) {
      add(
        ["services", name],
        `${shown(name)} is retired here, but the platform's registry no longer has it`,
        `keep its registry entry (retired: true) until this stack has deployed the retirement, then remove both entries in one change`,
      );
      continue;
    }
    if (!entry) {
      add(
        ["services", name],
        `${shown(name)} is not in the platform's registry`,
        `add it to the platform stack's service-edges:services with team: ${team || "<your team>"}, kind and maxInstances (and subnet if it calls others), deploy the platform, then declare it here`,
      );
      continue;
    }
    if (entry.team !== team) {
      add(
        ["services", name],
        `${shown(name)} is owned by team ${shown(entry.team)} in the platform's registry`,
        `only team ${entry.team}'s stack declares it; move this entry there, or change its team in the registry`,
      );
      continue;
    }
    const moved = Object.keys(spec ?? {}).filter(isRegistryKey);
    for (const k of moved) {
      add(
        ["services", name, k],
        `is the platform's (the registry says ${shown((entry as unknown as Record<string, unknown>)[k])})`,
        `remove it here; change it in the platform stack's service-edges:services.${name}.${k}`,
      );
    }
    if (entry.retired && !retiredHere.has(name)) {
      add(
        ["services", name, RETIRED_KEY],
        `the platform's registry retires ${name} (service-edges:services.${name}.retired: true), but this stack still deploys it`,
        `set service-edges:services.${name}.retired: true here too, and remove its edges and calls: its site is disconnected, then deleted`,
      );
    } else if (options.sameChange && !entry.retired && retiredHere.has(name)) {
      add(
        ["services", name, RETIRED_KEY],
        `retires ${name}, but the platform's registry does not`,
        `set service-edges:services.${name}.retired: true in the platform stack's registry in the same change: both stacks retire a service together (its identity goes, its subnet stays until both entries are removed)`,
      );
    }
    own.add(name);
    // calls are the team stack's own (teamCalls); the graph's services do not take them.
    const rest = Object.fromEntries(Object.entries(spec ?? {}).filter(([k]) => k !== "calls"));
    services[name] = {
      ...rest,
      kind: entry.kind,
      maxInstances: entry.maxInstances,
      identity: entry.identity,
      ...(entry.subnet !== undefined ? { subnet: entry.subnet } : {}),
    };
  }
  const edges = Array.isArray(input.edges) ? input.edges : [];
  edges.forEach((value, i) => {
    const parsed = edgeSchema.safeParse(value);
    if (!parsed.success) return; // reported by the single-stack rules below
    const e = parsed.data;
    if (!own.has(e.to)) {
      const owner = registry[e.to]?.team;
      add(
        ["edges", i, "to"],
        owner
          ? `${shown(e.to)} is team ${shown(owner)}'s service`
          : `${shown(e.to)} is not one of this stack's services`,
        owner
          ? `an edge lives in its callee's team stack: add it to team ${owner}'s stack`
          : `declare ${shown(e.to)} under service-edges:services, or point the edge at one of ${[...own].sort().join(", ") || "this team's services"}`,
      );
      return;
    }
    if (own.has(e.from)) return;
    const caller = registry[e.from];
    if (!caller) {
      add(
        ["edges", i, "from"],
        `unknown caller ${shown(e.from)}: it is not in the platform's registry`,
        `use a registered service (${registered
          .filter((n) => SERVICE_NAME.test(n))
          .slice(0, 5)
          .join(", ")}), or register ${shown(e.from)} in the platform stack first`,
      );
      return;
    }
    if (caller.retired) {
      add(
        ["edges", i, "from"],
        `${shown(e.from)} (team ${caller.team}) is retired in the platform's registry (service-edges:services.${e.from}.retired: true)`,
        `remove this edge (${e.from} -> ${e.to}) in the same change: a retired service keeps only its subnet`,
      );
      return;
    }
    if (!caller.subnet) {
      add(
        ["edges", i, "from"],
        `${shown(e.from)} (team ${caller.team}) has no integration subnet in the platform's registry, and every caller needs one`,
        `give it a subnet in the platform stack's service-edges:services.${e.from}.subnet and deploy the platform first`,
      );
      return;
    }
    if (!(e.from in services)) {
      services[e.from] = {
        kind: caller.kind,
        sku: STUB_SKU[caller.kind],
        maxInstances: caller.maxInstances,
        identity: caller.identity,
        subnet: caller.subnet,
      };
    }
  });
  const calls = teamCalls(declared, own, retiredHere, registry, edges, add);
  if (issues.length > 0) throw new ConfigError(issues, keys.subject);
  const graph = buildServiceGraph(
    {
      stack: input.stack,
      location: platform.location,
      namePrefix: platform.namePrefix,
      guardrails: false,
      network: { addressSpace: platform.addressSpace, vnets: platform.vnets ?? {} },
      services,
      edges,
    },
    // A service in a shared group counts against that group's limit, as the single stack placed it.
    { places: (name) => own.has(name) && !registry[name].sharedGroup, keys },
  );
  const pinned: ConfigIssue[] = [];
  for (const name of own) {
    const shared = registry[name].sharedGroup;
    const node = graph.byName.get(name);
    if (!shared || !node) continue;
    const raw = (declared[name] as { group?: unknown }).group;
    const pin = raw === undefined ? undefined : Number(raw);
    const label = placementLabel(
      webspaceClassOf(node.sku.family),
      pin !== undefined && Number.isInteger(pin) ? pin : hashedGroupOf(name),
    );
    if (label !== shared) {
      pinned.push({
        path: keys.at(["services", name, "sku"]),
        message: `${node.sku.name} (with ${pin !== undefined ? `group: ${pin}` : "its name's group"}) places ${name} in ${label}, but its plan and app are in the shared group ${shared} (the registry's sharedGroup)`,
        fix: `keep the SKU and group the single stack deployed it with; a plan cannot move to another group without being replaced`,
      });
    }
  }
  if (pinned.length > 0) throw new ConfigError(pinned, keys.subject);
  // A caller's calls into other teams' services: its MESH_CALLEES, beside its own stack's edges.
  for (const [from, targets] of calls) {
    const node = graph.byName.get(from)!;
    // teamCalls keeps only other teams' callees: the stack's own edges already name its own.
    const out = [...(graph.outgoing.get(from) ?? []), ...targets];
    out.sort((a, b) => (a.to < b.to ? -1 : 1));
    (graph.outgoing as Map<string, readonly Edge[]>).set(from, out);
    node.callees = [...new Set(out.map((e) => e.to))].sort();
  }
  return { graph, team, own };
}
