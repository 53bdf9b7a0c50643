/**
 * The validated service graph and what it is made of: services (their SKU, identity, subnet,
 * runtime, ingress, deploy mode and enforcement), edges, virtual networks and retired services;
 * the Azure limits the graph is checked against; and the stack config it is built from, as plain
 * values. buildServiceGraph (graph.ts) makes one. Pure: no Pulumi imports.
 */
import type { Cidr } from "./cidr";
import type { Ingress } from "./ingress";
import type { DatedEdge, Enforcement, Observability } from "./operations";
import type { InboundMode, PrivateEndpointPlan } from "./private-endpoints";
import type { SkuFacts } from "./skus";

/** A service's language stack, as App Service spells it on Linux. */
export interface Runtime {
  /** `NODE|22-lts`, `Python|3.12`, ... */
  linuxFxVersion: string;
  /** Function apps: FUNCTIONS_WORKER_RUNTIME. */
  workerRuntime?: string;
}

export type DeployMode = "package" | "zip" | "none";

/** A client secret's rotation label when `secretRotation` is unset. */
export const INITIAL_SECRET_ROTATION = "initial";

/** Azure limit: access-restriction rules on one site. */
export const MAX_RULES_PER_SITE = 512;
/** Azure limit: subnets in one virtual network. */
export const MAX_SUBNETS_PER_VNET = 3000;
/** Longest App Service site / plan name. */
export const MAX_SITE_NAME = 60;

export type ServiceKind = "app" | "function";
export type IdentityKind = "managed" | "registration";

export interface ServiceNode {
  name: string;
  kind: ServiceKind;
  sku: SkuFacts;
  maxInstances: number;
  identity: IdentityKind;
  /** Registration callers only: also issue a client secret (explicit opt-in). */
  clientSecret: boolean;
  /**
   * With a client secret (and only then): its rotation label (`2026-11`, by default
   * {@link INITIAL_SECRET_ROTATION}); changing it issues a new secret.
   */
  secretRotation?: string;
  /** The integration subnet; present on every caller, optional on others. */
  subnet?: Cidr;
  /** The virtual network holding the subnet: "" for the first, else its `network.vnets` name. */
  vnet: string;
  /** App roles this service exposes; a service with roles is a callee. */
  roles: string[];
  /**
   * Roles being retired: kept on the application, disabled, with their ids, because Entra
   * refuses to delete an enabled app role. Remove them from config once that has deployed.
   */
  retiredRoles: string[];
  easyAuth: boolean;
  /** Resource group index within its webspace class (see placement.ts). */
  group: number;
  /**
   * Its resource group's label, from its SKU's webspace class and its group index: `g07`,
   * `ep-g07`, `classic-g07` (placement.ts). The resource group is `<namePrefix>-<placement>`.
   */
  placement: string;
  runtime: Runtime;
  /** The team's own app settings (never MESH_* or platform keys; secrets as Key Vault refs). */
  appSettings: Record<string, string>;
  /** Who may reach it from outside the mesh (default none: only its callers' subnets). */
  ingress: Ingress;
  /**
   * How code reaches it, so the program owns the settings deployments depend on: `package` (a
   * blob the app runs from, read with its identity), `zip` (zip deploy's
   * WEBSITE_RUN_FROM_PACKAGE=1), or `none` (nothing written: settings set by hand are lost).
   */
  deploy: DeployMode;
  /**
   * `shadow`: admits everyone on both layers and records what enforcement would refuse, until
   * `shadowUntil` (operations.ts); `enforced` by default.
   */
  enforcement: Enforcement;
  /** With enforcement shadow: its last day (YYYY-MM-DD). */
  shadowUntil?: string;
  /** Services with an edge to this one, sorted. */
  callers: string[];
  /** Services this one has an edge to, sorted. */
  callees: string[];
}

export interface RetiredService {
  name: string;
  subnet?: Cidr;
  vnet?: string;
}

export interface Edge {
  from: string;
  to: string;
  /** Sorted, distinct. */
  roles: string[];
  /** Its last day (YYYY-MM-DD), if it expires. */
  expires?: string;
}

/** A virtual network of the mesh: "" for the first (`<prefix>-vnet`), else its name. */
export interface VnetSpace {
  name: string;
  space: Cidr;
}

export interface ServiceGraph {
  location: string;
  /** Ranges allowed to reach callees' SCM (deployment) sites; empty: SCM follows the main rules. */
  scmAllowedRanges: Cidr[];
  /** Prefix of every Azure resource name (`edges-dev`). */
  namePrefix: string;
  /**
   * Azure Policy deny rules outside Pulumi, and every identity in its own resource group (default
   * true; `guardrails: false` opts out).
   */
  guardrails: boolean;
  /**
   * Entra object ids (lower case) made owners of every application and service principal, beside
   * the deployer; empty by default.
   */
  owners: string[];
  /** The first virtual network's address space. */
  addressSpace: Cidr;
  /**
   * Every virtual network: the first (`name` ""), then `network.vnets` by name. A caller's
   * subnet is in the one whose space holds it (ServiceNode.vnet).
   */
  vnets: VnetSpace[];
  /**
   * How callees are reached (`network.inbound`): serviceEndpoints (access restrictions on public
   * sites), privateEndpoints (public access off, an NSG per private-endpoint subnet), or both.
   */
  inbound: InboundMode;
  /** With private endpoints: their subnets, placement and NSG rules (private-endpoints.ts). */
  privateEndpoints?: PrivateEndpointPlan;
  /** With private endpoints: an existing privatelink.azurewebsites.net zone to register in. */
  privateDnsZoneId?: string;
  /** Sorted by name. */
  services: ServiceNode[];
  /**
   * Services in step 1 of retirement (`retired: true`), sorted by name: nothing of theirs is
   * registered but their integration subnet, which stays in the VNet until the entry is removed.
   */
  retired: RetiredService[];
  /** Sorted by caller, then callee. */
  edges: Edge[];
  /** Edges past their `expires`: in config, granting nothing. Sorted like `edges`. */
  expiredEdges: DatedEdge[];
  /** Edges within EXPIRY_WARNING_DAYS of their `expires` (still granting). */
  expiringEdges: DatedEdge[];
  /** The day the graph was built as of (dates.ts `today()`). */
  asOf: string;
  /** Where every mesh site's logs go, and the mesh's queries and alerts live (unset: nowhere). */
  observability?: Observability;
  byName: ReadonlyMap<string, ServiceNode>;
  /** Edges into each service, and out of each service (so per-service work stays linear). */
  incoming: ReadonlyMap<string, readonly Edge[]>;
  outgoing: ReadonlyMap<string, readonly Edge[]>;
}

/** The stack config, as plain values: what `pulumi.Config` or a stack YAML file holds. */
export interface StackConfigInput {
  stack: string;
  location?: unknown;
  namePrefix?: unknown;
  guardrails?: unknown;
  owners?: unknown;
  network?: unknown;
  services?: unknown;
  edges?: unknown;
  observability?: unknown;
}

export function isCaller(s: ServiceNode): boolean {
  return s.callees.length > 0;
}
export function isCallee(s: ServiceNode): boolean {
  return s.roles.length > 0;
}
