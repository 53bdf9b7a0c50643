/** Test fixtures: stack configs as plain values, and a plan runner over them. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { format } from "node:util";
import { EXIT, main, report, wasReported } from "@service-edges/cli/cli";
import { PROJECT, RESOURCE_TYPES, childName, meshUrns } from "@service-edges/contract";
import { MESH_NAME, runPlan, type PlanResult, type PlanResource } from "@service-edges/cli/run";
import { readStackConfig, type StackConfig } from "@service-edges/cli/stack-config";

export const ROOT = path.resolve(__dirname, "..");
export const DEV_FILE = path.join(ROOT, "Pulumi.dev.yaml");

export type Values = Record<string, unknown>;

/** URNs of the program's mesh in the test stack and in the dev stack. */
export const U = meshUrns("test", PROJECT, MESH_NAME);
export const DEV_U = meshUrns("dev", PROJECT, MESH_NAME);
/** A URN without its stack and project, as the review prints it. */
export const short = (urn: string) => urn.split("::").slice(2).join("::");

/** How the workspace runs TypeScript in place: packages resolve to their sources, tsx compiles. */
export const SOURCE_NODE_FLAGS = ["--conditions=service-edges-source", "--import", "tsx"];

/** A small valid mesh: a -> b (B.Read), c -> b (B.Read, B.Write), a -> c (C.Call). */
export function smallConfig(): Values {
  return {
    "azure-native:location": "westeurope",
    "service-edges:network": { addressSpace: "10.10.0.0/16" },
    "service-edges:services": {
      a: { kind: "app", sku: "P1v3", maxInstances: 4, subnet: "10.10.0.0/28" },
      b: { kind: "app", sku: "P1v3", maxInstances: 2, roles: ["B.Read", "B.Write"] },
      c: {
        kind: "function",
        sku: "EP1",
        maxInstances: 10,
        subnet: "10.10.0.32/27",
        roles: ["C.Call"],
      },
    },
    "service-edges:edges": [
      { from: "a", to: "b", roles: ["B.Read"] },
      { from: "c", to: "b", roles: ["B.Read", "B.Write"] },
      { from: "a", to: "c", roles: ["C.Call"] },
    ],
  };
}

export function devConfig(): StackConfig {
  return readStackConfig(DEV_FILE, "dev");
}

export function planOf(values: Values, stack = "test"): Promise<PlanResult> {
  return runPlan({ config: { stack, file: "<memory>", values } });
}

/** Deep copy, so a test can mutate one key of a fixture. */
export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

export function ofType(plan: PlanResult, type: string): PlanResource[] {
  return plan.resources.filter((r) => r.type === type);
}

/** The mesh's one resource of a type for a local name: a service, `service.Role`, `from.to.Role`. */
export function one(plan: PlanResult, type: string, local: string): PlanResource {
  const name = childName(MESH_NAME, local);
  const found = plan.resources.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1)
    throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}

export const T = {
  rg: RESOURCE_TYPES.resourceGroup,
  vnet: RESOURCE_TYPES.vnet,
  plan: RESOURCE_TYPES.plan,
  app: RESOURCE_TYPES.app,
  auth: RESOURCE_TYPES.authSettings,
  uami: RESOURCE_TYPES.userAssignedIdentity,
  storage: RESOURCE_TYPES.storageAccount,
  roleAssignment: RESOURCE_TYPES.roleAssignment,
  application: RESOURCE_TYPES.application,
  sp: RESOURCE_TYPES.servicePrincipal,
  assignment: RESOURCE_TYPES.appRoleAssignment,
  fic: RESOURCE_TYPES.federatedCredential,
  password: RESOURCE_TYPES.applicationPassword,
  uuid: RESOURCE_TYPES.randomUuid,
  command: RESOURCE_TYPES.command,
} as const;

/** What a run of the plan CLI gave: its exit code, stdout and stderr. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the plan CLI in its own process, the way `npm run plan --` does, from the project root.
 * For what only a process shows (packages/cli/src/bin.ts: the exit status, which stream a line
 * goes to, the program's console output on stderr); everything else plans in-process
 * (`planCli`), without a process's start-up (Node, tsx, the SDK: over a second each).
 */
export function planCliProcess(...args: string[]): CliRun {
  const r = spawnSync(
    process.execPath,
    [...SOURCE_NODE_FLAGS, path.join(ROOT, "packages/cli/src/bin.ts"), ...args],
    {
      cwd: ROOT,
      encoding: "utf8",
      // Relative paths resolve from INIT_CWD (where npm was run): not the caller's, here.
      env: { ...process.env, SERVICE_EDGES_DEBUG: "", INIT_CWD: ROOT },
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs the plan CLI in this process as `npm run plan --` runs it (`planCliProcess`), from the
 * project root unless `from` says where the command ran (`cwd`, and `initCwd`: INIT_CWD, the
 * directory npm was run from; none when undefined) and what its environment has besides (`env`:
 * undefined takes a variable out). What bin.ts does around `main` is done here for the call: the
 * planned program's console output goes to stderr, and a rejection nobody handles ends the
 * command with its report, as it ends the process.
 */
export async function planCliIn(
  from: { cwd: string; initCwd: string | undefined; env?: Record<string, string | undefined> },
  ...args: string[]
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const out = (s: string) => {
    stdout += `${s}\n`;
    return true;
  };
  const err = (s: string) => {
    stderr += `${s}\n`;
    return true;
  };
  const consoleBefore = { ...console };
  const env = { ...from.env, INIT_CWD: from.initCwd, SERVICE_EDGES_DEBUG: undefined };
  const envBefore = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const cwdBefore = process.cwd();
  const listeners = process.listeners("unhandledRejection");
  let unhandled: (code: number) => void = () => {};
  const ended = new Promise<number>((resolve) => (unhandled = resolve));
  const onRejection = (e: unknown) =>
    unhandled(wasReported() ? EXIT.invalid : report(e, err) || EXIT.invalid);
  try {
    console.log =
      console.info =
      console.warn =
      console.error =
        (...a: unknown[]) => {
          err(format(...a));
        };
    console.debug = (...a: unknown[]) => {
      out(format(...a));
    };
    for (const [k, v] of Object.entries(env)) setEnv(k, v);
    process.chdir(from.cwd);
    process.removeAllListeners("unhandledRejection");
    process.on("unhandledRejection", onRejection);
    const command = main(args, out, err);
    const code = await Promise.race([command, ended]);
    const result = { code, stdout, stderr };
    // A process ends at its first unhandled rejection; here the command may still be running.
    // It finishes, unheard, before the next command or plan of this process uses the runtime;
    // one that never does (waiting on what the rejection left undone) ends only with a process.
    const finished = await Promise.race([
      command.then(
        () => true,
        () => true,
      ),
      new Promise<false>((resolve) => ownTimeout(() => resolve(false), 2000).unref()),
    ]);
    if (!finished) {
      throw new Error(
        `service-edges ${args.join(" ")}: still running after the unhandled rejection that ended it (exit ${code}); a process ends there: run it with planCliProcess`,
      );
    }
    return result;
  } finally {
    process.removeListener("unhandledRejection", onRejection);
    for (const l of listeners) process.on("unhandledRejection", l);
    process.chdir(cwdBefore);
    for (const [k, v] of Object.entries(envBefore)) setEnv(k, v);
    Object.assign(console, consoleBefore);
  }
}

/** This module's timer, never one a plan under way tracks as its program's (cli settle.ts). */
const ownTimeout = globalThis.setTimeout;

function setEnv(key: string, value: string | undefined): void {
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}

/** The plan CLI in-process (`planCliIn`), run from the project root as `npm run plan --` runs it. */
export function planCli(...args: string[]): Promise<CliRun> {
  return planCliIn({ cwd: ROOT, initCwd: ROOT }, ...args);
}
