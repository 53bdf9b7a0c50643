/**
 * Every way a stack can write a site's inbound settings, or reach a site with a private endpoint,
 * brought to the one shape the pack judges: azure-native's `WebApp`, `WebAppSlot`,
 * `PrivateEndpoint` and the site children (`WebAppApplicationSettings`, ...).
 *
 * - azure-native's own types pass through unchanged;
 * - the classic provider (`@pulumi/azure`: `LinuxWebApp`, `WindowsWebApp`, `LinuxFunctionApp`,
 *   `WindowsFunctionApp`, `AppFlexConsumption`, their slots, the deprecated `AppService`,
 *   `FunctionApp`, `Slot`, `FunctionAppSlot`, the swift connections, `privatelink.Endpoint`):
 *   classic.ts;
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
import { normalizeId, rgScopedId } from "./arm";
import { templateResources } from "./arm-template";
import { classicResource } from "./classic";
import { T } from "./types";
import {
  Plain,
  PlainObject,
  Tri,
  UNKNOWN,
  asArray,
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
  /** Said after a fix that sets the default action, when the type as written cannot. */
  defaultActionNote?: string;
}

export const NATIVE_PATHS: SitePaths = {
  main: "siteConfig.ipSecurityRestrictions",
  scm: "siteConfig.scmIpSecurityRestrictions",
  defaultAction: "siteConfig.ipSecurityRestrictionsDefaultAction",
  scmDefaultAction: "siteConfig.scmIpSecurityRestrictionsDefaultAction",
  scmUseMain: "siteConfig.scmIpSecurityRestrictionsUseMain",
  subnetField: "vnetSubnetResourceId",
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
  templateResources(r, body, rgName, out, `${at_}template.`);
}

/** Whether a resource of this type may declare a site (a resource policy's fast path). */
export function mayDeclareSites(type: string): boolean {
  return (
    type === T.webApp ||
    type === T.webAppSlot ||
    type.startsWith("azure:appservice/") ||
    CLASSIC_DEPLOYMENTS.has(type) ||
    type === "azure-native:resources:Resource" ||
    DEPLOYMENTS.has(type) ||
    DEPLOYMENT_STACKS.has(type)
  );
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
  if (CLASSIC_DEPLOYMENTS.has(r.type)) {
    classicDeployment(r, plainProps(r.props), out);
    return;
  }
  const classic = classicResource(r);
  if (classic) out.resources.push(classic);
}

/** The classic provider's template deployments: the template and parameters as JSON text. */
const CLASSIC_DEPLOYMENTS = new Set([
  "azure:core/resourceGroupTemplateDeployment:ResourceGroupTemplateDeployment",
  "azure:core/subscriptionTemplateDeployment:SubscriptionTemplateDeployment",
  "azure:core/tenantTemplateDeployment:TenantTemplateDeployment",
]);

function classicDeployment(r: StackResourceLike, p: PlainObject, out: Sourced): void {
  const rg = p["resourceGroupName"] ?? "any";
  const spec = asString(p["templateSpecVersionId"]);
  if (typeof spec === "string" && spec !== "") {
    out.unreadable.push({
      source: r,
      label: label(r.type, r.name),
      what: "a linked template",
      why: "its template is a template spec (templateSpecVersionId), which the pack cannot read",
      resourceGroup: "any",
      fix: "put the template in-line (templateContent) with literal names and settings, or declare those resources with azure-native's web and network types",
    });
    return;
  }
  const parse = (v: Plain | undefined): Plain | undefined => {
    if (typeof v !== "string") return isUnknown(v) ? UNKNOWN : undefined;
    try {
      return plainProps({ v: JSON.parse(v) as unknown })["v"];
    } catch {
      return undefined;
    }
  };
  const template = parse(p["templateContent"]);
  if (template === undefined || isUnknown(template)) return;
  const parameters = parse(p["parametersContent"]);
  // parametersContent is a parameters file's body or its `parameters` object alone.
  const given = asObject(at(parameters, "parameters") ?? parameters);
  templateResources(
    r,
    { template, ...(given && !isUnknown(given) ? { parameters: given } : {}) },
    typeof rg === "string" ? rg : "any",
    out,
    "templateContent ",
  );
}

/** `/resourcegroups/{rg}/providers/microsoft.web/sites/{site}[/slots/{slot}]`. */
export function siteScopeId(rg: string, site: string, slot?: string): string {
  return slot
    ? rgScopedId(rg, "Microsoft.Web", "sites", site, "slots", slot)
    : rgScopedId(rg, "Microsoft.Web", "sites", site);
}

export { normalizeId };
