/**
 * Another team's program, not a mesh: one private endpoint to an App Service site. The plan
 * tool judges it with the same policy pack.
 */
import * as network from "@pulumi/azure-native/network";

export const endpoint = new network.PrivateEndpoint("reports-pe", {
  resourceGroupName: "team-rg",
  privateLinkServiceConnections: [
    {
      name: "reports",
      privateLinkServiceId:
        "/subscriptions/0/resourceGroups/team-rg/providers/Microsoft.Web/sites/team-reports",
      groupIds: ["sites"],
    },
  ],
}).id;
