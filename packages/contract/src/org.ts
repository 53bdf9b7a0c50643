/**
 * One mesh across many stacks. A **platform** stack owns the address plan and the identities: its
 * `service-edges:services` is the org's registry (every service, with its `team`, `kind`,
 * `maxInstances`, `identity` and, for callers, `subnet`). A **team** stack owns its services'
 * plans and apps, its callees' Entra applications and roles, and the edges into its own services
 * (the callee's team decides who may call it); it reads the registry from the platform stack.
 * Pure: no Pulumi imports.
 */
import { z } from "zod";
import { ConfigError, type ConfigIssue, type KeyNamer, configKeys, shown } from "./errors";
import { type Edge, type ServiceGraph, type StackConfigInput, buildServiceGraph } from "./graph";
import { hashedGroupOf, placementLabel, webspaceClassOf } from "./placement";
import { SERVICE_NAME, edgeSchema, serviceSchema } from "./schema";

export type StackKind = "single" | "platform" | "team";

/** The keys of a service in the platform's registry. */
export const REGISTRY_KEYS = [
  "team",
  "kind",
  "maxInstances",
  "identity",
  "clientSecret",
  "secretRotation",
  "subnet",
  "sharedGroup",
  "identityGroup",
] as const;
/** Whether a service key is the platform's registry's (else a team stack's). */
export function isRegistryKey(key: string): boolean {
  return (REGISTRY_KEYS as readonly string[]).includes(key);
}
/**
 * Retirement step 1 (`retired: true`) is said in both stacks that declare a service: the team
 * stack deletes its compute and application, the platform its identity, keeping its subnet.
 */
export const RETIRED_KEY = "retired";
/** A team stack's service takes every other service key. */
export const TEAM_SERVICE_KEYS = Object.keys(serviceSchema.shape).filter((k) => !isRegistryKey(k));
/** Team names: what a team's resource groups are named with. */
export const TEAM_NAME = /^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$/;

/** What a team stack needs to know about every service in the org (platform stack output). */
export interface RegistryEntry {
  team: string;
  kind: "app" | "function";
  maxInstances: number;
  identity: "managed" | "registration";
  /** The integration subnet, `a.b.c.d/p` (callers). */
  subnet?: string;
  /**
   * A service moved from a single-stack mesh: the label of the mesh-wide group its plan and app
   * stay in (`g07`, `ep-g07`, `classic-g07`: `<prefix>-g07`, which the platform then holds), so the
   * move replaces nothing. Its team stack adopts its compute there instead of in its own groups.
   */
  sharedGroup?: string;
  /** `shared`: its identity stays in its shared group (a single stack with guardrails: false). */
  identityGroup?: "shared";
  /**
   * Retirement step 1: the service has no identity and no compute any more; only its subnet is
   * kept, until its entries are removed (step 2). No edge or `calls` may name it.
   */
  retired?: true;
}

/** A single stack's placement label (placement.ts), as `sharedGroup` names it. */
export const SHARED_GROUP = /^(ep-|classic-)?g\d{2,}$/;

/** A team stack's config as plain values: the same keys as StackConfigInput, plus its own. */
export interface TeamConfigInput extends StackConfigInput {
  platform?: unknown;
  team?: unknown;
}

/** The kind of a stack from its keys: `platform` set -> team; services with `team` -> platform. */
export function stackKindOf(input: { platform?: unknown; services?: unknown }): StackKind {
  if (input.platform !== undefined) return "team";
  const services = input.services;
  if (services && typeof services === "object" && !Array.isArray(services)) {
    const specs = Object.values(services as Record<string, unknown>);
    if (specs.some((s) => s && typeof s === "object" && "team" in (s as object))) return "platform";
  }
  return "single";
}

/** Web apps never exceed 30 instances (PremiumV3); Function apps 100 (Elastic Premium). */
const CEILING = { app: 30, function: 100 } as const;
/** A SKU that admits the registry's maxInstances, to validate subnets with the single-stack rules. */
const STUB_SKU = { app: "P1v3", function: "EP1" } as const;

const registrySchema = z.looseObject({
  team: z.string(),
  kind: z.enum(["app", "function"]),
  maxInstances: z.preprocess(
    (v) => (typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : v),
    z.number().int(),
  ),
  identity: z.enum(["managed", "registration"]).default("managed"),
  subnet: z.string().optional(),
  sharedGroup: z
    .string()
    .regex(SHARED_GROUP, "expected a single stack's group label: g07, ep-g07 or classic-g07")
    .optional(),
  identityGroup: z.literal("shared").optional(),
  retired: serviceSchema.shape.retired,
});

/**
 * The platform stack's graph: its registry validated as the single-stack rules validate services
 * (names, subnets inside the address space, sized, never overlapping), plus each entry's team.
 * Its services carry no plan keys: the platform registers networks and identities only.
 */
export function buildPlatformGraph(
  input: StackConfigInput,
  options: { keys?: KeyNamer } = {},
): {
  graph: ServiceGraph;
  registry: Record<string, RegistryEntry>;
} {
  const issues: ConfigIssue[] = [];
  const keys = options.keys ?? configKeys();
  const add = (segs: Array<string | number>, message: string, fix: string) =>
    issues.push({ path: keys.at(segs), message, fix });
  const registry: Record<string, RegistryEntry> = {};
  const services: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(
    (input.services ?? {}) as Record<string, Record<string, unknown>>,
  )) {
    const extra = Object.keys(spec ?? {}).filter((k) => !isRegistryKey(k) && k !== RETIRED_KEY);
    if (extra.length > 0) {
      add(
        ["services", name],
        `the platform's registry does not take ${extra.map((k) => JSON.stringify(k)).join(", ")}`,
        `move ${extra.length > 1 ? "them" : "it"} to the service's entry in team ${shown(spec?.team)}'s stack; the registry takes ${REGISTRY_KEYS.join(", ")} and ${RETIRED_KEY}`,
      );
    }
    const parsed = registrySchema.safeParse(spec ?? {});
    if (!parsed.success) {
      for (const i of parsed.error.issues)
        add(
          ["services", name, ...(i.path as Array<string | number>)],
          i.message,
          `set it: the registry needs team, kind (app | function) and maxInstances`,
        );
      continue;
    }
    const r = parsed.data;
    if (!TEAM_NAME.test(r.team)) {
      add(
        ["services", name, "team"],
        `${shown(r.team)} is not a valid team name`,
        "use 1-16 lowercase letters, digits or hyphens, starting with a letter (it names the team's resource groups)",
      );
    }
    if (r.maxInstances > CEILING[r.kind]) {
      add(
        ["services", name, "maxInstances"],
        `${r.maxInstances} is above what a ${r.kind === "app" ? "web app" : "Function app"} can scale to (${CEILING[r.kind]})`,
        `use at most ${CEILING[r.kind]}`,
      );
    }
    if (r.identityGroup && !r.sharedGroup) {
      add(
        ["services", name, "identityGroup"],
        "identityGroup: shared needs the service's sharedGroup",
        "set sharedGroup to the group label the single stack placed it in, or remove identityGroup",
      );
    }
    registry[name] = {
      team: r.team,
      kind: r.kind,
      maxInstances: r.maxInstances,
      identity: r.identity,
      ...(r.subnet !== undefined ? { subnet: r.subnet } : {}),
      ...(r.sharedGroup !== undefined ? { sharedGroup: r.sharedGroup } : {}),
      ...(r.identityGroup !== undefined ? { identityGroup: r.identityGroup } : {}),
      ...(r.retired ? { retired: true as const } : {}),
    };
    const rest = Object.fromEntries(
      Object.entries(spec).filter(
        ([k]) => k !== "team" && k !== "sharedGroup" && k !== "identityGroup",
      ),
    );
    services[name] = { ...rest, sku: STUB_SKU[r.kind] };
  }
  let graph: ServiceGraph | undefined;
  try {
    graph = buildServiceGraph({ ...input, services, edges: [] }, { places: () => false, keys });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues.push(...e.issues);
  }
  if (issues.length > 0) throw new ConfigError(issues, keys.subject);
  return { graph: graph!, registry };
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

/** What a team stack builds its graph with from its platform's (the platform stack's outputs). */
export interface PlatformFacts {
  namePrefix: string;
  location: string;
  addressSpace: string;
  /** The platform's extra virtual networks, name to address space. */
  vnets?: Record<string, string>;
}

/** The platform facts of a platform's graph, as its stack exports them. */
export function platformFacts(graph: ServiceGraph): Required<PlatformFacts> {
  return {
    namePrefix: graph.namePrefix,
    location: graph.location,
    addressSpace: graph.addressSpace.text,
    vnets: Object.fromEntries(graph.vnets.filter((v) => v.name).map((v) => [v.name, v.space.text])),
  };
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
