/**
 * The pack, offline: runs the very `policies` objects of the pack in-process on a list of
 * resources, the way the policy host runs them for the engine — every resource policy on every
 * resource (`Analyze`), every stack policy on the whole set (`AnalyzeStack`) — without the Pulumi
 * CLI, gRPC or a second copy of the SDK (only types are imported from @pulumi/policy).
 *
 * Semantics follow @pulumi/policy's server: the level is the configured one, else the policy's,
 * else the pack default (advisory); `disabled` skips the policy; `remediate` reports as
 * mandatory. `getConfig()` returns the configured properties over the defaults of the policy's
 * configSchema. Unknown values are passed through as the engine's sentinels (the policies stay
 * quiet on them). Violations come out in policy order, then resource order, then report order; a
 * policy with both `validateResource` and `validateStack` reports its resource violations first.
 */
import type {
  Policy,
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { policies as packPolicies } from "./policies";

export interface OfflineResource {
  urn: string;
  type: string;
  name: string;
  props: Record<string, unknown>;
  dependencies: string[];
  propertyDependencies?: Record<string, string[]>;
  parent?: string;
}

export interface OfflineViolation {
  policy: string;
  enforcementLevel: "advisory" | "mandatory";
  urn?: string;
  message: string;
}

export type OfflineConfig = Record<string, { enforcementLevel?: string } & Record<string, unknown>>;

export interface RunOptions {
  config?: OfflineConfig;
  /** The policies to run; the pack's own by default. */
  policies?: readonly (ResourceValidationPolicy | StackValidationPolicy)[];
}

const PACK_DEFAULT_LEVEL = "advisory";
const LEVELS = new Set(["advisory", "mandatory", "remediate", "disabled"]);

class NotApplicable extends Error {}

function levelOf(p: Policy, config: OfflineConfig): "advisory" | "mandatory" | "disabled" {
  const configured = config[p.name]?.enforcementLevel;
  if (configured !== undefined && !LEVELS.has(configured)) {
    throw new Error(`invalid enforcement level "${configured}" for policy "${p.name}"`);
  }
  const level = configured ?? p.enforcementLevel ?? PACK_DEFAULT_LEVEL;
  return level === "remediate" ? "mandatory" : (level as "advisory" | "mandatory" | "disabled");
}

function configFor(p: Policy, config: OfflineConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, schema] of Object.entries(p.configSchema?.properties ?? {})) {
    const d = (schema as { default?: unknown }).default;
    if (d !== undefined) out[k] = d;
  }
  const given: Record<string, unknown> = { ...config[p.name] };
  delete given.enforcementLevel;
  return { ...out, ...given };
}

function isResourcePolicy(p: Policy): p is ResourceValidationPolicy {
  const v = (p as ResourceValidationPolicy).validateResource;
  return typeof v === "function" || Array.isArray(v);
}

function isStackPolicy(p: Policy): p is StackValidationPolicy {
  return typeof (p as StackValidationPolicy).validateStack === "function";
}

function typeOf(resourceClass: unknown): string | undefined {
  const t = (resourceClass as { __pulumiType?: unknown } | undefined)?.__pulumiType;
  return typeof t === "string" ? t : undefined;
}

function optionsOf(r: OfflineResource): PolicyResourceOptions {
  return {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(r.parent ? { parent: r.parent } : {}),
  };
}

function notApplicable(reason?: string): never {
  throw new NotApplicable(reason ?? "Policy does not apply");
}

/** Runs the pack's policies (or `options.policies`) on `resources`. */
export async function runPolicies(
  resources: OfflineResource[],
  options?: RunOptions,
): Promise<OfflineViolation[]> {
  const config = options?.config ?? {};
  const list = options?.policies ?? packPolicies;
  const out: OfflineViolation[] = [];
  const stackTags: ReadonlyMap<string, string> = new Map();
  // Built once and shared by every stack policy (read-only), so they can share derived indexes.
  let stackResources: PolicyResource[] | undefined;

  for (const p of list) {
    const level = levelOf(p, config);
    if (level === "disabled") continue;
    const getConfig = <T extends object>() => configFor(p, config) as T;
    const reporter =
      (defaultUrn: string | undefined): ReportViolation =>
      (message: string, urn?: string) => {
        const at = urn ?? defaultUrn;
        out.push({
          policy: p.name,
          enforcementLevel: level,
          ...(at !== undefined ? { urn: at } : {}),
          message: message || p.description,
        });
      };

    if (isResourcePolicy(p)) {
      const validations = Array.isArray(p.validateResource)
        ? p.validateResource
        : p.validateResource
          ? [p.validateResource]
          : [];
      for (const r of resources) {
        for (const validate of validations) {
          const pinned = typeOf(validate);
          if (pinned && pinned !== r.type) continue;
          const args: ResourceValidationArgs = {
            type: r.type,
            props: r.props as ResourceValidationArgs["props"],
            urn: r.urn,
            name: r.name,
            opts: optionsOf(r),
            stackTags,
            isType: (cls) => typeOf(cls) === r.type,
            asType: ((cls: unknown) =>
              typeOf(cls) === r.type ? r.props : undefined) as ResourceValidationArgs["asType"],
            getConfig,
            notApplicable,
          };
          await run(p, r.urn, () => validate(args, reporter(r.urn)));
        }
      }
    }
    // Not `else`: a policy may have both (the pack's site policies judge each site alone, then
    // with the whole stack), and the policy host runs both too.
    if (isStackPolicy(p)) {
      stackResources ??= toPolicyResources(resources);
      const args: StackValidationArgs = {
        resources: stackResources,
        stackTags,
        getConfig,
        notApplicable,
      };
      await run(p, undefined, () => p.validateStack(args, reporter(undefined)));
    }
  }
  return out;
}

/** The resources as `AnalyzeStack` hands them: parent and dependencies as resource objects. */
function toPolicyResources(resources: OfflineResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const built = resources.map((r) => {
    const pr: PolicyResource = {
      type: r.type,
      props: r.props as PolicyResource["props"],
      urn: r.urn,
      name: r.name,
      opts: optionsOf(r),
      dependencies: [],
      propertyDependencies: {},
      isType: (cls) => typeOf(cls) === r.type,
      asType: ((cls: unknown) =>
        typeOf(cls) === r.type ? r.props : undefined) as PolicyResource["asType"],
    };
    byUrn.set(r.urn, pr);
    return pr;
  });
  resources.forEach((r, i) => {
    const pr = built[i];
    const parent = r.parent ? byUrn.get(r.parent) : undefined;
    if (parent) pr.parent = parent;
    pr.dependencies = r.dependencies.flatMap((u) => byUrn.get(u) ?? []);
    for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
      pr.propertyDependencies[k] = urns.flatMap((u) => byUrn.get(u) ?? []);
    }
  });
  return built;
}

async function run(p: Policy, urn: string | undefined, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof NotApplicable) return;
    const where = urn ? ` on ${urn}` : "";
    throw new Error(`policy "${p.name}" failed${where}: ${(e as Error)?.stack ?? String(e)}`);
  }
}
