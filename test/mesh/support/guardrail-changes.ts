/**
 * What a new service may change in the guardrails (components/guardrails.ts): their assignments
 * list the mesh's sites, subnets and identities as parameters, so adding a service updates those
 * parameters in place (same name, scope and definition: never a replacement), and a service in a
 * resource group of its own brings that group's assignments.
 */
import { RESOURCE_TYPES } from "@service-edges/contract";
import type { PlanResult } from "../../../tools/plan/run";

/** The resource at `urn` is a guardrail assignment whose inputs differ only in `parameters`. */
export function onlyGuardrailParametersChanged(a: PlanResult, b: PlanResult, urn: string): boolean {
  const x = a.resources.find((r) => r.urn === urn);
  const y = b.resources.find((r) => r.urn === urn);
  if (!x || !y || x.type !== RESOURCE_TYPES.policyAssignment) return false;
  const rest = (inputs: Record<string, unknown>) => ({ ...inputs, parameters: undefined });
  return JSON.stringify(rest(x.inputs)) === JSON.stringify(rest(y.inputs));
}

/**
 * A guardrail assignment on a service group (`mesh-guardrails-g07-<rule>`, and `ep-g07`,
 * `classic-g07` for the other webspace classes).
 */
export function isServiceGroupGuardrail(urn: string): boolean {
  return new RegExp(
    `${RESOURCE_TYPES.policyAssignment}::mesh-guardrails-(ep-|classic-)?g\\d\\d-`,
  ).test(urn);
}
