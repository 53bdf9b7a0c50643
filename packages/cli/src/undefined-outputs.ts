/**
 * Which resource output a failed callback read, when the mocks left that output undefined.
 *
 * A deployment fills a resource's computed outputs; the mocks fill those the planner knows (ids,
 * principal ids, host names) and leave the rest undefined. The SDK then resolves each missing one
 * as a known `undefined` (runtime/rpc.js `resolveProperties`: "optional outputs may not be present.
 * We will resolve all of these values as `undefined`"), and a program's `.apply(v => v.split(","))`
 * fails with a TypeError that names no resource. Here every such output is marked with the
 * resource and property it belongs to, and a callback that fails on one is reported as the
 * `--mocks` entry that would supply it.
 */
import * as pulumi from "@pulumi/pulumi";
import { MissingMockError } from "./recording-monitor";

export interface UndefinedOutput {
  type: string;
  name: string;
  key: string;
}

const UNDEFINED = Symbol("service-edges:plan:undefined-output");

type Resolvers = Record<string, unknown>;
type ResolveProperties = (
  res: pulumi.Resource,
  resolvers: Resolvers,
  t: string,
  name: string,
  allProps: Record<string, unknown>,
  ...rest: unknown[]
) => void;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require("@pulumi/pulumi/runtime/rpc") as { resolveProperties: ResolveProperties };

/** The plan under way: records what it needed (its monitor's `missing`); knows its URNs. */
export interface UndefinedOutputSink {
  report(e: MissingMockError): void;
  /** The URN of the one resource of this type and name (undefined when it is not one). */
  urnOf(type: string, name: string): string | undefined;
}
let sink: UndefinedOutputSink | undefined;

/** The fix for one undefined output, said as the `--mocks` entry that supplies it. */
export function undefinedOutputMessage(
  u: UndefinedOutput,
  urn: string | undefined,
  e: unknown,
): string {
  const what = e instanceof Error ? e.message : String(e);
  return (
    `the program read ${u.key} of ${u.type} ${u.name}${urn ? ` (${urn})` : ""}, which the offline plan's mocks leave undefined, and failed: ${what}; ` +
    `supply it with --mocks FILE (a JSON file: {"resources": {"${u.type}": {"${u.key}": ...its value}}})`
  );
}

interface OutputPrototype {
  apply: (this: object, func: (v: unknown) => unknown, ...rest: unknown[]) => unknown;
}

let installed = false;

/**
 * Marks undefined outputs and reports a callback that fails on one to `report` (the plan's
 * monitor) while a plan runs; call the result when it ends.
 */
export function trackUndefinedOutputs(plan: UndefinedOutputSink): () => void {
  install();
  sink = plan;
  return () => {
    if (sink === plan) sink = undefined;
  };
}

function install(): void {
  if (installed) return;
  installed = true;
  // The SDK calls `rpc_1.resolveProperties(...)` through the module object (runtime/resource.js
  // `resolveOutputs`), so replacing the export is seen by every registration and read.
  const resolveProperties = rpc.resolveProperties;
  rpc.resolveProperties = function (res, resolvers, t, name, allProps, ...rest) {
    resolveProperties.call(this, res, resolvers, t, name, allProps, ...rest);
    const err = rest[1];
    if (!sink || err || !res) return;
    const props = res as unknown as Record<string, unknown>;
    for (const key of Object.keys(resolvers)) {
      if (key === "id" || key === "urn" || Object.prototype.hasOwnProperty.call(allProps, key))
        continue;
      const out = props[key];
      if (out && typeof out === "object") {
        const marker: UndefinedOutput = { type: t, name, key };
        Object.defineProperty(out, UNDEFINED, { value: marker });
      }
    }
  };
  // `pulumi.Output` is the SDK's OutputImpl class (output.js), whose prototype holds `apply`.
  const proto = (pulumi.Output as unknown as { prototype: OutputPrototype }).prototype;
  const apply = proto.apply;
  proto.apply = function (func, ...rest) {
    // The program calls `apply` as it builds, long before the value (and whether the mocks left
    // it undefined) is known: the check happens when the callback runs.
    if (!sink) return apply.call(this, func, ...rest);
    const checked = (v: unknown) => {
      try {
        return func(v);
      } catch (e) {
        const marker = (this as Record<symbol, UndefinedOutput | undefined>)[UNDEFINED];
        if (v !== undefined || !marker || !sink) throw e;
        const urn = sink.urnOf(marker.type, marker.name);
        const message = undefinedOutputMessage(marker, urn, e);
        sink.report(new MissingMockError(message));
        // A copy for the program: the SDK prefixes the message of what it rethrows
        // ("error serializing property ...") in place, and the plan reports the original.
        throw new Error(message);
      }
    };
    return apply.call(this, checked, ...rest);
  };
}
