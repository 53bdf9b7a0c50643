/**
 * Address ranges of access rules (IPv4 and IPv6), on top of `ip-address`. Pure.
 */
import { Address4, Address6 } from "ip-address";

export interface AddressRange {
  family: 4 | 6;
  /** First and last address as integers (inclusive). */
  start: bigint;
  end: bigint;
  prefix: number;
  /** `203.0.113.0/24`, `2001:db8::/32`. */
  text: string;
}

/** Every IPv4 and every IPv6 address: what the ARM value `Any` stands for. */
export const EVERY_ADDRESS: readonly AddressRange[] = Object.freeze([
  { family: 4, start: 0n, end: (1n << 32n) - 1n, prefix: 0, text: "0.0.0.0/0" },
  { family: 6, start: 0n, end: (1n << 128n) - 1n, prefix: 0, text: "::/0" },
]);

/** `255.255.255.0` -> 24; undefined when the mask is not contiguous. */
export function maskToPrefix(mask: string): number | undefined {
  const parts = mask.trim().split(".").map(Number);
  if (parts.length !== 4 || parts.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) {
    return undefined;
  }
  const bits = parts.map((x) => x.toString(2).padStart(8, "0")).join("");
  if (!/^1*0*$/.test(bits)) return undefined;
  const zero = bits.indexOf("0");
  return zero === -1 ? 32 : zero;
}

/**
 * Parsed ranges by text: a mesh names the same few thousand ranges in every rule it is asked
 * about (an NSG decision for each pair of services), and parsing one is microseconds of
 * `ip-address` work each time. Ranges are frozen, so sharing them is safe; bounded so a long
 * process reading many states does not grow without end.
 */
const parsed = new Map<string, AddressRange | undefined>();
const PARSED_MAX = 100_000;

/** One address or CIDR range (v4 or v6); undefined when it is neither. */
export function parseRange(text: string, subnetMask?: string): AddressRange | undefined {
  const key = subnetMask === undefined ? text : `${text}\u0000${subnetMask}`;
  if (parsed.has(key)) return parsed.get(key);
  const range = parseRangeOnce(text, subnetMask);
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(key, range && Object.freeze(range));
  return range;
}

function parseRangeOnce(text: string, subnetMask?: string): AddressRange | undefined {
  const t = text.trim();
  if (t.includes(":")) {
    if (!Address6.isValid(t)) return undefined;
    const a = new Address6(t.includes("/") ? t : `${t}/128`);
    const start = a.startAddress().bigInt();
    return {
      family: 6,
      start,
      end: a.endAddress().bigInt(),
      prefix: a.subnetMask,
      text: `${a.startAddress().correctForm()}/${a.subnetMask}`,
    };
  }
  let withPrefix = t;
  if (!t.includes("/")) {
    const prefix = subnetMask ? maskToPrefix(subnetMask) : 32;
    if (prefix === undefined) return undefined;
    withPrefix = `${t}/${prefix}`;
  }
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(withPrefix) || !Address4.isValid(withPrefix)) {
    return undefined;
  }
  const a = new Address4(withPrefix);
  return {
    family: 4,
    start: a.startAddress().bigInt(),
    end: a.endAddress().bigInt(),
    prefix: a.subnetMask,
    text: `${a.startAddress().correctForm()}/${a.subnetMask}`,
  };
}

/**
 * The ranges an access rule's `ipAddress` names: `Any`, one range, or a comma-separated list
 * (App Service takes up to 8 ranges in one rule); undefined when any part is not an address.
 */
export function rangesOf(ipAddress: string, subnetMask?: string): AddressRange[] | undefined {
  if (/^\s*(any|\*)\s*$/i.test(ipAddress)) return [...EVERY_ADDRESS];
  const out: AddressRange[] = [];
  for (const part of ipAddress.split(",")) {
    if (part.trim() === "") continue;
    const r = parseRange(part, subnetMask);
    if (!r) return undefined;
    out.push(r);
  }
  return out.length ? out : undefined;
}

export function covers(outer: AddressRange, inner: AddressRange): boolean {
  return outer.family === inner.family && outer.start <= inner.start && inner.end <= outer.end;
}

export function overlaps(a: AddressRange, b: AddressRange): boolean {
  return a.family === b.family && a.start <= b.end && b.start <= a.end;
}

/** A range holding every address of its family (`0.0.0.0/0`, `::/0`). */
export const isWholeFamily = (r: AddressRange): boolean => r.prefix === 0;
