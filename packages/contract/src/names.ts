/**
 * Every resource name, logical (Pulumi) and physical (Azure / Entra), as a pure function of the
 * stack's name prefix and service / edge / role names. Nothing is numbered by position, so adding
 * a service, an edge or a role never renames, renumbers or replaces anything that exists.
 * Pure: no Pulumi imports.
 */

/** Logical name of an edge: service names hold no '.', so `from.to` is unambiguous. */
export function edgeName(from: string, to: string): string {
  return `${from}.${to}`;
}

/** Logical name of one (edge, role) assignment. */
export function assignmentName(from: string, to: string, role: string): string {
  return `${edgeName(from, to)}.${role}`;
}

/** Logical name of a (service, role) pair, e.g. its stable role id. */
export function roleName(service: string, role: string): string {
  return `${service}.${role}`;
}

export function networkGroupName(prefix: string): string {
  return `${prefix}-network`;
}

/**
 * The group holding every user-assigned identity of a mesh with guardrails and nothing else, so
 * that the identities' `assign/action` (what attaching an identity to other compute takes) can be
 * granted or denied on them alone.
 */
export function identitiesGroupName(prefix: string): string {
  return `${prefix}-identities`;
}

/** `label` is the service's placement label (placement.ts): `g07`, `ep-g07`, `classic-g07`. */
export function serviceGroupName(prefix: string, label: string): string {
  return `${prefix}-${label}`;
}

/** `vnet`: an extra virtual network's name (`network.vnets`); none for the first. */
export function vnetName(prefix: string, vnet = ""): string {
  return vnet ? `${prefix}-vnet-${vnet}` : `${prefix}-vnet`;
}

export function subnetName(service: string): string {
  return `snet-${service}`;
}

/** Site, plan and identity share the service's physical name (different resource types). */
export function siteName(prefix: string, service: string): string {
  return `${prefix}-${service}`;
}

/** Storage account names: 3-24 lowercase letters and digits, globally unique. */
export function storageAccountName(prefix: string, service: string): string {
  const base = `${prefix}${service}`.replace(/[^a-z0-9]/g, "");
  let h = 0x811c9dc5;
  for (const ch of `${prefix}/${service}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  const suffix = h.toString(36).padStart(7, "0").slice(0, 7);
  return `st${base.slice(0, 15)}${suffix}`;
}

/** The callee's identifier URI: tenant-scoped, as Entra's identifier-URI restrictions require. */
export function identifierUriFor(tenantId: string, prefix: string, service: string): string {
  return `api://${tenantId}/${siteName(prefix, service)}`;
}

/** The site's default host name (explicit site names keep it known before deployment). */
export function defaultHostNameFor(prefix: string, service: string): string {
  return `${siteName(prefix, service)}.azurewebsites.net`;
}
