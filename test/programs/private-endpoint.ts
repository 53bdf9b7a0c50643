/**
 * A team's program beside the mesh: the real mesh, plus a private endpoint to the billing callee,
 * which lets every host with line of sight call billing whatever its access restrictions say.
 */
import * as network from "@pulumi/azure-native/network";
import * as program from "../../index";

new network.PrivateEndpoint("billing-pe", {
  resourceGroupName: "team-rg",
  subnet: {
    id: "/subscriptions/0/resourceGroups/team-rg/providers/Microsoft.Network/virtualNetworks/team/subnets/pe",
  },
  privateLinkServiceConnections: [
    {
      name: "billing",
      privateLinkServiceId: program.services.apply((s) => s.billing.appId),
      groupIds: ["sites"],
    },
  ],
});

export const services = program.services;
