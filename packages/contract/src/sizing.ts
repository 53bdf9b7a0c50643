/**
 * Integration-subnet sizing. Pure and dependency-free, so the policy pack can use it too.
 *
 * Every plan instance takes one address of its integration subnet; scale operations and platform
 * upgrades briefly need twice as many; Azure reserves 5 addresses in every subnet; and App Service
 * never integrates with anything smaller than /28. So a subnet of prefix p fits n instances when
 * 2^(32 - p) - 5 >= 2 * n and p <= 28: /28 -> 5, /27 -> 13, /26 -> 29, /25 -> 61, /24 -> 125.
 */

/** Addresses Azure reserves in every subnet (network, broadcast, and three for the platform). */
export const AZURE_RESERVED_ADDRESSES = 5;
/** The smallest integration subnet App Service accepts. */
export const LARGEST_INTEGRATION_PREFIX = 28;

/** Addresses of an IPv4 prefix length. */
export function addressesOf(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** How many plan instances a subnet of this prefix can hold through a scale-out or upgrade. */
export function instancesFitting(prefix: number): number {
  if (prefix > LARGEST_INTEGRATION_PREFIX) return 0;
  return Math.floor(usableAddresses(prefix) / 2);
}

/** Addresses a subnet of this prefix leaves for instances once Azure took its 5. */
export function usableAddresses(prefix: number): number {
  return addressesOf(prefix) - AZURE_RESERVED_ADDRESSES;
}

/** The longest prefix (smallest subnet, /28 at most) with `needed` usable addresses. */
export function prefixForAddresses(needed: number): number | undefined {
  for (let p = LARGEST_INTEGRATION_PREFIX; p >= 1; p--) if (usableAddresses(p) >= needed) return p;
  return undefined;
}

/** The longest (smallest) prefix whose subnet holds `maxInstances` instances. */
export function subnetPrefixFor(maxInstances: number): number {
  return prefixForAddresses(2 * maxInstances) ?? 0;
}

/** Free addresses left once `maxInstances` instances are doubled during an upgrade. */
export function headroomOf(prefix: number, maxInstances: number): number {
  return usableAddresses(prefix) - 2 * maxInstances;
}
