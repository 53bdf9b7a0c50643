/**
 * Which resource group holds a service's plan, app and identity. Pure: no Pulumi imports.
 *
 * A resource group holds at most 100 App Service plans, and moving a plan to another group is a
 * replacement. So the group is a pure function of the service's own name (FNV-1a hash into a fixed
 * number of groups): adding or removing any other service never moves it. A service can be pinned
 * to a group with `group:` when its hashed group is full.
 */

/** Number of service resource groups. Fixed forever: changing it would move services. */
export const SERVICE_GROUPS = 32;
/** Azure limit: App Service plans per resource group. */
export const PLANS_PER_RESOURCE_GROUP = 100;

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The group a service lands in when not pinned. */
export function hashedGroupOf(service: string): number {
  return fnv1a(service) % SERVICE_GROUPS;
}

/** Two-digit label of a group: `07`. */
export function groupLabel(group: number): string {
  return String(group).padStart(2, "0");
}
