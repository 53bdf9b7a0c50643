/**
 * The keys the program reads in its config namespace (`service-edges:<key>`), written once: the
 * component's args (`meshArgsFromConfig`), the stack schema, and the planner's "unknown key"
 * check all take them from here, so a key added to one cannot be missing from another. Pure: no
 * Pulumi imports.
 */

/** The mesh's keys in a config namespace, as ServiceMeshArgs names them. */
export const MESH_CONFIG_KEYS = [
  "namePrefix",
  "owners",
  "guardrails",
  "network",
  "services",
  "edges",
  "observability",
] as const;

/** A team stack's own keys in a mesh across many stacks (org.ts). */
export const TEAM_CONFIG_KEYS = ["platform", "team"] as const;

/** Every key the program reads in its namespace. */
export const CONFIG_KEYS = [...MESH_CONFIG_KEYS, ...TEAM_CONFIG_KEYS] as const;

/** One key the program reads in its namespace. */
export type ConfigKey = (typeof CONFIG_KEYS)[number];
