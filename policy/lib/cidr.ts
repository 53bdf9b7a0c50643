/**
 * IPv4 prefix arithmetic for integration subnets and access-restriction rules.
 *
 * Pure: no Pulumi imports.
 */

/** Azure reserves 5 addresses in every subnet (network, gateway, 2 DNS, broadcast). */
export const AZURE_RESERVED_ADDRESSES = 5;

/** The smallest subnet App Service VNet integration accepts is a /28. */
export const MAX_INTEGRATION_PREFIX = 28;

export interface Ipv4Prefix {
  address: string;
  prefix: number;
}

function ipv4ToInt(s: string): number | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const b = Number(p);
    if (b > 255) return undefined;
    n = n * 256 + b;
  }
  return n;
}

/** Parses `a.b.c.d/p`; undefined for anything else (IPv6 included). */
export function parseIpv4Cidr(s: string): Ipv4Prefix | undefined {
  const m = /^\s*([\d.]+)\/(\d{1,2})\s*$/.exec(s);
  if (!m) return undefined;
  const prefix = Number(m[2]);
  if (ipv4ToInt(m[1]) === undefined || prefix > 32) return undefined;
  return { address: m[1], prefix };
}

/** Prefix length of a dotted subnet mask (`255.255.255.0` -> 24); undefined if not contiguous. */
export function maskToPrefix(mask: string): number | undefined {
  const n = ipv4ToInt(mask.trim());
  if (n === undefined) return undefined;
  const bits = n.toString(2).padStart(32, "0");
  if (!/^1*0*$/.test(bits)) return undefined;
  return bits.indexOf("0") === -1 ? 32 : bits.indexOf("0");
}

/** Addresses a subnet of this prefix can give to instances once Azure took its 5. */
export function usableAddresses(prefix: number): number {
  return 2 ** (32 - prefix) - AZURE_RESERVED_ADDRESSES;
}

/**
 * The longest prefix (smallest subnet) that gives `needed` usable addresses and is still
 * accepted for VNet integration (/28 or larger); undefined if not even a /1 would do.
 */
export function smallestPrefixFor(needed: number): number | undefined {
  for (let p = MAX_INTEGRATION_PREFIX; p >= 1; p--) {
    if (usableAddresses(p) >= needed) return p;
  }
  return undefined;
}

/** True when an access-restriction address matches every IPv4 or IPv6 source. */
export function isAnyAddress(ipAddress: string, subnetMask?: string): boolean {
  const a = ipAddress.trim().toLowerCase();
  if (a === "any" || a === "*") return true;
  const v6 = /^([0-9a-f:]+)\/(\d{1,3})$/.exec(a);
  if (v6 && a.includes(":")) return Number(v6[2]) === 0;
  const v4 = parseIpv4Cidr(a);
  if (v4) return v4.prefix === 0;
  if (ipv4ToInt(a) !== undefined && subnetMask !== undefined) return maskToPrefix(subnetMask) === 0;
  return false;
}
