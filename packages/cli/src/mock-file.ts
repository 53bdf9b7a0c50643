/**
 * What the user supplies for what the mocks cannot know:
 *
 * `--mocks FILE`, a JSON object:
 *
 * ```json
 * {
 *   "invokes":   { "<function token>": { ...its result } },
 *   "resources": { "<resource type>": { ...outputs added over the computed ones } },
 *   "stackOutputs": { "<org/project/stack>": { ...that stack's outputs } }
 * }
 * ```
 *
 * `--stack-outputs NAME=FILE` (repeatable): the outputs of the stack a `StackReference` names, as
 * `pulumi stack output --json --stack NAME` prints them.
 */
import type { Props } from "./mock-outputs";
import type { MockOverrides } from "./recording-monitor";
import { UsageError, cliPath, readJsonFile } from "./stack-config";

function isMap(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

function mapOfMaps(v: unknown, at: string): Record<string, Props> {
  if (v === undefined) return {};
  if (!isMap(v)) throw new UsageError(`${at} must be an object`);
  for (const [k, x] of Object.entries(v))
    if (!isMap(x)) throw new UsageError(`${at}["${k}"] must be an object of outputs`);
  return v as Record<string, Props>;
}

/** Reads `--mocks FILE`. */
export function readMockFile(file: string): MockOverrides {
  const doc = readJsonFile(file, "mocks file");
  if (!isMap(doc)) throw new UsageError(`the mocks file ${file} must hold a JSON object`);
  const unknown = Object.keys(doc).filter(
    (k) => !["invokes", "resources", "stackOutputs"].includes(k),
  );
  if (unknown.length > 0) {
    throw new UsageError(
      `the mocks file ${file}: unknown key${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}; it takes invokes, resources and stackOutputs`,
    );
  }
  return {
    invokes: mapOfMaps(doc.invokes, `${file}: invokes`),
    resources: mapOfMaps(doc.resources, `${file}: resources`),
    stackOutputs: mapOfMaps(doc.stackOutputs, `${file}: stackOutputs`),
  };
}

/** `NAME=FILE` pairs of `--stack-outputs`, read. */
export function readStackOutputs(specs: readonly string[]): Record<string, Props> {
  const out: Record<string, Props> = {};
  for (const spec of specs) {
    const at = spec.lastIndexOf("=");
    if (at <= 0 || at === spec.length - 1) {
      throw new UsageError(
        `--stack-outputs takes NAME=FILE (the referenced stack's name, e.g. acme/network/dev, and a JSON file of its outputs), got "${spec}"`,
      );
    }
    const name = spec.slice(0, at);
    const file = cliPath(spec.slice(at + 1));
    const doc = readJsonFile(file, `outputs file of stack ${name}`);
    if (!isMap(doc))
      throw new UsageError(`the outputs of stack ${name} (${file}) must be a JSON object`);
    out[name] = doc;
  }
  return out;
}

/** `--mocks` and `--stack-outputs` together (`--stack-outputs` wins for the same stack). */
export function mockOverrides(
  mocksFile?: string,
  stackOutputs: readonly string[] = [],
): MockOverrides {
  const base = mocksFile ? readMockFile(cliPath(mocksFile)) : {};
  return {
    ...base,
    stackOutputs: { ...(base.stackOutputs ?? {}), ...readStackOutputs(stackOutputs) },
  };
}
