/**
 * The planner refuses a policy definition or assignment whose request body Azure would refuse
 * (over 1,048,576 bytes), naming it and its size; the mesh's own guardrails stay far below.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { RESOURCE_TYPES } from "@service-edges/contract";
import {
  OversizedPolicyRequestError,
  POLICY_REQUEST_LIMIT,
  policyRequestBody,
  policyRequestSizes,
} from "@service-edges/cli/policy-request-size";
import { runPlan } from "@service-edges/cli/run";
import { ROOT, planOf, smallConfig } from "../fixtures";

const ASSIGN = RESOURCE_TYPES.policyAssignment;
const DEF = RESOURCE_TYPES.policyDefinition;

describe("policy request size", () => {
  it("builds the ARM body: names and scope in the URL, location and identity beside properties", () => {
    const inputs = {
      policyAssignmentName: "a",
      scope: "/subscriptions/s",
      location: "westeurope",
      identity: { type: "SystemAssigned" },
      policyDefinitionId: "/d",
      parameters: { x: { value: 1 } },
      description: undefined,
    };
    assert.deepEqual(policyRequestBody(ASSIGN, inputs), {
      location: "westeurope",
      identity: { type: "SystemAssigned" },
      properties: { policyDefinitionId: "/d", parameters: { x: { value: 1 } } },
    });
    assert.deepEqual(
      policyRequestBody(DEF, { policyDefinitionName: "d", mode: "All", location: "x" }),
      { properties: { mode: "All", location: "x" } },
    );
    const [size] = policyRequestSizes([
      { urn: "u", type: ASSIGN, name: "a", inputs: { policyAssignmentName: "ü", scope: "/s" } },
      { urn: "v", type: "azure-native:web:WebApp", name: "w", inputs: { name: "w" } },
    ]);
    assert.deepEqual(size, {
      urn: "u",
      type: ASSIGN,
      name: "a",
      bytes: '{"properties":{}}'.length,
    });
  });

  it("refuses a plan with an assignment over the limit, naming it and its size", async () => {
    const program = path.join(ROOT, "test", "programs", "oversized-policy.ts");
    await assert.rejects(
      runPlan({ config: { stack: "dev", file: "<memory>", values: {} }, program }),
      (e: unknown) => {
        assert.ok(e instanceof OversizedPolicyRequestError, String(e));
        assert.equal(e.oversized.length, 1);
        const [r] = e.oversized;
        assert.equal(r.name, "huge-assignment");
        assert.equal(r.type, ASSIGN);
        // 8,000 subnet ids (~170 bytes each, quoted and comma-separated) and the definition id.
        assert.equal(r.bytes, 1_391_141);
        const lines = e.message.split("\n");
        assert.equal(
          lines[0],
          "1 Azure Policy request would be refused for its size (Azure Policy takes a definition or assignment request body of at most 1,048,576 bytes); nothing was planned:",
        );
        assert.match(
          lines[1],
          new RegExp(
            `^  - huge-assignment \\(${ASSIGN}\\): ${r.bytes.toLocaleString("en-US")} bytes, ${(r.bytes - POLICY_REQUEST_LIMIT).toLocaleString("en-US")} over\\. Fix: `,
          ),
        );
        assert.equal(lines.length, 2, "the small assignment is not named");
        return true;
      },
    );
  });

  it("keeps the mesh's guardrails small: a few KiB each", async () => {
    const plan = await planOf(smallConfig());
    const sizes = policyRequestSizes(plan.resources);
    assert.equal(sizes.length, 14);
    assert.ok(sizes[0].bytes < 8192, `${sizes[0].name}: ${sizes[0].bytes}`);
    assert.equal(sizes[0].type, DEF);
  });
});
