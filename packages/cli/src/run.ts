/**
 * The offline plan: runs the real program under Pulumi's mock runtime with a stack's config and
 * returns everything it registered, keyed to the service graph.
 *
 * Its parts: what a plan returns (plan-result.ts), the graph a config builds (config-graph.ts),
 * and the services and graph of the meshes the program reported (plan-meshes.ts).
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  ConfigError,
  type ConfigIssue,
  PROJECT,
  type ServiceGraph,
  asOfDay,
  listenForPlannedMeshes,
  meshUrns,
  type PlannedMesh,
} from "@service-edges/contract";
import { type OfflineConfig, runPolicies } from "@service-edges/policy/offline";
import { configIssues } from "./config-check";
import { graphOf } from "./config-graph";
import { mockContext } from "./mock-outputs";
import { componentUrn, mergedGraph, planService, urnsUnder } from "./plan-meshes";
import {
  NOTHING_REGISTERED,
  type PlanEdge,
  type PlanResource,
  type PlanResult,
  type PlanService,
} from "./plan-result";
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

export { configInput, graphOf } from "./config-graph";
export {
  NOTHING_REGISTERED,
  type PlanDatedEdge,
  type PlanEdge,
  type PlanMesh,
  type PlanResource,
  type PlanResult,
  type PlanService,
  type PlanViolation,
  emptyPlan,
} from "./plan-result";

/** The name this project's program gives its mesh (index.ts). */
export const MESH_NAME = "mesh";
export { PROJECT };
/**
 * This repository's own program: what a plan runs when it is given no program (the tests, the
 * bench). The CLI always names one: the project it finds from where it runs.
 */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..", "..");
export const DEFAULT_PROGRAM = path.join(PROJECT_DIR, "index.ts");

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
    const u = urnsUnder(meshUrns(stack, project, m.name, m.type), m.urn);
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
