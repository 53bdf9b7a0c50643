/**
 * Reads a stack's config the way the Pulumi CLI hands it to a program: `Pulumi.<stack>.yaml`'s
 * `config:` map, objects as JSON text.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export interface StackConfig {
  stack: string;
  file: string;
  /** Full keys (`service-edges:services`) to plain values. */
  values: Record<string, unknown>;
}

export class UsageError extends Error {}

export function stackFile(projectDir: string, stack: string): string {
  return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

/** Stack name from a `Pulumi.<stack>.yaml` path, else the file's base name. */
export function stackNameOf(file: string): string {
  const base = path.basename(file);
  const m = /^Pulumi\.(.+)\.ya?ml$/.exec(base);
  return m ? m[1] : base.replace(/\.ya?ml$/, "");
}

export function readStackConfig(file: string, stack = stackNameOf(file)): StackConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`cannot read the stack config ${file}: no such file`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  const config = (doc && typeof doc === "object" && (doc as Record<string, unknown>).config) ?? {};
  if (typeof config !== "object" || Array.isArray(config)) {
    throw new UsageError(`${file}: 'config:' must be a map of keys to values`);
  }
  return { stack, file, values: config as Record<string, unknown> };
}

/** The runtime's form: every value a string, objects and lists as JSON. */
export function runtimeConfig(values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values))
    out[k] = typeof v === "string" ? v : JSON.stringify(v);
  return out;
}
