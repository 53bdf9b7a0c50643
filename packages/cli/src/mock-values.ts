/**
 * The deterministic values the mocked outputs are made of: GUIDs, text, secrets and public
 * addresses that are pure functions of a key (a URN, an account name), so the same config
 * always plans the same ids and keys, and random's strings as the provider would generate them.
 */
import { createHash } from "node:crypto";

export type Props = Record<string, unknown>;

/** A GUID that is a pure function of `key` (name-based, like a v5 UUID). */
export function guidFor(key: string): string {
  const h = createHash("sha1").update(key).digest("hex");
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Deterministic text of `length` characters from `alphabet`, a pure function of `key`. */
export function textFor(key: string, length: number, alphabet: string): string {
  let out = "";
  for (let block = 0; out.length < length; block++) {
    const bytes = createHash("sha256").update(`${key}/${block}`).digest();
    for (const b of bytes) {
      if (out.length >= length) break;
      out += alphabet[b % alphabet.length];
    }
  }
  return out;
}

/** A deterministic base64 secret (storage keys, registry passwords): 64 bytes by default. */
export function secretFor(key: string, bytes = 64): string {
  const raw = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 32)
    createHash("sha256").update(`${key}/${i}`).digest().copy(raw, i);
  return raw.toString("base64");
}

export const BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function guidBytes(key: string): Buffer {
  return createHash("sha1").update(key).digest();
}

/**
 * random's RandomString / RandomPassword `result`: `length` characters from the classes it
 * allows (upper, lower, numeric, special, `overrideSpecial`), each class's `min*` met.
 */
export function randomText(urn: string, inputs: Props): string {
  const length = Math.max(0, Math.floor(Number(inputs.length ?? 0)));
  const on = (k: string) => inputs[k] !== false;
  const special =
    typeof inputs.overrideSpecial === "string" ? inputs.overrideSpecial : "!@#$%&*()-_=+[]{}<>:?";
  const classes: Array<[string, number]> = [];
  if (on("upper")) classes.push(["ABCDEFGHIJKLMNOPQRSTUVWXYZ", Number(inputs.minUpper ?? 0)]);
  if (on("lower")) classes.push(["abcdefghijklmnopqrstuvwxyz", Number(inputs.minLower ?? 0)]);
  if (on("numeric") && on("number")) classes.push(["0123456789", Number(inputs.minNumeric ?? 0)]);
  if (on("special") && special) classes.push([special, Number(inputs.minSpecial ?? 0)]);
  if (classes.length === 0) return "";
  let out = "";
  for (const [alphabet, min] of classes) out += textFor(`${urn}/min/${alphabet}`, min, alphabet);
  out += textFor(urn, Math.max(0, length - out.length), classes.map((c) => c[0]).join(""));
  return out;
}

/** A deterministic public IPv4 address (20.0.0.0/8 and 40.0.0.0/8, where Azure's are). */
export function publicIp(key: string): string {
  const b = guidBytes(key);
  return `${b[0] % 2 === 0 ? 20 : 40}.${b[1]}.${b[2]}.${1 + (b[3] % 254)}`;
}

export function obj(v: unknown): Props {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Props) : {};
}

export function str(v: unknown, fallback = ""): string {
  return typeof v === "string" ? v : fallback;
}
