/**
 * The mesh of one stack (`Mesh`): every site, plan, subnet, identity and Entra object the stack
 * declares, indexed by the ids they are known by, and the lookups the policies make across them
 * (a site's plan and integration subnet, its children and configuration writers, an
 * application's service principals and their app role assignments). `sitesAlone` is the mesh of
 * one resource, as a resource policy sees it. Pure: no Pulumi imports.
 */
import { normalizeId } from "./arm";
import {
  type ApplicationNode,
  type AppRoleNode,
  type AssignmentNode,
  type FederatedCredentialNode,
  type IdentityNode,
  Index,
  type Node,
  type PlanNode,
  type PrivateEndpointConnection,
  type Ref,
  type Resolution,
  type ServicePrincipalNode,
  type SiteChildNode,
  type SiteNode,
  type StackResourceLike,
  type SubnetNode,
  depsOf,
  push,
} from "./mesh-nodes";
import {
  knownString,
  ownFullIds,
  ref,
  roleInfo,
  rolesOf,
  scopeIdOf,
  siteChild,
  siteNode,
  subnetNode,
} from "./mesh-node-readers";
import { type Unreadable, mayDeclareSites, sourced } from "./sources";
import { T } from "./types";
import {
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
  plainProps,
  sameText,
} from "./values";

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
