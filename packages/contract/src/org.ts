/**
 * One mesh across many stacks. A **platform** stack owns the address plan and the identities: its
 * `service-edges:services` is the org's registry (every service, with its `team`, `kind`,
 * `maxInstances`, `identity` and, for callers, `subnet`). A **team** stack owns its services'
 * plans and apps, its callees' Entra applications and roles, and the edges into its own services
 * (the callee's team decides who may call it); it reads the registry from the platform stack.
 * Pure: no Pulumi imports.
 *
 * This module is the one the rest imports: the platform stack and the words both kinds of stack
 * share live in org-platform.ts, team stacks in org-team.ts.
 */
export {
  type PlatformFacts,
  REGISTRY_KEYS,
  RETIRED_KEY,
  type RegistryEntry,
  SHARED_GROUP,
  type StackKind,
  TEAM_NAME,
  TEAM_SERVICE_KEYS,
  buildPlatformGraph,
  isRegistryKey,
  platformFacts,
  stackKindOf,
} from "./org-platform";
export { type TeamConfigInput, type TeamGraphOptions, buildTeamGraph } from "./org-team";
