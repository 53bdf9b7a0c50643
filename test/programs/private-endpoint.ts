/**
 * A team's program beside the mesh: the real mesh, plus a private endpoint to the billing callee,
 * which lets every host with line of sight call billing whatever its access restrictions say.
 */
import * as network from "@pulumi/azure-native/network";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- index.ts is `export =`
import program = require("../../index");

export = async () => {
  const { services } = (await program()) as {
    services: import("@pulumi/pulumi").Output<Record<string, { appId: string }>>;
  };
  new network.PrivateEndpoint("billing-pe", {
    resourceGroupName: "team-rg",
    subnet: {
      id: "/subscriptions/0/resourceGroups/team-rg/providers/Microsoft.Network/virtualNetworks/team/subnets/pe",
    },
    privateLinkServiceConnections: [
      {
        name: "billing",
        privateLinkServiceId: services.apply((s) => s.billing.appId),
        groupIds: ["sites"],
      },
    ],
  });

  return { services };
};
