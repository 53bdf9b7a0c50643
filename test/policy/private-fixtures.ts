/**
 * The baseline mesh (fixtures.ts) moved onto the private-endpoint layer, written by hand: billing
 * and orders turn public access off; billing is reached through a private endpoint in
 * snet-endpoints (NSG policies on), joined to its application security group; the subnet's NSG
 * admits orders' integration subnet to that group on TCP 443 and denies everything else at 4096.
 */
import type { OfflineResource } from "@service-edges/policy/offline";
import { BILLING_APP_ID, RG, SUB, U, VNET_ID, baseline, mutate, plus, resource } from "./fixtures";

const NET = `${SUB}/resourceGroups/${RG}/providers/Microsoft.Network`;
export const PE_SUBNET_ID = `${VNET_ID}/subnets/snet-endpoints`;
const NSG_ID = `${NET}/networkSecurityGroups/nsg-endpoints`;
const ASG_ID = `${NET}/applicationSecurityGroups/asg-billing`;
export const NSG_TYPE = "azure-native:network:NetworkSecurityGroup";
export const PE_TYPE = "azure-native:network:PrivateEndpoint";

export const ALLOW_ORDERS = {
  name: "allow-billing-callers",
  priority: 200,
  direction: "Inbound",
  access: "Allow",
  protocol: "Tcp",
  sourceAddressPrefixes: ["10.40.0.0/27"],
  sourcePortRange: "*",
  destinationApplicationSecurityGroups: [{ id: ASG_ID }],
  destinationPortRange: "443",
};
export const DENY_ALL = {
  name: "deny-all-else",
  priority: 4096,
  direction: "Inbound",
  access: "Deny",
  protocol: "*",
  sourceAddressPrefix: "*",
  sourcePortRange: "*",
  destinationAddressPrefix: "*",
  destinationPortRange: "*",
};

/** The baseline mesh, moved onto the private layer. */
export function privateBaseline(): OfflineResource[] {
  let out = mutate(baseline(), "mesh-vnet", (p) =>
    p.subnets.push({
      id: PE_SUBNET_ID,
      name: "snet-endpoints",
      addressPrefix: "10.40.1.0/27",
      networkSecurityGroup: { id: NSG_ID },
      privateEndpointNetworkPolicies: "NetworkSecurityGroupEnabled",
    }),
  );
  out = mutate(out, "billing-app", (p) => (p.publicNetworkAccess = "Disabled"));
  out = mutate(out, "orders-app", (p) => (p.publicNetworkAccess = "Disabled"));
  return plus(
    out,
    resource(NSG_TYPE, "endpoints-nsg", {
      id: NSG_ID,
      resourceGroupName: RG,
      networkSecurityGroupName: "nsg-endpoints",
      securityRules: [ALLOW_ORDERS, DENY_ALL],
    }),
    resource("azure-native:network:ApplicationSecurityGroup", "billing-asg", {
      id: ASG_ID,
      resourceGroupName: RG,
      applicationSecurityGroupName: "asg-billing",
    }),
    resource(
      PE_TYPE,
      "billing-pe",
      {
        resourceGroupName: RG,
        privateEndpointName: "pe-billing",
        subnet: { id: PE_SUBNET_ID, privateEndpointNetworkPolicies: "NetworkSecurityGroupEnabled" },
        applicationSecurityGroups: [{ id: ASG_ID }],
        privateLinkServiceConnections: [
          { name: "billing", privateLinkServiceId: BILLING_APP_ID, groupIds: ["sites"] },
        ],
      },
      { subnet: [U.vnet], privateLinkServiceConnections: [U.billingApp] },
    ),
  );
}

export const nsgRules = (rules: unknown[]) =>
  mutate(privateBaseline(), "endpoints-nsg", (p) => (p.securityRules = rules));
