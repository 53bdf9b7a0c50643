/**
 * The mesh as Azure and Entra resources, read from a list of resources: the planner's planned
 * resources (inputs, with the mocks' outputs) or a `pulumi stack export` (outputs over inputs).
 * Sites and slots with their access restrictions, public network access, private endpoint
 * connections and integration subnets; subnets and their service endpoints; user-assigned
 * identities; Entra applications, their app roles and service principals; app role assignments.
 * Pure: no Pulumi imports.
 */
import { RESOURCE_TYPES as R } from "@service-edges/contract";
import { type RuleList, ruleListOf } from "./access-restrictions";
import {
  PRIVATE_LINK_TYPES,
  type PrivateLinks,
  emptyPrivateLinks,
  readPrivateLink,
} from "./private-links";
import type { SiteAccess } from "./site-access";
import { UNKNOWN, sameText } from "./unknown";

type Obj = Record<string, unknown>;

/** Stands for an encrypted value of a state export: known to exist, never read, never printed. */
export const HIDDEN: Readonly<Obj> = Object.freeze({ "<secret>": true });

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export const str = (v: unknown): string | undefined =>
  typeof v === "string" && v !== "" ? v : undefined;
const lower = (s: string) => s.toLowerCase();

/** One resource: its type without API version, its outputs (what Azure returned) over inputs. */
export interface ModelResource {
  urn: string;
  type: string;
  /** The last segment of the URN (the logical name). */
  name: string;
  id?: string;
  p: Obj;
}

/** `azure-native:web/v20240401:WebApp` -> `azure-native:web:WebApp`. */
export function baseType(type: string): string {
  return type.replace(/^(azure-native:[A-Za-z0-9]+)\/v[0-9a-z]+:/, "$1:");
}

/** Outputs over inputs; null and absent outputs never hide an input. */
export function overlay(inputs: unknown, outputs: unknown): Obj {
  const out: Obj = isObj(inputs) ? { ...inputs } : {};
  if (isObj(outputs)) for (const [k, v] of Object.entries(outputs)) if (v != null) out[k] = v;
  return out;
}

/** A resource as the planner or a state export holds it. */
export function modelResource(r: {
  urn: string;
  type: string;
  id?: string | null;
  inputs?: unknown;
  outputs?: unknown;
}): ModelResource {
  return {
    urn: r.urn,
    type: baseType(r.type),
    name: r.urn.split("::").pop() ?? r.urn,
    ...(str(r.id) ? { id: r.id as string } : {}),
    p: overlay(r.inputs, r.outputs),
  };
}

/** One app role assignment: from the state or from Graph. */
export interface Grant {
  principalId: string;
  resourceId: string;
  appRoleId: string;
  principalDisplayName?: string;
  principalType?: string;
  createdDateTime?: string;
  from: "state" | "graph";
}

/** A private endpoint connection to a site. */
export interface EndpointConnection {
  /** The private endpoint's name (or the connection's, when the endpoint is not known). */
  name: string;
  key: string;
  status: string;
}

/** What one site (or slot) exposes, merged from the state and `--sites`. */
export interface Site {
  name: string;
  slot?: string;
  publicNetworkAccess?: string;
  rules?: unknown;
  defaultAction?: string;
  scmRules?: unknown;
  scmDefaultAction?: string;
  scmUseMain?: boolean;
  /** Caller side: the integration subnet. */
  subnetId?: string;
  /** Caller side: `outboundVnetRouting` sends application traffic through the integration. */
  outboundRouting?: boolean;
  /** Caller side: the legacy `vnetRouteAllEnabled` (ignored from API 2024-11-01 on). */
  routeAll?: boolean;
  endpoints: Map<string, EndpointConnection>;
}

const siteKey = (name: string, slot?: string) => lower(slot ? `${name}/${slot}` : name);

/** `/subscriptions/…/providers/Microsoft.Web/sites/{name}[/slots/{slot}][/rest]`. */
export function parseSiteId(id: string): { name: string; slot?: string; rest: string } | undefined {
  const m = /\/providers\/microsoft\.web\/sites\/([^/]+)(?:\/slots\/([^/]+))?(\/.*)?$/i.exec(
    id.replace(/\/+$/, ""),
  );
  if (!m) return undefined;
  return { name: m[1], ...(m[2] ? { slot: m[2] } : {}), rest: m[3] ?? "" };
}

export class Sites {
  readonly all = new Map<string, Site>();

  get(name: string, slot?: string): Site {
    const key = siteKey(name, slot);
    let s = this.all.get(key);
    if (!s) {
      s = { name, ...(slot ? { slot } : {}), endpoints: new Map() };
      this.all.set(key, s);
    }
    return s;
  }

  find(name: string, slot?: string): Site | undefined {
    return this.all.get(siteKey(name, slot));
  }

  /** Site-level and config/web fields; null and absent values never override known ones. */
  apply(site: Site, props: Obj, config: Obj | undefined): void {
    accessCache.delete(site);
    const set = <K extends keyof Site>(k: K, v: Site[K] | undefined) => {
      if (v !== undefined) site[k] = v;
    };
    const sc = isObj(config) ? config : undefined;
    set("publicNetworkAccess", str(props.publicNetworkAccess) ?? str(sc?.publicNetworkAccess));
    set("subnetId", str(props.virtualNetworkSubnetId));
    const routing = props.outboundVnetRouting;
    if (isObj(routing)) {
      site.outboundRouting = routing.applicationTraffic === true || routing.allTraffic === true;
    }
    const routeAll = props.vnetRouteAllEnabled ?? sc?.vnetRouteAllEnabled;
    if (typeof routeAll === "boolean") site.routeAll = routeAll;
    if (sc) {
      if (sc === HIDDEN) {
        site.rules = HIDDEN;
        site.scmRules = HIDDEN;
        return;
      }
      // Rules and their default action are one reading: a newer list comes with its own default
      // (unset: the platform's echo rule or the implied default decides, not an older value).
      if (sc.ipSecurityRestrictions != null) {
        site.rules = sc.ipSecurityRestrictions;
        site.defaultAction = str(sc.ipSecurityRestrictionsDefaultAction);
      } else set("defaultAction", str(sc.ipSecurityRestrictionsDefaultAction));
      if (sc.scmIpSecurityRestrictions != null) {
        site.scmRules = sc.scmIpSecurityRestrictions;
        site.scmDefaultAction = str(sc.scmIpSecurityRestrictionsDefaultAction);
      } else set("scmDefaultAction", str(sc.scmIpSecurityRestrictionsDefaultAction));
      if (typeof sc.scmIpSecurityRestrictionsUseMain === "boolean") {
        site.scmUseMain = sc.scmIpSecurityRestrictionsUseMain;
      }
    }
  }

  addEndpoint(site: Site, c: EndpointConnection): void {
    accessCache.delete(site);
    site.endpoints.set(c.key, c);
  }
}

/** A private endpoint connection as ARM returns it (`properties.privateEndpoint.id`, state). */
export function endpointConnection(v: Obj, fallbackStatus = "Approved"): EndpointConnection {
  const p = isObj(v.properties) ? v.properties : v;
  const peId = str(isObj(p.privateEndpoint) ? p.privateEndpoint.id : undefined);
  const state = isObj(p.privateLinkServiceConnectionState)
    ? p.privateLinkServiceConnectionState
    : {};
  const name =
    (peId && peId.split("/").pop()) ?? str(v.name) ?? str(p.privateEndpointConnectionName) ?? "?";
  return {
    name,
    key: lower(peId ?? str(v.id) ?? name),
    status: str(state.status) ?? fallbackStatus,
  };
}

// ---------------------------------------------------------------------------------------------
// The deployed mesh, from the state

const T = {
  webAppSlot: "azure-native:web:WebAppSlot",
  swiftConnection: "azure-native:web:WebAppSwiftVirtualNetworkConnection",
  swiftConnectionSlot: "azure-native:web:WebAppSwiftVirtualNetworkConnectionSlot",
  sitePrivateEndpointConnection: "azure-native:web:WebAppPrivateEndpointConnection",
  sitePrivateEndpointConnectionSlot: "azure-native:web:WebAppPrivateEndpointConnectionSlot",
  subnet: "azure-native:network:Subnet",
  privateEndpoint: "azure-native:network:PrivateEndpoint",
  applicationRegistration: "azuread:index/applicationRegistration:ApplicationRegistration",
  applicationAppRole: "azuread:index/applicationAppRole:ApplicationAppRole",
} as const;

/** The resource types the mesh is read from; every other resource is skipped. */
const MESH_TYPES: ReadonlySet<string> = new Set([
  ...Object.values(T),
  ...Object.values(PRIVATE_LINK_TYPES),
  R.app,
  R.vnet,
  R.userAssignedIdentity,
  R.application,
  R.servicePrincipal,
  R.appRoleAssignment,
  "pulumi:pulumi:StackReference",
]);

/** Whether the model reads resources of this type (API-versioned or not). */
export const isMeshType = (type: string): boolean => MESH_TYPES.has(baseType(type));

export interface AppRole {
  id: string;
  value: string;
  enabled: boolean;
}

export interface Application {
  displayName?: string;
  clientId?: string;
  objectId?: string;
  identifierUris: string[];
  roles: Map<string, AppRole>;
}

export interface ServicePrincipal {
  objectId: string;
  clientId?: string;
  assignmentRequired?: boolean | "hidden";
}

export interface Deployed {
  sites: Sites;
  /** Subnet id (lower-cased) -> whether it has the Microsoft.Web service endpoint. */
  subnets: Map<string, { name: string; webEndpoint: boolean }>;
  identities: Map<string, { principalId?: string; clientId?: string }>;
  applications: Application[];
  servicePrincipals: ServicePrincipal[];
  grants: Grant[];
  tenants: Set<string>;
  /**
   * Services of the org's registry that live in other stacks, as a team stack reads them from
   * the platform's outputs through its StackReference (`registry`, components/org.ts): their
   * integration subnet and their principals.
   */
  registry: Map<string, RegistryEntry>;
  /** Private endpoints, their subnets' policies and NSGs (private-links.ts). */
  privateLinks: PrivateLinks;
}

export interface RegistryEntry {
  subnetId?: string;
  /** The managed identity's principal id. */
  managedPrincipalId?: string;
  /** The principal the service's edges are granted to (its registration's, or its identity's). */
  principalObjectId?: string;
}

const STACK_REFERENCE = "pulumi:pulumi:StackReference";

function siteOf(r: ModelResource): { name: string; slot?: string } | undefined {
  const fromId = r.id ? parseSiteId(r.id) : undefined;
  if (fromId && fromId.rest === "") return fromId;
  const name = str(r.p.name);
  if (!name) return undefined;
  const slot = r.type === T.webAppSlot ? str(r.p.slot) : undefined;
  return { name, ...(slot ? { slot } : {}) };
}

function rolesOf(list: unknown): AppRole[] {
  if (!Array.isArray(list)) return [];
  return list
    .filter(isObj)
    .filter((r) => str(r.id) && str(r.value))
    .map((r) => ({
      id: lower(r.id as string),
      value: r.value as string,
      enabled: r.enabled !== false,
    }));
}

export function readDeployed(resources: readonly ModelResource[]): Deployed {
  const d: Deployed = {
    sites: new Sites(),
    subnets: new Map(),
    identities: new Map(),
    applications: [],
    servicePrincipals: [],
    grants: [],
    tenants: new Set(),
    registry: new Map(),
    privateLinks: emptyPrivateLinks(),
  };
  const appsByObjectId = new Map<string, Application>();
  const looseRoles: Array<{ applicationId: string; role: AppRole }> = [];
  const addSubnet = (id: string | undefined, name: string | undefined, p: Obj) => {
    if (!id) return;
    const eps = Array.isArray(p.serviceEndpoints) ? p.serviceEndpoints : [];
    d.subnets.set(lower(id), {
      name: name ?? id.split("/").pop()!,
      webEndpoint: eps.some((e) => isObj(e) && sameText(str(e.service), "Microsoft.Web")),
    });
  };
  for (const r of resources) {
    const p = r.p;
    readPrivateLink(d.privateLinks, r);
    switch (r.type) {
      case R.app:
      case T.webAppSlot: {
        const at = siteOf(r);
        if (at) {
          const site = d.sites.get(at.name, at.slot);
          d.sites.apply(site, p, isObj(p.siteConfig) ? p.siteConfig : undefined);
        }
        break;
      }
      case T.swiftConnection:
      case T.swiftConnectionSlot: {
        const name = str(p.name);
        const subnet = str(p.subnetResourceId);
        if (name && subnet) {
          const site = d.sites.get(name, str(p.slot));
          site.subnetId ??= subnet;
        }
        break;
      }
      case T.sitePrivateEndpointConnection:
      case T.sitePrivateEndpointConnectionSlot: {
        const name = str(p.name);
        if (name) d.sites.addEndpoint(d.sites.get(name, str(p.slot)), endpointConnection(p));
        break;
      }
      case T.privateEndpoint: {
        const own = str(p.name) ?? str(p.privateEndpointName) ?? r.name;
        for (const [list, status] of [
          ["privateLinkServiceConnections", "Approved"],
          ["manualPrivateLinkServiceConnections", "Pending"],
        ] as const) {
          const conns = Array.isArray(p[list]) ? (p[list] as unknown[]) : [];
          for (const c of conns) {
            if (!isObj(c)) continue;
            const target = str(c.privateLinkServiceId);
            const at = target && parseSiteId(target);
            if (!at || at.rest !== "") continue;
            const st = isObj(c.privateLinkServiceConnectionState)
              ? str(c.privateLinkServiceConnectionState.status)
              : undefined;
            d.sites.addEndpoint(d.sites.get(at.name, at.slot), {
              name: own,
              key: lower(r.id ?? own),
              status: st ?? status,
            });
          }
        }
        break;
      }
      case R.vnet: {
        const vnetId = r.id ?? str(p.id);
        for (const s of Array.isArray(p.subnets) ? p.subnets : []) {
          if (!isObj(s)) continue;
          const name = str(s.name);
          addSubnet(
            str(s.id) ?? (vnetId && name ? `${vnetId}/subnets/${name}` : undefined),
            name,
            s,
          );
        }
        break;
      }
      case T.subnet:
        addSubnet(r.id ?? str(p.id), str(p.subnetName) ?? str(p.name), p);
        break;
      case R.userAssignedIdentity: {
        const name = str(p.resourceName) ?? str(p.name) ?? (r.id && r.id.split("/").pop());
        if (name) {
          d.identities.set(lower(name), {
            principalId: str(p.principalId) && lower(p.principalId as string),
            clientId: str(p.clientId),
          });
        }
        const tid = str(p.tenantId);
        if (tid) d.tenants.add(tid);
        break;
      }
      case R.application:
      case T.applicationRegistration: {
        const app: Application = {
          displayName: str(p.displayName),
          clientId: str(p.clientId) ?? str(p.applicationId),
          objectId: str(p.objectId) && lower(p.objectId as string),
          identifierUris: Array.isArray(p.identifierUris)
            ? p.identifierUris.filter((u): u is string => typeof u === "string")
            : [],
          roles: new Map(rolesOf(p.appRoles).map((x) => [x.id, x])),
        };
        d.applications.push(app);
        const objectId = app.objectId ?? (r.id && /^\/applications\/([^/]+)$/.exec(r.id)?.[1]);
        if (objectId) appsByObjectId.set(lower(objectId), app);
        break;
      }
      case T.applicationAppRole: {
        const applicationId = str(p.applicationId);
        const id = str(p.roleId);
        const value = str(p.value);
        if (applicationId && id && value) {
          looseRoles.push({
            applicationId,
            role: { id: lower(id), value, enabled: p.enabled !== false },
          });
        }
        break;
      }
      case R.servicePrincipal: {
        const objectId =
          str(p.objectId) ?? (r.id && /^\/servicePrincipals\/([^/]+)$/.exec(r.id)?.[1]);
        if (!objectId) break;
        const required = p.appRoleAssignmentRequired;
        d.servicePrincipals.push({
          objectId: lower(objectId),
          clientId: str(p.clientId) ?? str(p.applicationId),
          ...(required === HIDDEN
            ? { assignmentRequired: "hidden" as const }
            : typeof required === "boolean"
              ? { assignmentRequired: required }
              : {}),
        });
        const tid = str(p.applicationTenantId);
        if (tid) d.tenants.add(tid);
        break;
      }
      case STACK_REFERENCE: {
        const outputs = isObj(p.outputs) ? p.outputs : {};
        const registry = isObj(outputs.registry) ? outputs.registry : {};
        for (const [service, e] of Object.entries(registry)) {
          if (!isObj(e)) continue;
          const id = (k: string) => (str(e[k]) ? lower(e[k] as string) : undefined);
          d.registry.set(service, {
            ...(str(e.subnetId) ? { subnetId: e.subnetId as string } : {}),
            ...(id("managedPrincipalId") ? { managedPrincipalId: id("managedPrincipalId") } : {}),
            ...(id("principalObjectId") ? { principalObjectId: id("principalObjectId") } : {}),
          });
        }
        const tid = str(outputs.tenantId);
        if (tid) d.tenants.add(tid);
        break;
      }
      case R.appRoleAssignment: {
        const principalId = str(p.principalObjectId);
        const resourceId = str(p.resourceObjectId);
        const appRoleId = str(p.appRoleId);
        if (principalId && resourceId && appRoleId) {
          d.grants.push({
            principalId: lower(principalId),
            resourceId: lower(resourceId),
            appRoleId: lower(appRoleId),
            ...(str(p.principalDisplayName)
              ? { principalDisplayName: p.principalDisplayName as string }
              : {}),
            ...(str(p.principalType) ? { principalType: p.principalType as string } : {}),
            from: "state",
          });
        }
        break;
      }
    }
  }
  for (const { applicationId, role } of looseRoles) {
    const objectId = /([0-9a-f-]{36})$/i.exec(applicationId)?.[1];
    const app = objectId && appsByObjectId.get(lower(objectId));
    if (app) app.roles.set(role.id, role);
  }
  return d;
}
/** Each site's access, read once (forgotten when the site is changed through Sites). */
const accessCache = new WeakMap<Site, SiteAccess>();

/** A list as read: encrypted rules are not known (a decision on them is "unknown"). */
function listOf(rules: unknown, defaultAction: string | undefined): RuleList {
  if (rules === HIDDEN) return { rules: UNKNOWN, defaultAction: UNKNOWN };
  return ruleListOf(rules, defaultAction);
}

/** What decides who gets into the site's public endpoint. */
export function siteAccessOf(site: Site): SiteAccess {
  let access = accessCache.get(site);
  if (!access) {
    access = readSiteAccess(site);
    accessCache.set(site, access);
  }
  return access;
}

function readSiteAccess(site: Site): SiteAccess {
  return {
    publicNetworkAccess: site.publicNetworkAccess,
    privateEndpoints: [...site.endpoints.values()],
    main: listOf(site.rules, site.defaultAction),
    scm: listOf(site.scmRules, site.scmDefaultAction),
    scmUseMain: site.scmUseMain,
  };
}

/** Whether the site's access restrictions are encrypted in the state (not readable). */
export const isHidden = (site: Site): boolean => site.rules === HIDDEN;
