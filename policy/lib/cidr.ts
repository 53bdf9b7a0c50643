/**
 * Address arithmetic for integration subnets and access-restriction rules. The sizing rule is the
 * project's own (src/core/sizing.ts, dependency-free), so the pack and the program cannot
 * disagree on it; parsing is `ip-address`'s.
 *
 * Pure: no Pulumi imports.
 */
import { Address4, Address6 } from "ip-address";
import {
  AZURE_RESERVED_ADDRESSES,
  LARGEST_INTEGRATION_PREFIX,
  prefixForAddresses,
  usableAddresses,
} from "@service-edges/contract/sizing";

export { AZURE_RESERVED_ADDRESSES, usableAddresses };

/** The smallest subnet App Service VNet integration accepts is a /28. */
export const MAX_INTEGRATION_PREFIX = LARGEST_INTEGRATION_PREFIX;

export interface Ipv4Prefix {
  address: string;
  prefix: number;
}

/** Parses `a.b.c.d/p`; undefined for anything else (IPv6 included). */
export function parseIpv4Cidr(s: string): Ipv4Prefix | undefined {
  const text = s.trim();
  if (!/^[\d.]+\/\d{1,2}$/.test(text) || !Address4.isValid(text)) return undefined;
  const a = new Address4(text);
  return { address: a.addressMinusSuffix ?? text.split("/")[0], prefix: a.subnetMask };
}

/** Prefix length of a dotted subnet mask (`255.255.255.0` -> 24); undefined if not contiguous. */
export function maskToPrefix(mask: string): number | undefined {
  const m = mask.trim();
  if (!Address4.isValid(m) || m.includes("/")) return undefined;
  const bits = new Address4(m).bigInt().toString(2).padStart(32, "0");
  return /^1*0*$/.test(bits) ? (bits.indexOf("0") === -1 ? 32 : bits.indexOf("0")) : undefined;
}

/**
 * The longest prefix (smallest subnet) that gives `needed` usable addresses and is still
 * accepted for VNet integration (/28 or larger); undefined if not even a /1 would do.
 */
export function smallestPrefixFor(needed: number): number | undefined {
  return prefixForAddresses(needed);
}

/** True when an access-restriction address matches every IPv4 or IPv6 source. */
export function isAnyAddress(ipAddress: string, subnetMask?: string): boolean {
  const a = ipAddress.trim().toLowerCase();
  if (a === "any" || a === "*") return true;
  if (a.includes(":")) return /\/0$/.test(a) && Address6.isValid(a);
  const v4 = parseIpv4Cidr(a);
  if (v4) return v4.prefix === 0;
  if (Address4.isValid(a) && subnetMask !== undefined) return maskToPrefix(subnetMask) === 0;
  return false;
}
