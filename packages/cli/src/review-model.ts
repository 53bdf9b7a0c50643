/**
 * What a review says about a config change: the access it grants and revokes, each resource's
 * operation with its changed inputs, why it is replaced and what that risks, the steps in the
 * engine's order, what Azure will refuse, the policy violations and the enforcement changes.
 * reviewPlans (review.ts) builds it; review-text.ts says it.
 */
import type { InputChange } from "./diff";
import type { EnforcementChange } from "./enforcement-review";
import type { PlanViolation } from "./run";

export type Op = "create" | "update" | "replace" | "delete";
export type StepOp = "create" | "update" | "create-replacement" | "delete-replaced" | "delete";

export interface AccessChange {
  change: "added" | "removed" | "roles-changed";
  from: string;
  to: string;
  rolesBefore: string[];
  rolesAfter: string[];
}

export interface ResourceReview {
  urn: string;
  type: string;
  op: Op;
  changes: InputChange[];
  replaceReasons: string[];
  risks: string[];
}

export interface Review {
  access: AccessChange[];
  resources: ResourceReview[];
  steps: { urn: string; op: StepOp }[];
  blocking: { urn: string; message: string }[];
  violations: PlanViolation[];
  /** Callees leaving or entering shadow (enforcement-review.ts). */
  enforcement: EnforcementChange[];
}
