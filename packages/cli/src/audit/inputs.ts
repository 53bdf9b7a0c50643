/**
 * What `audit` reads: a `pulumi stack export` (or the planner's `--json`), Graph's app role
 * assignments, and ARM's site objects. The shapes and the documents that define them are listed
 * in ../audit.ts. Input paths are named as the user gave them.
 */
import {
  type Grant,
  HIDDEN,
  type PrivateLinks,
  addEndpointSubnet,
  addNetworkSecurityGroup,
  addPrivateEndpoint,
  type ModelResource,
  type Sites,
  baseType,
  endpointConnection,
  isObj,
  overlay,
  parseSiteId,
  str,
} from "@service-edges/model";
import { SECRET_SIG, SECRET_SIG_KEY as SIG_KEY } from "@service-edges/contract";
import { integrationSubnetOf } from "../audit-subnet-owners";
import { UsageError, readJsonFile, shownPath } from "../stack-config";

type Obj = Record<string, unknown>;

const lower = (s: string) => s.toLowerCase();

/** A deep copy with secrets decoded (`plaintext`) or replaced by HIDDEN (`ciphertext`). */
export function unwrap(v: unknown): unknown {
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

export interface StateFile {
  stack?: string;
  resources: ModelResource[];
}

/** A `pulumi stack export` (versions 1-3), or the planner's `--json` (its `resources`). */
export function readState(file: string): StateFile {
  const doc = readJsonFile(file, "state file");
  const shown = shownPath(file);
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
  const resources = list.map((r, i): ModelResource => {
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

export const grantKey = (g: Grant) => `${g.principalId}|${g.resourceId}|${g.appRoleId}`;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AssignmentsFile {
  grants: Grant[];
  /** Service principals whose whole collection the file holds (from `@odata.context`). */
  complete: Set<string>;
  notes: string[];
}

export function readAssignments(file: string): AssignmentsFile {
  const doc = readJsonFile(file, "assignments file");
  const shown = shownPath(file);
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

const SITE_TYPES = new Set(["microsoft.web/sites", "microsoft.web/sites/slots"]);

/**
 * Every ARM object in what `az` prints: one object, a list, or a `{ value: [...] }` page (nested
 * as deep as they come), each with where it stands (`[2].value[0]`) for messages.
 */
function forEachArmObject(
  doc: unknown,
  visit: (v: unknown, where: string) => void,
  notArm: () => Error,
): void {
  if (!Array.isArray(doc) && !isObj(doc)) throw notArm();
  const walk = (v: unknown, where: string): void => {
    if (Array.isArray(v)) v.forEach((e, i) => walk(e, `${where}[${i}]`));
    else if (isObj(v) && Array.isArray(v.value) && v.id === undefined)
      v.value.forEach((e, i) => walk(e, `${where}.value[${i}]`));
    else visit(v, where);
  };
  walk(doc, "");
}

/**
 * Reads `--sites` (site objects, config/web objects, endpoint connections) and returns what it
 * says as an update to the deployed sites: its values override or add to the state's.
 */
export function readSites(file: string): (sites: Sites) => void {
  const doc = readJsonFile(file, "sites file");
  const shown = shownPath(file);
  const ops: Array<(sites: Sites) => void> = [];
  const visit = (v: unknown, where: string): void => {
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
  forEachArmObject(
    doc,
    visit,
    () => new UsageError(`${shown}: expected a list of ARM site objects`),
  );
  return (sites) => {
    for (const op of ops) op(sites);
  };
}

/**
 * Reads `--network`: what `az network nsg show`, `az network private-endpoint list` and
 * `az network vnet subnet show` print (one object, a list, or `{ value: [...] }`), as an update
 * to the state's private endpoints, NSGs and subnets: rules edited in the portal, an endpoint
 * added by hand, a subnet's privateEndpointNetworkPolicies turned off.
 */
export function readNetwork(file: string): (links: PrivateLinks) => void {
  const doc = readJsonFile(file, "network file");
  const shown = shownPath(file);
  const ops: Array<(links: PrivateLinks) => void> = [];
  const visit = (v: unknown, where: string): void => {
    const id = isObj(v) ? str(v.id) : undefined;
    const kind = id
      ? /\/networkSecurityGroups\/[^/]+$/i.test(id)
        ? "nsg"
        : /\/privateEndpoints\/[^/]+$/i.test(id)
          ? "endpoint"
          : /\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i.test(id)
            ? "subnet"
            : undefined
      : undefined;
    if (!isObj(v) || !id || !kind) {
      throw new UsageError(
        `${shown}${where} is not a network security group, private endpoint or subnet (az network nsg show / private-endpoint list / vnet subnet show)`,
      );
    }
    if (kind === "nsg") ops.push((links) => addNetworkSecurityGroup(links, id, v));
    else if (kind === "endpoint") ops.push((links) => addPrivateEndpoint(links, id, v));
    else ops.push((links) => addEndpointSubnet(links, id, v));
  };
  forEachArmObject(doc, visit, () => new UsageError(`${shown}: expected ARM network objects`));
  return (links) => {
    for (const op of ops) op(links);
  };
}
