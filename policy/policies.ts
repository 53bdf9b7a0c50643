/**
 * Every policy of the service-edges pack, in the order the pack reports them. This module does
 * not construct the pack, so the tests and the offline plan tool run these very objects
 * in-process (see offline.ts); index.ts hands them to `new PolicyPack(...)`.
 */
import type { Policies } from "@pulumi/policy";
import { assignmentRequired } from "./policies/assignment-required";
import { distinguishableCallers } from "./policies/distinguishable-callers";
import { integrationSubnetServiceEndpoint } from "./policies/integration-subnet-service-endpoint";
import { integrationSubnetSize } from "./policies/integration-subnet-size";
import { meshSiteChangesReadable } from "./policies/mesh-site-changes-readable";
import { meshSiteDefaultDeny } from "./policies/mesh-site-default-deny";
import { networkEdgeHasIdentityEdge } from "./policies/network-edge-has-identity-edge";
import { noPrivateEndpointCallee } from "./policies/no-private-endpoint-callee";
import { noSharedCallerIdentity } from "./policies/no-shared-caller-identity";
import { privateEndpointInMeshSubnet } from "./policies/private-endpoint-in-mesh-subnet";
import { privateEndpointNsgAdmitsOnlyCallers } from "./policies/private-endpoint-nsg-admits-only-callers";
import { privateEndpointNsgDeniesVirtualNetwork } from "./policies/private-endpoint-nsg-denies-virtual-network";
import { privateEndpointSubnetEnforcesNsg } from "./policies/private-endpoint-subnet-enforces-nsg";
import { privateMeshSitePublicAccessDisabled } from "./policies/private-mesh-site-public-access-disabled";
import { shadowEnforcement } from "./policies/shadow-enforcement";
import { shadowEnforcementExpired } from "./policies/shadow-enforcement-expired";
import { vnetRuleSourceIsIntegrationSubnet } from "./policies/vnet-rule-source-is-integration-subnet";

export const policies: Policies = [
  noPrivateEndpointCallee,
  privateEndpointSubnetEnforcesNsg,
  privateEndpointInMeshSubnet,
  privateEndpointNsgAdmitsOnlyCallers,
  privateEndpointNsgDeniesVirtualNetwork,
  privateMeshSitePublicAccessDisabled,
  meshSiteDefaultDeny,
  meshSiteChangesReadable,
  assignmentRequired,
  distinguishableCallers,
  noSharedCallerIdentity,
  integrationSubnetServiceEndpoint,
  integrationSubnetSize,
  networkEdgeHasIdentityEdge,
  vnetRuleSourceIsIntegrationSubnet,
  shadowEnforcement,
  shadowEnforcementExpired,
];
