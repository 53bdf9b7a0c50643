/**
 * Azure Resource Manager ids, as the policies compare them.
 *
 * ARM ids are case-insensitive. A reference held by one resource (`virtualNetworkSubnetId`,
 * `serverFarmId`, `vnetSubnetResourceId`, `privateLinkServiceId`) is matched against another
 * resource of the same stack either by its full id (when that resource's props carry `id`, as in
 * the offline plan) or by the part after the subscription, rebuilt from the resource's own known
 * names (`resourceGroupName`, `name`, ...): the engine does not put azure-native ids into props,
 * and the subscription id is not among a resource's inputs.
 *
 * Pure: no Pulumi imports.
 */

/** Lower-cased, without a trailing slash. */
export function normalizeId(id: string): string {
  return id.trim().replace(/\/+$/, "").toLowerCase();
}

/** `/resourcegroups/...` part of an ARM id (lower-cased), or undefined if it has none. */
export function scopeFreeId(id: string): string | undefined {
  const n = normalizeId(id);
  const m = /^\/subscriptions\/[^/]+(\/resourcegroups\/.+)$/.exec(n);
  return m ? m[1] : undefined;
}

/** `/resourcegroups/{rg}/providers/{namespace}/{type}/{name}[/{childType}/{childName}...]`. */
export function rgScopedId(resourceGroup: string, provider: string, ...segments: string[]): string {
  return normalizeId(
    `/resourceGroups/${resourceGroup}/providers/${provider}/${segments.join("/")}`,
  );
}

export interface SiteRef {
  resourceGroup: string;
  site: string;
  slot?: string;
}

/** Parses `/subscriptions/../resourceGroups/{rg}/providers/Microsoft.Web/sites/{site}[/slots/{slot}]`. */
export function parseSiteId(id: string): SiteRef | undefined {
  const m =
    /^\/subscriptions\/[^/]+\/resourcegroups\/([^/]+)\/providers\/microsoft\.web\/sites\/([^/]+)(?:\/slots\/([^/]+))?$/i.exec(
      id.trim().replace(/\/+$/, ""),
    );
  if (!m) return undefined;
  return { resourceGroup: m[1], site: m[2], ...(m[3] ? { slot: m[3] } : {}) };
}

/** True for an id of a subnet: `.../virtualNetworks/{vnet}/subnets/{subnet}`. */
export function isSubnetId(id: string): boolean {
  return /\/providers\/microsoft\.network\/virtualnetworks\/[^/]+\/subnets\/[^/]+\/?$/i.test(id);
}

/** Last segment of an ARM id (the resource's own name). */
export function lastSegment(id: string): string {
  const parts = id.replace(/\/+$/, "").split("/");
  return parts[parts.length - 1] ?? id;
}
