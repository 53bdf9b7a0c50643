/**
 * From a stack's config to the service graph its program will build, with no runtime touched:
 * the config's values as the contract's graph builders take them, and the graph of a service,
 * platform or team stack (a team stack's validated against its platform's planned outputs).
 * Throws ConfigError naming each key and its fix.
 */
import {
  ConfigError,
  PROJECT,
  type PlatformFacts,
  type RegistryEntry,
  type ServiceGraph,
  type TeamConfigInput,
  buildPlatformGraph,
  buildServiceGraph,
  buildTeamGraph,
  stackKindOf,
} from "@service-edges/contract";
import type { StackConfig } from "./stack-config";

/** What a team stack's config is validated against: its platform's outputs (registry, facts). */
type PlatformOutputs = Required<PlatformFacts> & { registry: Record<string, RegistryEntry> };

/**
 * The graph the program will build from this config (throws ConfigError, registers nothing). A
 * team stack's is validated against its platform's registry: the planned outputs of the stack its
 * `service-edges:platform` names, from `stackOutputs` (`--org DIR`, or `--stack-outputs`).
 */
export function graphOf(
  config: StackConfig,
  stackOutputs: Readonly<Record<string, Record<string, unknown>>> = {},
): ServiceGraph {
  const input = configInput(config);
  const kind = stackKindOf(input);
  if (kind === "platform") return buildPlatformGraph(input).graph;
  if (kind === "team") {
    const name = String(input.platform);
    const p = stackOutputs[name] as Partial<PlatformOutputs> | undefined;
    if (!p?.registry || !p.namePrefix || !p.location || !p.addressSpace) {
      throw new ConfigError([
        {
          path: `${PROJECT}:platform`,
          message: `the planner has no outputs of the platform stack ${JSON.stringify(name)}`,
          fix: `plan the whole org with --org DIR (DIR holding Pulumi.${name}.yaml), or pass its outputs with --stack-outputs ${name}=FILE`,
        },
      ]);
    }
    return buildTeamGraph(input, p.registry, p as PlatformOutputs).graph;
  }
  return buildServiceGraph(input);
}

/** A stack config's values as the contract's graph builders take them (every kind of stack). */
export function configInput(config: StackConfig): TeamConfigInput {
  const v = config.values;
  const ns = (key: string) => v[`${PROJECT}:${key}`];
  return {
    stack: config.stack,
    location: v["azure-native:location"],
    namePrefix: ns("namePrefix"),
    owners: ns("owners"),
    guardrails: ns("guardrails"),
    network: ns("network"),
    services: ns("services"),
    edges: ns("edges"),
    observability: ns("observability"),
    platform: ns("platform"),
    team: ns("team"),
  };
}
