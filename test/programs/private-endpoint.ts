/**
 * A team's program beside the mesh: the real mesh, plus a private endpoint to the billing callee,
 * which lets every host with line of sight call billing whatever its access restrictions say.
 */
import * as network from "@pulumi/azure-native/network";
import mesh from "../../index";

export = async () => {
  const outputs = await mesh();
  new network.PrivateEndpoint("billing-pe", {
    resourceGroupName: "team-rg",
    subnet: {
      id: "/subscriptions/0/resourceGroups/team-rg/providers/Microsoft.Network/virtualNetworks/team/subnets/pe",
    },
    privateLinkServiceConnections: [
      {
        name: "billing",
        privateLinkServiceId: outputs.services.billing.appId,
        groupIds: ["sites"],
      },
    ],
  });
  return outputs;
};
