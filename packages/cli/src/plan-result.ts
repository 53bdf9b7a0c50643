/**
 * What a plan returns: every resource the program registered with its inputs and outputs, the
 * services and edges of the meshes it found (with the URNs of what each got), the edges past or
 * near their `expires`, the policy pack's violations, the stack outputs, and what the plan could
 * not vouch for. The review, the audit, the org plan and the renderers all read this shape.
 */
import type { AliasSpec } from "./adoption";

export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  parent: string | null;
  id: string | null;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  dependencies: string[];
  /** Aliases the program gave the resource (what it was called before), as the SDK sent them. */
  aliases?: AliasSpec[];
  /** Read, not created (`Resource.get`, `StackReference`): the engine's `read` step. */
  read?: true;
  /** Properties the engine keeps as they are in state once the resource exists. */
  ignoreChanges?: string[];
}

export interface PlanViolation {
  policy: string;
  enforcementLevel: string;
  urn: string | null;
  message: string;
}

export interface PlanService {
  name: string;
  kind: string;
  sku: string;
  maxInstances: number;
  subnet: string | null;
  identity: string;
  roles: string[];
  /** Who may reach it from outside the mesh: `none`, `public`, or its ranges and service tags. */
  ingress: string;
  /** `shadow`: admits everyone and records what enforcement would refuse (until shadowUntil). */
  enforcement: "enforced" | "shadow";
  shadowUntil?: string;
  /** The mesh component it belongs to, when the program has more than one. */
  mesh?: string;
  /**
   * In a team stack, a caller of another team's (its edges are here; its plan and app are in its
   * own team's stack): that team. Its SKU and ingress are its team's, not known here.
   */
  team?: string;
  urns: {
    plan: string | null;
    /** Subnets are inline in the VNet: this is the VNet that holds this service's subnet. */
    subnet: string | null;
    app: string | null;
    identity: string | null;
    application: string | null;
    servicePrincipal: string | null;
  };
}

export interface PlanEdge {
  from: string;
  to: string;
  roles: string[];
  urns: { assignments: string[] };
}

/** An edge with an `expires` day: past it (expired, granting nothing) or within 14 days of it. */
export interface PlanDatedEdge {
  from: string;
  to: string;
  roles: string[];
  expires: string;
  /** Days from the plan's day to `expires`: 0 on its last day, negative once past. */
  daysLeft: number;
}

/** A mesh component the program registered, as it reported itself (contract planned-meshes.ts). */
export interface PlanMesh {
  /** Its type token: `service-edges:index:ServiceMesh`, `...:MeshPlatform`, `...:MeshTeam`. */
  type: string;
  /** Its resource name, as the program gave it. */
  name: string;
  urn: string | null;
  namePrefix: string;
}

export interface PlanResult {
  stack: string;
  /** The mesh components found by type (none for a program that uses none). */
  meshes?: PlanMesh[];
  services: PlanService[];
  edges: PlanEdge[];
  /** Edges in config past their `expires`: no access rule, no app role assignment. */
  expiredEdges?: PlanDatedEdge[];
  /** Edges within 14 days of their `expires` (still granting). */
  expiringEdges?: PlanDatedEdge[];
  resources: PlanResource[];
  violations: PlanViolation[];
  outputs: Record<string, unknown>;
  /** What the plan could not vouch for (a program that registered nothing); absent when none. */
  warnings?: string[];
}

/**
 * A program that registers nothing: `pulumi up` would create nothing and delete whatever the stack
 * holds, and a gate that passes such a plan has judged nothing.
 */
export const NOTHING_REGISTERED =
  "the program registered no resources: nothing was planned or judged by the policy pack, and `pulumi up` with it would delete everything the stack holds. Check that the entry point builds its resources (a function it defines must be called, or exported for the engine to call).";

/** The plan of a stack with nothing in it (a new stack's base, a deleted stack's head). */
export function emptyPlan(stack: string): PlanResult {
  return { stack, services: [], edges: [], resources: [], violations: [], outputs: {} };
}
