/**
 * The mesh as Azure and Entra resources, read from a list of resources: the planner's planned
 * resources (inputs, with the mocks' outputs) or a `pulumi stack export` (outputs over inputs).
 * Sites and slots with their access restrictions, public network access, private endpoint
 * connections and integration subnets; subnets and their service endpoints; user-assigned
 * identities; Entra applications, their app roles and service principals; app role assignments.
 * Pure: no Pulumi imports. One resource as read is in model-resource.ts, one site as read in
 * deployed-sites.ts; both are re-exported here.
 */
import { RESOURCE_TYPES as R } from "@service-edges/contract";
import { Sites, endpointConnection, parseSiteId } from "./deployed-sites";
import {
  HIDDEN,
  type ModelResource,
  type Obj,
  isObj,
  baseType,
  lower,
  str,
} from "./model-resource";
import {
  PRIVATE_LINK_TYPES,
  type PrivateLinks,
  emptyPrivateLinks,
  readPrivateLink,
} from "./private-links";
import { sameText } from "./unknown";

export {
  HIDDEN,
  type ModelResource,
  baseType,
  isObj,
  modelResource,
  overlay,
  str,
} from "./model-resource";
export {
  type EndpointConnection,
  type Site,
  Sites,
  endpointConnection,
  isHidden,
  parseSiteId,
  siteAccessOf,
} from "./deployed-sites";

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

// ---------------------------------------------------------------------------------------------
// The deployed mesh, from the state

/** The resource types the mesh is read from; every other resource is skipped. */
const MESH_TYPES: ReadonlySet<string> = new Set([
  R.webAppSlot,
  R.swiftConnection,
  R.swiftConnectionSlot,
  R.sitePrivateEndpointConnection,
  R.sitePrivateEndpointConnectionSlot,
  R.subnet,
  R.privateEndpoint,
  R.applicationRegistration,
  R.applicationAppRole,
  ...Object.values(PRIVATE_LINK_TYPES),
  R.app,
  R.vnet,
  R.userAssignedIdentity,
  R.application,
  R.servicePrincipal,
  R.appRoleAssignment,
  R.stackReference,
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

function siteOf(r: ModelResource): { name: string; slot?: string } | undefined {
  const fromId = r.id ? parseSiteId(r.id) : undefined;
  if (fromId && fromId.rest === "") return fromId;
  const name = str(r.p.name);
  if (!name) return undefined;
  const slot = r.type === R.webAppSlot ? str(r.p.slot) : undefined;
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
      case R.webAppSlot: {
        const at = siteOf(r);
        if (at) {
          const site = d.sites.get(at.name, at.slot);
          d.sites.apply(site, p, isObj(p.siteConfig) ? p.siteConfig : undefined);
        }
        break;
      }
      case R.swiftConnection:
      case R.swiftConnectionSlot: {
        const name = str(p.name);
        const subnet = str(p.subnetResourceId);
        if (name && subnet) {
          const site = d.sites.get(name, str(p.slot));
          site.subnetId ??= subnet;
        }
        break;
      }
      case R.sitePrivateEndpointConnection:
      case R.sitePrivateEndpointConnectionSlot: {
        const name = str(p.name);
        if (name) d.sites.addEndpoint(d.sites.get(name, str(p.slot)), endpointConnection(p));
        break;
      }
      case R.privateEndpoint: {
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
      case R.subnet:
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
      case R.applicationRegistration: {
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
      case R.applicationAppRole: {
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
      case R.stackReference: {
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
