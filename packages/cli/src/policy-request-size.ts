/**
 * How large each Azure Policy write the plan makes would be, and the refusal of any Azure would
 * refuse. Mocks accept a definition or an assignment of any size; Azure does not:
 *
 *   | Policy definition, initiative, or assignment request body | Bytes | 1,048,576 |
 *
 * (MS Learn, "Azure subscription and service limits", Azure Policy limits; the table is
 * MicrosoftDocs/azure-docs `includes/azure-policy-limits.md`). So the planner measures the body of
 * every PUT it plans and refuses the plan, naming each resource over the limit and its size.
 *
 * The body, as the REST API takes it (MS Learn, REST API "Policy Definitions - Create Or Update",
 * "Policy Set Definitions - Create Or Update", "Policy Assignments - Create"): the resource's
 * settings under `properties`, and for an assignment `location` and `identity` beside it; what
 * names the resource (`policyDefinitionName`, `policySetDefinitionName`, `policyAssignmentName`,
 * `scope`, `managementGroupId`) is in the URL, not the body. azure-native's SDK inputs are those
 * properties flattened (`x-ms-client-flatten`), so the body is rebuilt from the planned inputs:
 * `{ location?, identity?, properties: { ...the rest } }`, serialized as compact JSON and counted
 * in UTF-8 bytes. That is the smallest form of the body a client can send, so a plan this check
 * passes can still be close; the bench prints the largest.
 */
import { RESOURCE_TYPES } from "@service-edges/contract";

/** Azure Policy's limit on a definition, initiative or assignment request body, in bytes. */
export const POLICY_REQUEST_LIMIT = 1_048_576;

const POLICY_SET_DEFINITION = "azure-native:authorization:PolicySetDefinition";

/** The policy resources the check measures, and the inputs each carries in its URL. */
const IN_URL: Readonly<Record<string, readonly string[]>> = {
  [RESOURCE_TYPES.policyDefinition]: ["policyDefinitionName", "managementGroupId"],
  [POLICY_SET_DEFINITION]: ["policySetDefinitionName", "managementGroupId"],
  [RESOURCE_TYPES.policyAssignment]: ["policyAssignmentName", "scope"],
};
/** Top-level members of an assignment's body (the rest is under `properties`). */
const TOP_LEVEL = new Set(["location", "identity"]);

/** A planned resource, as far as the check needs it. */
export interface PlannedResource {
  urn: string;
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface PolicyRequestSize {
  urn: string;
  type: string;
  name: string;
  /** UTF-8 bytes of the compact JSON request body. */
  bytes: number;
}

/** Whether the resource is a policy definition, initiative or assignment. */
export function isPolicyWrite(type: string): boolean {
  return type in IN_URL;
}

/** The ARM request body of a policy definition, initiative or assignment, from its inputs. */
export function policyRequestBody(type: string, inputs: Record<string, unknown>): object {
  const inUrl = new Set(IN_URL[type] ?? []);
  const body: Record<string, unknown> = {};
  const properties: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs)) {
    if (inUrl.has(k) || v === undefined) continue;
    if (type === RESOURCE_TYPES.policyAssignment && TOP_LEVEL.has(k)) body[k] = v;
    else properties[k] = v;
  }
  return { ...body, properties };
}

/** Every policy write of the plan with the size of its request body, largest first. */
export function policyRequestSizes(resources: readonly PlannedResource[]): PolicyRequestSize[] {
  return resources
    .filter((r) => isPolicyWrite(r.type))
    .map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      bytes: Buffer.byteLength(JSON.stringify(policyRequestBody(r.type, r.inputs)), "utf8"),
    }))
    .sort((a, b) => b.bytes - a.bytes || (a.urn < b.urn ? -1 : 1));
}

/** A plan with a policy write Azure would refuse for its size. */
export class OversizedPolicyRequestError extends Error {
  constructor(readonly oversized: readonly PolicyRequestSize[]) {
    const n = oversized.length;
    super(
      `${n} Azure Policy request${n === 1 ? "" : "s"} would be refused for ${n === 1 ? "its" : "their"} size (Azure Policy takes a definition or assignment request body of at most ${POLICY_REQUEST_LIMIT.toLocaleString("en-US")} bytes); nothing was planned:\n` +
        oversized
          .map(
            (r) =>
              `  - ${r.name} (${r.type}): ${r.bytes.toLocaleString("en-US")} bytes, ${(r.bytes - POLICY_REQUEST_LIMIT).toLocaleString("en-US")} over. Fix: keep what the policy carries independent of how many resources it governs (match their names by a pattern, as the mesh's guardrails do), or split it.`,
          )
          .join("\n"),
    );
    this.name = "OversizedPolicyRequestError";
  }
}

/** Throws when any planned policy write is over Azure's limit. */
export function refuseOversizedPolicyRequests(resources: readonly PlannedResource[]): void {
  const oversized = policyRequestSizes(resources).filter((r) => r.bytes > POLICY_REQUEST_LIMIT);
  if (oversized.length > 0) throw new OversizedPolicyRequestError(oversized);
}
