#!/usr/bin/env node
// The Pulumi Node runtime's floor for this product's resource mix: the same resource types a mesh
// of N services needs (per service: plan, web app with 10 vnet rules, user-assigned identity, Entra
// application with 2 app roles, 2 RandomUuid, service principal; one VNet with every subnet
// inline; 10 app role assignments per service), registered under the SDK's MockMonitor in batches,
// with stack-trace capture off and no other work: no validation, no recording, no output.
//
// Run it from the project root (it resolves the SDK from the working directory):
//   node --max-semi-space-size=64 bench/floor.js 1000
// It prints one JSON line: { services, resources, seconds, peakRssMiB }. Compare per resource,
// in the same run as the project's own plan: absolute times differ between machines.
"use strict";
Error.stackTraceLimit = 0;
const path = require("path");
const from = (m) => require(require.resolve(m, { paths: [process.cwd()] }));
const pulumi = from("@pulumi/pulumi");
const { MockMonitor } = from("@pulumi/pulumi/runtime/mocks");
const web = from("@pulumi/azure-native/web");
const mi = from("@pulumi/azure-native/managedidentity");
const network = from("@pulumi/azure-native/network");
const azuread = from("@pulumi/azuread");
const random = from("@pulumi/random");

const N = Number(process.argv[2] || 100);
if (!Number.isInteger(N) || N < 11 || N > 4000) {
  console.error("usage: floor.js SERVICES (11..4000)");
  process.exit(1);
}
let registered = 0;
let peak = 0;
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
sample.unref();
const mocks = {
  newResource: (a) => ({ id: `/subscriptions/x/${a.type}/${a.name}`, state: { ...a.inputs, name: a.inputs.name || a.name } }),
  call: (a) => a.inputs,
};
class Counting extends MockMonitor {
  async registerResource(req, cb) {
    registered++;
    return super.registerResource(req, cb);
  }
}
pulumi.runtime.setMockOptions(new Counting(mocks), "floor", "floor", true);
const settle = () => new Promise((r) => setImmediate(r));
const t0 = process.hrtime.bigint();

(async () => {
  const cidr = (i) => `10.${70 + Math.floor(i / 4096)}.${Math.floor((i % 4096) / 16)}.${(i % 16) * 16}/28`;
  const subnets = Array.from({ length: N }, (_, i) => ({
    name: `snet-${i}`,
    addressPrefix: cidr(i),
    delegations: [{ name: "web", serviceName: "Microsoft.Web/serverFarms" }],
    serviceEndpoints: [{ service: "Microsoft.Web" }],
  }));
  const vnet = new network.VirtualNetwork("vnet", {
    resourceGroupName: "rg",
    addressSpace: { addressPrefixes: ["10.64.0.0/10"] },
    subnets,
  });
  const ids = [];
  const sps = [];
  const roles = [];
  for (let i = 0; i < N; i++) {
    if (i % 20 === 0) await settle();
    const plan = new web.AppServicePlan(`plan-${i}`, { resourceGroupName: "rg", sku: { name: "P1v3" } });
    const id = new mi.UserAssignedIdentity(`id-${i}`, { resourceGroupName: "rg" });
    ids.push(id);
    new web.WebApp(`app-${i}`, {
      resourceGroupName: "rg",
      serverFarmId: plan.id,
      virtualNetworkSubnetId: pulumi.interpolate`${vnet.id}/subnets/snet-${i}`,
      identity: { type: "UserAssigned", userAssignedIdentities: [id.id] },
      siteConfig: {
        ipSecurityRestrictionsDefaultAction: "Deny",
        ipSecurityRestrictions: Array.from({ length: 10 }, (_, k) => ({
          name: `from-${k}`,
          action: "Allow",
          priority: 100 + k,
          vnetSubnetResourceId: pulumi.interpolate`${vnet.id}/subnets/snet-${(i + N - k - 1) % N}`,
        })),
      },
    });
    const r = [new random.RandomUuid(`role-${i}-read`, {}), new random.RandomUuid(`role-${i}-write`, {})];
    roles.push(r[0]);
    const app = new azuread.Application(`aad-${i}`, {
      displayName: `s${i}`,
      identifierUris: [`api://s${i}`],
      appRoles: r.map((x, j) => ({
        id: x.result, value: `Data.${j}`, displayName: `d${j}`, description: "d",
        allowedMemberTypes: ["Application"], enabled: true,
      })),
    });
    sps.push(new azuread.ServicePrincipal(`sp-${i}`, { clientId: app.clientId, appRoleAssignmentRequired: true }));
  }
  for (let i = 0; i < N; i++) {
    if (i % 20 === 0) await settle();
    for (let k = 1; k <= 10; k++) {
      const j = (i + k) % N;
      new azuread.AppRoleAssignment(`asg-${i}-${j}`, {
        principalObjectId: ids[i].principalId,
        resourceObjectId: sps[j].objectId,
        appRoleId: roles[j].result,
      });
    }
  }
})();

process.on("exit", () => {
  clearInterval(sample);
  peak = Math.max(peak, process.memoryUsage().rss);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({
    services: N, resources: registered, seconds: Number(seconds.toFixed(2)),
    peakRssMiB: Math.round(peak / 1048576), script: path.basename(__filename),
  }));
});
