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
import { MULTI_TENANT_FIX, multiTenantTag } from "@service-edges/contract/service-tags";

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

/**
 * Broadness of access-restriction sources. A mesh site admits its callers by subnet; an address
 * rule that names a large part of the address space (or a set of rules that together do) opens it
 * as surely as `0.0.0.0/0`, so the pack refuses:
 *
 * - one IPv4 range of a /7 or wider (2^25 = 33,554,432 addresses or more). A /8 is the widest range
 *   the program's own config accepts (`ingress`, `scmAllowedRanges`); a /7 spans two of the 256
 *   blocks the whole internet is carved into, and `0.0.0.0/1` + `128.0.0.0/1` is `0.0.0.0/0` split
 *   in two;
 * - one IPv6 range of a /15 or wider. Only 2000::/3 is routed, and the regional registries
 *   receive it in /12 blocks that they split among thousands of networks: a /15 is an eighth of
 *   such a block, far more than any set of callers needs;
 * - Allow ranges of one list that together admit as many addresses as such a range (2^25 IPv4
 *   addresses, 2^113 IPv6 addresses): 256 /8s, or two /8s, say. Overlaps count once.
 */
export const BROAD_IPV4_PREFIX = 7;
export const BROAD_IPV6_PREFIX = 15;
export const BROAD_IPV4_ADDRESSES = 2n ** BigInt(32 - BROAD_IPV4_PREFIX);
export const BROAD_IPV6_ADDRESSES = 2n ** BigInt(128 - BROAD_IPV6_PREFIX);

/** One parsed source range: family, first address and size (both as bigints), prefix length. */
export interface AddressRange {
  family: 4 | 6;
  first: bigint;
  size: bigint;
  prefix: number;
}

/**
 * The ranges an access-restriction `ipAddress` names: `Any`/`*`, IPv4 or IPv6 CIDRs or single
 * addresses, comma-separated lists of them (multi-source rules); an IPv4 address may take its
 * length from `subnetMask`. Undefined when any part is not an address (a service tag, a typo).
 */
export function rangesOf(ipAddress: string, subnetMask?: string): AddressRange[] | undefined {
  const parts = ipAddress
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (parts.length === 0) return undefined;
  const out: AddressRange[] = [];
  for (const part of parts) {
    const a = part.toLowerCase();
    if (a === "any" || a === "*") {
      out.push({ family: 4, first: 0n, size: 2n ** 32n, prefix: 0 });
      out.push({ family: 6, first: 0n, size: 2n ** 128n, prefix: 0 });
      continue;
    }
    if (a.includes(":")) {
      if (!Address6.isValid(a)) return undefined;
      const v6 = new Address6(a);
      out.push({
        family: 6,
        first: v6.startAddress().bigInt(),
        size: 2n ** BigInt(128 - v6.subnetMask),
        prefix: v6.subnetMask,
      });
      continue;
    }
    if (!Address4.isValid(a)) return undefined;
    let prefix = new Address4(a).subnetMask;
    if (!a.includes("/") && subnetMask !== undefined && parts.length === 1) {
      const fromMask = maskToPrefix(subnetMask);
      if (fromMask === undefined) return undefined;
      prefix = fromMask;
    }
    const v4 = new Address4(`${a.split("/")[0]}/${prefix}`);
    out.push({
      family: 4,
      first: v4.startAddress().bigInt(),
      size: 2n ** BigInt(32 - prefix),
      prefix,
    });
  }
  return out;
}

/** True when the range is a /7 (IPv4) or /15 (IPv6) or wider. */
export function isBroadRange(r: AddressRange): boolean {
  return r.prefix <= (r.family === 4 ? BROAD_IPV4_PREFIX : BROAD_IPV6_PREFIX);
}

/** Addresses the ranges of one family cover together, overlaps counted once. */
export function unionSize(ranges: readonly AddressRange[], family: 4 | 6): bigint {
  const sorted = ranges
    .filter((r) => r.family === family)
    .map((r) => [r.first, r.first + r.size] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let total = 0n;
  let start = -1n;
  let end = -1n;
  for (const [s, e] of sorted) {
    if (s > end) {
      if (end > start) total += end - start;
      start = s;
      end = e;
    } else if (e > end) end = e;
  }
  if (end > start) total += end - start;
  return total;
}

/** The prefix length of a single range as large as `n` addresses (rounded to the wider one). */
export function equivalentPrefix(n: bigint, family: 4 | 6): number {
  const bits = family === 4 ? 32 : 128;
  let log = -1;
  for (let v = n; v > 0n; v >>= 1n) log++;
  return Math.max(0, bits - log);
}

/** How broad a service tag is, for an Allow rule on a mesh site. */
export type TagBreadth =
  /** Every source: `Internet`. */
  | { kind: "any" }
  /** A source set shared far beyond one caller; `who` says whom it admits. */
  | { kind: "broad"; who: string; fix: string }
  /** A service's own addresses (or a Front Door profile checked by its X-Azure-FDID header). */
  | { kind: "narrow" };

/**
 * Service tags, in two groups:
 *
 * - refused: `Internet` (everyone); `AzureCloud` and `AzureCloud.<region>` (every public address of
 *   Azure, which any Azure customer's VM or app can call from); `VirtualNetwork` (the whole virtual
 *   network, its peerings and connected on-premises networks, not one caller's subnet);
 *   `AzureFrontDoor.Backend` without an `X-Azure-FDID` header check (Front Door's back ends are
 *   shared by every customer's profiles, so the tag alone admits anyone who creates one);
 *   the multi-tenant tags above (`AppService[.<region>]`, `ApiManagement[.<region>]`, ...):
 *   other customers' apps and workflows send from them;
 * - accepted: every other tag names one Azure service's own addresses, e.g.
 *   `AzureFrontDoor.Backend` with the header check, or `AzureTrafficManager` (its health probes:
 *   Traffic Manager answers DNS and never forwards a client's request).
 *
 * `fdid` says whether the rule checks the `X-Azure-FDID` header (unknown: undefined).
 */
export function tagBreadth(tag: string, fdid: boolean | undefined): TagBreadth | undefined {
  const t = tag.trim().toLowerCase();
  if (t === "internet") return { kind: "any" };
  if (t === "azurecloud" || t.startsWith("azurecloud.")) {
    return {
      kind: "broad",
      who: `every Azure customer's resources${t === "azurecloud" ? "" : " in that region"} (the tag holds all of Azure's public addresses${t === "azurecloud" ? "" : " there"})`,
      fix: "admit Azure callers by their integration subnet (vnetSubnetResourceId) instead",
    };
  }
  const shared = multiTenantTag(t);
  if (shared) {
    return {
      kind: "broad",
      who: `${shared}${t.includes(".") ? " in that region" : ""}`,
      fix: MULTI_TENANT_FIX,
    };
  }
  if (t === "virtualnetwork") {
    return {
      kind: "broad",
      who: "every subnet of the virtual network, its peered networks and connected on-premises networks",
      fix: "admit each caller by its own integration subnet (vnetSubnetResourceId) instead",
    };
  }
  if (t === "azurefrontdoor.backend") {
    if (fdid === undefined) return undefined;
    if (fdid) return { kind: "narrow" };
    return {
      kind: "broad",
      who: "every Front Door profile of every Azure customer (the tag holds Front Door's shared back ends)",
      fix:
        'add headers: { "X-Azure-FDID": ["<your profile\'s frontDoorId>"] } to the rule, so ' +
        "that only your Front Door profile gets in",
    };
  }
  return { kind: "narrow" };
}
