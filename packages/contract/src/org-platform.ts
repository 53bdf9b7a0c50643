/**
 * The platform stack of a mesh across many stacks, and the words both kinds of stack share: the
 * registry's keys and entries, team names, how a stack's kind is told from its keys, the
 * platform's graph (its registry validated with the single-stack rules) and the facts it exports
 * to team stacks. Pure: no Pulumi imports.
 */
import { z } from "zod";
import { ConfigError, type ConfigIssue, type KeyNamer, configKeys, shown } from "./errors";
import { buildServiceGraph } from "./graph";
import { serviceSchema } from "./schema";
import type { ServiceGraph, StackConfigInput } from "./service-graph";

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
export const STUB_SKU = { app: "P1v3", function: "EP1" } as const;

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
    // The org components (MeshPlatform, MeshTeam) build the service-endpoint layer only.
    if (graph.inbound !== "serviceEndpoints")
      issues.push({
        path: "service-edges:network.inbound",
        message: `${graph.inbound} is not supported in a mesh across many stacks yet`,
        fix: "remove it (serviceEndpoints); private endpoints work in a single-stack mesh",
      });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues.push(...e.issues);
  }
  if (issues.length > 0) throw new ConfigError(issues, keys.subject);
  return { graph: graph!, registry };
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
