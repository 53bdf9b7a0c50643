/**
 * IPv4 CIDR arithmetic on top of `ip-address`. Pure: no Pulumi imports.
 */
import { Address4 } from "ip-address";

export interface Cidr {
  /** The text as configured. */
  text: string;
  prefix: number;
  /** First and last address as integers (inclusive). */
  start: bigint;
  end: bigint;
}

export type CidrParse = { ok: true; cidr: Cidr } | { ok: false; reason: string; fix?: string };

/** Parses `a.b.c.d/p`; refuses malformed text and ranges not on their network boundary. */
export function parseCidr(text: string): CidrParse {
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(text) || !Address4.isValid(text)) {
    return { ok: false, reason: "is not an IPv4 CIDR range like 10.40.0.0/27" };
  }
  const addr = new Address4(text);
  const start = addr.startAddress();
  if (start.correctForm() !== addr.addressMinusSuffix) {
    const aligned = `${start.correctForm()}/${addr.subnetMask}`;
    return {
      ok: false,
      reason: `is not on its /${addr.subnetMask} network boundary`,
      fix: `use ${aligned} (the /${addr.subnetMask} that contains it)`,
    };
  }
  return {
    ok: true,
    cidr: { text, prefix: addr.subnetMask, start: start.bigInt(), end: addr.endAddress().bigInt() },
  };
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.start <= b.end && b.start <= a.end;
}

export function formatCidr(start: bigint, prefix: number): string {
  return `${Address4.fromBigInt(start).correctForm()}/${prefix}`;
}

/**
 * The lowest range of the given prefix inside `space` that is on its own boundary and overlaps
 * none of `used`; undefined when the space is full. Linear in `used`.
 */
export function nextFreeRange(
  space: Cidr,
  used: readonly Cidr[],
  prefix: number,
): Cidr | undefined {
  if (prefix < space.prefix) return undefined;
  const size = 1n << BigInt(32 - prefix);
  const sorted = used
    .filter((u) => overlaps(u, space))
    .sort((a, b) => (a.start < b.start ? -1 : 1));
  let candidate = space.start;
  for (const u of sorted) {
    if (candidate + size - 1n < u.start) break;
    if (u.end >= candidate) candidate = ((u.end + 1n + size - 1n) / size) * size;
  }
  if (candidate + size - 1n > space.end) return undefined;
  return {
    text: formatCidr(candidate, prefix),
    prefix,
    start: candidate,
    end: candidate + size - 1n,
  };
}
