/**
 * The shape of the stack config, as zod schemas. Semantic rules (edges point at declared services,
 * subnets fit, ...) live in graph.ts; this file only says what each key may hold.
 * Pure: no Pulumi imports.
 */
import { z } from "zod";
import { INBOUND_MODES } from "./private-endpoints";

/** `pulumi config set --path ... 6` stores a number, a hand edit may store "6": accept both. */
const integer = z.preprocess(
  (v) => (typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : v),
  z.number().int(),
);
const flag = z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean());

export const SERVICE_NAME = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;
export const SERVICE_NAME_MAX = 40;
/** Entra app role `value`: no spaces, at most 120 characters. */
export const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const ROLE_NAME_MAX = 120;
export const NAME_PREFIX = /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/;
/** An Entra object id (or any GUID), in either case; no flags, so JSON Schema can use its source. */
export const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const serviceSchema = z.strictObject({
  kind: z.enum(["app", "function"]),
  sku: z.string().min(1),
  maxInstances: integer,
  identity: z.enum(["managed", "registration"]).default("managed"),
  clientSecret: flag.default(false),
  /**
   * With clientSecret: a label (e.g. `2026-11`) whose change issues a new secret. A bare year or
   * number that `pulumi config set --path` stores as a number is taken as its text.
   */
  secretRotation: z
    .union([z.string(), z.number()], { error: "expected a text label such as 2026-11" })
    .transform(String)
    .optional(),
  subnet: z.string().optional(),
  roles: z.array(z.string()).default([]),
  retiredRoles: z.array(z.string()).default([]),
  easyAuth: flag.default(false),
  group: integer.optional(),
  runtime: z.string().optional(),
  /** Who may reach it from outside the mesh: none (default), public, or ranges and service tags. */
  ingress: z
    .union([z.enum(["none", "public"]), z.array(z.string())], {
      error: "expected public, none, or a list of IPv4 ranges and service tags",
    })
    .optional(),
  /** How code reaches it: package, zip or none (default package for Functions on EP). */
  deploy: z.enum(["package", "zip", "none"]).optional(),
  /** With AzureFrontDoor.Backend in ingress: the Front Door profile whose requests are let in. */
  frontDoorId: z.string().optional(),
  /** network.inbound privateEndpoints: which of network.privateEndpointSubnets holds its endpoint. */
  privateEndpointSubnet: z.string().optional(),
  appSettings: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
    .default({}),
  /**
   * Retirement, step 1 of 2: the service's site, plan, identity and application are deleted (the
   * site's VNet integration disconnected first) while its integration subnet stays in the VNet;
   * step 2 removes the entry, which frees the subnet. No edge may name a retired service.
   */
  retired: flag.default(false),
  /**
   * Shadow enforcement (a callee entering the mesh): `shadow` admits everyone on both layers and
   * records what enforcement would refuse; needs `shadowUntil`. Default `enforced`.
   */
  enforcement: z.enum(["enforced", "shadow"]).default("enforced"),
  /** With enforcement: shadow, the last day (YYYY-MM-DD, UTC) of shadow; graph.ts checks it. */
  shadowUntil: z.string({ error: "expected a day such as 2026-12-31" }).optional(),
  /** A platform stack's registry only (contract org.ts): the team whose stack deploys it. */
  team: z.string().optional(),
  /**
   * Team stacks only: the services in other teams' stacks this caller calls, with the roles it
   * expects. The callee's team grants them (the edge is in its stack); this gives the caller its
   * MESH_CALLEES entries, which a team stack cannot derive from edges it does not hold.
   */
  calls: z.record(z.string(), z.array(z.string()).min(1)).optional(),
  /** Registry only: the single stack's group a moved service stays in (contract org.ts). */
  sharedGroup: z.string().optional(),
  /** Registry only: `shared` keeps a moved service's identity in its shared group. */
  identityGroup: z.literal("shared").optional(),
});

export const edgeSchema = z.strictObject({
  from: z.string(),
  to: z.string(),
  roles: z.array(z.string()).min(1),
  /** The last day (YYYY-MM-DD, UTC) the edge grants anything; graph.ts checks and applies it. */
  expires: z.string({ error: "expected a day such as 2026-12-31" }).optional(),
});

/**
 * `service-edges:observability`: where every mesh site's access-restriction and HTTP logs go, and
 * where the saved queries and alert rules read them.
 */
export const observabilitySchema = z.strictObject({
  workspaceId: z.string(),
  actionGroupIds: z.array(z.string()).optional(),
});

/**
 * `service-edges:guardrails`: Azure Policy deny rules outside Pulumi, on by default. `false`, or the
 * text "false" that `pulumi config set` stores, opts out.
 */
export const guardrailsSchema = flag.default(true);

/**
 * `service-edges:owners`: Entra object ids (users or service principals) made owners of every
 * application and service principal the mesh creates, beside the deployer. graph.ts checks each.
 */
export const ownersSchema = z.array(z.unknown());

export const networkSchema = z.strictObject({
  addressSpace: z.string(),
  scmAllowedRanges: z.array(z.string()).default([]),
  /**
   * More virtual networks, by name, each with its own address space (one holds at most 3,000
   * subnets): a caller's subnet goes in the one whose space holds it.
   */
  vnets: z.record(z.string(), z.string()).default({}),
  /** How callees are reached: service endpoints (default) or private endpoints (private-endpoints.ts). */
  inbound: z.enum(INBOUND_MODES).default("serviceEndpoints"),
  /** With private endpoints: the subnets that hold them, each with its NSG. */
  privateEndpointSubnets: z.array(z.string()).default([]),
  /** With private endpoints: an existing privatelink.azurewebsites.net zone (a hub's) to use. */
  privateDnsZoneId: z.string().optional(),
});

/** Names of the extra virtual networks: `<prefix>-vnet-<name>`. */
export const VNET_NAME = /^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$/;

export type RawService = z.infer<typeof serviceSchema>;
export type RawEdge = z.infer<typeof edgeSchema>;

/** How to write a field whose shape was wrong, where "correct it" would not say enough. */
export const FIELD_FIXES: Readonly<Record<string, string>> = {
  ingress: "write ingress: public, or a list such as [AzureFrontDoor.Backend, 203.0.113.0/24]",
  secretRotation: "write a text label such as 2026-11; changing it issues a new client secret",
  shadowUntil:
    "write the last day of shadow as YYYY-MM-DD (quoted in YAML is fine), e.g. 2026-12-31",
  expires: "write the edge's last day as YYYY-MM-DD, e.g. 2026-12-31",
};

/** Keys a service may hold, for "unknown key" fixes. */
export const serviceKeys = Object.keys(serviceSchema.shape);
