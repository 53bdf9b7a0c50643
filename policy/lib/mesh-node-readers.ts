/**
 * How the props of one resource become a node of the mesh: a site's names, its access
 * restrictions and the references it holds; a subnet's prefixes, delegation and service
 * endpoints (separate or inline in its virtual network); the site a site child configures; the
 * app roles of an application. Pure: no Pulumi imports.
 */
import { normalizeId, parseSiteId, rgScopedId } from "./arm";
import type {
  AppRoleInfo,
  Ref,
  Rule,
  SiteChildNode,
  SiteNode,
  StackResourceLike,
  SubnetNode,
} from "./mesh-nodes";
import { depsOf } from "./mesh-nodes";
import { NATIVE_PATHS, type SourcedResource } from "./sources";
import { T } from "./types";
import {
  type Plain,
  type PlainObject,
  type Tri,
  UNKNOWN,
  asArray,
  asBool,
  asNumber,
  asObject,
  asString,
  asStrings,
  at,
  isUnknown,
  sameText,
} from "./values";

export function ref(r: StackResourceLike, p: PlainObject, prop: string, ...path: string[]): Ref {
  return { value: asString(at(p, prop, ...path)), deps: depsOf(r, prop) };
}

export function knownString(v: Tri<string>): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

export function roleInfo(role: Plain): AppRoleInfo {
  const types = asStrings(at(role, "allowedMemberTypes"));
  return {
    value: asString(at(role, "value")),
    forApplications: isUnknown(types)
      ? UNKNOWN
      : types === undefined
        ? false
        : types.some((t) => sameText(t, "Application")),
    enabled: asBool(at(role, "enabled")),
  };
}

export function rolesOf(list: Plain | undefined): AppRoleInfo[] | typeof UNKNOWN {
  const a = asArray(list);
  if (isUnknown(a)) return UNKNOWN;
  return (a ?? []).map(roleInfo);
}

/** Known ids of a resource from its props: `id`, when it is a string. */
export function ownFullIds(p: PlainObject): string[] {
  const id = knownString(asString(p["id"]));
  return id ? [normalizeId(id)] : [];
}

/** Pushes `rgScopedId(...)` when every part is a known string. */
export function scopeIdOf(rg: Tri<string>, provider: string, ...parts: Tri<string>[]): string[] {
  const r = knownString(rg);
  const ps = parts.map(knownString);
  if (!r || ps.some((x) => x === undefined)) return [];
  return [rgScopedId(r, provider, ...(ps as string[]))];
}

export function siteNode(base: {
  res: SourcedResource;
  p: PlainObject;
  key: string;
  label: string;
}): SiteNode {
  const { res, p } = base;
  const slot = res.type === T.webAppSlot;
  const { rg, siteName, slotName } = siteNames(p, slot);
  const scopeIds = slot
    ? scopeIdOf(rg, "Microsoft.Web", "sites", siteName, "slots", slotName)
    : scopeIdOf(rg, "Microsoft.Web", "sites", siteName);
  const r = knownString(rg);
  const n = knownString(siteName);
  return {
    ...base,
    fullIds: ownFullIds(p),
    scopeIds,
    slot,
    resourceGroup: rg,
    siteName,
    slotName,
    appKey: r && n ? `site:${r.toLowerCase()}/${n.toLowerCase()}` : res.urn,
    serverFarm: ref(res, p, "serverFarmId"),
    integrationSubnet: ref(res, p, "virtualNetworkSubnetId"),
    rules: rulesOf(res, p),
    paths: res.paths ?? NATIVE_PATHS,
    ...(res.writes ? { writes: { value: scopeIds[0] ?? UNKNOWN, deps: depsOf(res, "name") } } : {}),
  };
}

/**
 * A site's resource group, site name and slot name. A slot's inputs name its site (`name`) and
 * slot (`slot`), but what ARM reads back (and the planner's mocks) names a slot
 * `{site}/{slot}` and carries `resourceGroup` and the full `id`
 * (`.../sites/{site}/slots/{slot}`): take the parts from whichever is there, so that a read-back
 * slot is still grouped with its site.
 */
function siteNames(
  p: PlainObject,
  slot: boolean,
): { rg: Tri<string>; siteName: Tri<string>; slotName: Tri<string> } {
  let rg = asString(p["resourceGroupName"] ?? p["resourceGroup"]);
  let siteName = asString(p["name"]);
  let slotName = slot ? asString(p["slot"]) : undefined;
  const id = knownString(asString(p["id"]));
  const parsed = id ? parseSiteId(id) : undefined;
  if (parsed && (parsed.slot !== undefined) === slot) {
    if (!knownString(rg)) rg = parsed.resourceGroup;
    if (typeof siteName !== "string" || siteName === "" || siteName.includes("/")) {
      siteName = parsed.site;
    }
    if (slot && !knownString(slotName)) slotName = parsed.slot;
  }
  if (slot && typeof siteName === "string" && siteName.includes("/")) {
    const [site, name] = siteName.split("/", 2);
    siteName = site;
    if (!knownString(slotName)) slotName = name;
  }
  return { rg, siteName, slotName };
}

export function rulesOf(res: StackResourceLike, p: PlainObject): Rule[] | typeof UNKNOWN {
  const sc = asObject(p["siteConfig"]);
  if (isUnknown(sc)) return UNKNOWN;
  if (!sc) return [];
  const deps = depsOf(res, "siteConfig");
  const out: Rule[] = [];
  for (const list of ["main", "scm"] as const) {
    const a = asArray(sc[list === "main" ? "ipSecurityRestrictions" : "scmIpSecurityRestrictions"]);
    if (isUnknown(a)) return UNKNOWN;
    (a ?? []).forEach((raw, index) => {
      const o = asObject(raw);
      if (isUnknown(o)) {
        out.push({
          list,
          index,
          action: UNKNOWN,
          ipAddress: UNKNOWN,
          subnetMask: UNKNOWN,
          tag: UNKNOWN,
          fdid: UNKNOWN,
          opaque: true,
          synthetic: false,
        });
        return;
      }
      if (!o) return;
      const ipAddress = asString(o["ipAddress"]);
      out.push({
        list,
        index,
        action: asString(o["action"]),
        ipAddress,
        subnetMask: asString(o["subnetMask"]),
        tag: asString(o["tag"]),
        ...("vnetSubnetResourceId" in o
          ? { subnet: { value: asString(o["vnetSubnetResourceId"]), deps } }
          : {}),
        fdid: fdidCheck(o["headers"]),
        opaque: false,
        synthetic:
          typeof ipAddress === "string" &&
          sameText(ipAddress, "Any") &&
          asNumber(o["priority"]) === 2147483647,
      });
    });
  }
  return out;
}

/** Whether a rule's `headers` require an `X-Azure-FDID` value (unknown while they are). */
function fdidCheck(headers: Plain | undefined): Tri<boolean> {
  const h = asObject(headers);
  if (isUnknown(h)) return UNKNOWN;
  if (!h) return false;
  for (const [k, v] of Object.entries(h)) {
    if (!sameText(k, "X-Azure-FDID")) continue;
    const values = asStrings(v);
    if (isUnknown(values)) return UNKNOWN;
    return (values ?? []).some((x) => x.trim() !== "");
  }
  return false;
}

export function subnetNode(
  base: { res: StackResourceLike; p: PlainObject; key: string; label: string },
  owner: StackResourceLike,
  p: PlainObject,
  vnet: PlainObject | undefined,
  index: number | undefined,
): SubnetNode {
  const inline = vnet !== undefined;
  const name = asString(p["subnetName"] ?? p["name"]);
  const fullIds = ownFullIds(p);
  // A separately declared subnet's read-back outputs carry its id inside its delegations.
  const delegations = asArray(p["delegations"]);
  for (const d of Array.isArray(delegations) ? delegations : []) {
    const did = knownString(asString(at(d, "id")));
    const m = did ? /^(.*\/subnets\/[^/]+)\/delegations\/[^/]+$/i.exec(did) : null;
    if (m && fullIds.length === 0) fullIds.push(normalizeId(m[1]));
  }
  let scopeIds: string[];
  if (inline) {
    const vnetId = knownString(asString(vnet["id"]));
    if (fullIds.length === 0 && vnetId && knownString(name)) {
      fullIds.push(normalizeId(`${vnetId}/subnets/${name as string}`));
    }
    scopeIds = scopeIdOf(
      asString(vnet["resourceGroupName"]),
      "Microsoft.Network",
      "virtualNetworks",
      asString(vnet["virtualNetworkName"] ?? vnet["name"]),
      "subnets",
      name,
    );
  } else {
    scopeIds = scopeIdOf(
      asString(p["resourceGroupName"]),
      "Microsoft.Network",
      "virtualNetworks",
      asString(p["virtualNetworkName"]),
      "subnets",
      name,
    );
  }
  const shownName = typeof name === "string" ? name : `#${index ?? 0}`;
  return {
    ...base,
    p,
    key: inline ? `${owner.urn}#${shownName}` : owner.urn,
    label: inline ? `${base.label} subnet "${shownName}"` : base.label,
    fullIds,
    scopeIds,
    owner,
    ...(inline ? { inlineName: name } : {}),
    prefixes: prefixesOf(p),
    delegatedToWeb: delegatedToWeb(p),
    webServiceEndpoint: webServiceEndpoint(p),
  };
}

function prefixesOf(p: PlainObject): Tri<string[]> {
  const one = asString(p["addressPrefix"]);
  const many = asStrings(p["addressPrefixes"]);
  if (isUnknown(one) || isUnknown(many)) return UNKNOWN;
  const out = [...(one ? [one] : []), ...(many ?? [])];
  return out.length > 0 ? [...new Set(out)] : undefined;
}

function delegatedToWeb(p: PlainObject): Tri<boolean> {
  const a = asArray(p["delegations"]);
  if (isUnknown(a)) return UNKNOWN;
  let unknown = false;
  for (const d of a ?? []) {
    const s = asString(at(d, "serviceName"));
    if (isUnknown(s)) unknown = true;
    else if (s && sameText(s, "Microsoft.Web/serverFarms")) return true;
  }
  return unknown ? UNKNOWN : false;
}

function webServiceEndpoint(p: PlainObject): Tri<boolean> {
  const a = asArray(p["serviceEndpoints"]);
  if (isUnknown(a)) return UNKNOWN;
  let unknown = false;
  for (const e of a ?? []) {
    const s = asString(at(e, "service"));
    if (isUnknown(s)) unknown = true;
    else if (s && sameText(s, "Microsoft.Web")) return true;
  }
  return unknown ? UNKNOWN : false;
}

export function siteChild(
  base: { res: StackResourceLike; p: PlainObject; key: string; label: string },
  res: StackResourceLike,
  p: PlainObject,
): SiteChildNode {
  // The child names its site by `name` (+ `slot`) and `resourceGroupName`; rebuild the site's id.
  const rg = asString(p["resourceGroupName"]);
  const site = asString(p["name"]);
  const slot = res.type.endsWith("Slot") ? asString(p["slot"]) : undefined;
  const ids = res.type.endsWith("Slot")
    ? scopeIdOf(rg, "Microsoft.Web", "sites", site, "slots", slot)
    : scopeIdOf(rg, "Microsoft.Web", "sites", site);
  const value: Tri<string> = ids.length > 0 ? ids[0] : UNKNOWN;
  return { ...base, fullIds: [], scopeIds: [], site: { value, deps: depsOf(res, "name") } };
}
