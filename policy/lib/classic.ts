/**
 * The classic provider (`@pulumi/azure`) in the pack's shape (see sources.ts): sites, slots,
 * swift connections and private endpoints. Input names checked against pulumi/pulumi-azure's
 * sdk/nodejs/types/input.ts and sdk/nodejs/appservice/*.ts (`LinuxWebAppSiteConfig.ipRestrictions`,
 * `ipRestrictionDefaultAction` "Defaults to `Allow`", `scmUseMainIpRestriction`,
 * `ipRestriction.serviceTag`, `headers.xAzureFdids`, `LinuxWebAppSlot.appServiceId`,
 * `LinuxFunctionAppSlot.functionAppId`, `EndpointPrivateServiceConnection.privateConnectionResourceId`,
 * `subresourceNames`, `isManualConnection`).
 *
 * Pure: no Pulumi imports.
 */
import { parseSiteId } from "./arm";
import type { StackResourceLike } from "./mesh";
import { SitePaths, SourcedResource, label } from "./sources";

const short = (type: string) => type.split(":").pop() ?? type;
import { T } from "./types";
import {
  Plain,
  PlainObject,
  UNKNOWN,
  asArray,
  asBool,
  asObject,
  asString,
  at,
  isUnknown,
  plainProps,
} from "./values";

const CLASSIC_PATHS: SitePaths = {
  main: "siteConfig.ipRestrictions",
  scm: "siteConfig.scmIpRestrictions",
  defaultAction: "siteConfig.ipRestrictionDefaultAction",
  scmDefaultAction: "siteConfig.scmIpRestrictionDefaultAction",
  scmUseMain: "siteConfig.scmUseMainIpRestriction",
  subnetField: "virtualNetworkSubnetId",
};

const CLASSIC = "azure:appservice/";
const CLASSIC_SITES = new Set(
  [
    "linuxWebApp:LinuxWebApp",
    "windowsWebApp:WindowsWebApp",
    "linuxFunctionApp:LinuxFunctionApp",
    "windowsFunctionApp:WindowsFunctionApp",
    "appFlexConsumption:AppFlexConsumption",
    "functionAppFlexConsumption:FunctionAppFlexConsumption",
    "appService:AppService",
    "functionApp:FunctionApp",
  ].map((t) => CLASSIC + t),
);
/** Slots, and the input that names their site: an id, or a name beside `resourceGroupName`. */
const CLASSIC_SLOTS: Record<string, { id?: string; siteName?: string }> = {
  [`${CLASSIC}linuxWebAppSlot:LinuxWebAppSlot`]: { id: "appServiceId" },
  [`${CLASSIC}windowsWebAppSlot:WindowsWebAppSlot`]: { id: "appServiceId" },
  [`${CLASSIC}linuxFunctionAppSlot:LinuxFunctionAppSlot`]: { id: "functionAppId" },
  [`${CLASSIC}windowsFunctionAppSlot:WindowsFunctionAppSlot`]: { id: "functionAppId" },
  [`${CLASSIC}slot:Slot`]: { siteName: "appServiceName" },
  [`${CLASSIC}functionAppSlot:FunctionAppSlot`]: { siteName: "functionAppName" },
};
/** The deprecated types that have no default action: the platform's implicit one applies. */
const CLASSIC_WITHOUT_DEFAULT_ACTION = new Set([
  `${CLASSIC}appService:AppService`,
  `${CLASSIC}functionApp:FunctionApp`,
  `${CLASSIC}slot:Slot`,
  `${CLASSIC}functionAppSlot:FunctionAppSlot`,
]);
const CLASSIC_SWIFT = `${CLASSIC}virtualNetworkSwiftConnection:VirtualNetworkSwiftConnection`;
const CLASSIC_SLOT_SWIFT = `${CLASSIC}slotVirtualNetworkSwiftConnection:SlotVirtualNetworkSwiftConnection`;
const CLASSIC_ENDPOINT = "azure:privatelink/endpoint:Endpoint";

/** One classic `ipRestriction` as azure-native's `IpSecurityRestriction`. */
/** A field of a classic rule; the provider's state keeps unused ones as "" (Terraform's zero value). */
function field(o: PlainObject, k: string): Plain | undefined {
  const v = o[k];
  return v === "" || v === null ? undefined : v;
}

function classicRule(raw: Plain): Plain {
  const o = asObject(raw);
  if (o === undefined || isUnknown(o)) return o ?? null;
  const tag = asString(field(o, "serviceTag"));
  const headers = at(o, "headers");
  const h = Array.isArray(headers) ? headers[0] : headers;
  const fdids = at(h ?? undefined, "xAzureFdids");
  const out: PlainObject = {};
  for (const k of ["action", "name", "priority", "description"]) {
    if (o[k] !== undefined) out[k] = o[k];
  }
  if (tag !== undefined) {
    out["ipAddress"] = tag;
    out["tag"] = isUnknown(tag) ? UNKNOWN : "ServiceTag";
  } else if (field(o, "ipAddress") !== undefined) out["ipAddress"] = o["ipAddress"];
  const subnet = field(o, "virtualNetworkSubnetId");
  if (subnet !== undefined) out["vnetSubnetResourceId"] = subnet;
  if (isUnknown(h) || isUnknown(fdids)) out["headers"] = UNKNOWN;
  else if (fdids !== undefined && fdids !== null) out["headers"] = { "X-Azure-FDID": fdids };
  return out;
}

function mapList(v: Plain | undefined): Plain | undefined {
  const a = asArray(v);
  if (isUnknown(a)) return UNKNOWN;
  return a ? a.map(classicRule) : undefined;
}

/** The classic `siteConfig` as azure-native's, with the classic provider's defaults made explicit. */
function classicSiteConfig(sc: Plain | undefined, withDefaults: boolean): Plain | undefined {
  const o = asObject(sc);
  if (isUnknown(o)) return UNKNOWN;
  const c = o ?? {};
  const out: PlainObject = {};
  const main = mapList(c["ipRestrictions"]);
  const scm = mapList(c["scmIpRestrictions"]);
  if (main !== undefined) out["ipSecurityRestrictions"] = main;
  if (scm !== undefined) out["scmIpSecurityRestrictions"] = scm;
  // The provider sends its schema defaults when the program sets nothing: "Allow" for both
  // default actions, false for scmUseMainIpRestriction (pulumi-azure types/input.ts).
  const def = c["ipRestrictionDefaultAction"] ?? (withDefaults ? "Allow" : undefined);
  const scmDef = c["scmIpRestrictionDefaultAction"] ?? (withDefaults ? "Allow" : undefined);
  if (def !== undefined) out["ipSecurityRestrictionsDefaultAction"] = def;
  if (scmDef !== undefined) out["scmIpSecurityRestrictionsDefaultAction"] = scmDef;
  out["scmIpSecurityRestrictionsUseMain"] = c["scmUseMainIpRestriction"] ?? false;
  return out;
}

function classicAppSettings(v: Plain | undefined): Plain | undefined {
  const o = asObject(v);
  if (isUnknown(o)) return UNKNOWN;
  if (!o) return undefined;
  return Object.entries(o).map(([name, value]) => ({ name, value }));
}

function withDeps(
  r: StackResourceLike,
  map: Record<string, string[]>,
): Pick<StackResourceLike, "dependencies" | "propertyDependencies"> {
  const pd = r.propertyDependencies ?? {};
  const out: Record<string, { urn: string }[]> = {};
  for (const [to, froms] of Object.entries(map)) {
    out[to] = froms.flatMap((f) => [...(pd[f] ?? [])]);
  }
  // Properties that keep their name keep their dependencies.
  for (const [k, v] of Object.entries(pd)) if (!(k in out)) out[k] = [...v];
  return { dependencies: r.dependencies, propertyDependencies: out };
}

function classicSite(r: StackResourceLike, p: PlainObject): SourcedResource {
  const slotSpec = CLASSIC_SLOTS[r.type];
  const props: PlainObject = {};
  let type: string = T.webApp;
  let nameDeps: string[] = ["name"];
  if (slotSpec) {
    type = T.webAppSlot;
    props["slot"] = p["name"] ?? null;
    if (slotSpec.id) {
      const parent = asString(p[slotSpec.id]);
      const site = typeof parent === "string" ? parseSiteId(parent) : undefined;
      props["resourceGroupName"] = site ? site.resourceGroup : isUnknown(parent) ? UNKNOWN : null;
      props["name"] = site ? site.site : isUnknown(parent) ? UNKNOWN : null;
      nameDeps = [slotSpec.id];
    } else if (slotSpec.siteName) {
      props["resourceGroupName"] = p["resourceGroupName"] ?? null;
      props["name"] = p[slotSpec.siteName] ?? null;
      nameDeps = [slotSpec.siteName];
    }
  } else {
    props["resourceGroupName"] = p["resourceGroupName"] ?? null;
    props["name"] = p["name"] ?? null;
  }
  const id = asString(p["id"]);
  if (typeof id === "string" && parseSiteId(id)) props["id"] = id;
  const plan = p["servicePlanId"] ?? p["appServicePlanId"];
  if (plan !== undefined) props["serverFarmId"] = plan;
  if (p["virtualNetworkSubnetId"] !== undefined) {
    props["virtualNetworkSubnetId"] = p["virtualNetworkSubnetId"];
  }
  const pna = asBool(p["publicNetworkAccessEnabled"]);
  if (pna !== undefined)
    props["publicNetworkAccess"] = isUnknown(pna) ? UNKNOWN : pna ? "Enabled" : "Disabled";
  const sc = classicSiteConfig(p["siteConfig"], !CLASSIC_WITHOUT_DEFAULT_ACTION.has(r.type));
  const settings = classicAppSettings(p["appSettings"]);
  if (isUnknown(sc)) props["siteConfig"] = UNKNOWN;
  else {
    const o = { ...(sc as PlainObject) };
    if (settings !== undefined) o["appSettings"] = settings;
    props["siteConfig"] = o;
  }
  const identity = asObject(p["identity"]);
  if (identity && !isUnknown(identity)) {
    props["identity"] = {
      type: identity["type"] ?? null,
      ...(identity["identityIds"] !== undefined
        ? { userAssignedIdentities: identity["identityIds"] }
        : {}),
    };
  }
  return {
    ...r,
    ...withDeps(r, {
      name: nameDeps,
      serverFarmId: ["servicePlanId", "appServicePlanId"],
      siteConfig: ["siteConfig", "appSettings"],
    }),
    type,
    props,
    key: r.urn,
    label: label(r.type, r.name),
    source: r,
    paths: CLASSIC_WITHOUT_DEFAULT_ACTION.has(r.type)
      ? {
          ...CLASSIC_PATHS,
          defaultActionNote:
            `${short(r.type)} is deprecated and has no ipRestrictionDefaultAction: replace it ` +
            `with LinuxWebApp or WindowsWebApp (LinuxFunctionApp, WindowsFunctionApp, or their ` +
            `slot types), which have`,
        }
      : CLASSIC_PATHS,
  };
}

function classicSwift(r: StackResourceLike, p: PlainObject): SourcedResource {
  const parent = asString(p["appServiceId"]);
  const site = typeof parent === "string" ? parseSiteId(parent) : undefined;
  const slot = r.type === CLASSIC_SLOT_SWIFT;
  const props: PlainObject = {
    resourceGroupName: site ? site.resourceGroup : isUnknown(parent) ? UNKNOWN : null,
    name: site ? site.site : isUnknown(parent) ? UNKNOWN : null,
    subnetResourceId: p["subnetId"] ?? null,
    ...(slot ? { slot: p["slotName"] ?? null } : {}),
  };
  return {
    ...r,
    ...withDeps(r, { name: ["appServiceId"], subnetResourceId: ["subnetId"] }),
    type: slot ? T.swiftConnectionSlot : T.swiftConnection,
    props,
    key: r.urn,
    label: label(r.type, r.name),
    source: r,
  };
}

function classicEndpoint(r: StackResourceLike, p: PlainObject): SourcedResource {
  const c = asObject(p["privateServiceConnection"]);
  const props: PlainObject = { resourceGroupName: p["resourceGroupName"] ?? null };
  if (isUnknown(c)) props["privateLinkServiceConnections"] = UNKNOWN;
  else if (c) {
    const manual = asBool(c["isManualConnection"]);
    const conn: PlainObject = {
      name: c["name"] ?? null,
      privateLinkServiceId: c["privateConnectionResourceId"] ?? null,
      groupIds: c["subresourceNames"] ?? null,
    };
    if (isUnknown(manual)) props["privateLinkServiceConnections"] = UNKNOWN;
    else
      props[manual ? "manualPrivateLinkServiceConnections" : "privateLinkServiceConnections"] = [
        conn,
      ];
  }
  return {
    ...r,
    ...withDeps(r, {
      privateLinkServiceConnections: ["privateServiceConnection"],
      manualPrivateLinkServiceConnections: ["privateServiceConnection"],
    }),
    type: T.privateEndpoint,
    props,
    key: r.urn,
    label: label(r.type, r.name),
    source: r,
    connectionsAs: "privateServiceConnection",
  };
}

/** A classic resource in the pack's shape; undefined for any other type. */
export function classicResource(r: StackResourceLike): SourcedResource | undefined {
  const p = plainProps(r.props);
  if (CLASSIC_SITES.has(r.type) || r.type in CLASSIC_SLOTS) return classicSite(r, p);
  if (r.type === CLASSIC_SWIFT || r.type === CLASSIC_SLOT_SWIFT) return classicSwift(r, p);
  if (r.type === CLASSIC_ENDPOINT) return classicEndpoint(r, p);
  return undefined;
}
