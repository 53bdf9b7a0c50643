/**
 * A team's program beside the mesh: the real mesh, plus a deployment slot of the billing callee
 * with no access restrictions of its own, a second front door to billing's identity and code.
 */
import * as web from "@pulumi/azure-native/web";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- index.ts is `export =`
import program = require("../../index");

export = async () => {
  const { services } = (await program()) as {
    services: import("@pulumi/pulumi").Output<Record<string, { appId: string }>>;
  };
  // `/subscriptions/…/resourceGroups/{rg}/providers/Microsoft.Web/sites/{site}`
  const part = (i: number) => services.apply((s) => s.billing.appId.split("/")[i]);
  new web.WebAppSlot("billing-staging", {
    resourceGroupName: part(4),
    name: part(8),
    slot: "staging",
  });
  return { services };
};
