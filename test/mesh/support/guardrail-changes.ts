/**
 * The guardrails of a plan (components/guardrails.ts): every policy definition and assignment
 * with its planned inputs, for asserting that a change of services leaves them untouched.
 */
import { RESOURCE_TYPES } from "@service-edges/contract";
import type { PlanResult } from "@service-edges/cli/run";

const POLICY_TYPES: ReadonlySet<string> = new Set([
  RESOURCE_TYPES.policyDefinition,
  RESOURCE_TYPES.policyAssignment,
]);

/** URN -> JSON of the planned inputs, of every policy definition and assignment. */
export function guardrailInputs(plan: PlanResult): Map<string, string> {
  return new Map(
    plan.resources
      .filter((r) => POLICY_TYPES.has(r.type))
      .map((r) => [r.urn, JSON.stringify(r.inputs)]),
  );
}

/** Whether a URN is a policy definition's or assignment's. */
export function isGuardrail(urn: string): boolean {
  return [...POLICY_TYPES].some((t) => urn.includes(`::${t}::`) || urn.includes(`$${t}::`));
}
