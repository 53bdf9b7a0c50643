/**
 * Which sites are mesh sites: the one definition every policy uses (`meshSite`), why a site is
 * one, and how a message says so (`meshRole`); with the app settings it reads on a site (inline
 * in `siteConfig.appSettings` or in a `WebAppApplicationSettings[Slot]`). Pure: no Pulumi imports.
 */
import {
  type AppRoleInfo,
  type ApplicationNode,
  type Ref,
  type Rule,
  type SiteNode,
  depsOf,
  push,
} from "./mesh-nodes";
import type { Mesh } from "./stack-mesh";
import { MESH_SETTINGS } from "./types";
import { type Tri, UNKNOWN, asArray, asObject, asString, at, isUnknown, sameText } from "./values";

/** Values of one app setting on a site: `siteConfig.appSettings` and WebAppApplicationSettings. */
export function appSettingValues(mesh: Mesh, site: SiteNode, name: string): Tri<string>[] {
  const out: Tri<string>[] = [];
  const list = asArray(at(site.p, "siteConfig", "appSettings"));
  if (isUnknown(list)) out.push(UNKNOWN);
  for (const e of Array.isArray(list) ? list : []) {
    const n = asString(at(e, "name"));
    if (isUnknown(n)) out.push(UNKNOWN);
    else if (n && sameText(n, name)) out.push(asString(at(e, "value")));
  }
  for (const child of mesh.childrenOf(site, mesh.appSettings)) {
    const props = asObject(child.p["properties"]);
    if (isUnknown(props)) out.push(UNKNOWN);
    else if (props) {
      for (const [k, v] of Object.entries(props)) if (sameText(k, name)) out.push(asString(v));
    }
  }
  return out;
}

/** Whether the site carries an app setting of this name (whatever its value). */
export function hasAppSetting(mesh: Mesh, site: SiteNode, name: string): Tri<boolean> {
  let unknown = false;
  const list = asArray(at(site.p, "siteConfig", "appSettings"));
  if (isUnknown(list)) unknown = true;
  for (const e of Array.isArray(list) ? list : []) {
    const n = asString(at(e, "name"));
    if (isUnknown(n)) unknown = true;
    else if (n && sameText(n, name)) return true;
  }
  for (const child of mesh.childrenOf(site, mesh.appSettings)) {
    const props = asObject(child.p["properties"]);
    if (isUnknown(props)) unknown = true;
    else if (props && Object.keys(props).some((k) => sameText(k, name))) return true;
  }
  return unknown ? UNKNOWN : false;
}

/** App settings that only a callee carries (the tokens it accepts, the callers it lets in). */
export const CALLEE_SETTINGS: readonly string[] = [
  MESH_SETTINGS.audiences,
  MESH_SETTINGS.allowedCallers,
];

/** Why a site is a mesh site. */
export type MeshReason =
  | { kind: "subnet-rule" }
  | { kind: "private-endpoint"; by: string[] }
  | { kind: "callee-setting"; name: string }
  | { kind: "easy-auth"; application: string }
  | { kind: "slot-of"; site: string }
  | { kind: "config-of"; site: string }
  | { kind: "configured-by"; writer: string };

export interface MeshSiteVerdict {
  /** `true`: a mesh site; `UNKNOWN`: it may be one (preview); `false`: it is not. */
  mesh: Tri<boolean>;
  /** Why it is one, in the order above (empty unless `mesh` is true). */
  reasons: MeshReason[];
  /** Whether its main or SCM access restrictions hold a subnet (vnetSubnetResourceId) rule. */
  subnetRules: Tri<boolean>;
  /** The private endpoints (and site-side connections) that reach it, by label. */
  privateEndpoints: string[];
}

/** `sites` is the private-link group of Microsoft.Web/sites; `sites-{slot}` is a slot's. */
export function isSiteGroup(g: string): boolean {
  return sameText(g, "sites") || g.toLowerCase().startsWith("sites-");
}

function subnetRulesOf(rules: Rule[] | typeof UNKNOWN): Tri<boolean> {
  if (isUnknown(rules)) return UNKNOWN;
  if (rules.some((r) => r.subnet !== undefined)) return true;
  return rules.some((r) => r.opaque) ? UNKNOWN : false;
}

interface EndpointTargets {
  /** Site key -> labels of the endpoints that certainly reach it. */
  reach: Map<string, string[]>;
  /** Site keys that an endpoint may reach (its group or target is unknown). */
  maybe: Set<string>;
  /** Some endpoint may reach any site of the stack. */
  anySite: boolean;
}

const endpointTargets = new WeakMap<Mesh, EndpointTargets>();

function targetsOf(mesh: Mesh): EndpointTargets {
  let t = endpointTargets.get(mesh);
  if (t) return t;
  t = { reach: new Map(), maybe: new Set(), anySite: false };
  for (const c of mesh.privateEndpointConnections) {
    const groups = Array.isArray(c.groups) ? c.groups.filter(isSiteGroup) : c.groups;
    // A known group list without a site group: the endpoint is for another service.
    if (Array.isArray(groups) && groups.length === 0) continue;
    const target = mesh.sites.resolve(c.target);
    if (target.kind === "unknown") {
      t.anySite = true;
      continue;
    }
    if (target.kind !== "node") continue;
    const base = target.node;
    const slotsOfBase = mesh.sites.nodes.filter((s) => s.slot && s.appKey === base.appKey);
    if (base.slot) push(t.reach, base.key, c.endpoint.label);
    else if (!Array.isArray(groups)) {
      for (const s of [base, ...slotsOfBase]) t.maybe.add(s.key);
    } else {
      for (const g of groups) {
        const slot = g.length > "sites-".length ? g.slice("sites-".length) : undefined;
        const hit = slot
          ? slotsOfBase.find((s) => typeof s.slotName === "string" && sameText(s.slotName, slot))
          : base;
        if (hit) push(t.reach, hit.key, c.endpoint.label);
      }
    }
  }
  endpointTargets.set(mesh, t);
  return t;
}

/** Whether an application serves app roles to applications: exposes one, or is assigned. */
function servesApplications(mesh: Mesh, app: ApplicationNode): Tri<boolean> {
  const exposes = (r: AppRoleInfo) => r.forApplications === true && r.enabled !== false;
  if (Array.isArray(app.roles) && app.roles.some(exposes)) return true;
  for (const role of mesh.appRoles) {
    const owner = mesh.applicationsById.resolve(role.application);
    if (owner.kind === "node" && owner.node.key === app.key && exposes(role.role)) return true;
  }
  for (const sp of mesh.servicePrincipalsOf(app)) {
    if (mesh.assignmentsOn(sp).on.length > 0) return true;
  }
  return isUnknown(app.roles) ? UNKNOWN : false;
}

const verdicts = new WeakMap<Mesh, Map<string, MeshSiteVerdict>>();

/**
 * THE mesh-site rule. A site (`WebApp` or `WebAppSlot`, web or Function app) is a mesh site, a
 * callee of the service-to-service mesh, when any of these holds:
 *
 * 1. its main or SCM access restrictions hold a subnet rule (`vnetSubnetResourceId`), even while
 *    the subnet id is unknown in preview (the shape is declared, only the value is pending);
 * 2. a private endpoint reaches it: a `PrivateEndpoint` connection (automatic or manual) whose
 *    `privateLinkServiceId` is the site with group `sites` (a slot: `sites-{slot}`), or a
 *    site-side `WebAppPrivateEndpointConnection[Slot]` that is not Rejected or Disconnected;
 * 3. it carries a callee app setting of the mesh (`MESH_AUDIENCES`, `MESH_ALLOWED_CALLERS`),
 *    in `siteConfig.appSettings` or a `WebAppApplicationSettings[Slot]`;
 * 4. its Easy Auth (`WebAppAuthSettingsV2[Slot]`) registration is an application of the stack
 *    that serves app roles to applications (exposes one, or its service principal is assigned);
 * 5. it is a deployment slot of a mesh site.
 *
 * VNet integration and caller settings do not make a site a mesh site: they say how it calls,
 * not who may call it, and a caller's own inbound is its ingress (an internet-facing front door
 * stays public). Policies about plans, integration subnets and identities count every site that
 * uses them, mesh site or not.
 *
 * Given the mesh of one resource (a resource policy's view), only 1 and the inline settings of 3
 * can be seen; the stack view sees everything.
 */
export function meshSite(mesh: Mesh, site: SiteNode): MeshSiteVerdict {
  let cache = verdicts.get(mesh);
  if (!cache) {
    cache = new Map();
    verdicts.set(mesh, cache);
  }
  const hit = cache.get(site.key);
  if (hit) return hit;

  const reasons: MeshReason[] = [];
  let unknown = false;
  const subnetRules = subnetRulesOf(site.rules);
  if (subnetRules === true) reasons.push({ kind: "subnet-rule" });
  else if (isUnknown(subnetRules)) unknown = true;

  if (site.writes) {
    // The site's configuration as its own resource: a mesh site when it holds subnet rules
    // (above), or when the site it writes is one.
    const target = mesh.sites.resolve(site.writes);
    if (target.kind === "node") {
      const tv = meshSite(mesh, target.node);
      if (tv.mesh === true) reasons.push({ kind: "config-of", site: target.node.label });
      else if (isUnknown(tv.mesh)) unknown = true;
    } else if (target.kind === "unknown") unknown = true;
    else if (site.slot) {
      // The configuration of a slot the stack does not declare: a slot of a mesh site is one.
      const parent = mesh.sites.nodes.find((s) => !s.slot && s.appKey === site.appKey);
      const pv = parent ? meshSite(mesh, parent).mesh : false;
      if (parent && pv === true) reasons.push({ kind: "slot-of", site: parent.label });
      else if (isUnknown(pv)) unknown = true;
    }
    const verdict: MeshSiteVerdict = {
      mesh: reasons.length > 0 ? true : unknown ? UNKNOWN : false,
      reasons,
      subnetRules,
      privateEndpoints: [],
    };
    cache.set(site.key, verdict);
    return verdict;
  }
  for (const w of mesh.writersOf(site)) {
    const ws = subnetRulesOf(w.rules);
    if (ws === true) reasons.push({ kind: "configured-by", writer: w.label });
    else if (isUnknown(ws)) unknown = true;
  }

  const targets = targetsOf(mesh);
  const privateEndpoints = [...(targets.reach.get(site.key) ?? [])];
  if (targets.maybe.has(site.key) || targets.anySite) unknown = true;
  for (const c of mesh.childrenOf(site, mesh.sitePrivateEndpointConnections)) {
    const status = asString(at(c.p, "privateLinkServiceConnectionState", "status"));
    if (isUnknown(status)) unknown = true;
    else if (!(status && (sameText(status, "Rejected") || sameText(status, "Disconnected")))) {
      privateEndpoints.push(c.label);
    }
  }
  if (privateEndpoints.length > 0) reasons.push({ kind: "private-endpoint", by: privateEndpoints });

  for (const name of CALLEE_SETTINGS) {
    const has = hasAppSetting(mesh, site, name);
    if (has === true) {
      reasons.push({ kind: "callee-setting", name });
      break;
    }
    if (isUnknown(has)) unknown = true;
  }

  for (const auth of mesh.childrenOf(site, mesh.authSettings)) {
    const client: Ref = {
      value: asString(
        at(auth.p, "identityProviders", "azureActiveDirectory", "registration", "clientId"),
      ),
      deps: depsOf(auth.res, "identityProviders"),
    };
    if (client.value === undefined || client.value === "") continue;
    const app = mesh.applicationsByClientId.resolve(client);
    if (app.kind === "node") {
      const serves = servesApplications(mesh, app.node);
      if (serves === true) {
        reasons.push({ kind: "easy-auth", application: app.node.label });
        break;
      }
      if (isUnknown(serves)) unknown = true;
    } else if (app.kind === "unknown") unknown = true;
  }

  if (site.slot) {
    const parent = mesh.sites.nodes.find(
      (s) => !s.slot && s.appKey === site.appKey && site.appKey !== site.res.urn,
    );
    if (parent) {
      const pv = meshSite(mesh, parent);
      if (pv.mesh === true) reasons.push({ kind: "slot-of", site: parent.label });
      else if (isUnknown(pv.mesh)) unknown = true;
    }
  }

  const verdict: MeshSiteVerdict = {
    mesh: reasons.length > 0 ? true : unknown ? UNKNOWN : false,
    reasons,
    subnetRules,
    privateEndpoints,
  };
  cache.set(site.key, verdict);
  return verdict;
}

/** Whether the site is a mesh site (see `meshSite`). */
export function isMeshSite(mesh: Mesh, site: SiteNode): Tri<boolean> {
  return meshSite(mesh, site).mesh;
}

/** The sites of the stack that certainly are mesh sites, in resource order. */
export function meshSites(mesh: Mesh): SiteNode[] {
  return mesh.sites.nodes.filter((s) => meshSite(mesh, s).mesh === true);
}

/** How a message says why the site is a mesh site: "has subnet access rules", "is a mesh site (…)". */
export function meshRole(v: MeshSiteVerdict): string {
  const r = v.reasons[0];
  if (!r || r.kind === "subnet-rule") return "has subnet access rules";
  switch (r.kind) {
    case "private-endpoint":
      return `is a mesh site (reached by ${r.by.join(", ")})`;
    case "callee-setting":
      return `is a mesh site (callee app setting ${r.name})`;
    case "easy-auth":
      return `is a mesh site (Easy Auth for ${r.application}, which serves app roles to applications)`;
    case "slot-of":
      return `is a mesh site (a deployment slot of ${r.site})`;
    case "config-of":
      return `is a mesh site's configuration (of ${r.site})`;
    case "configured-by":
      return `is a mesh site (${r.writer} gives it subnet access rules)`;
  }
}
