/**
 * The offline plan: runs the real program under Pulumi's mock runtime with a stack's config and
 * returns everything it registered, keyed to the service graph.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  PROJECT,
  RESOURCE_TYPES,
  type ServiceGraph,
  buildServiceGraph,
  describeIngress,
  isCallee,
  meshUrns,
} from "@service-edges/contract";
import { runPolicies } from "@service-edges/policy/offline";
import type { AliasSpec } from "./adoption";
import { mockContext } from "./mock-outputs";
import { RecordingMonitor, type RegisteredResource } from "./recording-monitor";
import { type StackConfig, runtimeConfig } from "./stack-config";

/** The name this project's program gives its mesh (index.ts). */
export const MESH_NAME = "mesh";
export { PROJECT };
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
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

export interface PlanResult {
  stack: string;
  services: PlanService[];
  edges: PlanEdge[];
  resources: PlanResource[];
  violations: PlanViolation[];
  outputs: Record<string, unknown>;
}

export interface PlanOptions {
  config: StackConfig;
  /** Program entry; defaults to this project's index.ts. */
  program?: string;
}

/** The graph the program will build from this config (throws ConfigError, registers nothing). */
export function graphOf(config: StackConfig): ServiceGraph {
  const v = config.values;
  const ns = (key: string) => v[`${PROJECT}:${key}`];
  return buildServiceGraph({
    stack: config.stack,
    location: v["azure-native:location"],
    namePrefix: ns("namePrefix"),
    guardrails: ns("guardrails"),
    network: ns("network"),
    services: ns("services"),
    edges: ns("edges"),
  });
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getStore } = require("@pulumi/pulumi/runtime/state") as {
  getStore: () => { supportsAliasSpecs: boolean };
};

/** The runtime's own "every RPC has finished" wait (internal to the SDK, not in its typings). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as {
  waitForRPCs: () => Promise<void>;
};

function resolve(value: unknown): Promise<unknown> {
  return new Promise((res) => {
    (pulumi.output(value) as pulumi.Output<unknown>).apply((v) => {
      res(v);
      return v;
    });
  });
}

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
  const program = path.resolve(options.program ?? DEFAULT_PROGRAM);
  const isDefault = program === DEFAULT_PROGRAM;
  const graph = isDefault ? graphOf(options.config) : tryGraph(options.config);
  const stack = options.config.stack;

  const ctx = mockContext(stack);
  const monitor = new RecordingMonitor(ctx);
  pulumi.runtime.setMockOptions(monitor, PROJECT, stack, false);
  // The engine takes aliases as specs and resolves them itself (as `adopt` does for the review).
  getStore().supportsAliasSpecs = true;
  pulumi.runtime.setAllConfig(runtimeConfig(options.config.values));

  delete require.cache[program];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  let exported = require(program) as unknown;
  // A program may export its outputs, or a function the engine awaits for them.
  if (typeof exported === "function") exported = await (exported as () => unknown)();
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries((exported ?? {}) as Record<string, unknown>)) {
    if (k === "__esModule" || typeof v === "function") continue;
    outputs[k] = await resolve(v);
  }
  await waitForRPCs();

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
  }));
  // The same policy pack `pulumi preview --policy-pack policy` runs, on what would be deployed.
  const violations = await runPolicies(
    monitor.registered
      .filter((r) => r.custom)
      .map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        props: r.outputs,
        dependencies: r.dependencies,
        propertyDependencies: r.propertyDependencies,
        parent: r.parent,
      })),
  );
  const byUrn = new Set(resources.map((r) => r.urn));
  const known = (urn: string) => (byUrn.has(urn) ? urn : null);
  const u = meshUrns(stack, PROJECT, MESH_NAME);
  const R = RESOURCE_TYPES;

  const plan: PlanResult = {
    stack,
    services: (graph?.services ?? []).map((s) => {
      const owner = isCallee(s) ? "callee" : s.identity === "registration" ? "identity" : null;
      return {
        name: s.name,
        kind: s.kind,
        sku: s.sku.name,
        maxInstances: s.maxInstances,
        subnet: s.subnet?.text ?? null,
        identity: s.identity,
        roles: s.roles,
        ingress: describeIngress(s.ingress),
        urns: {
          plan: known(u.service("host", R.plan, s.name)),
          subnet: s.subnet ? known(u.vnet()) : null,
          app: known(u.service("host", R.app, s.name)),
          identity: known(u.service("identity", R.userAssignedIdentity, s.name)),
          application: owner && known(u.service(owner, R.application, s.name)),
          servicePrincipal: owner && known(u.service(owner, R.servicePrincipal, s.name)),
        },
      };
    }),
    edges: (graph?.edges ?? []).map((e) => ({
      from: e.from,
      to: e.to,
      roles: e.roles,
      urns: {
        assignments: e.roles
          .map((r) => known(u.assignment(e.from, e.to, r)))
          .filter((x): x is string => x !== null),
      },
    })),
    resources,
    violations: violations.map((v) => ({
      policy: v.policy,
      enforcementLevel: v.enforcementLevel,
      urn: v.urn ?? null,
      message: v.message,
    })),
    outputs,
  };
  return { plan, graph };
}

function tryGraph(config: StackConfig): ServiceGraph | undefined {
  try {
    return graphOf(config);
  } catch {
    return undefined;
  }
}
