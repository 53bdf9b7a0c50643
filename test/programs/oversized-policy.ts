/**
 * A program whose policy assignment lists every subnet of a large mesh by id, as the guardrails
 * once did: over Azure Policy's 1,048,576-byte request limit, which mocks would accept.
 */
import * as authorization from "@pulumi/azure-native/authorization";

const SUB = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590";
const vnet = `${SUB}/resourceGroups/edges-prod-network/providers/Microsoft.Network/virtualNetworks/edges-prod-vnet`;
const subnets = Array.from({ length: 8000 }, (_, i) => `${vnet}/subnets/snet-service-${i}`);

new authorization.PolicyAssignment("huge-assignment", {
  policyAssignmentName: "edges-prod-mesh-subnet-only-its-site",
  scope: SUB,
  policyDefinitionId: `${SUB}/providers/Microsoft.Authorization/policyDefinitions/edges-prod-mesh-subnet-only-its-site`,
  parameters: { meshSubnetIds: { value: subnets } },
});

new authorization.PolicyAssignment("small-assignment", {
  policyAssignmentName: "edges-prod-small",
  scope: SUB,
  policyDefinitionId: `${SUB}/providers/Microsoft.Authorization/policyDefinitions/edges-prod-small`,
  parameters: { namePrefix: { value: "edges-prod" } },
});
