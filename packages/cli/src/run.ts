/**
 * The offline plan: runs the real program under Pulumi's mock runtime with a stack's config and
 * returns everything it registered, keyed to the service graph.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  ConfigError,
  type ConfigIssue,
  PROJECT,
  RESOURCE_TYPES,
  type ServiceGraph,
  asOfDay,
  buildPlatformGraph,
  buildServiceGraph,
  buildTeamGraph,
  describeIngress,
  isCallee,
  listenForPlannedMeshes,
  type MeshUrns,
  meshUrns,
  type PlannedMesh,
  type PlatformFacts,
  type RegistryEntry,
  type TeamConfigInput,
  stackKindOf,
} from "@service-edges/contract";
import { type OfflineConfig, runPolicies } from "@service-edges/policy/offline";
import type { AliasSpec } from "./adoption";
import { configIssues } from "./config-check";
import { mockContext } from "./mock-outputs";
import { refuseOversizedPolicyRequests } from "./policy-request-size";
import {
  type ExistingResource,
  ExistingState,
  type MockOverrides,
  RecordingMonitor,
  type RegisteredResource,
} from "./recording-monitor";
import { ProgramActivity } from "./settle";
import { trackUndefinedOutputs } from "./undefined-outputs";
import { type StackConfig, findProject, missingConfigError, runtimeConfig } from "./stack-config";

/** What a team stack's config is validated against: its platform's outputs (registry, facts). */
type PlatformOutputs = Required<PlatformFacts> & { registry: Record<string, RegistryEntry> };

/** The name this project's program gives its mesh (index.ts). */
export const MESH_NAME = "mesh";
export { PROJECT };
/**
 * This repository's own program: what a plan runs when it is given no program (the tests, the
 * bench). The CLI always names one: the project it finds from where it runs.
 */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..", "..");
export const DEFAULT_PROGRAM = path.join(PROJECT_DIR, "index.ts");

export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  parent: string | null;
  id: string | null;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  dependencies: string[];
  /** Aliases the program gave the resource (what it was called before), as the SDK sent them. */
  aliases?: AliasSpec[];
  /** Read, not created (`Resource.get`, `StackReference`): the engine's `read` step. */
  read?: true;
  /** Properties the engine keeps as they are in state once the resource exists. */
  ignoreChanges?: string[];
}

export interface PlanViolation {
  policy: string;
  enforcementLevel: string;
  urn: string | null;
  message: string;
}

export interface PlanService {
  name: string;
  kind: string;
  sku: string;
  maxInstances: number;
  subnet: string | null;
  identity: string;
  roles: string[];
  /** Who may reach it from outside the mesh: `none`, `public`, or its ranges and service tags. */
  ingress: string;
  /** `shadow`: admits everyone and records what enforcement would refuse (until shadowUntil). */
  enforcement: "enforced" | "shadow";
  shadowUntil?: string;
  /** The mesh component it belongs to, when the program has more than one. */
  mesh?: string;
  /**
   * In a team stack, a caller of another team's (its edges are here; its plan and app are in its
   * own team's stack): that team. Its SKU and ingress are its team's, not known here.
   */
  team?: string;
  urns: {
    plan: string | null;
    /** Subnets are inline in the VNet: this is the VNet that holds this service's subnet. */
    subnet: string | null;
    app: string | null;
    identity: string | null;
    application: string | null;
    servicePrincipal: string | null;
  };
}

export interface PlanEdge {
  from: string;
  to: string;
  roles: string[];
  urns: { assignments: string[] };
}

/** An edge with an `expires` day: past it (expired, granting nothing) or within 14 days of it. */
export interface PlanDatedEdge {
  from: string;
  to: string;
  roles: string[];
  expires: string;
  /** Days from the plan's day to `expires`: 0 on its last day, negative once past. */
  daysLeft: number;
}

/** A mesh component the program registered, as it reported itself (contract planned-meshes.ts). */
export interface PlanMesh {
  /** Its type token: `service-edges:index:ServiceMesh`, `...:MeshPlatform`, `...:MeshTeam`. */
  type: string;
  /** Its resource name, as the program gave it. */
  name: string;
  urn: string | null;
  namePrefix: string;
}

export interface PlanResult {
  stack: string;
  /** The mesh components found by type (none for a program that uses none). */
  meshes?: PlanMesh[];
  services: PlanService[];
  edges: PlanEdge[];
  /** Edges in config past their `expires`: no access rule, no app role assignment. */
  expiredEdges?: PlanDatedEdge[];
  /** Edges within 14 days of their `expires` (still granting). */
  expiringEdges?: PlanDatedEdge[];
  resources: PlanResource[];
  violations: PlanViolation[];
  outputs: Record<string, unknown>;
  /** What the plan could not vouch for (a program that registered nothing); absent when none. */
  warnings?: string[];
}

/**
 * A program that registers nothing: `pulumi up` would create nothing and delete whatever the stack
 * holds, and a gate that passes such a plan has judged nothing.
 */
export const NOTHING_REGISTERED =
  "the program registered no resources: nothing was planned or judged by the policy pack, and `pulumi up` with it would delete everything the stack holds. Check that the entry point builds its resources (a function it defines must be called, or exported for the engine to call).";

/** The plan of a stack with nothing in it (a new stack's base, a deleted stack's head). */
export function emptyPlan(stack: string): PlanResult {
  return { stack, services: [], edges: [], resources: [], violations: [], outputs: {} };
}

export interface PlanOptions {
  config: StackConfig;
  /** Program entry; defaults to this project's index.ts. */
  program?: string;
  /**
   * The project the program runs as (`pulumi.getProject()`, the URNs): by default the config's,
   * else the `name` of the nearest Pulumi.yaml above the program.
   */
  project?: string;
  /** What the user supplied for invokes, resources and stack references the mocks cannot know. */
  mocks?: MockOverrides;
  /** The policy pack's config, as `pulumi preview --policy-pack-config` takes it. */
  policyConfig?: OfflineConfig;
  /** Skip the planner's own key and region checks (a review's base: what is deployed). */
  skipConfigChecks?: boolean;
  /** Whose subscription and tenant the mocked ids name (default: the stack's own). */
  mockScope?: string;
  /** The stack's state: resources the program takes over keep their ids and outputs. */
  state?: readonly ExistingResource[];
  /**
   * The day to plan as of (`--now`, YYYY-MM-DD): the program's expiring edges and the pack's
   * shadow deadlines read it (contract dates.ts); default today.
   */
  now?: string;
}

/** Whether a program is this project's (its own index.ts, or a program beside it). */
export function isOurProgram(program: string): boolean {
  const file = path.resolve(program);
  return file === DEFAULT_PROGRAM || findProject(file)?.dir === PROJECT_DIR;
}

/** The stack outputs the last planned program returned, as Outputs (tests read their secrecy). */
let lastExports: Record<string, unknown> = {};
export function lastProgramExports(): Record<string, unknown> {
  return lastExports;
}

/** The plan under way, for progress and for what an unhandled failure inside it was missing. */
let current: RecordingMonitor | undefined;

/** Resources registered so far by the plan under way (0 when none runs). */
export function registeredSoFar(): number {
  return current?.registered.length ?? 0;
}

/** What the plan under way needed and nobody supplied, said as the fix (or undefined). */
export function missingMockMessage(): string | undefined {
  return current?.missing[0]?.message;
}

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

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getStore } = require("@pulumi/pulumi/runtime/state") as {
  getStore: () => { supportsAliasSpecs: boolean };
};

/** An exported value, resolved; rejects when it failed (an apply would just never run). */
/** A stack output's value; a secret one is never shown (`[secret]`), as the engine shows it. */
async function resolve(value: unknown): Promise<unknown> {
  const out = pulumi.output(value) as pulumi.Output<unknown> & {
    promise?: () => Promise<unknown>;
  };
  if (typeof out.promise === "function") {
    const [v, secret] = await Promise.all([out.promise(), pulumi.isSecret(out)]);
    return secret ? "[secret]" : v;
  }
  return new Promise((res) => {
    out.apply((v) => {
      res(v);
      return v;
    });
  });
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeState = require("@pulumi/pulumi/runtime/state") as {
  getStore: () => { logErrorCount: number };
};

/**
 * Runs the program once under mocks. The program's own validation runs first inside it; when the
 * default program is planned, the graph is validated here beforehand as well, so a bad config
 * fails before the runtime is touched.
 */
export async function runPlan(options: PlanOptions): Promise<PlanResult> {
  return (await planStack(options)).plan;
}

/** The plan, and the graph it was built from (undefined for a program without a valid graph). */
export async function planStack(
  options: PlanOptions,
): Promise<{ plan: PlanResult; graph?: ServiceGraph }> {
  return asOfDay(options.now, () => planStackToday(options));
}

async function planStackToday(
  options: PlanOptions,
): Promise<{ plan: PlanResult; graph?: ServiceGraph }> {
  const program = path.resolve(options.program ?? DEFAULT_PROGRAM);
  const isDefault = program === DEFAULT_PROGRAM;
  const ours = isOurProgram(program);
  const project =
    options.project ??
    options.config.project ??
    (ours ? PROJECT : (findProject(program)?.name ?? PROJECT));
  // Keys nobody reads and a region Azure does not have, with the graph's own errors, in one
  // report; the mesh's tables only for this project's programs.
  const issues: ConfigIssue[] = options.skipConfigChecks ? [] : configIssues(options.config.values);
  let graph: ServiceGraph | undefined;
  if (isDefault) {
    try {
      graph = graphOf(options.config, options.mocks?.stackOutputs);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues.push(...e.issues);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const stack = options.config.stack;

  const ctx = mockContext(stack, options.mockScope);
  const monitor = new RecordingMonitor(ctx, undefined, options.mocks);
  if (options.state) monitor.existing = new ExistingState(options.state);
  ctx.resources = () => monitor.registered;
  current = monitor;
  pulumi.runtime.setMockOptions(monitor, project, stack, false, "organization");
  // The engine takes aliases as specs and resolves them itself (as `adopt` does for the review).
  getStore().supportsAliasSpecs = true;
  pulumi.runtime.setAllConfig(
    runtimeConfig(options.config.values),
    options.config.secretKeys ?? [],
  );

  // A callback that fails on an output the mocks left undefined is said as the --mocks entry.
  const untrack = trackUndefinedOutputs({
    report: (e) => monitor.missing.push(e),
    urnOf: (type, name) => {
      const found = monitor.registered.filter((r) => r.type === type && r.name === name);
      return found.length === 1 ? found[0].urn : undefined;
    },
  });
  const errorsBefore = runtimeState.getStore().logErrorCount ?? 0;
  const outputs: Record<string, unknown> = {};
  // Whatever the program starts and does not await (an async main() it only calls) still
  // registers; the engine waits for it, and so does the plan.
  const activity = new ProgramActivity();
  const reported = listenForPlannedMeshes();
  let meshes: PlannedMesh[] = [];
  try {
    delete require.cache[program];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    let exported = activity.run(() => require(program) as unknown);
    // A program may export its outputs, or a function the engine awaits for them.
    if (typeof exported === "function") {
      const main = exported as () => unknown;
      exported = await activity.run(main);
    }
    lastExports = (exported ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries((exported ?? {}) as Record<string, unknown>)) {
      if (k === "__esModule" || typeof v === "function") continue;
      outputs[k] = await resolve(v);
    }
    await activity.settled();
  } catch (e) {
    // What the mocks could not answer explains the failure better than the SDK's wrapping.
    if (monitor.missing.length > 0) throw monitor.missing[0];
    throw missingConfigError(e, options.config) ?? e;
  } finally {
    meshes = reported();
    activity.stop();
    untrack();
  }
  if (monitor.missing.length > 0) throw monitor.missing[0];
  // The SDK logs some failures (a resource whose inputs failed) instead of throwing them.
  const errors = (runtimeState.getStore().logErrorCount ?? 0) - errorsBefore;
  if (errors > 0) {
    throw new Error(
      `the program reported ${errors} error${errors === 1 ? "" : "s"} (above); nothing was planned`,
    );
  }

  const resources: PlanResource[] = monitor.registered.map((r: RegisteredResource) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    parent: r.parent ?? null,
    id: r.id ?? null,
    inputs: r.inputs,
    outputs: r.outputs,
    dependencies: r.dependencies,
    ...(r.aliases ? { aliases: r.aliases } : {}),
    ...(r.read ? { read: true as const } : {}),
    ...(r.ignoreChanges ? { ignoreChanges: r.ignoreChanges } : {}),
  }));
  // Mocks take a policy of any size; Azure refuses a request body over 1 MiB.
  refuseOversizedPolicyRequests(resources.filter((r) => !r.read));
  // The same policy pack `pulumi preview --policy-pack policy` runs, on what would be deployed.
  const violations = await runPolicies(
    monitor.registered
      .filter((r) => r.custom && !r.read)
      .map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        props: r.outputs,
        dependencies: r.dependencies,
        propertyDependencies: r.propertyDependencies,
        parent: r.parent,
      })),
    options.policyConfig ? { config: options.policyConfig } : undefined,
  );
  const byUrn = new Set(resources.map((r) => r.urn));
  const known = (urn: string) => (byUrn.has(urn) ? urn : null);
  const found = meshes.map((m) => ({ ...m, urn: componentUrn(resources, m) }));
  const qualify = found.length > 1;
  const services: PlanService[] = [];
  const edges: PlanEdge[] = [];
  for (const m of found) {
    const u = urnsUnder(meshUrns(stack, project, m.name, m.type), m.type, m.urn);
    const named = (service: string) => (qualify ? `${m.name}/${service}` : service);
    services.push(...m.graph.services.map((s) => planService(m, s, u, known, named)));
    edges.push(
      ...m.graph.edges.map((e) => ({
        from: named(e.from),
        to: named(e.to),
        roles: e.roles,
        urns: {
          assignments: e.roles
            .map((r) => known(u.assignment(e.from, e.to, r)))
            .filter((x): x is string => x !== null),
        },
      })),
    );
  }
  graph = mergedGraph(found, qualify);
  const expiredEdges = graph?.expiredEdges ?? [];
  const expiringEdges = graph?.expiringEdges ?? [];

  const plan: PlanResult = {
    stack,
    ...(found.length > 0
      ? {
          meshes: found.map((m) => ({
            type: m.type,
            name: m.name,
            urn: m.urn,
            namePrefix: m.graph.namePrefix,
          })),
        }
      : {}),
    services,
    edges,
    ...(expiredEdges.length ? { expiredEdges } : {}),
    ...(expiringEdges.length ? { expiringEdges } : {}),
    resources,
    violations: violations.map((v) => ({
      policy: v.policy,
      enforcementLevel: v.enforcementLevel,
      urn: v.urn ?? null,
      message: v.message,
    })),
    outputs,
    ...(resources.length === 0 ? { warnings: [NOTHING_REGISTERED] } : {}),
  };
  return { plan, graph };
}

/**
 * The component's URN as registered: found by type and name (a program may nest its mesh under a
 * component of its own, so its URN is not always the root one).
 */
function componentUrn(resources: readonly PlanResource[], m: PlannedMesh): string | null {
  const found = resources.filter((r) => r.type === m.type && r.name === m.name);
  return found.length === 1 ? found[0].urn : null;
}

/** The mesh's child URNs, under the component's actual parents when it has any. */
function urnsUnder(u: MeshUrns, type: string, urn: string | null): MeshUrns {
  const root = u.mesh();
  if (!urn || urn === root) return u;
  // urn:pulumi:<stack>::<project>::<parent types$>type::name: only the type chain differs.
  const chain = (x: string) => x.split("::")[2];
  const from = `::${chain(root)}`;
  const to = `::${chain(urn)}`;
  const move = (x: string) => x.replace(from, to);
  void type;
  return {
    mesh: () => urn,
    service: (c, t, s) => move(u.service(c, t, s)),
    vnet: (n) => move(u.vnet(n)),
    assignment: (f, t, r) => move(u.assignment(f, t, r)),
  };
}

/** One service of a reported mesh, as the plan lists it. */
function planService(
  m: PlannedMesh,
  s: ServiceGraph["services"][number],
  u: MeshUrns,
  known: (urn: string) => string | null,
  named: (service: string) => string,
): PlanService {
  const R = RESOURCE_TYPES;
  const owner = isCallee(s) ? "callee" : s.identity === "registration" ? "identity" : null;
  const team = m.teamOf?.[s.name];
  return {
    name: named(s.name),
    ...(named(s.name) !== s.name ? { mesh: m.name } : {}),
    kind: s.kind,
    ...(team ? { team } : {}),
    sku: team ? "-" : s.sku.name,
    maxInstances: s.maxInstances,
    subnet: s.subnet?.text ?? null,
    identity: s.identity,
    roles: s.roles,
    ingress: team ? "-" : describeIngress(s.ingress),
    enforcement: s.enforcement,
    ...(s.shadowUntil ? { shadowUntil: s.shadowUntil } : {}),
    urns: {
      plan: known(u.service("host", R.plan, s.name)),
      subnet: s.subnet ? known(u.vnet(s.vnet)) : null,
      app: known(u.service("host", R.app, s.name)),
      identity: known(u.service("identity", R.userAssignedIdentity, s.name)),
      application: owner && known(u.service(owner, R.application, s.name)),
      servicePrincipal: owner && known(u.service(owner, R.servicePrincipal, s.name)),
    },
  };
}

/**
 * The graph the plan's tables and Mermaid draw: the one mesh's, or every mesh's services and
 * edges with names qualified by their component (`payments/api`) when the program has several.
 */
function mergedGraph(meshes: readonly PlannedMesh[], qualify: boolean): ServiceGraph | undefined {
  if (meshes.length === 0) return undefined;
  if (!qualify) return meshes[0].graph;
  const services = meshes.flatMap((m) =>
    m.graph.services.map((s) => ({ ...s, name: `${m.name}/${s.name}` })),
  );
  const rename = <E extends { from: string; to: string }>(m: PlannedMesh, e: E): E => ({
    ...e,
    from: `${m.name}/${e.from}`,
    to: `${m.name}/${e.to}`,
  });
  return {
    ...meshes[0].graph,
    services,
    edges: meshes.flatMap((m) => m.graph.edges.map((e) => rename(m, e))),
    expiredEdges: meshes.flatMap((m) => m.graph.expiredEdges.map((e) => rename(m, e))),
    expiringEdges: meshes.flatMap((m) => m.graph.expiringEdges.map((e) => rename(m, e))),
    byName: new Map(services.map((s) => [s.name, s])),
  };
}
