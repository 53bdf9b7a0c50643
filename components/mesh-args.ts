/**
 * From a ServiceMesh's args to what its graph is validated with: the values known before
 * deployment, the Outputs the args may hold where they only fill in a property (args.ts says which
 * and why), and how errors name what was wrong (the component's argument paths, or the keys of the
 * config namespace the args were read from).
 */
import * as pulumi from "@pulumi/pulumi";
import {
  ConfigError,
  type ConfigIssue,
  type KeyNamer,
  MESH_CONFIG_KEYS,
  argKeys,
  buildServiceGraph,
  configKeys,
  unknownKeyIssues,
} from "@service-edges/contract";
import type { ServiceMeshArgs } from "./args";

export { MESH_CONFIG_KEYS } from "@service-edges/contract";

/** What the args hold that is known only after deployment, by where it goes. */
export interface ComputedArgs {
  /** Services whose `frontDoorId` is an Output. */
  frontDoorIds: Map<string, pulumi.Input<string>>;
  /** Owners in their order, plain ones in lower case (as validated), Outputs as given. */
  owners: pulumi.Input<string>[];
}

/**
 * A Front Door id the graph validates in place of an Output: a valid GUID, so the rules that need
 * one (AzureFrontDoor.Backend has a frontDoorId, and only with that tag) still hold.
 */
const COMPUTED_FRONT_DOOR_ID = "00000000-0000-4000-8000-000000000000";

const isComputed = (v: unknown) => pulumi.Output.isInstance(v) || v instanceof Promise;

/** How a mesh's errors name what was wrong: its config namespace's keys, or its arg paths. */
export function meshKeys(
  component: string,
  args: { configNamespace?: string } | undefined,
): KeyNamer {
  const ns = args?.configNamespace;
  return typeof ns === "string" && ns !== "" ? configKeys(ns) : argKeys(component);
}

/** Paths below `value` that hold an Output or a Promise, outside the positions that may. */
function computedPaths(
  value: unknown,
  at: Array<string | number>,
  allowed: (at: ReadonlyArray<string | number>) => boolean,
  out: Array<Array<string | number>>,
): void {
  if (allowed(at)) return;
  if (isComputed(value)) {
    out.push(at);
    return;
  }
  if (Array.isArray(value)) value.forEach((v, i) => computedPaths(v, [...at, i], allowed, out));
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) computedPaths(v, [...at, k], allowed, out);
}

/** Where args may hold an Output: a service's frontDoorId, each owner. */
const takesInput = (at: ReadonlyArray<string | number>) =>
  (at.length === 3 && at[0] === "services" && at[2] === "frontDoorId") ||
  (at.length === 2 && at[0] === "owners" && typeof at[1] === "number");

/**
 * The args as plain values for validation, with their Outputs set aside; or a ConfigError naming
 * each argument that holds an Output where the graph needs the value itself.
 */
export function plainMeshArgs(
  args: ServiceMeshArgs | undefined,
  keys: KeyNamer,
): { plain: ServiceMeshArgs; computed: ComputedArgs } {
  const found: Array<Array<string | number>> = [];
  computedPaths(args ?? {}, [], takesInput, found);
  if (found.length > 0) {
    throw new ConfigError(
      found.map((at): ConfigIssue => ({
        path: keys.at(at),
        message:
          "is an Output, but the graph needs its value before deployment (it decides which resources exist and is validated before any is registered)",
        fix: "pass the value itself; only frontDoorId and owners take Outputs",
      })),
      keys.subject,
    );
  }
  const frontDoorIds = new Map<string, pulumi.Input<string>>();
  // Anything but a map of services is left as it is, for the graph to report.
  let services = args?.services;
  if (services && typeof services === "object" && !Array.isArray(services)) {
    services = { ...services };
    for (const [name, s] of Object.entries(services)) {
      if (s && isComputed(s.frontDoorId)) {
        frontDoorIds.set(name, s.frontDoorId!);
        services[name] = { ...s, frontDoorId: COMPUTED_FRONT_DOOR_ID };
      }
    }
  }
  const given = Array.isArray(args?.owners) ? args.owners : undefined;
  const plainOwners = given?.filter((o) => !isComputed(o));
  return {
    plain: {
      ...(args ?? ({} as ServiceMeshArgs)),
      services: services!,
      ...(given ? { owners: plainOwners } : {}),
    },
    computed: {
      frontDoorIds,
      owners: (given ?? []).map((o) => (typeof o === "string" ? o.toLowerCase() : o)),
    },
  };
}

/** The value of `namespace:key`, parsed as `pulumi.Config` would (objects are JSON text). */
function configValue(
  config: pulumi.Config,
  key: string,
  keys: KeyNamer,
  issues: ConfigIssue[],
): unknown {
  const text = config.get(key);
  if (text === undefined || key === "namePrefix") return text;
  try {
    return JSON.parse(text);
  } catch {
    if (key === "guardrails") return text; // `pulumi config set ns:guardrails false` stores text
    issues.push({
      path: keys.at([key]),
      message: `is not valid JSON (${JSON.stringify(text.slice(0, 40))})`,
      fix: `set it as structured config: ${keys.set([key], "<value>")}`,
    });
    return undefined;
  }
}

/**
 * ServiceMesh's args from the stack config namespace a program keeps its graph in (e.g. `myinfra`:
 * `myinfra:services`, `myinfra:edges`, ...), validated as the mesh validates them and reported
 * together, naming the namespace's keys: a key the mesh does not read (`myinfra:edge`) is refused
 * with a did-you-mean (`myinfra:edges`). The location is `azure-native:location`, as for any
 * azure-native resource. Keys the program reads for itself from the same namespace go in
 * `otherKeys`, so they are not refused as unknown.
 */
export function meshArgsFromConfig(
  namespace: string,
  options: { otherKeys?: readonly string[] } = {},
): ServiceMeshArgs {
  const keys = configKeys(namespace);
  const config = new pulumi.Config(namespace);
  const issues = unknownKeyIssues(pulumi.runtime.allConfig(), namespace, [
    ...MESH_CONFIG_KEYS,
    ...(options.otherKeys ?? []),
  ]);
  const read = Object.fromEntries(
    MESH_CONFIG_KEYS.map((k) => [k, configValue(config, k, keys, issues)]),
  ) as Record<(typeof MESH_CONFIG_KEYS)[number], unknown>;
  try {
    buildServiceGraph(
      {
        stack: pulumi.getStack(),
        location: new pulumi.Config("azure-native").get("location"),
        ...read,
      },
      { keys },
    );
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues.push(...e.issues);
  }
  if (issues.length > 0) throw new pulumi.RunError(new ConfigError(issues).message);
  const args = Object.fromEntries(
    Object.entries(read).filter(([, v]) => v !== undefined),
  ) as unknown as ServiceMeshArgs;
  return { ...args, configNamespace: namespace };
}
