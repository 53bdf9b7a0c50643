/**
 * The mesh as the stack policies see it: sites, plans, subnets, identities and Entra objects of
 * one stack, and the references between them, resolved without guessing.
 *
 * A reference (an ARM id, an object id, a client id) resolves to a resource of the stack by, in
 * order: its full value (when the target's props carry it), its value without the subscription
 * (rebuilt from the target's own known names), then the Pulumi property dependencies of the
 * referencing property (the engine sends them with `AnalyzeStack`). A reference that matches
 * nothing is `external` (kept as its normalized value, so that two references to the same
 * out-of-stack thing still compare equal); one that is unknown during preview and has no single
 * dependency of the right kind is `unknown`, and every policy stays quiet on it.
 *
 * Pure: no Pulumi imports. Works on `PolicyResource`s of `AnalyzeStack` and on the offline
 * runner's resources alike.
 */
import { normalizeId, parseSiteId, rgScopedId, scopeFreeId } from "./arm";
import {
  NATIVE_PATHS,
  SitePaths,
  SourcedResource,
  Unreadable,
  mayDeclareSites,
  sourced,
} from "./sources";
import { MESH_SETTINGS, T } from "./types";
import {
  Plain,
  PlainObject,
  Tri,
  UNKNOWN,
  asArray,
  asBool,
  asNumber,
  asObject,
  asString,
  asStrings,
  at,
  isUnknown,
  plainProps,
  sameText,
} from "./values";

/** What a stack policy receives for each resource (a subset of `PolicyResource`). */
export interface StackResourceLike {
  type: string;
  urn: string;
  name: string;
  props: Record<string, unknown>;
  dependencies?: readonly { urn: string }[];
  propertyDependencies?: Record<string, readonly { urn: string }[]>;
}

export interface Node {
  res: StackResourceLike;
  /** Plain props (for an inline subnet: the subnet element). */
  p: PlainObject;
  /** Unique within the mesh: the URN, plus `#subnet` for inline subnets. */
  key: string;
  label: string;
  /** Known full ARM ids / object ids (lower-cased). */
  fullIds: string[];
  /**
   * Known ids without subscription (lower-cased), rebuilt from the resource's own names. They
   * match references that carry no subscription, and full ids when `fullIds` is empty.
   */
  scopeIds: string[];
}

export type Resolution<N extends Node> =
  | { kind: "node"; node: N }
  | { kind: "external"; id: string }
  | { kind: "unknown" }
  | { kind: "unset" };

/** A reference held in a property: its value and the URNs that property depends on. */
export interface Ref {
  value: Tri<string>;
  deps: readonly string[];
}

export interface Rule {
  list: "main" | "scm";
  index: number;
  action: Tri<string>;
  ipAddress: Tri<string>;
  subnetMask: Tri<string>;
  tag: Tri<string>;
  /** Present when the rule declares `vnetSubnetResourceId` (even if its value is unknown). */
  subnet?: Ref;
  /** Whether the rule checks the `X-Azure-FDID` header (a Front Door profile id). */
  fdid: Tri<boolean>;
  /** The whole rule is unknown (preview): it may or may not be a subnet rule. */
  opaque: boolean;
  /** The platform's own final rule that echoes the default action in read-back outputs. */
  synthetic: boolean;
}

export interface SiteNode extends Node {
  slot: boolean;
  resourceGroup: Tri<string>;
  siteName: Tri<string>;
  slotName: Tri<string>;
  /** Groups a slot with its site: `rg/site` when known, else the URN. */
  appKey: string;
  serverFarm: Ref;
  integrationSubnet: Ref;
  rules: Rule[] | typeof UNKNOWN;
  /** Where its inbound settings live in the resource as written, for messages. */
  paths: SitePaths;
  /**
   * For the site's configuration as its own resource (`Microsoft.Web/sites/config/web`): the site
   * it writes. Such a writer is judged as a site of its own, in `Mesh.siteWriters`.
   */
  writes?: Ref;
}

export interface PlanNode extends Node {
  capacity: Tri<number>;
  maximumElasticWorkerCount: Tri<number>;
}

export interface SubnetNode extends Node {
  owner: StackResourceLike;
  inlineName?: Tri<string>;
  prefixes: Tri<string[]>;
  delegatedToWeb: Tri<boolean>;
  webServiceEndpoint: Tri<boolean>;
}

export interface IdentityNode extends Node {
  principalId: Tri<string>;
  clientId: Tri<string>;
}

export interface AppRoleInfo {
  value: Tri<string>;
  forApplications: Tri<boolean>;
  enabled: Tri<boolean>;
}

export interface ApplicationNode extends Node {
  clientId: Tri<string>;
  identifierUris: Tri<string[]>;
  roles: AppRoleInfo[] | typeof UNKNOWN;
}

export interface AppRoleNode extends Node {
  application: Ref;
  role: AppRoleInfo;
}

export interface ServicePrincipalNode extends Node {
  client: Ref;
  objectId: Tri<string>;
  assignmentRequired: Tri<boolean>;
  roles: AppRoleInfo[] | typeof UNKNOWN;
}

export interface AssignmentNode extends Node {
  principal: Ref;
  resource: Ref;
}

export interface FederatedCredentialNode extends Node {
  application: Ref;
  subject: Ref;
}

/** A resource that configures a site by naming it (`name` + `resourceGroupName`). */
export interface SiteChildNode extends Node {
  site: Ref;
}

/** One connection of a `PrivateEndpoint` (automatic or manual). */
export interface PrivateEndpointConnection {
  endpoint: Node;
  /** `privateLinkServiceId`: the target resource. */
  target: Ref;
  /** `groupIds`: `sites` for a site, `sites-{slot}` for a slot. */
  groups: Tri<string[]>;
}

/** URNs the property depends on (all dependencies when the state recorded none per property). */
export function depsOf(r: StackResourceLike, prop: string): string[] {
  const pd = r.propertyDependencies;
  if (pd && Object.keys(pd).length > 0) return (pd[prop] ?? []).map((d) => d.urn);
  // No per-property dependencies recorded (an old state): all dependencies of the resource.
  return (r.dependencies ?? []).map((d) => d.urn);
}

function ref(r: StackResourceLike, p: PlainObject, prop: string, ...path: string[]): Ref {
  return { value: asString(at(p, prop, ...path)), deps: depsOf(r, prop) };
}

function knownString(v: Tri<string>): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function roleInfo(role: Plain): AppRoleInfo {
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

function rolesOf(list: Plain | undefined): AppRoleInfo[] | typeof UNKNOWN {
  const a = asArray(list);
  if (isUnknown(a)) return UNKNOWN;
  return (a ?? []).map(roleInfo);
}

/** Known ids of a resource from its props: `id`, when it is a string. */
function ownFullIds(p: PlainObject): string[] {
  const id = knownString(asString(p["id"]));
  return id ? [normalizeId(id)] : [];
}

/** Pushes `rgScopedId(...)` when every part is a known string. */
function scopeIdOf(rg: Tri<string>, provider: string, ...parts: Tri<string>[]): string[] {
  const r = knownString(rg);
  const ps = parts.map(knownString);
  if (!r || ps.some((x) => x === undefined)) return [];
  return [rgScopedId(r, provider, ...(ps as string[]))];
}

/** Index of nodes by id, for `resolve`. */
export class Index<N extends Node> {
  private readonly full = new Map<string, N[]>();
  private readonly scope = new Map<string, N[]>();
  private readonly byOwner = new Map<string, N[]>();
  constructor(readonly nodes: N[]) {
    for (const n of nodes) {
      for (const id of new Set(n.fullIds)) push(this.full, id, n);
      const scopes = new Set(n.scopeIds);
      for (const id of n.fullIds) {
        const sf = scopeFreeId(id);
        if (sf) scopes.add(sf);
      }
      for (const id of scopes) push(this.scope, id, n);
      const owner = (n as Partial<SubnetNode>).owner?.urn ?? n.res.urn;
      push(this.byOwner, owner, n);
    }
  }

  /**
   * Resolves a reference. A value starting with `/resourcegroups/` is subscription-agnostic (a
   * resource that names its target by resource group and name); any other ARM id must match a
   * target's full id, or the subscription-free id of a target whose full id is not known.
   */
  resolve(r: Ref): Resolution<N> {
    if (r.value === undefined || r.value === "") return { kind: "unset" };
    if (typeof r.value === "string") {
      const id = normalizeId(r.value);
      const exact = unique(this.full.get(id));
      if (exact) return { kind: "node", node: exact };
      const agnostic = id.startsWith("/resourcegroups/");
      const sf = agnostic ? id : scopeFreeId(id);
      const scoped = (sf ? (this.scope.get(sf) ?? []) : []).filter(
        (n) => agnostic || n.fullIds.length === 0,
      );
      if (scoped.length === 1) return { kind: "node", node: scoped[0] };
      // The value came from a dependency whose own id is not known: take it if it is the only one
      // (a dependency whose id is known and differs cannot be where this value came from).
      const viaDeps = this.viaDeps(
        r.deps,
        (n) => n.fullIds.length === 0 && n.scopeIds.length === 0,
      );
      if (viaDeps) return { kind: "node", node: viaDeps };
      if (scoped.length > 1) return { kind: "unknown" };
      return { kind: "external", id };
    }
    const viaDeps = this.viaDeps(r.deps);
    return viaDeps ? { kind: "node", node: viaDeps } : { kind: "unknown" };
  }

  private viaDeps(deps: readonly string[], accept: (n: N) => boolean = () => true): N | undefined {
    const found = new Set<N>();
    for (const d of deps) for (const n of this.byOwner.get(d) ?? []) found.add(n);
    const only = found.size === 1 ? [...found][0] : undefined;
    return only && accept(only) ? only : undefined;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

function unique<V>(a: V[] | undefined): V | undefined {
  return a && a.length === 1 ? a[0] : undefined;
}

/** Grouping key of a resolution: the node's key or the external id; undefined when not known. */
export function keyOf(r: Resolution<Node>): string | undefined {
  if (r.kind === "node") return r.node.key;
  if (r.kind === "external") return `external:${r.id}`;
  return undefined;
}

/** How a message names what a resolution points at. */
export function describe(r: Resolution<Node>): string {
  if (r.kind === "node") return r.node.label;
  if (r.kind === "external") return `"${r.id}"`;
  return "an unknown resource";
}

export class Mesh {
  readonly sites: Index<SiteNode>;
  readonly plans: Index<PlanNode>;
  readonly subnets: Index<SubnetNode>;
  readonly identities: Index<IdentityNode>;
  /** Applications and application registrations, by client id. */
  readonly applicationsByClientId: Index<ApplicationNode>;
  /** The same, by their azuread id (`/applications/{objectId}`). */
  readonly applicationsById: Index<ApplicationNode>;
  readonly appRoles: AppRoleNode[];
  readonly servicePrincipals: Index<ServicePrincipalNode>;
  readonly servicePrincipalsByClientId: Index<ServicePrincipalNode>;
  readonly assignments: AssignmentNode[];
  readonly federatedCredentials: FederatedCredentialNode[];
  readonly swiftConnections: SiteChildNode[];
  readonly appSettings: SiteChildNode[];
  readonly authSettings: SiteChildNode[];
  readonly privateEndpointConnections: PrivateEndpointConnection[];
  /** Site-side private endpoint connections (`WebAppPrivateEndpointConnection[Slot]`). */
  readonly sitePrivateEndpointConnections: SiteChildNode[];
  /** Site configurations as their own resources (`sites/config/web`): see `SiteNode.writes`. */
  readonly siteWriters: SiteNode[];
  /** What may write a site's inbound settings or reach a site, and cannot be read. */
  readonly unreadable: Unreadable[];
  /**
   * False for the mesh of one resource alone (a resource policy's view, `sitesAlone`): what
   * depends on other resources (a private endpoint's subnet) cannot be judged there.
   */
  wholeStack = true;

  constructor(readonly resources: readonly StackResourceLike[]) {
    const sites: SiteNode[] = [];
    const plans: PlanNode[] = [];
    const subnets: SubnetNode[] = [];
    const identities: IdentityNode[] = [];
    const apps: ApplicationNode[] = [];
    const appsById: ApplicationNode[] = [];
    const sps: ServicePrincipalNode[] = [];
    const spsByClient: ServicePrincipalNode[] = [];
    this.appRoles = [];
    this.assignments = [];
    this.federatedCredentials = [];
    this.swiftConnections = [];
    this.appSettings = [];
    this.authSettings = [];
    this.privateEndpointConnections = [];
    this.sitePrivateEndpointConnections = [];
    this.siteWriters = [];
    const all = sourced(resources);
    this.unreadable = all.unreadable;

    for (const res of all.resources) {
      const p = plainProps(res.props);
      const base = { res, p, key: res.key, label: res.label };
      switch (res.type) {
        case T.webApp:
        case T.webAppSlot:
          if (res.writes) this.siteWriters.push(siteNode(base));
          else sites.push(siteNode(base));
          break;
        case T.appServicePlan:
          plans.push({
            ...base,
            fullIds: ownFullIds(p),
            scopeIds: scopeIdOf(
              // Read-back plans carry `resourceGroup` instead of the `resourceGroupName` input.
              asString(p["resourceGroupName"] ?? p["resourceGroup"]),
              "Microsoft.Web",
              "serverfarms",
              asString(p["name"]),
            ),
            capacity: asNumber(at(p, "sku", "capacity")),
            maximumElasticWorkerCount: asNumber(p["maximumElasticWorkerCount"]),
          });
          break;
        case T.subnet:
          subnets.push(subnetNode(base, res, p, undefined, undefined));
          break;
        case T.virtualNetwork: {
          const list = asArray(p["subnets"]);
          if (Array.isArray(list)) {
            list.forEach((s, i) => {
              const o = asObject(s);
              if (o && !isUnknown(o)) subnets.push(subnetNode(base, res, o, p, i));
            });
          }
          break;
        }
        case T.userAssignedIdentity:
          identities.push({
            ...base,
            fullIds: ownFullIds(p),
            scopeIds: scopeIdOf(
              asString(p["resourceGroupName"]),
              "Microsoft.ManagedIdentity",
              "userAssignedIdentities",
              asString(p["resourceName"] ?? p["name"]),
            ),
            principalId: asString(p["principalId"]),
            clientId: asString(p["clientId"]),
          });
          break;
        case T.application:
        case T.applicationRegistration: {
          const clientId = asString(p["clientId"]);
          const node: ApplicationNode = {
            ...base,
            fullIds: knownString(clientId) ? [normalizeId(clientId as string)] : [],
            scopeIds: [],
            clientId,
            identifierUris: asStrings(p["identifierUris"]),
            roles: rolesOf(p["appRoles"]),
          };
          apps.push(node);
          const objectId = knownString(asString(p["objectId"]));
          const ids = ownFullIds(p);
          if (objectId) ids.push(normalizeId(`/applications/${objectId}`));
          appsById.push({ ...node, fullIds: ids });
          break;
        }
        case T.applicationAppRole:
          this.appRoles.push({
            ...base,
            fullIds: [],
            scopeIds: [],
            application: ref(res, p, "applicationId"),
            role: roleInfo(p),
          });
          break;
        case T.servicePrincipal: {
          const objectId = asString(p["objectId"]);
          const client = ref(res, p, "clientId");
          const node: ServicePrincipalNode = {
            ...base,
            fullIds: knownString(objectId) ? [normalizeId(objectId as string)] : [],
            scopeIds: [],
            client,
            objectId,
            assignmentRequired: asBool(p["appRoleAssignmentRequired"]),
            roles: rolesOf(p["appRoles"]),
          };
          sps.push(node);
          const clientId = knownString(client.value);
          spsByClient.push({ ...node, fullIds: clientId ? [normalizeId(clientId)] : [] });
          break;
        }
        case T.appRoleAssignment:
          this.assignments.push({
            ...base,
            fullIds: [],
            scopeIds: [],
            principal: ref(res, p, "principalObjectId"),
            resource: ref(res, p, "resourceObjectId"),
          });
          break;
        case T.federatedIdentityCredential:
          this.federatedCredentials.push({
            ...base,
            fullIds: [],
            scopeIds: [],
            application: ref(res, p, "applicationId"),
            subject: ref(res, p, "subject"),
          });
          break;
        case T.swiftConnection:
        case T.swiftConnectionSlot:
          this.swiftConnections.push(siteChild(base, res, p));
          break;
        case T.appSettings:
        case T.appSettingsSlot:
          this.appSettings.push(siteChild(base, res, p));
          break;
        case T.authSettingsV2:
        case T.authSettingsV2Slot:
          this.authSettings.push(siteChild(base, res, p));
          break;
        case T.sitePrivateEndpointConnection:
        case T.sitePrivateEndpointConnectionSlot:
          this.sitePrivateEndpointConnections.push(siteChild(base, res, p));
          break;
        case T.privateEndpoint: {
          const endpoint: Node = { ...base, fullIds: [], scopeIds: [] };
          for (const list of [
            "privateLinkServiceConnections",
            "manualPrivateLinkServiceConnections",
          ]) {
            const deps = depsOf(res, list);
            const conns = asArray(p[list]);
            if (isUnknown(conns)) {
              this.privateEndpointConnections.push({
                endpoint,
                target: { value: UNKNOWN, deps },
                groups: UNKNOWN,
              });
              continue;
            }
            for (const c of conns ?? []) {
              this.privateEndpointConnections.push({
                endpoint,
                target: { value: asString(at(c, "privateLinkServiceId")), deps },
                groups: asStrings(at(c, "groupIds")),
              });
            }
          }
          break;
        }
      }
    }
    this.sites = new Index(sites);
    // A slot whose site is not known by name yet (preview: the site's name is an output) is
    // grouped with the one site its `name` comes from.
    for (const s of sites) {
      if (!s.slot || s.appKey !== s.res.urn) continue;
      const parents = new Set<SiteNode>();
      for (const d of depsOf(s.res, "name")) {
        for (const n of sites) if (!n.slot && n.res.urn === d) parents.add(n);
      }
      if (parents.size === 1) s.appKey = [...parents][0].appKey;
    }
    this.plans = new Index(plans);
    this.subnets = new Index(subnets);
    this.identities = new Index(identities);
    this.applicationsByClientId = new Index(apps);
    this.applicationsById = new Index(appsById);
    this.servicePrincipals = new Index(sps);
    this.servicePrincipalsByClientId = new Index(spsByClient);
  }

  private static readonly cache = new WeakMap<readonly StackResourceLike[], Mesh>();

  /** The mesh of a resource list, built once per list (the offline runner shares one list). */
  static of(resources: readonly StackResourceLike[]): Mesh {
    let m = Mesh.cache.get(resources);
    if (!m) {
      m = new Mesh(resources);
      Mesh.cache.set(resources, m);
    }
    return m;
  }

  private spsByApplication?: Map<string, ServicePrincipalNode[]>;

  /** Service principals whose client id resolves to this application (or registration). */
  servicePrincipalsOf(application: Node): ServicePrincipalNode[] {
    if (!this.spsByApplication) {
      this.spsByApplication = new Map();
      for (const sp of this.servicePrincipals.nodes) {
        const owner = this.applicationsByClientId.resolve(sp.client);
        if (owner.kind === "node") push(this.spsByApplication, owner.node.key, sp);
      }
    }
    return this.spsByApplication.get(application.key) ?? [];
  }

  private appsByUri?: Map<string, ApplicationNode[]>;

  /** Applications that list this identifier URI (case-insensitive). */
  applicationsWithIdentifierUri(uri: string): ApplicationNode[] {
    if (!this.appsByUri) {
      this.appsByUri = new Map();
      for (const app of this.applicationsByClientId.nodes) {
        if (!Array.isArray(app.identifierUris)) continue;
        for (const u of app.identifierUris) push(this.appsByUri, u.toLowerCase(), app);
      }
    }
    return this.appsByUri.get(uri.toLowerCase()) ?? [];
  }

  private assignmentsBySp?: Map<string, AssignmentNode[]>;
  private assignmentsOnUnknownSp: AssignmentNode[] = [];

  /**
   * App role assignments whose resource is this service principal, plus those whose resource is
   * unknown (they may be on it too).
   */
  assignmentsOn(sp: Node): { on: AssignmentNode[]; maybe: AssignmentNode[] } {
    if (!this.assignmentsBySp) {
      this.assignmentsBySp = new Map();
      for (const a of this.assignments) {
        const target = this.servicePrincipals.resolve(a.resource);
        if (target.kind === "node") push(this.assignmentsBySp, target.node.key, a);
        else if (target.kind === "unknown") this.assignmentsOnUnknownSp.push(a);
      }
    }
    return { on: this.assignmentsBySp.get(sp.key) ?? [], maybe: this.assignmentsOnUnknownSp };
  }

  /** The site's integration subnet: `virtualNetworkSubnetId`, else a swift connection's subnet. */
  integrationSubnetOf(site: SiteNode): Resolution<SubnetNode> {
    const direct = this.subnets.resolve(site.integrationSubnet);
    if (direct.kind !== "unset") return direct;
    for (const sc of this.childrenOf(site, this.swiftConnections)) {
      return this.subnets.resolve(ref(sc.res, sc.p, "subnetResourceId"));
    }
    return { kind: "unset" };
  }

  /** The site's plan; a slot without its own `serverFarmId` runs on its site's plan. */
  planOf(site: SiteNode): Resolution<PlanNode> {
    const own = this.plans.resolve(site.serverFarm);
    if (own.kind !== "unset" || !site.slot) return own;
    const parent = this.sites.nodes.find((s) => !s.slot && s.appKey === site.appKey);
    return parent ? this.plans.resolve(parent.serverFarm) : { kind: "unknown" };
  }

  private readonly childIndex = new Map<readonly SiteChildNode[], Map<string, SiteChildNode[]>>();

  /** Site children (swift connections, app settings, auth settings) that configure this site. */
  childrenOf(site: SiteNode, children: readonly SiteChildNode[]): SiteChildNode[] {
    let index = this.childIndex.get(children);
    if (!index) {
      index = new Map();
      for (const c of children) {
        const target = this.sites.resolve(c.site);
        if (target.kind === "node" && c.res.type.endsWith("Slot") === target.node.slot) {
          push(index, target.node.key, c);
        }
      }
      this.childIndex.set(children, index);
    }
    return index.get(site.key) ?? [];
  }

  private writerIndex?: Map<string, SiteNode[]>;

  /** The site's configurations as their own resources (`sites/config/web`) in the stack. */
  writersOf(site: SiteNode): SiteNode[] {
    if (!this.writerIndex) {
      this.writerIndex = new Map();
      for (const w of this.siteWriters) {
        const target = this.sites.resolve(w.writes!);
        if (target.kind === "node") push(this.writerIndex, target.node.key, w);
      }
    }
    return this.writerIndex.get(site.key) ?? [];
  }

  /**
   * Whether `r` (a principal reference) names the given principal: by a known id, or through the
   * dependency on the resource whose output that principal is.
   */
  static principalMatches(r: Ref, principal: { ids: string[]; urns: string[] }): Tri<boolean> {
    if (typeof r.value === "string" && r.value !== "") {
      if (principal.ids.some((id) => sameText(id, r.value as string))) return true;
      if (r.deps.some((d) => principal.urns.includes(d))) return true;
      return false;
    }
    if (isUnknown(r.value)) {
      if (r.deps.some((d) => principal.urns.includes(d))) return true;
      // An unknown value flows from its dependencies; none of them is this principal's resource.
      return r.deps.length > 0 ? false : UNKNOWN;
    }
    return false;
  }
}

function siteNode(base: {
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

function subnetNode(
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

function siteChild(
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

// ---------------------------------------------------------------------------------------------
// Mesh sites: the one definition every policy uses.
// ---------------------------------------------------------------------------------------------

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

const NO_SITES = new Mesh([]);

/**
 * The mesh of one resource alone, as a resource policy sees it, and the sites it declares: a
 * site of any provider, a site configuration, or the sites of an ARM template.
 */
export function sitesAlone(r: StackResourceLike): { mesh: Mesh; sites: SiteNode[] } {
  if (!mayDeclareSites(r.type)) return { mesh: NO_SITES, sites: [] };
  const mesh = new Mesh([r]);
  mesh.wholeStack = false;
  return { mesh, sites: [...mesh.sites.nodes, ...mesh.siteWriters] };
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
