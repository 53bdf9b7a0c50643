/**
 * The nodes of the mesh and how a reference resolves to one. Each node is a resource of the stack
 * (a site, plan, subnet, identity or Entra object) with the ids it is known by; a reference (an
 * ARM id, an object id, a client id) resolves through an `Index` by, in order: its full value, its
 * value without the subscription, then the Pulumi property dependencies of the referencing
 * property. Pure: no Pulumi imports.
 */
import { normalizeId, scopeFreeId } from "./arm";
import type { SitePaths } from "./sources";
import { type PlainObject, type Tri, UNKNOWN } from "./values";

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

export function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
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
