/**
 * `--policy-config FILE`: the JSON `pulumi preview --policy-pack-config FILE` takes, for the
 * offline run of the pack. Per policy, an enforcement level or an object with
 * `enforcementLevel` and the policy's knobs (its configSchema's properties); `all` sets the level
 * of every policy (a policy's own entry wins). Anything the pack would refuse is refused here:
 * an unknown policy, an unknown level, a knob the policy does not declare or of the wrong type.
 */
import * as fs from "node:fs";
import type { OfflineConfig } from "@service-edges/policy/offline";
import { policies } from "@service-edges/policy/policies";
import { UsageError } from "./stack-config";

const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];

interface Schema {
  type?: string | string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  items?: Schema;
}

function typeOk(value: unknown, type: string): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value);
    case "object":
      return !!value && typeof value === "object" && !Array.isArray(value);
    case "null":
      return value === null;
    default:
      return true;
  }
}

/** Why `value` does not fit `schema` (the JSON Schema subset the pack's knobs use), or undefined. */
function misfit(value: unknown, schema: Schema, at: string): string | undefined {
  const types = schema.type === undefined ? [] : [schema.type].flat();
  if (types.length > 0 && !types.some((t) => typeOk(value, t)))
    return `${at} must be ${types.join(" or ")}, got ${JSON.stringify(value)}`;
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)))
    return `${at} must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`;
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum)
      return `${at} must be at least ${schema.minimum}`;
    if (schema.maximum !== undefined && value > schema.maximum)
      return `${at} must be at most ${schema.maximum}`;
  }
  if (Array.isArray(value) && schema.items) {
    for (const [i, v] of value.entries()) {
      const why = misfit(v, schema.items, `${at}[${i}]`);
      if (why) return why;
    }
  }
  return undefined;
}

/** Checks a parsed policy config against the pack and returns it in runPolicies' form. */
export function policyConfigOf(doc: unknown, file: string): OfflineConfig {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
    throw new UsageError(
      `--policy-config ${file}: expected a JSON object of policy names to a level or settings`,
    );
  }
  const byName = new Map(policies.map((p) => [p.name, p]));
  const names = [...byName.keys()];
  const problems: string[] = [];
  const levelOf = (v: unknown, at: string): string | undefined => {
    if (typeof v === "string" && LEVELS.includes(v)) return v;
    problems.push(
      `${at}: enforcement level must be ${LEVELS.join(", ")}; got ${JSON.stringify(v)}`,
    );
    return undefined;
  };
  const out: OfflineConfig = {};
  const entries = Object.entries(doc as Record<string, unknown>);
  const all = (doc as Record<string, unknown>).all;
  if (all !== undefined) {
    const level = levelOf(
      typeof all === "object" && all !== null
        ? (all as Record<string, unknown>).enforcementLevel
        : all,
      "all",
    );
    if (level) for (const n of names) out[n] = { enforcementLevel: level };
    if (typeof all === "object" && all !== null) {
      const extra = Object.keys(all).filter((k) => k !== "enforcementLevel");
      if (extra.length > 0)
        problems.push(`all: only takes an enforcementLevel, not ${extra.join(", ")}`);
    }
  }
  for (const [name, entry] of entries) {
    if (name === "all") continue;
    const policy = byName.get(name);
    if (!policy) {
      problems.push(`"${name}" is not a policy of the pack; its policies are ${names.join(", ")}`);
      continue;
    }
    if (typeof entry === "string") {
      const level = levelOf(entry, name);
      if (level) out[name] = { enforcementLevel: level };
      continue;
    }
    if (!entry || typeof entry !== "object" || Array.isArray(entry)) {
      problems.push(`${name}: expected a level or an object, got ${JSON.stringify(entry)}`);
      continue;
    }
    const settings: OfflineConfig[string] = { ...(out[name] ?? {}) };
    const knobs = (policy.configSchema?.properties ?? {}) as Record<string, Schema>;
    for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
      if (k === "enforcementLevel") {
        const level = levelOf(v, `${name}.enforcementLevel`);
        if (level) settings.enforcementLevel = level;
        continue;
      }
      if (!(k in knobs)) {
        const has = Object.keys(knobs);
        problems.push(
          `${name}.${k}: the policy has no such setting; ${has.length > 0 ? `it takes ${has.join(", ")}` : "it takes only enforcementLevel"}`,
        );
        continue;
      }
      const why = misfit(v, knobs[k], `${name}.${k}`);
      if (why) problems.push(why);
      else settings[k] = v;
    }
    out[name] = settings;
  }
  if (problems.length > 0) {
    throw new UsageError(
      `--policy-config ${file}: ${problems.length === 1 ? problems[0] : `\n  - ${problems.join("\n  - ")}`}`,
    );
  }
  return out;
}

/** Reads `--policy-config FILE`. */
export function readPolicyConfig(file: string): OfflineConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`cannot read the policy config ${file}: no such file`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`the policy config ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return policyConfigOf(doc, file);
}
