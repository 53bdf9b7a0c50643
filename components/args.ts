/**
 * The component's inputs and outputs, in the stack-config shape: every documented `service-edges:`
 * key is an argument here (README, "Config reference"). Interfaces of strings, numbers, booleans,
 * arrays and string-keyed maps: the component provider derives the package schema (and so the
 * Python, Go, .NET and YAML types) from exactly these declarations.
 *
 * **Which arguments take Outputs.** Whatever decides the graph's shape is plain: service names,
 * kinds, SKUs, instance counts, roles, edges, ingress, subnets and address spaces (their CIDRs are
 * checked for fit and overlap), the name prefix and location (every resource name and placement
 * derives from them). The mesh validates all of it, and reports every error together, before it
 * registers anything, which it cannot do with a value known only after deployment; an Output there
 * is refused, naming its argument path. Values that only fill in a resource's property take
 * `pulumi.Input`, so another resource's output can be passed as it is: `frontDoorId` (a Front Door
 * profile's `frontDoorId`) and `owners` (a group's or a service principal's object id). A plain
 * value there is still checked (a GUID, listed once); an Output is checked for presence only.
 */
import type * as pulumi from "@pulumi/pulumi";

/** What hosts a service. (A value object plus a type: the schema gets an enum, code a literal.) */
export const ServiceKind = {
  /** An App Service web app. */
  app: "app",
  /** A Function app. */
  function: "function",
} as const;
export type ServiceKind = (typeof ServiceKind)[keyof typeof ServiceKind];

/** How a service authenticates when it calls. */
export const IdentityKind = {
  /** A user-assigned managed identity (the default). */
  managed: "managed",
  /** An app registration as well, federated with the managed identity (no stored secret). */
  registration: "registration",
} as const;
export type IdentityKind = (typeof IdentityKind)[keyof typeof IdentityKind];

/** How callees are reached (README, "Two network layers"). */
export const InboundMode = {
  /** Public network access on; access restrictions admit each callee's callers' subnets (default). */
  serviceEndpoints: "serviceEndpoints",
  /** Public network access off; each callee's private endpoint, filtered by its subnet's NSG. */
  privateEndpoints: "privateEndpoints",
  /** Both at once: the step between the two, in either direction. */
  serviceAndPrivateEndpoints: "serviceAndPrivateEndpoints",
} as const;
export type InboundMode = (typeof InboundMode)[keyof typeof InboundMode];

/** The virtual network that holds every caller's integration subnet. */
export interface Network {
  /** The VNet's address space, e.g. 10.40.0.0/16. Every caller's subnet lies inside it. */
  addressSpace: string;
  /**
   * Ranges (build agents) allowed to reach the callees' SCM (deployment) sites, at most a /8 each.
   * Plain: checked before anything is registered.
   */
  scmAllowedRanges?: string[];
  /**
   * More virtual networks past 3,000 integration subnets, by name (`<prefix>-vnet-<name>`), each
   * with its own address space, e.g. `{ b: "10.41.0.0/16" }`. A caller's subnet goes in the one
   * whose space holds it.
   */
  vnets?: { [name: string]: string };
  /** How callees are reached (default serviceEndpoints). */
  inbound?: InboundMode;
  /** With private endpoints: the subnets that hold them (a /25 holds 100), each with its NSG. */
  privateEndpointSubnets?: string[];
  /** With private endpoints: an existing privatelink.azurewebsites.net zone to register in. */
  privateDnsZoneId?: string;
}

/** How code reaches a service, so the program owns the settings deployments depend on. */
export const DeployMode = {
  /** A blob the app runs from (WEBSITE_RUN_FROM_PACKAGE = its URL), read with the app's identity. */
  package: "package",
  /** Zip deploy and Core Tools: WEBSITE_RUN_FROM_PACKAGE=1, written by the program. */
  zip: "zip",
  /** Nothing written (the default but for Function apps on Elastic Premium: package). */
  none: "none",
} as const;
export type DeployMode = (typeof DeployMode)[keyof typeof DeployMode];

/**
 * Whether a callee enforces its edges. (A value object plus a type, as ServiceKind: the schema
 * analyzer serves an enum for it and refuses a bare union of literals.)
 */
export const Enforcement = {
  /** Only its callers get through (the default). */
  enforced: "enforced",
  /** Everyone gets through on both layers; what enforcement would refuse is recorded. */
  shadow: "shadow",
} as const;
export type Enforcement = (typeof Enforcement)[keyof typeof Enforcement];

/** One service of the mesh. */
export interface Service {
  /** `app` (App Service web app) or `function` (Function app). */
  kind: ServiceKind;
  /** App Service plan SKU: B1-B3, S1-S3, P1v2-P3v2, P0v3-P3v3, P1mv3-P5mv3, EP1-EP3. */
  sku: string;
  /** The plan's scale-out ceiling; sizes the caller's integration subnet. */
  maxInstances: number;
  /** How the service authenticates when it calls: `managed` (default) or `registration`. */
  identity?: IdentityKind;
  /**
   * Registration callers only: also issue a client secret (opt-in), valid for 180 days, in the
   * mesh's secret output `clientSecrets`.
   */
  clientSecret?: boolean;
  /**
   * With clientSecret: a rotation label such as `2026-11` (default `initial`). Changing it issues
   * a new client secret.
   */
  secretRotation?: string;
  /** The caller's own integration subnet (required on every caller), e.g. 10.40.0.32/28. */
  subnet?: string;
  /** App roles this service exposes as a callee. */
  roles?: string[];
  /** Roles being removed: kept disabled for one deployment before they disappear. */
  retiredRoles?: string[];
  /** Platform-side token check (Easy Auth) on this callee. */
  easyAuth?: boolean;
  /** Pins the service's resource group index (0-31) within its SKU's webspace class. */
  group?: number;
  /**
   * Retirement step 1: only its integration subnet is kept (its site is disconnected, then
   * deleted); no edge may name it. Remove the entry in a later deployment.
   */
  retired?: boolean;
  /** Language stack, e.g. `NODE|22-lts` (web) or `Node|22` (function). */
  runtime?: string;
  /**
   * Who may reach it from outside the mesh (default: nobody but its callers). `["public"]` for an
   * internet-facing front door, or IPv4 ranges (at most a /8 each) and service tags, e.g.
   * `["AzureFrontDoor.Backend", "203.0.113.0/24"]`.
   */
  ingress?: string[];
  /**
   * With AzureFrontDoor.Backend in ingress: the Front Door profile's id (X-Azure-FDID). Takes an
   * Output (e.g. `profile.frontDoorId`): it fills the rule's header value and shapes nothing.
   */
  frontDoorId?: pulumi.Input<string>;
  /** With private endpoints: which of network.privateEndpointSubnets holds its endpoint. */
  privateEndpointSubnet?: string;
  /** How code reaches it (default: package for Function apps on Elastic Premium, else none). */
  deploy?: DeployMode;
  /**
   * The team's own app settings (no secrets: reference Key Vault instead). Plain: a key that looks
   * like a secret is refused unless its value is a Key Vault reference, which needs the value.
   */
  appSettings?: { [key: string]: string };
  /**
   * Callees: `shadow` admits everyone on both layers and records what enforcement would refuse
   * (default `enforced`); needs `shadowUntil`.
   */
  enforcement?: Enforcement;
  /** With enforcement shadow: its last day, `YYYY-MM-DD`. */
  shadowUntil?: string;
}

/** One allowed call. */
export interface Edge {
  /** The caller. */
  from: string;
  /** The callee. */
  to: string;
  /** A non-empty subset of the callee's roles. */
  roles: string[];
  /** Its last day (`YYYY-MM-DD`); after it the edge grants nothing. */
  expires?: string;
}

/** Where a mesh's logs go. (A named type: the schema analyzer refuses inline object types.) */
export interface Observability {
  /** The Log Analytics workspace's ARM id. */
  workspaceId: string;
  /** Action groups (ARM ids) the mesh's alert rules notify; without them an alert only shows in Azure Monitor. */
  actionGroupIds?: string[];
}

export interface ServiceMeshArgs {
  /** The VNet holding every caller's integration subnet. */
  network: Network;
  /** Services by name (lowercase letters, digits and dashes). */
  services: { [name: string]: Service };
  /** Who may call whom, with which roles. */
  edges?: Edge[];
  /** Prefixes every Azure and Entra name (default `edges-<stack>`). */
  namePrefix?: string;
  /** Azure region (default: the `azure-native:location` config, as for any azure-native resource). */
  location?: string;
  /**
   * Guardrails outside Pulumi (default true): Azure Policy deny rules on the mesh's resource groups,
   * and every identity in its own group, `<namePrefix>-identities`. `false` opts out (and keeps
   * identities in their services' groups, as before 0.3).
   */
  guardrails?: boolean;
  /**
   * Entra object ids (users or service principals) made owners of every application and service
   * principal the mesh creates, beside the deployer, who always is one. Each takes an Output (e.g.
   * a service principal's `objectId`): owners are a property of those objects, not of the graph.
   */
  owners?: pulumi.Input<string>[];
  /**
   * The stack config namespace these args were read from (`meshArgsFromConfig` sets it): errors
   * then name its keys (`myinfra:services.orders.sku`, with `pulumi config set` fixes) instead of
   * argument paths (`ServiceMesh "mesh": services.orders.sku`).
   */
  configNamespace?: string;
  /**
   * Where refusals and usage are recorded: every mesh site's access-restriction and HTTP logs go
   * to this Log Analytics workspace, which also gets the mesh's saved queries and alert rules.
   */
  observability?: Observability;
}

/** What one service got, as stack outputs. */
export interface ServiceOutputs {
  planId: string;
  appId: string;
  /** Callers: the integration subnet's ARM id. */
  subnetId?: string;
  defaultHostName: string;
  /** The client id in this service's tokens (`azp`/`appid`). */
  clientId: string;
  /** The principal its app role assignments name. */
  principalObjectId: string;
  /** Callees: the identifier URI (token audience, base of the `/.default` scope). */
  audience?: string;
  /** Callees: the Entra application's client id (the `aud` of v2 tokens). */
  applicationClientId?: string;
}

/** One edge as deployed: who may call whom, with which roles and app role assignments. */
export interface AccessEntry {
  from: string;
  to: string;
  roles: string[];
  assignmentIds: string[];
}
