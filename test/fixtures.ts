/** Test fixtures: stack configs as plain values, and a plan runner over them. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
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

/** Runs the plan CLI the way `npm run plan --` does, from the project root. */
export function planCli(...args: string[]): {
  code: number | null;
  stdout: string;
  stderr: string;
} {
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
