/**
 * Plain, explicit views of resource properties.
 *
 * The policy host hands policies `props` wrapped in an unknown-checking proxy: reading a value
 * that is unknown during preview throws, and the host turns that into an advisory "can't run
 * policy during preview" diagnostic. A policy that must stay quiet on unknowns therefore never
 * reads through the proxy: `plain()` copies the props through property descriptors (which a
 * get-only Proxy forwards to its target untouched) and replaces every unknown sentinel with the
 * single `UNKNOWN` marker, so each policy decides explicitly what an unknown means.
 *
 * Pure: no Pulumi imports, so the root tests and the offline plan tool can load it in-process.
 */
// A serialized Pulumi secret is `{ [SECRET_SIG_KEY]: SECRET_SIG, value }` (the contract's one copy).
import { SECRET_SIG, SECRET_SIG_KEY } from "@service-edges/contract/secret-signature";

/** The marker that stands for a value the engine does not know yet (preview). */
export interface Unknown {
  readonly __unknown: true;
}
export const UNKNOWN: Unknown = Object.freeze({ __unknown: true as const });

export function isUnknown(v: unknown): v is Unknown {
  return v === UNKNOWN;
}

/**
 * The strings the Pulumi engine and SDKs put in place of unknown values (boolean, number, string,
 * array, asset, archive, object). The same constants live in @pulumi/policy's proxy.ts and in
 * @pulumi/pulumi's runtime (`unknownValue`); they are part of the wire protocol and never change.
 */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

export type Plain = null | boolean | number | string | Unknown | Plain[] | PlainObject;
export interface PlainObject {
  [key: string]: Plain;
}

function rawGet(obj: object, key: string): unknown {
  const d = Object.getOwnPropertyDescriptor(obj, key);
  return d && "value" in d ? d.value : undefined;
}

/**
 * A deep plain copy of `v` with unknowns replaced by `UNKNOWN` and secrets unwrapped. Reads
 * through descriptors only, so it never trips the host's unknown-checking proxy. `undefined`
 * object members are dropped (the engine treats them as absent too).
 */
export function plain(v: unknown): Plain | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v === "boolean" || typeof v === "number") return v;
  if (typeof v === "string") return UNKNOWN_SENTINELS.has(v) ? UNKNOWN : v;
  if (v === UNKNOWN) return UNKNOWN;
  if (typeof v !== "object") return undefined;
  if (Array.isArray(v)) {
    const n = rawGet(v, "length");
    const out: Plain[] = [];
    for (let i = 0; i < (typeof n === "number" ? n : 0); i++) {
      const e = plain(rawGet(v, String(i)));
      out.push(e === undefined ? null : e);
    }
    return out;
  }
  if (rawGet(v, SECRET_SIG_KEY) === SECRET_SIG) return plain(rawGet(v, "value"));
  // Secrets kept as objects by some hosts: `new Secret(value)` has just a `value` field.
  const ctor = Object.getPrototypeOf(v)?.constructor?.name;
  if (ctor === "Secret" && Object.keys(v).length === 1) return plain(rawGet(v, "value"));
  const out: PlainObject = {};
  for (const k of Object.keys(v)) {
    const e = plain(rawGet(v, k));
    if (e !== undefined) out[k] = e;
  }
  return out;
}

/** `plain()` for a props bag, always an object. */
export function plainProps(props: unknown): PlainObject {
  const p = plain(props);
  return p !== null && typeof p === "object" && !Array.isArray(p) && !isUnknown(p) ? p : {};
}

/** Walks `path` through objects; any unknown on the way is `UNKNOWN`, anything missing is undefined. */
export function at(v: Plain | undefined, ...path: (string | number)[]): Plain | undefined {
  let cur: Plain | undefined = v;
  for (const key of path) {
    if (cur === undefined || cur === null) return undefined;
    if (isUnknown(cur)) return UNKNOWN;
    if (typeof cur !== "object") return undefined;
    cur = Array.isArray(cur) ? cur[Number(key)] : (cur as PlainObject)[String(key)];
  }
  return cur;
}

export type Tri<T> = T | Unknown | undefined;

export function asString(v: Plain | undefined): Tri<string> {
  if (isUnknown(v)) return UNKNOWN;
  return typeof v === "string" ? v : undefined;
}

export function asBool(v: Plain | undefined): Tri<boolean> {
  if (isUnknown(v)) return UNKNOWN;
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "false") return v === "true";
  return undefined;
}

export function asNumber(v: Plain | undefined): Tri<number> {
  if (isUnknown(v)) return UNKNOWN;
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

export function asArray(v: Plain | undefined): Tri<Plain[]> {
  if (isUnknown(v)) return UNKNOWN;
  return Array.isArray(v) ? v : undefined;
}

export function asObject(v: Plain | undefined): Tri<PlainObject> {
  if (isUnknown(v)) return UNKNOWN;
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as PlainObject) : undefined;
}

/** Strings of a string array; `UNKNOWN` if the array or any element is unknown. */
export function asStrings(v: Plain | undefined): Tri<string[]> {
  const a = asArray(v);
  if (a === undefined || isUnknown(a)) return a;
  const out: string[] = [];
  for (const e of a) {
    if (isUnknown(e)) return UNKNOWN;
    if (typeof e === "string") out.push(e);
  }
  return out;
}

/** Case-insensitive equality of two known strings. */
export function sameText(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The labels of a group's members, sorted and joined, for a violation message. */
export function labelsOf(members: Map<string, string>): string {
  return [...members.values()].sort().join(", ");
}
