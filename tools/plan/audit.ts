/**
 * `npm run plan -- audit --state FILE`: who can actually call whom, right now.
 *
 * Reads what is deployed, not what the program would register: a `pulumi stack export` (taken
 * after `pulumi refresh`), and optionally what Pulumi does not manage, as Azure CLI and Microsoft
 * Graph return it. Computes the effective access of every service at both layers and compares it
 * with the graph declared in the stack config, naming every extra and every missing path in words.
 *
 * Inputs and the documents that define their shapes:
 * - `--state`: Pulumi's `UntypedDeployment` / `DeploymentV3` / `ResourceV3` (pulumi/pulumi
 *   `sdk/go/common/apitype/core.go`): `{ version: 3, deployment: { manifest, resources: [{ urn,
 *   custom, id, type, inputs, outputs, parent, provider, dependencies, ... }] } }`. Secrets are
 *   `{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext }`
 *   (or `plaintext` with `--show-secrets`); they are never printed.
 * - `--assignments`: the `appRoleAssignedTo` collection of each callee's service principal,
 *   Microsoft Graph v1.0 `appRoleAssignment` objects (`id`, `appRoleId`, `createdDateTime`,
 *   `principalDisplayName`, `principalId`, `principalType`, `resourceDisplayName`, `resourceId`):
 *   https://learn.microsoft.com/en-us/graph/api/resources/approleassignment
 *   https://learn.microsoft.com/en-us/graph/api/serviceprincipal-list-approleassignedto
 *   Pages as `az rest` prints them (`{ "@odata.context", value: [...] }`), or a flat array.
 * - `--sites`: ARM objects as `az webapp show` / `az resource show` (`Microsoft.Web/sites`),
 *   `az webapp config show` (`Microsoft.Web/sites/config` `web`: `ipSecurityRestrictions[]` with
 *   `ipAddress`, `subnetMask`, `vnetSubnetResourceId`, `action`, `tag`, `priority`, `name`,
 *   `headers`; `ipSecurityRestrictionsDefaultAction`, `scmIpSecurityRestrictions`,
 *   `scmIpSecurityRestrictionsUseMain`, `scmIpSecurityRestrictionsDefaultAction`,
 *   `publicNetworkAccess`) and `az network private-endpoint-connection list`
 *   (`Microsoft.Web/sites/privateEndpointConnections`) return them:
 *   https://learn.microsoft.com/en-us/azure/templates/microsoft.web/sites/config-web
 *   https://learn.microsoft.com/en-us/rest/api/appservice/web-apps/get-configuration
 *   https://learn.microsoft.com/en-us/azure/app-service/app-service-ip-restrictions
 *   https://learn.microsoft.com/en-us/azure/app-service/overview-private-endpoint
 *
 * Exit codes: 0 the deployed mesh matches the graph, 4 it does not, 1 bad usage or input.
 */
import * as path from "node:path";
import type { Command } from "commander";
import {
  type Ingress,
  NO_INGRESS,
  RESOURCE_TYPES as R,
  type ServiceGraph,
  type ServiceNode,
  identifierUriFor,
  isCallee,
  siteName,
} from "@service-edges/contract";
import { integrationSubnetOf, sitesInMeshSubnetsNotTheirOwner } from "./audit-subnet-owners";
import { graphOf } from "./run";
import { type StackConfig, UsageError, readJsonFile } from "./stack-config";

/** The deployed mesh differs from the graph. */
export const EXIT_MISMATCH = 4;

type Obj = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Findings and the report

export interface Finding {
  kind: "extra" | "missing";
  layer: "network" | "identity";
  /** The service whose access is in question (the callee, or the service being reached). */
  service: string;
  /** Who gets in, or who should and does not: a service, `everyone`, `principal <id>`, ... */
  subject: string;
  message: string;
}

export interface AccessEntry {
  from: string;
  to: string;
  /** The roles of the declared edge, or null when there is none. */
  declared: string[] | null;
  network: { admitted: boolean | null; by: string[] };
  /** token: whether Entra issues `from` a token for `to` (null: `to` has no Entra application). */
  identity: { roles: string[]; token: boolean | null };
}

export interface SiteSummary {
  service: string;
  site: string;
  found: boolean;
  publicNetworkAccess: string | null;
  defaultAction: string | null;
  rules: string[];
  scm: { useMain: boolean | null; defaultAction: string | null; rules: string[] };
  privateEndpoints: Array<{ name: string; status: string }>;
}

export interface AuditReport {
  stack: string;
  matches: boolean;
  findings: Finding[];
  access: AccessEntry[];
  sites: SiteSummary[];
  notes: string[];
}

// ---------------------------------------------------------------------------------------------
// Reading the inputs

/** Serialized Pulumi secret: `{ [SIG_KEY]: SECRET_SIG, ciphertext | plaintext }`. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** Stands for an encrypted value: known to exist, never read, never printed. */
const HIDDEN: Readonly<Obj> = Object.freeze({ "<secret>": true });

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A deep copy with secrets decoded (`plaintext`) or replaced by HIDDEN (`ciphertext`). */
function unwrap(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrap);
  if (!isObj(v)) return v;
  if (v[SIG_KEY] === SECRET_SIG) {
    if (typeof v.plaintext === "string") {
      try {
        return unwrap(JSON.parse(v.plaintext));
      } catch {
        return v.plaintext;
      }
    }
    return HIDDEN;
  }
  const out: Obj = {};
  for (const [k, e] of Object.entries(v)) out[k] = unwrap(e);
  return out;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const lower = (s: string) => s.toLowerCase();
const sameText = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && lower(a) === lower(b);

/** One resource of the state: type without API version, inputs overlaid with outputs. */
interface StateResource {
  urn: string;
  type: string;
  name: string;
  id?: string;
  /** Outputs (what a refresh read back) over inputs (what was asked for). */
  p: Obj;
}

/** `azure-native:web/v20240401:WebApp` -> `azure-native:web:WebApp`. */
function baseType(type: string): string {
  return type.replace(/^(azure-native:[A-Za-z0-9]+)\/v[0-9a-z]+:/, "$1:");
}

function overlay(inputs: unknown, outputs: unknown): Obj {
  const out: Obj = isObj(inputs) ? { ...inputs } : {};
  if (isObj(outputs)) for (const [k, v] of Object.entries(outputs)) if (v != null) out[k] = v;
  return out;
}

export interface StateFile {
  stack?: string;
  resources: StateResource[];
}

/** A `pulumi stack export` (versions 1-3), or the planner's `--json` (its `resources`). */
export function readState(file: string): StateFile {
  const doc = readJsonFile(file, "state file");
  const shown = path.basename(file);
  let list: unknown;
  if (isObj(doc) && isObj(doc.deployment)) {
    const version = doc.version;
    if (typeof version === "number" && version > 3) {
      throw new UsageError(
        `${shown} is a version ${version} deployment; this tool reads pulumi stack export versions 1 to 3`,
      );
    }
    list = doc.deployment.resources ?? [];
  } else if (isObj(doc) && Array.isArray(doc.resources)) list = doc.resources;
  else {
    throw new UsageError(
      `${shown} is not a pulumi stack export: expected { "version": 3, "deployment": { "resources": [...] } } (run: pulumi stack export --file ${shown})`,
    );
  }
  if (!Array.isArray(list)) {
    throw new UsageError(`${shown}: deployment.resources must be a list of resources`);
  }
  let stack: string | undefined;
  const resources = list.map((r, i): StateResource => {
    if (!isObj(r) || typeof r.urn !== "string" || typeof r.type !== "string") {
      throw new UsageError(
        `${shown}: deployment.resources[${i}] is not a resource (no urn or type)`,
      );
    }
    stack ??= /^urn:pulumi:([^:]+)::/.exec(r.urn)?.[1];
    const id = str(r.id);
    return {
      urn: r.urn,
      type: baseType(r.type),
      name: r.urn.split("::").pop() ?? r.urn,
      ...(id ? { id } : {}),
      p: unwrap(overlay(r.inputs, r.outputs)) as Obj,
    };
  });
  return { stack, resources };
}

/** One app role assignment: from the state or from Graph. */
interface Grant {
  principalId: string;
  resourceId: string;
  appRoleId: string;
  principalDisplayName?: string;
  principalType?: string;
  createdDateTime?: string;
  from: "state" | "graph";
}

export interface AssignmentsFile {
  grants: Grant[];
  /** Service principals whose whole collection the file holds (from `@odata.context`). */
  complete: Set<string>;
  notes: string[];
}

const grantKey = (g: Grant) => `${g.principalId}|${g.resourceId}|${g.appRoleId}`;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function readAssignments(file: string): AssignmentsFile {
  const doc = readJsonFile(file, "assignments file");
  const shown = path.basename(file);
  const grants: Grant[] = [];
  const complete = new Set<string>();
  const notes: string[] = [];
  const visit = (v: unknown, where: string): void => {
    if (Array.isArray(v)) {
      v.forEach((e, i) => visit(e, `${where}[${i}]`));
      return;
    }
    if (isObj(v) && Array.isArray(v.value)) {
      // A page of `GET /servicePrincipals/{id}/appRoleAssignedTo`.
      const ctx = str(v["@odata.context"]);
      const sp = ctx && /servicePrincipals\(['"]?([0-9a-f-]{36})['"]?\)/i.exec(ctx)?.[1];
      if (sp && v["@odata.nextLink"] === undefined) complete.add(lower(sp));
      if (v["@odata.nextLink"] !== undefined) {
        notes.push(
          `${shown}${where}: a page with more results (@odata.nextLink); fetch every page, or add ?$top=999`,
        );
      }
      v.value.forEach((e, i) => visit(e, `${where}.value[${i}]`));
      return;
    }
    if (!isObj(v)) throw new UsageError(`${shown}${where}: expected an appRoleAssignment object`);
    for (const key of ["principalId", "resourceId", "appRoleId"]) {
      if (typeof v[key] !== "string" || !GUID.test(v[key] as string)) {
        throw new UsageError(
          `${shown}${where} is not a Graph appRoleAssignment: ${key} ${v[key] === undefined ? "is missing" : "is not a GUID"}`,
        );
      }
    }
    grants.push({
      principalId: lower(v.principalId as string),
      resourceId: lower(v.resourceId as string),
      appRoleId: lower(v.appRoleId as string),
      ...(str(v.principalDisplayName)
        ? { principalDisplayName: v.principalDisplayName as string }
        : {}),
      ...(str(v.principalType) ? { principalType: v.principalType as string } : {}),
      ...(str(v.createdDateTime) ? { createdDateTime: v.createdDateTime as string } : {}),
      from: "graph",
    });
  };
  if (!Array.isArray(doc) && !(isObj(doc) && Array.isArray(doc.value))) {
    throw new UsageError(
      `${shown}: expected the appRoleAssignedTo pages az rest prints ({ "value": [...] }), a list of them, or a list of appRoleAssignment objects`,
    );
  }
  visit(doc, "");
  return { grants, complete, notes };
}

/** A private endpoint connection to a site. */
interface EndpointConnection {
  /** The private endpoint's name (or the connection's, when the endpoint is not known). */
  name: string;
  key: string;
  status: string;
}

/** What one site (or slot) exposes, merged from the state and `--sites`. */
interface Site {
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
function parseSiteId(id: string): { name: string; slot?: string; rest: string } | undefined {
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
    site.endpoints.set(c.key, c);
  }
}

/** A private endpoint connection as ARM returns it (`properties.privateEndpoint.id`, state). */
function endpointConnection(v: Obj, fallbackStatus = "Approved"): EndpointConnection {
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

const SITE_TYPES = new Set(["microsoft.web/sites", "microsoft.web/sites/slots"]);

/**
 * Reads `--sites` (site objects, config/web objects, endpoint connections) and returns what it
 * says as an update to the deployed sites: its values override or add to the state's.
 */
export function readSites(file: string): (sites: Sites) => void {
  const doc = readJsonFile(file, "sites file");
  const shown = path.basename(file);
  const ops: Array<(sites: Sites) => void> = [];
  const visit = (v: unknown, where: string): void => {
    if (Array.isArray(v)) {
      v.forEach((e, i) => visit(e, `${where}[${i}]`));
      return;
    }
    if (isObj(v) && Array.isArray(v.value) && v.id === undefined) {
      v.value.forEach((e, i) => visit(e, `${where}.value[${i}]`));
      return;
    }
    if (!isObj(v)) throw new UsageError(`${shown}${where}: expected an ARM object`);
    const id = str(v.id);
    const parsed = id ? parseSiteId(id) : undefined;
    const type = lower(str(v.type) ?? "");
    // `az resource show` nests ARM properties; `az webapp show` / `config show` flatten them.
    const props = isObj(v.properties) ? { ...v, ...v.properties } : v;
    if (!parsed) {
      throw new UsageError(
        `${shown}${where} is not a Microsoft.Web site, site config or private endpoint connection (${id ? `id ${id}` : "no id"})`,
      );
    }
    const at = (sites: Sites) => sites.get(parsed.name, parsed.slot);
    if (/^\/config\/web$/i.test(parsed.rest) || type.endsWith("/config")) {
      ops.push((sites) => sites.apply(at(sites), {}, props));
    } else if (integrationSubnetOf(parsed.rest, props) !== undefined) {
      const subnet = integrationSubnetOf(parsed.rest, props);
      if (subnet) ops.push((sites) => void (at(sites).subnetId = subnet));
    } else if (/^\/privateendpointconnections\//i.test(parsed.rest)) {
      const c = endpointConnection(v);
      ops.push((sites) => sites.addEndpoint(at(sites), c));
    } else if (parsed.rest === "" && (type === "" || SITE_TYPES.has(type))) {
      const config = isObj(props.siteConfig) ? props.siteConfig : undefined;
      const pecs = Array.isArray(props.privateEndpointConnections)
        ? props.privateEndpointConnections.filter(isObj).map((c) => endpointConnection(c))
        : [];
      ops.push((sites) => {
        const site = at(sites);
        sites.apply(site, props, config);
        for (const c of pecs) sites.addEndpoint(site, c);
      });
    } else {
      throw new UsageError(
        `${shown}${where} is not a site, site config or private endpoint connection (id ${id})`,
      );
    }
  };
  if (!Array.isArray(doc) && !isObj(doc)) {
    throw new UsageError(`${shown}: expected a list of ARM site objects`);
  }
  visit(doc, "");
  return (sites) => {
    for (const op of ops) op(sites);
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

interface AppRole {
  id: string;
  value: string;
  enabled: boolean;
}

interface Application {
  displayName?: string;
  clientId?: string;
  objectId?: string;
  identifierUris: string[];
  roles: Map<string, AppRole>;
}

interface ServicePrincipal {
  objectId: string;
  clientId?: string;
  assignmentRequired?: boolean | "hidden";
}

interface Deployed {
  sites: Sites;
  /** Subnet id (lower-cased) -> whether it has the Microsoft.Web service endpoint. */
  subnets: Map<string, { name: string; webEndpoint: boolean }>;
  identities: Map<string, { principalId?: string; clientId?: string }>;
  applications: Application[];
  servicePrincipals: ServicePrincipal[];
  grants: Grant[];
  tenants: Set<string>;
}

function siteOf(r: StateResource): { name: string; slot?: string } | undefined {
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

function deployedFrom(state: StateFile): Deployed {
  const d: Deployed = {
    sites: new Sites(),
    subnets: new Map(),
    identities: new Map(),
    applications: [],
    servicePrincipals: [],
    grants: [],
    tenants: new Set(),
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
  for (const r of state.resources) {
    const p = r.p;
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

// ---------------------------------------------------------------------------------------------
// Access restrictions

interface Rule {
  name: string;
  action: string;
  priority: number;
  index: number;
  kind: "everyone" | "cidr" | "subnet" | "tag" | "xff" | "other";
  /** The range (`203.0.113.0/24`), subnet id, or tag list the rule names. */
  source: string;
  headers: string[];
  /** The platform's own last rule that only echoes the default action in read-back configs. */
  synthetic: boolean;
}

const LAST_PRIORITY = 2147483647;

function maskToPrefix(mask: string): number | undefined {
  const parts = mask.split(".").map(Number);
  if (parts.length !== 4 || parts.some((x) => !(x >= 0 && x <= 255))) return undefined;
  const bits = parts.map((x) => x.toString(2).padStart(8, "0")).join("");
  return /^1*0*$/.test(bits) ? (bits.indexOf("0") === -1 ? 32 : bits.indexOf("0")) : undefined;
}

function parseRules(list: unknown): Rule[] {
  if (!Array.isArray(list)) return [];
  return list.filter(isObj).map((r, index): Rule => {
    const ip = str(r.ipAddress)?.trim();
    const tag = str(r.tag) ?? "Default";
    const priority = typeof r.priority === "number" ? r.priority : LAST_PRIORITY - 1;
    const headers = isObj(r.headers)
      ? Object.entries(r.headers).map(
          ([h, v]) => `${h}: ${Array.isArray(v) ? v.join(", ") : String(v)}`,
        )
      : [];
    let kind: Rule["kind"] = "other";
    let source = ip ?? "";
    const subnet = str(r.vnetSubnetResourceId);
    if (subnet) {
      kind = "subnet";
      source = subnet;
    } else if (sameText(tag, "ServiceTag")) kind = "tag";
    else if (ip) {
      const mask = str(r.subnetMask);
      const prefix = mask ? maskToPrefix(mask) : undefined;
      if (!ip.includes("/") && ip.toLowerCase() !== "any") source = `${ip}/${prefix ?? 32}`;
      const everyone =
        /^(any|\*)$/i.test(ip) || /\/0$/.test(source) || (mask !== undefined && prefix === 0);
      kind = everyone ? "everyone" : sameText(tag, "XffProxy") ? "xff" : "cidr";
    }
    return {
      name: str(r.name) ?? `#${index + 1}`,
      action: str(r.action) ?? "Allow",
      priority,
      index,
      kind,
      source,
      headers,
      synthetic: kind === "everyone" && /^any$/i.test(ip ?? "") && priority === LAST_PRIORITY,
    };
  });
}

function ipv4Range(text: string): { start: number; end: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  const prefix = m[5] === undefined ? 32 : Number(m[5]);
  if (prefix > 32) return undefined;
  const addr = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const start = Math.floor(addr / size) * size;
  return { start, end: start + size - 1 };
}

function rangeCovers(outer: string, inner: string): boolean {
  const a = ipv4Range(outer);
  const b = ipv4Range(inner);
  return a !== undefined && b !== undefined && a.start <= b.start && b.end <= a.end;
}

const subnetShort = (id: string) => {
  const m = /virtualNetworks\/([^/]+)\/subnets\/([^/]+)$/i.exec(id);
  return m ? `${m[2]} of ${m[1]}` : id;
};

/** The access rules of one endpoint (a site's main or SCM side), in the platform's order. */
interface Endpoint {
  /** `orders`, `the SCM (deployment) site of orders`, `orders (slot staging)`. */
  label: string;
  rules: Rule[];
  /** Explicit, else echoed by the platform's last rule, else implied. */
  defaultAction: "Allow" | "Deny";
  /** Why the default is what it is, for messages. */
  defaultReason: "explicit" | "none";
  hidden: boolean;
}

function endpointOf(label: string, list: unknown, explicit: string | undefined): Endpoint {
  if (list === HIDDEN) {
    return { label, rules: [], defaultAction: "Deny", defaultReason: "explicit", hidden: true };
  }
  const all = parseRules(list);
  const echoed = all.find((r) => r.synthetic);
  const rules = all
    .filter((r) => !r.synthetic)
    .sort((a, b) => a.priority - b.priority || a.index - b.index);
  const chosen =
    explicit ??
    echoed?.action ??
    // Without an explicit default, a site with any Allow rule denies everything else.
    (rules.some((r) => sameText(r.action, "Allow")) ? "Deny" : "Allow");
  return {
    label,
    rules,
    defaultAction: sameText(chosen, "Deny") ? "Deny" : "Allow",
    defaultReason: explicit || echoed || rules.length > 0 ? "explicit" : "none",
    hidden: false,
  };
}

/** First rule that decides a call from this integration subnet (service-endpoint traffic). */
function decideSubnet(ep: Endpoint, subnetId: string): Rule | undefined {
  return ep.rules.find(
    (r) => r.kind === "everyone" || (r.kind === "subnet" && sameText(r.source, subnetId)),
  );
}

/** Whether this range (or everything) gets in, and through which rule. */
function decideRange(ep: Endpoint, range: string | "everyone"): Rule | "default" {
  for (const r of ep.rules) {
    if (r.kind === "everyone") return r;
    if (r.kind === "cidr" && range !== "everyone" && rangeCovers(r.source, range)) return r;
  }
  return "default";
}

/** Whether the endpoint admits every address of this range. */
function admitsRange(ep: Endpoint, range: string): boolean {
  const r = decideRange(ep, range);
  return r === "default" ? ep.defaultAction === "Allow" : sameText(r.action, "Allow");
}

function ruleWords(r: Rule): string {
  const extra = r.headers.length ? `; only with ${r.headers.join("; ")}` : "";
  return `rule "${r.name}", priority ${r.priority}${extra}`;
}

function ruleSummary(r: Rule): string {
  const what =
    r.kind === "subnet"
      ? `subnet ${subnetShort(r.source)}`
      : r.kind === "tag"
        ? `service tag ${r.source}`
        : r.kind === "xff"
          ? `X-Forwarded-For ${r.source}`
          : r.source;
  return `${r.action} ${what} (${ruleWords(r)})`;
}

// ---------------------------------------------------------------------------------------------
// The audit

interface Identity {
  service: string;
  kind: "managed identity" | "app registration" | "callee application";
}

interface ServiceEntra {
  app?: Application;
  sp?: ServicePrincipal;
  /** The principal the service's edges are granted to. */
  expected?: string;
  expectedKind: "managed identity" | "app registration";
}

export interface AuditInputs {
  config: StackConfig;
  state: StateFile;
  assignments?: AssignmentsFile;
  /** Applied to the deployed sites after the state (portal edits the state does not know). */
  sites?: (sites: Sites) => void;
}

/** The audit of a deployment against its stack config. */
export function audit(inputs: AuditInputs): AuditReport {
  const graph = graphOf(inputs.config);
  const d = deployedFrom(inputs.state);
  inputs.sites?.(d.sites);
  const notes: string[] = [];
  if (inputs.state.stack && inputs.state.stack !== inputs.config.stack) {
    notes.push(
      `the state is of stack "${inputs.state.stack}" and the config of stack "${inputs.config.stack}"`,
    );
  }
  return new Auditor(graph, d, inputs.assignments, notes).run(inputs.config.stack);
}

class Auditor {
  private readonly findings: Finding[] = [];
  private readonly access = new Map<string, AccessEntry>();
  private readonly summaries: SiteSummary[] = [];
  /** Integration subnet (lower-cased id) -> service. */
  private readonly subnetOwner = new Map<string, string>();
  private readonly principals = new Map<string, Identity>();
  private readonly entra = new Map<string, ServiceEntra>();
  /** Each deployed service's main endpoint, for answering "can X reach it?" later. */
  private readonly mains = new Map<string, { ep: Endpoint; publicOpen: boolean }>();
  private readonly slots = new Map<string, Site[]>();

  constructor(
    private readonly graph: ServiceGraph,
    private readonly d: Deployed,
    private readonly assignments: AssignmentsFile | undefined,
    private readonly notes: string[],
  ) {}

  run(stack: string): AuditReport {
    const { graph } = this;
    for (const site of this.d.sites.all.values()) {
      if (!site.slot) continue;
      const list = this.slots.get(lower(site.name)) ?? [];
      list.push(site);
      this.slots.set(lower(site.name), list);
    }
    for (const s of graph.services) {
      const site = this.site(s.name);
      if (site?.subnetId) this.subnetOwner.set(lower(site.subnetId), s.name);
      this.entra.set(s.name, this.entraOf(s));
    }
    for (const s of graph.services) {
      for (const e of graph.incoming.get(s.name) ?? [])
        this.entry(e.from, s.name).declared = e.roles;
    }
    for (const s of graph.services) this.network(s);
    this.findings.push(...sitesInMeshSubnetsNotTheirOwner(graph, this.d.sites.all.values()));
    this.identityGrants();
    this.settleNetwork();
    const order = (f: Finding) =>
      `${f.service}\u0000${f.layer === "network" ? 0 : 1}${f.kind === "extra" ? 0 : 1}\u0000${f.message}`;
    const findings = this.findings.sort((a, b) => (order(a) < order(b) ? -1 : 1));
    const access = [...this.access.values()].sort((a, b) =>
      a.to !== b.to ? (a.to < b.to ? -1 : 1) : a.from < b.from ? -1 : 1,
    );
    for (const a of access) a.identity.roles.sort();
    return {
      stack,
      matches: findings.length === 0,
      findings,
      access,
      sites: this.summaries,
      notes: [...this.notes, ...(this.assignments?.notes ?? [])],
    };
  }

  private site(service: string, slot?: string): Site | undefined {
    return this.d.sites.find(siteName(this.graph.namePrefix, service), slot);
  }

  private add(
    kind: Finding["kind"],
    layer: Finding["layer"],
    service: string,
    subject: string,
    message: string,
  ): void {
    this.findings.push({ kind, layer, service, subject, message });
  }

  private entry(from: string, to: string): AccessEntry {
    const key = `${from}\u0000${to}`;
    let a = this.access.get(key);
    if (!a) {
      a = {
        from,
        to,
        declared: null,
        network: { admitted: false, by: [] },
        identity: { roles: [], token: null },
      };
      this.access.set(key, a);
    }
    return a;
  }

  // --- network layer ------------------------------------------------------------------------

  private network(s: ServiceNode): void {
    const site = this.site(s.name);
    const physical = siteName(this.graph.namePrefix, s.name);
    const callers = (this.graph.incoming.get(s.name) ?? []).map((e) => e.from);
    const ingress = s.ingress;
    if (!site) {
      this.summaries.push({
        service: s.name,
        site: physical,
        found: false,
        publicNetworkAccess: null,
        defaultAction: null,
        rules: [],
        scm: { useMain: null, defaultAction: null, rules: [] },
        privateEndpoints: [],
      });
      for (const c of callers) {
        this.add(
          "missing",
          "network",
          s.name,
          c,
          `${c} cannot reach ${s.name}: there is no site ${physical} in the state or --sites`,
        );
      }
      return;
    }
    const main = endpointOf(s.name, site.rules, site.defaultAction);
    const useMain = site.scmUseMain === true;
    const scm = endpointOf(
      `the SCM (deployment) site of ${s.name}`,
      useMain ? site.rules : site.scmRules,
      useMain ? site.defaultAction : site.scmDefaultAction,
    );
    const endpoints = [...site.endpoints.values()];
    const approved = endpoints.filter((e) => sameText(e.status, "Approved"));
    // Unset publicNetworkAccess on a site with a private endpoint means the public side is off.
    const publicOpen = site.publicNetworkAccess
      ? !sameText(site.publicNetworkAccess, "Disabled")
      : approved.length === 0;
    this.mains.set(s.name, { ep: main, publicOpen });
    this.summaries.push({
      service: s.name,
      site: physical,
      found: true,
      publicNetworkAccess: site.publicNetworkAccess ?? null,
      defaultAction: main.hidden ? null : main.defaultAction,
      rules: main.rules.map(ruleSummary),
      scm: {
        useMain: site.scmUseMain ?? null,
        defaultAction: scm.hidden ? null : scm.defaultAction,
        rules: useMain ? [] : scm.rules.map(ruleSummary),
      },
      privateEndpoints: endpoints.map((e) => ({ name: e.name, status: e.status })),
    });

    const publicIngress = ingress.kind === "public";
    this.extras(s, main, publicOpen, callers, ingress, false);
    if (!useMain && !(main.hidden && scm.hidden)) {
      this.extras(s, scm, publicOpen, [], NO_INGRESS, true);
    }
    for (const e of endpoints) this.endpointExtra(s.name, s.name, e);
    for (const slot of this.slots.get(lower(physical)) ?? []) {
      const label = `${s.name} (slot ${slot.slot})`;
      const slotPublic = slot.publicNetworkAccess
        ? !sameText(slot.publicNetworkAccess, "Disabled")
        : ![...slot.endpoints.values()].some((e) => sameText(e.status, "Approved"));
      this.extras(
        s,
        endpointOf(label, slot.rules, slot.defaultAction),
        slotPublic,
        callers,
        ingress,
        false,
      );
      if (slot.scmUseMain !== true) {
        this.extras(
          s,
          endpointOf(`the SCM (deployment) site of ${label}`, slot.scmRules, slot.scmDefaultAction),
          slotPublic,
          [],
          NO_INGRESS,
          true,
        );
      }
      for (const e of slot.endpoints.values()) this.endpointExtra(s.name, label, e);
    }

    // Who gets in, for the access list.
    if (publicOpen && !main.hidden) {
      const everyone = this.everyoneVia(main);
      if (everyone) this.entry("everyone", s.name).network = { admitted: true, by: [everyone] };
      for (const r of main.rules) {
        if (r.kind === "everyone" && sameText(r.action, "Deny")) break;
        if (!sameText(r.action, "Allow") || r.kind === "everyone") continue;
        if (r.kind === "subnet") {
          const owner = this.subnetOwner.get(lower(r.source));
          if (!owner || owner === s.name) continue;
          const decided = this.reach(owner, s.name, main, publicOpen);
          if (decided.ok) this.entry(owner, s.name).network = { admitted: true, by: [decided.by] };
        } else if (!everyone) {
          const subject =
            r.kind === "tag"
              ? `service tag ${r.source}`
              : r.kind === "xff"
                ? `X-Forwarded-For ${r.source}`
                : `addresses in ${r.source}`;
          this.entry(subject, s.name).network = { admitted: true, by: [`rule "${r.name}"`] };
        }
      }
    }
    for (const e of approved) {
      this.entry(`private endpoint ${e.name}`, s.name).network = {
        admitted: true,
        by: [`every host with line of sight to the private endpoint ${e.name}`],
      };
    }

    // Missing: every declared caller, the declared ingress, the deployment agents.
    for (const c of callers) {
      const decided = this.reach(c, s.name, main, publicOpen);
      const a = this.entry(c, s.name);
      a.network = decided.ok ? { admitted: true, by: [decided.by] } : { admitted: false, by: [] };
      if (!decided.ok) {
        this.add("missing", "network", s.name, c, `${c} cannot reach ${s.name}: ${decided.why}`);
      }
    }
    if (main.hidden) return;
    if (publicIngress) {
      const why = !publicOpen
        ? "its public network access is disabled"
        : this.everyoneVia(main)
          ? undefined
          : "its access restrictions admit neither everyone nor a 0.0.0.0/0 range";
      if (why) {
        this.add(
          "missing",
          "network",
          s.name,
          "everyone",
          `${s.name} declares public ingress, but ${why}`,
        );
      }
    } else if (ingress.kind === "sources") {
      for (const src of ingress.sources) {
        const text = src.kind === "cidr" ? src.text : src.tag;
        let why: string | undefined;
        if (!publicOpen) why = "its public network access is disabled";
        else if (src.kind === "cidr") {
          if (!admitsRange(main, src.text)) why = "no Allow rule covers it";
        } else if (!this.everyoneVia(main)) {
          // A Front Door rule without the X-Azure-FDID header still admits it (too widely: that
          // is reported as an extra path).
          const named = main.rules.some(
            (r) =>
              r.kind === "tag" &&
              sameText(r.action, "Allow") &&
              r.source.split(",").some((t) => sameText(t.trim(), src.tag)),
          );
          if (!named) why = "no Allow rule names that service tag";
        }
        if (why) {
          this.add(
            "missing",
            "network",
            s.name,
            `ingress ${text}`,
            `the declared ingress ${text} cannot reach ${s.name}: ${why}`,
          );
        }
      }
    }
    for (const range of this.graph.scmAllowedRanges) {
      let why: string | undefined;
      if (!publicOpen) why = "its public network access is disabled";
      else if (useMain) {
        if (!admitsRange(main, range.text)) {
          why = `it follows the main site's rules (scmIpSecurityRestrictionsUseMain), which do not admit ${range.text}`;
        }
      } else if (!scm.hidden && !admitsRange(scm, range.text)) why = "no Allow rule covers it";
      if (why) {
        this.add(
          "missing",
          "network",
          s.name,
          `deployment agents in ${range.text}`,
          `deployment agents in ${range.text} cannot reach the SCM (deployment) site of ${s.name}: ${why}`,
        );
      }
    }
  }

  /**
   * The network answer of access entries the network pass did not visit: a service that holds a
   * role without an edge (can it reach the callee?), a principal or "any application" (only if
   * the callee admits everyone; otherwise it depends on where that principal runs).
   */
  private settleNetwork(): void {
    const names = new Set(this.graph.services.map((s) => s.name));
    for (const a of this.access.values()) {
      if (a.network.admitted === true || a.declared) continue;
      if (a.network.by.length > 0 || a.from === "everyone") continue;
      const target = this.mains.get(a.to);
      if (!target) continue;
      const everyone = target.publicOpen && !target.ep.hidden && this.everyoneVia(target.ep);
      if (names.has(a.from)) {
        const decided = this.reach(a.from, a.to, target.ep, target.publicOpen);
        a.network = decided.ok ? { admitted: true, by: [decided.by] } : { admitted: false, by: [] };
      } else {
        a.network = everyone ? { admitted: true, by: [everyone] } : { admitted: null, by: [] };
      }
    }
  }

  /** How everyone gets in (a rule or the default), or undefined. */
  private everyoneVia(ep: Endpoint): string | undefined {
    const r = decideRange(ep, "everyone");
    if (r !== "default")
      return sameText(r.action, "Allow") ? `rule "${r.name}" (${r.source})` : undefined;
    return ep.defaultAction === "Allow" ? "default action Allow" : undefined;
  }

  /** Can `caller` reach the public side of `callee` from its integration subnet? */
  private reach(
    caller: string,
    callee: string,
    main: Endpoint,
    publicOpen: boolean,
  ): { ok: true; by: string } | { ok: false; why: string } {
    if (!publicOpen) {
      return {
        ok: false,
        why: `public network access on ${callee} is disabled, and access-restriction rules only admit traffic to its public endpoint`,
      };
    }
    if (main.hidden) return { ok: true, by: "unknown (encrypted in the state)" };
    const site = this.site(caller);
    const everyone = this.everyoneVia(main);
    if (!site) {
      return everyone
        ? { ok: true, by: everyone }
        : {
            ok: false,
            why: `there is no site ${siteName(this.graph.namePrefix, caller)} for ${caller} in the state or --sites`,
          };
    }
    if (!site.subnetId) {
      return everyone
        ? { ok: true, by: everyone }
        : {
            ok: false,
            why: `${caller} has no VNet integration, so its calls leave from shared public addresses that ${callee} does not admit`,
          };
    }
    const sub = this.d.subnets.get(lower(site.subnetId));
    const subName = sub?.name ?? site.subnetId.split("/").pop()!;
    // `outboundVnetRouting` supersedes `vnetRouteAllEnabled` (which API 2024-11-01 ignores).
    if ((site.outboundRouting ?? site.routeAll) === false && !everyone) {
      return {
        ok: false,
        why: `${caller} does not route its outbound calls through ${subName} (outboundVnetRouting.applicationTraffic is off), so they arrive from public addresses`,
      };
    }
    if (sub && !sub.webEndpoint && !everyone) {
      return {
        ok: false,
        why: `its subnet ${subName} has no Microsoft.Web service endpoint, so the vnet rules of ${callee} never match its calls`,
      };
    }
    const rule = decideSubnet(main, site.subnetId);
    if (rule) {
      if (sameText(rule.action, "Allow")) {
        return {
          ok: true,
          by:
            rule.kind === "subnet"
              ? `rule "${rule.name}" (subnet ${subName})`
              : `rule "${rule.name}" (${rule.source})`,
        };
      }
      return {
        ok: false,
        why: `a Deny rule on ${callee} blocks ${caller}'s subnet ${subName} first (${ruleWords(rule)})`,
      };
    }
    if (main.defaultAction === "Allow") return { ok: true, by: "default action Allow" };
    return {
      ok: false,
      why: `${callee} denies by default and no Allow rule admits ${caller}'s subnet ${subName}`,
    };
  }

  /** Every Allow rule (and an Allow default) that lets in more than the graph declares. */
  private extras(
    s: ServiceNode,
    ep: Endpoint,
    publicOpen: boolean,
    callers: readonly string[],
    ingress: Ingress,
    scm: boolean,
  ): void {
    if (!publicOpen) return;
    if (ep.hidden) {
      this.add(
        "extra",
        "network",
        s.name,
        "unknown",
        `the access restrictions of ${ep.label} are encrypted in the state, so extra paths cannot be ruled out; pass --sites`,
      );
      return;
    }
    const isPublic = ingress.kind === "public";
    const sources = ingress.kind === "sources" ? ingress.sources : [];
    const scmRanges = scm ? this.graph.scmAllowedRanges.map((r) => r.text) : [];
    let blocked = false; // a Deny rule for everyone came first: nothing after it matters
    for (const r of ep.rules) {
      if (blocked) break;
      if (!sameText(r.action, "Allow")) {
        if (r.kind === "everyone") blocked = true;
        continue;
      }
      const on = `on ${ep.label}`;
      if (r.kind === "everyone") {
        if (!isPublic) {
          this.add(
            "extra",
            "network",
            s.name,
            "everyone",
            `an Allow ${r.source} rule ${on} admits everyone (${ruleWords(r)})`,
          );
        }
        blocked = true;
      } else if (r.kind === "cidr" || r.kind === "xff") {
        const declared =
          isPublic ||
          scmRanges.some((x) => rangeCovers(x, r.source)) ||
          sources.some((x) => x.kind === "cidr" && rangeCovers(x.text, r.source));
        if (!declared) {
          this.add(
            "extra",
            "network",
            s.name,
            `addresses in ${r.source}`,
            r.kind === "xff"
              ? `an Allow X-Forwarded-For ${r.source} rule ${on} admits clients that present an address in ${r.source} (${ruleWords(r)})`
              : `an Allow ${r.source} rule ${on} admits addresses in ${r.source} (${ruleWords(r)})`,
          );
        }
      } else if (r.kind === "tag") {
        for (const tag of r.source
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean)) {
          const src = sources.find((x) => x.kind === "serviceTag" && sameText(x.tag, tag));
          if (isPublic) continue;
          if (!src) {
            this.add(
              "extra",
              "network",
              s.name,
              `service tag ${tag}`,
              `an Allow rule for the service tag ${tag} ${on} admits every address in that tag (${ruleWords(r)})`,
            );
          } else if (
            src.kind === "serviceTag" &&
            src.frontDoorId &&
            !r.headers.some(
              (h) =>
                lower(h).startsWith("x-azure-fdid:") && lower(h).includes(lower(src.frontDoorId!)),
            )
          ) {
            this.add(
              "extra",
              "network",
              s.name,
              `service tag ${tag}`,
              `an Allow rule for the service tag ${tag} ${on} admits every Front Door profile, not only ${src.frontDoorId} (${ruleWords(r)})`,
            );
          }
        }
      } else if (r.kind === "subnet") {
        const owner = this.subnetOwner.get(lower(r.source));
        if (owner && callers.includes(owner)) continue;
        if (owner) {
          this.add(
            "extra",
            "network",
            s.name,
            owner,
            `a vnet rule ${on} admits ${owner}, which has no edge to ${s.name} (subnet ${subnetShort(r.source)}; ${ruleWords(r)})`,
          );
        } else {
          this.add(
            "extra",
            "network",
            s.name,
            `subnet ${subnetShort(r.source)}`,
            `a vnet rule ${on} admits every host in subnet ${subnetShort(r.source)}, which is no caller's integration subnet (${ruleWords(r)})`,
          );
        }
      } else {
        this.add(
          "extra",
          "network",
          s.name,
          r.source || "unknown",
          `an Allow rule ${on} admits "${r.source}" (${ruleWords(r)})`,
        );
      }
    }
    if (!blocked && ep.defaultAction === "Allow" && !isPublic) {
      this.add(
        "extra",
        "network",
        s.name,
        "everyone",
        ep.defaultReason === "none"
          ? scm
            ? `${ep.label} has no access restrictions of its own and does not follow the main site's, so it admits everyone`
            : `${ep.label} has no access restrictions, so it admits everyone`
          : `the access restrictions of ${ep.label} default to Allow, so ${scm ? "it" : ep.label} admits everyone`,
      );
    }
  }

  private endpointExtra(service: string, label: string, e: EndpointConnection): void {
    if (sameText(e.status, "Approved")) {
      this.add(
        "extra",
        "network",
        service,
        `private endpoint ${e.name}`,
        `a private endpoint on ${label} admits every host with line of sight to the endpoint; access restrictions do not apply to it (private endpoint "${e.name}", Approved)`,
      );
    } else if (sameText(e.status, "Pending")) {
      this.add(
        "extra",
        "network",
        service,
        `private endpoint ${e.name}`,
        `a private endpoint on ${label} will admit every host with line of sight to the endpoint once its pending connection is approved (private endpoint "${e.name}")`,
      );
    }
  }

  // --- identity layer -----------------------------------------------------------------------

  private entraOf(s: ServiceNode): ServiceEntra {
    const physical = siteName(this.graph.namePrefix, s.name);
    const uris = new Set(
      [...this.d.tenants].map((t) => lower(identifierUriFor(t, this.graph.namePrefix, s.name))),
    );
    const uriPattern = new RegExp(
      `^api://[^/]+/${physical.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`,
      "i",
    );
    const apps = this.d.applications;
    const app =
      apps.find((a) => a.identifierUris.some((u) => uris.has(lower(u)))) ??
      apps.find((a) => a.identifierUris.some((u) => uriPattern.test(u))) ??
      (isCallee(s)
        ? apps.find((a) => sameText(a.displayName, physical) && a.roles.size > 0)
        : undefined);
    const spOf = (a: Application | undefined) =>
      a?.clientId
        ? this.d.servicePrincipals.find((p) => sameText(p.clientId, a.clientId))
        : undefined;
    const sp = spOf(app);
    const registration = apps.find((a) => a !== app && sameText(a.displayName, physical));
    const registrationSp = spOf(registration);
    const mi = this.d.identities.get(lower(physical));
    if (mi?.principalId)
      this.principals.set(mi.principalId, { service: s.name, kind: "managed identity" });
    if (registrationSp) {
      this.principals.set(registrationSp.objectId, { service: s.name, kind: "app registration" });
    }
    if (sp) this.principals.set(sp.objectId, { service: s.name, kind: "callee application" });
    const expectedKind = s.identity === "registration" ? "app registration" : "managed identity";
    const expected = s.identity === "registration" ? registrationSp?.objectId : mi?.principalId;
    return { app, sp, expected, expectedKind };
  }

  private identityGrants(): void {
    const { graph } = this;
    const complete = this.assignments?.complete ?? new Set<string>();
    const graphGrants = this.assignments?.grants ?? [];
    // Graph is newer than the state: where it holds a service principal's whole collection, the
    // state's assignments on it that Graph lacks were deleted outside Pulumi.
    const grants = new Map<string, Grant>();
    const inState = new Set(this.d.grants.map(grantKey));
    for (const g of this.d.grants) if (!complete.has(g.resourceId)) grants.set(grantKey(g), g);
    for (const g of graphGrants) grants.set(grantKey(g), { ...grants.get(grantKey(g)), ...g });
    const bySp = new Map<string, Grant[]>();
    for (const g of grants.values()) {
      const list = bySp.get(g.resourceId) ?? [];
      list.push(g);
      bySp.set(g.resourceId, list);
    }
    const calleeSps = new Set<string>();

    for (const s of graph.services) {
      const entra = this.entra.get(s.name)!;
      const incoming = graph.incoming.get(s.name) ?? [];
      if (!isCallee(s)) continue;
      if (!entra.sp) {
        const why = `${s.name} has no service principal for ${entra.app ? `its application ${entra.app.displayName ?? entra.app.clientId}` : `an application with identifier URI api://<tenant>/${siteName(graph.namePrefix, s.name)}`} in the state`;
        for (const e of incoming) {
          this.entry(e.from, s.name).identity.token = false;
          this.add(
            "missing",
            "identity",
            s.name,
            e.from,
            `${e.from} cannot get a token for ${s.name}: ${why}`,
          );
        }
        if (incoming.length === 0) {
          this.add(
            "missing",
            "identity",
            s.name,
            s.name,
            `${s.name} declares app roles, but ${why}`,
          );
        }
        continue;
      }
      calleeSps.add(entra.sp.objectId);
      const open = entra.sp.assignmentRequired !== true;
      if (open) {
        this.add(
          "extra",
          "identity",
          s.name,
          "any application in the tenant",
          entra.sp.assignmentRequired === "hidden"
            ? `any application in the tenant may get a token for ${s.name}: whether its service principal requires app role assignment is encrypted in the state`
            : `any application in the tenant can get a token for ${s.name}: its service principal does not require app role assignment`,
        );
        this.entry("any application in the tenant", s.name).identity.token = true;
      }
      const roles = entra.app?.roles ?? new Map<string, AppRole>();
      const roleWords = (id: string) => {
        if (/^0{8}-(0{4}-){3}0{12}$/.test(id)) return "default access (no role)";
        const r = roles.get(id);
        return r ? `${r.value}${r.enabled ? "" : " (disabled)"}` : `an unknown app role ${id}`;
      };
      const edgeFrom = new Map(incoming.map((e) => [e.from, e]));
      const expected = new Set<string>();

      // Missing: every role of every edge, held by the caller's own principal.
      for (const e of incoming) {
        const caller = this.entra.get(e.from)!;
        const a = this.entry(e.from, s.name);
        a.identity.token = open;
        if (!caller.expected) {
          this.add(
            "missing",
            "identity",
            s.name,
            e.from,
            `${e.from} cannot get a token for ${s.name}: its ${caller.expectedKind} ${siteName(graph.namePrefix, e.from)} is not in the state`,
          );
          continue;
        }
        const held = (bySp.get(entra.sp.objectId) ?? []).filter(
          (g) => g.principalId === caller.expected,
        );
        const lacking: string[] = [];
        for (const role of e.roles) {
          const def = [...roles.values()].find((r) => r.value === role);
          if (!def || !def.enabled) {
            this.add(
              "missing",
              "identity",
              s.name,
              e.from,
              `${e.from} lacks ${role} on ${s.name}: the application of ${s.name} has no ${def ? "enabled " : ""}app role ${role}`,
            );
            continue;
          }
          expected.add(`${caller.expected}|${def.id}`);
          if (!held.some((g) => g.appRoleId === def.id)) lacking.push(role);
        }
        if (lacking.length > 0) {
          this.add(
            "missing",
            "identity",
            s.name,
            e.from,
            `${e.from} lacks ${lacking.join(", ")} on ${s.name} (edge ${e.from} -> ${s.name}): no app role assignment to its ${caller.expectedKind}`,
          );
        }
      }

      // Who holds what: extras are every grant the edges do not account for.
      const byPrincipal = new Map<string, Grant[]>();
      for (const g of bySp.get(entra.sp.objectId) ?? []) {
        const list = byPrincipal.get(g.principalId) ?? [];
        list.push(g);
        byPrincipal.set(g.principalId, list);
      }
      for (const [principal, held] of byPrincipal) {
        const who = this.principals.get(principal);
        const from = who ? who.service : `principal ${principal}`;
        const a = this.entry(from, s.name);
        a.identity.token = true;
        for (const g of held) {
          const r = roles.get(g.appRoleId);
          if (r && r.enabled && !a.identity.roles.includes(r.value)) a.identity.roles.push(r.value);
        }
        const extra = held.filter((g) => !expected.has(`${principal}|${g.appRoleId}`));
        if (extra.length === 0) continue;
        const list = extra
          .map((g) => roleWords(g.appRoleId))
          .sort()
          .join(", ");
        if (!who) {
          const g = held[0];
          const kind = g.principalType
            ? lower(g.principalType).replace("serviceprincipal", "service principal")
            : "";
          const details = [
            g.principalDisplayName ? `${kind || "principal"} "${g.principalDisplayName}"` : kind,
            g.createdDateTime ? `assigned ${g.createdDateTime.slice(0, 10)}` : "",
            sameText(g.principalType, "Group") ? "every member of the group holds it" : "",
            inState.has(grantKey(g)) ? "" : "not in the Pulumi state",
          ].filter(Boolean);
          this.add(
            "extra",
            "identity",
            s.name,
            from,
            `principal ${principal} holds ${list} on ${s.name} but has no edge${details.length ? ` (${details.join(", ")})` : ""}`,
          );
          continue;
        }
        const edge = edgeFrom.get(who.service);
        const caller = this.entra.get(who.service)!;
        if (!edge) {
          this.add(
            "extra",
            "identity",
            s.name,
            who.service,
            `${who.service} holds ${list} on ${s.name} but has no edge (through its ${who.kind})`,
          );
        } else if (caller.expected !== principal) {
          this.add(
            "extra",
            "identity",
            s.name,
            who.service,
            `${who.service} holds ${list} on ${s.name} through its ${who.kind}, but its edge is granted to its ${caller.expectedKind}`,
          );
        } else {
          this.add(
            "extra",
            "identity",
            s.name,
            who.service,
            `${who.service} holds ${list} on ${s.name} beyond its edge, which grants ${edge.roles.join(", ")}`,
          );
        }
      }
    }
    const graphSps = new Set(graphGrants.map((g) => g.resourceId));
    const fromGraph = [...bySp.keys()].filter((sp) => !calleeSps.has(sp) && graphSps.has(sp));
    if (fromGraph.length > 0) {
      this.notes.push(
        `--assignments holds assignments on ${fromGraph.length} service principal${fromGraph.length === 1 ? "" : "s"} that ${fromGraph.length === 1 ? "is" : "are"} no callee of this graph (${fromGraph.join(", ")}); they were not audited`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Output

const mark = (f: Finding) => (f.kind === "extra" ? "+" : "-");

function headline(r: AuditReport): string {
  const n = r.findings.length;
  return r.matches
    ? "The deployed mesh matches the graph."
    : `The deployed mesh does not match the graph: ${n} difference${n === 1 ? "" : "s"}.`;
}

function reachableFrom(r: AuditReport, service: string): string {
  const list = r.access
    .filter((a) => a.to === service && a.network.admitted === true)
    .map((a) => a.from);
  return list.length ? list.join(", ") : "nobody";
}

function tokensFor(r: AuditReport, service: string): string {
  const list = r.access
    .filter((a) => a.to === service && (a.identity.roles.length > 0 || a.identity.token === true))
    .map((a) => (a.identity.roles.length ? `${a.from} (${a.identity.roles.join(", ")})` : a.from));
  return list.length ? list.join(", ") : "nobody";
}

export function auditText(r: AuditReport, sources: string): string {
  const lines = [`Audit of stack ${r.stack}: ${sources}`, headline(r), ""];
  for (const site of r.sites) {
    const own = r.findings.filter((f) => f.service === site.service);
    lines.push(`${site.service} (${site.site}${site.found ? "" : ", not deployed"})`);
    lines.push(`  reachable from: ${reachableFrom(r, site.service)}`);
    if (r.access.some((a) => a.to === site.service && a.identity.token !== null)) {
      lines.push(`  tokens for:     ${tokensFor(r, site.service)}`);
    }
    for (const f of own) lines.push(`  ${mark(f)} ${f.layer.padEnd(8)} ${f.message}`);
    if (own.length === 0) lines.push("  = matches the graph");
  }
  if (!r.matches)
    lines.push(
      "",
      "+ extra: access the graph does not declare; - missing: a declared path that does not work.",
    );
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join("\n");
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function auditMarkdown(r: AuditReport, sources: string): string {
  const lines = [
    `### service-edges audit of \`${r.stack}\`: ${r.matches ? "matches the graph" : `${r.findings.length} difference${r.findings.length === 1 ? "" : "s"} from the graph`}`,
    "",
    `${r.matches ? ":white_check_mark:" : ":x:"} ${headline(r)} Inputs: ${sources}.`,
    "",
  ];
  if (!r.matches) {
    lines.push("| | Layer | Service | Finding |", "|---|---|---|---|");
    for (const f of r.findings) {
      lines.push(
        `| ${f.kind === "extra" ? "extra" : "**missing**"} | ${f.layer} | ${f.service} | ${cell(f.message)} |`,
      );
    }
    lines.push("");
  }
  lines.push(
    "<details><summary>Who can call whom right now</summary>",
    "",
    "| Service | Reachable from (network) | Can get a token (identity) |",
    "|---|---|---|",
  );
  for (const s of r.sites) {
    const tokens = r.access.some((a) => a.to === s.service && a.identity.token !== null)
      ? tokensFor(r, s.service)
      : "no Entra application";
    lines.push(`| ${s.service} | ${cell(reachableFrom(r, s.service))} | ${cell(tokens)} |`);
  }
  lines.push("", "</details>");
  for (const n of r.notes) lines.push("", `> note: ${cell(n)}`);
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// CLI

export interface AuditFlags {
  state?: string;
  stack?: string;
  config?: string;
  assignments?: string;
  sites?: string;
  json?: boolean;
  format?: string;
}

/** Runs `audit` with parsed flags: prints the report, returns the exit code. */
export function runAudit(flags: AuditFlags, config: StackConfig, out: (s: string) => void): number {
  if (flags.format !== undefined && flags.format !== "markdown" && flags.format !== "text") {
    throw new UsageError(`--format must be markdown or text, got "${flags.format}"`);
  }
  if (flags.json && flags.format) throw new UsageError("give --json or --format, not both");
  if (!flags.state) throw new UsageError("audit needs --state FILE (pulumi stack export)");
  const state = readState(path.resolve(flags.state));
  const assignments = flags.assignments
    ? readAssignments(path.resolve(flags.assignments))
    : undefined;
  const applySites = flags.sites ? readSites(path.resolve(flags.sites)) : undefined;
  const report = audit({ config, state, assignments, sites: applySites });
  const configFile = path.relative(process.cwd(), config.file);
  const sources = [
    `state ${flags.state}`,
    `config ${configFile.startsWith("..") ? config.file : configFile}`,
    ...(flags.assignments ? [`assignments ${flags.assignments}`] : []),
    ...(flags.sites ? [`sites ${flags.sites}`] : []),
  ].join(", ");
  if (flags.json) out(JSON.stringify(report, null, 2));
  else if (flags.format === "markdown") out(auditMarkdown(report, sources));
  else out(auditText(report, sources));
  return report.matches ? 0 : EXIT_MISMATCH;
}

/** Adds `audit` to the plan CLI. */
export function addAuditCommand(
  program: Command,
  configFrom: (flags: { stack?: string; config?: string }) => StackConfig,
  out: (s: string) => void,
  done: (code: number) => void,
): void {
  program
    .command("audit")
    .description(
      "who can call whom right now: a pulumi stack export (and Graph / ARM reads) against the graph; exit 4 on any difference",
    )
    .requiredOption(
      "--state <file>",
      "pulumi stack export of the stack, taken after pulumi refresh",
    )
    .option("--stack <name>", "the graph of Pulumi.<name>.yaml (default: dev)")
    .option("--config <file>", "the graph of this stack config file")
    .option(
      "--assignments <file>",
      "Graph appRoleAssignedTo pages of the callees' service principals",
    )
    .option(
      "--sites <file>",
      "az webapp show / config show / private-endpoint-connection list output",
    )
    .option("--json", "print { stack, matches, findings, access, sites, notes }")
    .option("--format <format>", "text (default) or markdown (a PR comment or ticket)")
    .action((flags: AuditFlags) => {
      done(runAudit(flags, configFrom(flags), out));
    });
}
