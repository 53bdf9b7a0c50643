/**
 * Every way a stack can write a site's inbound settings, or reach a site with a private endpoint,
 * brought to the one shape the pack judges: azure-native's `WebApp`, `WebAppSlot`,
 * `PrivateEndpoint` and the site children (`WebAppApplicationSettings`, ...).
 *
 * - azure-native's own types pass through unchanged;
 * - the classic provider (`@pulumi/azure`: `LinuxWebApp`, `WindowsWebApp`, `LinuxFunctionApp`,
 *   `WindowsFunctionApp`, `AppFlexConsumption`, their slots, the deprecated `AppService`,
 *   `FunctionApp`, `Slot`, `FunctionAppSlot`, the swift connections, `privatelink.Endpoint`);
 *   input names checked against pulumi/pulumi-azure's sdk/nodejs/types/input.ts
 *   (`LinuxWebAppSiteConfig.ipRestrictions`, `ipRestrictionDefaultAction` "Defaults to `Allow`",
 *   `scmUseMainIpRestriction`, `ipRestriction.serviceTag`, `headers.xAzureFdids`,
 *   `EndpointPrivateServiceConnection.privateConnectionResourceId`, `subresourceNames`);
 * - a generic ARM resource (`azure-native:resources:Resource`: `resourceProviderNamespace`,
 *   `parentResourcePath`, `resourceType`, `resourceName`, `properties` in ARM's shape), and
 *   the resources of an ARM template deployment (arm-template.ts), read by their ARM path:
 *   `Microsoft.Web/sites/{site}[/slots/{slot}][/config/web|appsettings|authsettingsV2]`,
 *   `.../privateEndpointConnections/{name}`, `.../networkConfig/virtualNetwork`,
 *   `Microsoft.Network/privateEndpoints/{name}`.
 *
 * `Microsoft.Web/sites/config/web` is the site's configuration as its own resource (ARM's
 * `SiteConfigResource`, what Bicep's `sites/config` writes): it replaces the site's access
 * restrictions, so it is judged as a site of its own, a *writer* of the site it names.
 *
 * What cannot be read (a linked template, an ARM expression where a name or an inbound setting
 * should be, a deployment script) becomes an `Unreadable`, which `mesh-site-changes-readable`
 * refuses when it could touch a mesh site. Pure: no Pulumi imports.
 */
import { normalizeId, parseSiteId, rgScopedId } from "./arm";
import { templateResources } from "./arm-template";
import { T } from "./types";
import {
  Plain,
  PlainObject,
  Tri,
  UNKNOWN,
  asArray,
  asBool,
  asObject,
  asString,
  at,
  isUnknown,
  plainProps,
} from "./values";
import type { StackResourceLike } from "./mesh";

/** Where a site's inbound settings live in the resource as written, for messages. */
export interface SitePaths {
  main: string;
  scm: string;
  defaultAction: string;
  scmDefaultAction: string;
  scmUseMain: string;
  subnetField: string;
}

export const NATIVE_PATHS: SitePaths = {
  main: "siteConfig.ipSecurityRestrictions",
  scm: "siteConfig.scmIpSecurityRestrictions",
  defaultAction: "siteConfig.ipSecurityRestrictionsDefaultAction",
  scmDefaultAction: "siteConfig.scmIpSecurityRestrictionsDefaultAction",
  scmUseMain: "siteConfig.scmIpSecurityRestrictionsUseMain",
  subnetField: "vnetSubnetResourceId",
};

const CLASSIC_PATHS: SitePaths = {
  main: "siteConfig.ipRestrictions",
  scm: "siteConfig.scmIpRestrictions",
  defaultAction: "siteConfig.ipRestrictionDefaultAction",
  scmDefaultAction: "siteConfig.scmIpRestrictionDefaultAction",
  scmUseMain: "siteConfig.scmUseMainIpRestriction",
  subnetField: "virtualNetworkSubnetId",
};

function prefixed(prefix: string, p: SitePaths): SitePaths {
  const out = { ...p };
  for (const k of ["main", "scm", "defaultAction", "scmDefaultAction", "scmUseMain"] as const) {
    out[k] = `${prefix}${p[k].replace(/^siteConfig\./, "")}`;
  }
  return out;
}

/** A resource in the shape the pack judges, and where it came from. */
export interface SourcedResource extends StackResourceLike {
  /** Unique within the stack: the URN, plus `#path` for a resource inside another. */
  key: string;
  /** How messages name it. */
  label: string;
  /** The resource as the stack declares it (what a resource policy is given). */
  source: StackResourceLike;
  /** For a site: where its inbound settings live as written. */
  paths?: SitePaths;
  /** For a site-config writer (`sites/config/web`): the site it writes. */
  writes?: boolean;
  /** For a private endpoint: the name of its connection list as written. */
  connectionsAs?: string;
}

/** Something that may write a site's inbound settings or reach it, and that the pack cannot read. */
export interface Unreadable {
  source: StackResourceLike;
  label: string;
  /** What it is: "a site", "a private endpoint", "a linked template", ... */
  what: string;
  why: string;
  /** The resource group it deploys into, when known ("any": it can reach any). */
  resourceGroup: string | "any";
  /** The site it names, when its name is known. */
  site?: { resourceGroup: string; site: string; slot?: string };
  fix: string;
}

export interface Sourced {
  resources: SourcedResource[];
  unreadable: Unreadable[];
}

const short = (type: string) => type.split(":").pop() ?? type;

export function label(type: string, name: string): string {
  return `${short(type)} "${name}"`;
}

// ---------------------------------------------------------------------------------------------
// The classic provider.
// ---------------------------------------------------------------------------------------------

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
function classicRule(raw: Plain): Plain {
  const o = asObject(raw);
  if (o === undefined || isUnknown(o)) return o ?? null;
  const tag = asString(o["serviceTag"]);
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
  } else if (o["ipAddress"] !== undefined) out["ipAddress"] = o["ipAddress"];
  if ("virtualNetworkSubnetId" in o && o["virtualNetworkSubnetId"] !== null) {
    out["vnetSubnetResourceId"] = o["virtualNetworkSubnetId"];
  }
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
    paths: CLASSIC_PATHS,
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

// ---------------------------------------------------------------------------------------------
// ARM paths: a generic resource, or a template's resource.
// ---------------------------------------------------------------------------------------------

/** One resource in ARM's own shape: its path below the resource group, and its body. */
export interface ArmResource {
  /** `Microsoft.Web/sites/app/config/web`: namespace, then type and name segments alternating. */
  namespace: string;
  segments: string[];
  properties: Plain | undefined;
  kind?: Plain;
  identity?: Plain;
}

/**
 * The pack's shape of one ARM resource, or undefined when it neither writes a site's inbound
 * settings nor reaches a site (nor says how a site calls or is called). `rg` is the resource
 * group it deploys into.
 */
export function fromArm(
  res: StackResourceLike,
  arm: ArmResource,
  rg: Plain,
  key: string,
  name: string,
): SourcedResource | undefined {
  const ns = arm.namespace.toLowerCase();
  const s = arm.segments.map((x) => x.toLowerCase());
  const body = asObject(arm.properties);
  const props = isUnknown(body) ? UNKNOWN : (body ?? {});
  const base = { ...res, key, label: name, source: res, dependencies: res.dependencies };
  const noDeps = { propertyDependencies: {} };
  if (ns === "microsoft.network" && s[0] === "privateendpoints" && s.length === 2) {
    const out: PlainObject = { resourceGroupName: rg, privateEndpointName: arm.segments[1] };
    for (const list of ["privateLinkServiceConnections", "manualPrivateLinkServiceConnections"]) {
      const a = asArray(at(props, list));
      if (isUnknown(a)) out[list] = UNKNOWN;
      else if (a) {
        out[list] = a.map((c) => ({
          name: at(c, "name") ?? null,
          privateLinkServiceId: at(c, "properties", "privateLinkServiceId") ?? null,
          groupIds: at(c, "properties", "groupIds") ?? null,
        }));
      }
    }
    return {
      ...base,
      ...noDeps,
      type: T.privateEndpoint,
      props: out,
      connectionsAs: "properties.privateLinkServiceConnections",
    };
  }
  if (ns !== "microsoft.web" || s[0] !== "sites" || s.length < 2 || s.length % 2 !== 0) {
    return undefined;
  }
  const site = arm.segments[1];
  const slotted = s[2] === "slots" && s.length >= 4;
  const slot = slotted ? arm.segments[3] : undefined;
  const rest = s.slice(slotted ? 4 : 2);
  const named: PlainObject = {
    resourceGroupName: rg,
    name: site,
    ...(slot !== undefined ? { slot } : {}),
  };
  const child = (type: string, slotType: string, extra: PlainObject): SourcedResource => ({
    ...base,
    ...noDeps,
    type: slot !== undefined ? slotType : type,
    props: { ...named, ...extra },
  });
  if (rest.length === 0) {
    const p = asObject(props);
    const siteProps: PlainObject = isUnknown(p) ? { siteConfig: UNKNOWN } : { ...(p ?? {}) };
    return {
      ...base,
      ...noDeps,
      type: slot !== undefined ? T.webAppSlot : T.webApp,
      props: { ...siteProps, ...named, ...(arm.kind !== undefined ? { kind: arm.kind } : {}) },
      paths: prefixed("properties.siteConfig.", NATIVE_PATHS),
    };
  }
  const [childType, childName] = rest;
  if (rest.length !== 2) return undefined;
  if (childType === "config" && childName === "web") {
    return {
      ...base,
      ...noDeps,
      type: slot !== undefined ? T.webAppSlot : T.webApp,
      props: { ...named, siteConfig: props },
      paths: prefixed("properties.", NATIVE_PATHS),
      writes: true,
    };
  }
  if (childType === "config" && childName === "appsettings") {
    return child(T.appSettings, T.appSettingsSlot, { properties: props });
  }
  if (childType === "config" && childName === "authsettingsv2") {
    return child(T.authSettingsV2, T.authSettingsV2Slot, {
      identityProviders: at(props, "identityProviders") ?? null,
    });
  }
  if (childType === "privateendpointconnections") {
    return child(T.sitePrivateEndpointConnection, T.sitePrivateEndpointConnectionSlot, {
      privateLinkServiceConnectionState: at(props, "privateLinkServiceConnectionState") ?? null,
    });
  }
  if (childType === "networkconfig" && childName === "virtualnetwork") {
    return child(T.swiftConnection, T.swiftConnectionSlot, {
      subnetResourceId: at(props, "subnetResourceId") ?? null,
    });
  }
  return undefined;
}

/** The ARM path of a generic resource: `{parentResourcePath}/{resourceType}/{resourceName}`. */
function genericResource(r: StackResourceLike, p: PlainObject, out: Sourced): void {
  const parts = ["resourceProviderNamespace", "parentResourcePath", "resourceType", "resourceName"];
  const values = parts.map((k) => asString(p[k]));
  const ns = values[0];
  // An unknown namespace (preview) may be anything; a known one other than these is not a site.
  if (typeof ns !== "string") return;
  const nsl = ns.toLowerCase();
  if (nsl !== "microsoft.web" && nsl !== "microsoft.network" && nsl !== "microsoft.resources") {
    return;
  }
  if (values.some(isUnknown)) return;
  const segments = [values[1], values[2], values[3]]
    .flatMap((v) => (typeof v === "string" ? v.split("/") : []))
    .filter((x) => x !== "");
  if (nsl === "microsoft.resources" && segments[0]?.toLowerCase() === "deployments") {
    deployment(r, asObject(p["properties"]), p["resourceGroupName"] ?? null, out, "properties.");
    return;
  }
  const s = fromArm(
    r,
    { namespace: ns, segments, properties: p["properties"], kind: p["kind"] },
    p["resourceGroupName"] ?? null,
    r.urn,
    `${label(r.type, r.name)} (${ns}/${segments.join("/")})`,
  );
  if (s) out.resources.push(s);
}

const DEPLOYMENTS = new Set([
  "azure-native:resources:Deployment",
  "azure-native:resources:DeploymentAtScope",
  "azure-native:resources:DeploymentAtSubscriptionScope",
  "azure-native:resources:DeploymentAtManagementGroupScope",
  "azure-native:resources:DeploymentAtTenantScope",
]);
const DEPLOYMENT_STACKS = new Set([
  "azure-native:resources:DeploymentStackAtResourceGroup",
  "azure-native:resources:DeploymentStackAtSubscription",
  "azure-native:resources:DeploymentStackAtManagementGroup",
]);
const DEPLOYMENT_SCRIPTS = new Set([
  "azure-native:resources:AzureCliScript",
  "azure-native:resources:AzurePowerShellScript",
]);

/** A deployment's template: in-line resources are read; a linked one is unreadable. */
function deployment(
  r: StackResourceLike,
  body: Tri<PlainObject>,
  rg: Plain,
  out: Sourced,
  at_: string,
): void {
  if (isUnknown(body) || !body) return;
  const rgName = typeof rg === "string" ? rg : "any";
  const link = body["templateLink"];
  if (link !== undefined && link !== null) {
    out.unreadable.push({
      source: r,
      label: label(r.type, r.name),
      what: "a linked template",
      why: `its template is not in the stack (${at_}templateLink), so the pack cannot read what it deploys`,
      resourceGroup: "any",
      fix: `put the template in-line (${at_}template) with literal names and settings, or declare those resources with azure-native's web and network types`,
    });
    return;
  }
  templateResources(r, body, rgName, out, at_);
}

/** Every resource of the stack in the pack's shape, and what the pack cannot read. */
export function sourced(resources: readonly StackResourceLike[]): Sourced {
  const out: Sourced = { resources: [], unreadable: [] };
  for (const r of resources) sourceOne(r, out);
  return out;
}

export function sourceOne(r: StackResourceLike, out: Sourced): void {
  if (r.type.startsWith("azure-native:") || r.type.startsWith("azuread:")) {
    if (r.type === "azure-native:resources:Resource") {
      genericResource(r, plainProps(r.props), out);
    } else if (DEPLOYMENTS.has(r.type)) {
      const p = plainProps(r.props);
      deployment(r, asObject(p["properties"]), p["resourceGroupName"] ?? "any", out, "properties.");
    } else if (DEPLOYMENT_STACKS.has(r.type)) {
      const p = plainProps(r.props);
      deployment(r, p, p["resourceGroupName"] ?? "any", out, "");
    } else if (DEPLOYMENT_SCRIPTS.has(r.type)) {
      out.unreadable.push({
        source: r,
        label: label(r.type, r.name),
        what: "a deployment script",
        why: "it runs a script with its identity's rights (az webapp config access-restriction, Set-AzWebApp...), which the pack cannot read",
        resourceGroup: "any",
        fix: "declare the change to the site as a resource (azure-native's web types) instead of scripting it",
      });
    } else {
      out.resources.push({ ...r, key: r.urn, label: label(r.type, r.name), source: r });
    }
    return;
  }
  const p = plainProps(r.props);
  if (CLASSIC_SITES.has(r.type) || r.type in CLASSIC_SLOTS) out.resources.push(classicSite(r, p));
  else if (r.type === CLASSIC_SWIFT || r.type === CLASSIC_SLOT_SWIFT) {
    out.resources.push(classicSwift(r, p));
  } else if (r.type === CLASSIC_ENDPOINT) out.resources.push(classicEndpoint(r, p));
}

/** `/resourcegroups/{rg}/providers/microsoft.web/sites/{site}[/slots/{slot}]`. */
export function siteScopeId(rg: string, site: string, slot?: string): string {
  return slot
    ? rgScopedId(rg, "Microsoft.Web", "sites", site, "slots", slot)
    : rgScopedId(rg, "Microsoft.Web", "sites", site);
}

export { normalizeId };
