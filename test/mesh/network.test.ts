import { strict as assert } from "node:assert";
import type { PlanResult } from "@service-edges/cli/run";
import { T, ofType, one, planOf, smallConfig } from "../fixtures";

type Obj = Record<string, unknown>;
const site = (plan: PlanResult, name: string) => one(plan, T.app, name).inputs as Obj;
const siteConfig = (plan: PlanResult, name: string) => site(plan, name).siteConfig as Obj;

describe("network layer under mocks", () => {
  let plan: PlanResult;
  before(async () => {
    plan = await planOf(smallConfig());
  });

  it("registers exactly the expected resources", () => {
    const counts: Record<string, number> = {};
    for (const r of plan.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
    assert.deepEqual(counts, {
      "service-edges:index:ServiceMesh": 1,
      "service-edges:mesh:MeshNetwork": 1,
      "service-edges:mesh:ServiceIdentity": 3,
      "service-edges:mesh:CalleeApplication": 2,
      "service-edges:mesh:ServiceHost": 3,
      [T.rg]:
        1 +
        new Set(
          plan.resources
            .filter((r) => r.type === T.rg && r.name !== "mesh-network")
            .map((r) => r.name),
        ).size,
      [T.vnet]: 1,
      [T.plan]: 3,
      [T.app]: 3,
      "azure-native:web:WebAppFtpAllowed": 3,
      "azure-native:web:WebAppScmAllowed": 3,
      [T.uami]: 3,
      [T.application]: 2,
      [T.sp]: 2,
      [T.assignment]: 4,
      // Each caller's disconnect step (a and c).
      [T.command]: 2,
      // B.Read, B.Write, C.Call, the names of c's three storage role assignments, and the
      // stack's first-deployer keeper (components/entra-owners.ts).
      [T.uuid]: 7,
      [T.storage]: 1,
      // c (Function app on EP): Blob Data Owner, Queue and Table Data Contributor
      [T.roleAssignment]: 3,
      // c runs from a package (the default on Elastic Premium)
      "azure-native:storage:BlobContainer": 1,
      // every callee keeps Easy Auth settings (off: platform.enabled false)
      [T.auth]: 2,
      // Guardrails (on by default): 7 rules; 6 assigned once at the subscription, 1 on the
      // identities' own group (among the resource groups above); none per service group.
      "service-edges:mesh:MeshGuardrails": 1,
      "azure-native:authorization:PolicyDefinition": 7,
      "azure-native:authorization:PolicyAssignment": 7,
    });
    assert.deepEqual(
      ofType(plan, T.rg)
        .map((r) => r.inputs.resourceGroupName)
        .sort(),
      [
        // c (EP1) in its webspace class's group; a and b (P1v3) in the PremiumV3 groups.
        "edges-test-ep-g18",
        "edges-test-g05",
        "edges-test-g12",
        "edges-test-identities",
        "edges-test-network",
      ],
    );
  });

  it("holds every caller's subnet inline in one VNet, delegated, with the Microsoft.Web endpoint", () => {
    const vnet = one(plan, T.vnet, "network");
    assert.deepEqual(vnet.inputs.addressSpace, { addressPrefixes: ["10.10.0.0/16"] });
    assert.deepEqual(
      (vnet.inputs.subnets as Obj[]).map((s) => ({ ...s })),
      [
        {
          name: "snet-a",
          addressPrefix: "10.10.0.0/28",
          delegations: [{ name: "app-service", serviceName: "Microsoft.Web/serverFarms" }],
          serviceEndpoints: [{ service: "Microsoft.Web" }],
        },
        {
          name: "snet-c",
          addressPrefix: "10.10.0.32/27",
          delegations: [{ name: "app-service", serviceName: "Microsoft.Web/serverFarms" }],
          serviceEndpoints: [{ service: "Microsoft.Web" }],
        },
      ],
    );
    assert.equal(ofType(plan, "azure-native:network:Subnet").length, 0);
  });

  it("gives every service its own Linux plan with its SKU and scale ceiling", () => {
    const a = one(plan, T.plan, "a").inputs;
    assert.deepEqual(
      {
        kind: a.kind,
        reserved: a.reserved,
        sku: a.sku,
        max: a.maximumElasticWorkerCount,
        elastic: a.elasticScaleEnabled,
        name: a.name,
      },
      {
        kind: "linux",
        reserved: true,
        sku: { name: "P1v3", tier: "PremiumV3", capacity: 1 },
        max: 4,
        elastic: true,
        name: "edges-test-a",
      },
    );
    const c = one(plan, T.plan, "c").inputs;
    assert.equal(c.kind, "elastic");
    assert.deepEqual(c.sku, { name: "EP1", tier: "ElasticPremium", capacity: 1 });
    assert.equal(c.maximumElasticWorkerCount, 10);
    // Elastic Premium always scales elastically: the flag is never sent (azurerm #24770).
    assert.equal("elasticScaleEnabled" in c, false);
    const apps = ofType(plan, T.app);
    const plans = new Set(apps.map((x) => x.inputs.serverFarmId));
    assert.equal(plans.size, 3, "no two apps share a plan");
    assert.equal(site(plan, "a").serverFarmId, one(plan, T.plan, "a").id);
  });

  it("runs a Function app on a dedicated plan at maxInstances; P0v3's tier is Premium0V3", async () => {
    const v = smallConfig();
    const services = v["service-edges:services"] as Record<string, Obj>;
    services.c.sku = "P1v3";
    services.c.maxInstances = 6;
    services.b.sku = "P0v3";
    const p = await planOf(v);
    const c = one(p, T.plan, "c").inputs;
    // Automatic scaling does not support Function apps: a fixed capacity, no elastic settings.
    assert.deepEqual(c.sku, { name: "P1v3", tier: "PremiumV3", capacity: 6 });
    assert.equal("elasticScaleEnabled" in c, false);
    assert.equal("maximumElasticWorkerCount" in c, false);
    assert.deepEqual(one(p, T.plan, "b").inputs.sku, {
      name: "P0v3",
      tier: "Premium0V3",
      capacity: 1,
    });
  });

  it("integrates callers with their subnet, routing all outbound traffic through it", () => {
    const vnetId = one(plan, T.vnet, "network").id;
    assert.equal(site(plan, "a").virtualNetworkSubnetId, `${vnetId}/subnets/snet-a`);
    assert.deepEqual(site(plan, "a").outboundVnetRouting, { applicationTraffic: true });
    assert.equal(site(plan, "c").virtualNetworkSubnetId, `${vnetId}/subnets/snet-c`);
    assert.equal(
      site(plan, "b").virtualNetworkSubnetId,
      undefined,
      "a callee-only service gets no subnet",
    );
    const subnetIds = (one(plan, T.vnet, "network").outputs.subnets as Obj[]).map((s) => s.id);
    assert.ok(subnetIds.includes(site(plan, "a").virtualNetworkSubnetId));
  });

  it("locks callees to one Allow rule per caller subnet, Deny by default, SCM on its own Deny", () => {
    const vnetId = one(plan, T.vnet, "network").id;
    const b = siteConfig(plan, "b");
    assert.deepEqual(b.ipSecurityRestrictions, [
      {
        name: "a",
        description: "edge a -> b",
        action: "Allow",
        priority: 100,
        vnetSubnetResourceId: `${vnetId}/subnets/snet-a`,
      },
      {
        name: "c",
        description: "edge c -> b",
        action: "Allow",
        priority: 100,
        vnetSubnetResourceId: `${vnetId}/subnets/snet-c`,
      },
    ]);
    assert.equal(b.ipSecurityRestrictionsDefaultAction, "Deny");
    // The deployment site never takes the callers' rules: no ranges configured, nothing gets in.
    assert.equal(b.scmIpSecurityRestrictionsUseMain, false);
    assert.deepEqual(b.scmIpSecurityRestrictions, []);
    assert.equal(b.scmIpSecurityRestrictionsDefaultAction, "Deny");
    assert.equal(site(plan, "b").publicNetworkAccess, "Enabled");
    assert.equal(ofType(plan, "azure-native:network:PrivateEndpoint").length, 0);
    const c = siteConfig(plan, "c");
    assert.deepEqual(
      (c.ipSecurityRestrictions as Obj[]).map((r) => r.name),
      ["a"],
    );
  });

  it("closes every site by default: a caller-only service admits nobody, its SCM site neither", () => {
    const a = siteConfig(plan, "a");
    assert.deepEqual(a.ipSecurityRestrictions, [], "no edge into a, no ingress: no rule");
    assert.equal(a.ipSecurityRestrictionsDefaultAction, "Deny");
    assert.deepEqual(a.scmIpSecurityRestrictions, []);
    assert.equal(a.scmIpSecurityRestrictionsUseMain, false);
    assert.equal(a.scmIpSecurityRestrictionsDefaultAction, "Deny");
    assert.equal(site(plan, "a").tags, undefined, "no ingress declared: no ingress tag");
  });

  it("opens a site only to what its ingress declares, public or ranges and service tags", async () => {
    const v = smallConfig();
    const services = v["service-edges:services"] as Record<string, Obj>;
    services.a.ingress = "public";
    services.b.ingress = ["AzureFrontDoor.Backend", "203.0.113.0/24"];
    services.b.frontDoorId = "6C2F0A52-96AB-4C2E-9C0D-2B3F7C5C1E11";
    const p = await planOf(v);
    const a = siteConfig(p, "a");
    assert.deepEqual(a.ipSecurityRestrictions, [
      {
        name: "public-ipv4",
        description: "ingress: public on a (an internet-facing front door)",
        action: "Allow",
        priority: 100,
        ipAddress: "0.0.0.0/0",
      },
      {
        name: "public-ipv6",
        description: "ingress: public on a (an internet-facing front door)",
        action: "Allow",
        priority: 100,
        ipAddress: "::/0",
      },
    ]);
    assert.equal(a.ipSecurityRestrictionsDefaultAction, "Deny");
    assert.deepEqual(a.scmIpSecurityRestrictions, [], "public ingress never opens the SCM site");
    assert.deepEqual(site(p, "a").tags, { "service-edges-ingress": "public" });
    const b = siteConfig(p, "b");
    assert.deepEqual((b.ipSecurityRestrictions as Obj[]).slice(2), [
      {
        name: "ingress-AzureFrontDoor.Backend",
        description: "ingress AzureFrontDoor.Backend -> b",
        action: "Allow",
        priority: 100,
        tag: "ServiceTag",
        ipAddress: "AzureFrontDoor.Backend",
        headers: { "x-azure-fdid": ["6c2f0a52-96ab-4c2e-9c0d-2b3f7c5c1e11"] },
      },
      {
        name: "ingress-203.0.113.0-24",
        description: "ingress 203.0.113.0/24 -> b",
        action: "Allow",
        priority: 100,
        ipAddress: "203.0.113.0/24",
      },
    ]);
    assert.deepEqual(
      (b.ipSecurityRestrictions as Obj[]).slice(0, 2).map((r) => r.name),
      ["a", "c"],
      "the callers' rules come first and are unchanged",
    );
  });

  it("hardens every app: HTTPS only, TLS 1.2, no FTP, no basic-auth publishing, the right kind", () => {
    for (const name of ["a", "b", "c"]) {
      const s = site(plan, name);
      const cfg = s.siteConfig as Obj;
      assert.equal(s.httpsOnly, true);
      assert.equal(cfg.minTlsVersion, "1.2");
      assert.equal(cfg.ftpsState, "Disabled");
    }
    for (const type of ["azure-native:web:WebAppFtpAllowed", "azure-native:web:WebAppScmAllowed"]) {
      assert.deepEqual(
        ofType(plan, type).map((r) => [r.name, r.inputs.name, r.inputs.allow]),
        ["a", "b", "c"].map((n) => [`mesh-${n}`, `edges-test-${n}`, false]),
      );
    }
    assert.equal(site(plan, "a").kind, "app,linux");
    assert.equal(site(plan, "c").kind, "functionapp,linux");
  });

  it("opens every SCM site only to the configured deployment ranges, still denying the rest", async () => {
    const v = smallConfig();
    (v["service-edges:network"] as Obj).scmAllowedRanges = ["203.0.113.0/24"];
    (v["service-edges:services"] as Record<string, Obj>).c.runtime = "Python|3.11";
    (v["service-edges:services"] as Record<string, Obj>).b.appSettings = { LOG_LEVEL: "debug" };
    const p = await planOf(v);
    const b = siteConfig(p, "b");
    assert.equal(b.scmIpSecurityRestrictionsUseMain, false);
    assert.equal(b.scmIpSecurityRestrictionsDefaultAction, "Deny");
    assert.deepEqual(b.scmIpSecurityRestrictions, [
      {
        name: "deploy-203.0.113.0-24",
        description: "deployment agents 203.0.113.0/24",
        action: "Allow",
        priority: 100,
        ipAddress: "203.0.113.0/24",
      },
    ]);
    assert.deepEqual(
      siteConfig(p, "a").scmIpSecurityRestrictions,
      b.scmIpSecurityRestrictions,
      "not a callee: the same deployment ranges",
    );
    const c = siteConfig(p, "c");
    assert.equal(c.linuxFxVersion, "Python|3.11");
    const cs = Object.fromEntries(
      (c.appSettings as Array<{ name: string; value: string }>).map((x) => [x.name, x.value]),
    );
    assert.equal(cs.FUNCTIONS_WORKER_RUNTIME, "python");
    const bs = (b.appSettings as Array<{ name: string; value: string }>).map((x) => x.name);
    assert.ok(bs.includes("LOG_LEVEL") && bs.includes("MESH_ALLOWED_CALLERS"));
    assert.deepEqual(p.violations, []);
  });

  it("gives Function apps identity-based host storage, no account key", () => {
    const settings = Object.fromEntries(
      (siteConfig(plan, "c").appSettings as Array<{ name: string; value: string }>).map((s) => [
        s.name,
        s.value,
      ]),
    );
    const uami = one(plan, T.uami, "c");
    assert.equal(settings.AzureWebJobsStorage__credential, "managedidentity");
    assert.equal(settings.AzureWebJobsStorage__clientId, uami.outputs.clientId);
    assert.equal(settings.AzureWebJobsStorage__accountName, one(plan, T.storage, "c").outputs.name);
    assert.equal(settings.AzureWebJobsStorage, undefined);
    const ra = one(plan, T.roleAssignment, "c").inputs;
    assert.equal(ra.principalId, uami.outputs.principalId);
    assert.equal(ra.scope, one(plan, T.storage, "c").id);
    // Blobs, queues and tables (AZFD0003), and the site waits for all three grants.
    const grants = ofType(plan, T.roleAssignment).filter((r) => r.name.startsWith("mesh-c"));
    assert.deepEqual(grants.map((g) => String(g.inputs.roleDefinitionId).split("/").pop()).sort(), [
      "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
      "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
      "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    ]);
    const deps = one(plan, T.app, "c").dependencies;
    for (const g of grants) assert.ok(deps.includes(g.urn), `the site waits for ${g.name}`);
  });

  it("owns the settings deployments depend on: package (default on EP) and zip", async () => {
    const settingsOf = (p: PlanResult, s: string) =>
      Object.fromEntries(
        (siteConfig(p, s).appSettings as Array<{ name: string; value: string }>).map((x) => [
          x.name,
          x.value,
        ]),
      );
    const c = settingsOf(plan, "c");
    const account = one(plan, T.storage, "c").outputs.name as string;
    assert.equal(
      c.WEBSITE_RUN_FROM_PACKAGE,
      `https://${account}.blob.core.windows.net/deployments/c.zip`,
    );
    assert.equal(c.WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID, one(plan, T.uami, "c").id);
    assert.deepEqual(one(plan, "azure-native:storage:BlobContainer", "c.deployments").inputs, {
      resourceGroupName: one(plan, T.storage, "c").inputs.resourceGroupName,
      accountName: account,
      containerName: "deployments",
      publicAccess: "None",
    });
    const v = smallConfig();
    const services = v["service-edges:services"] as Record<string, Obj>;
    services.a.deploy = "zip";
    services.b.deploy = "package";
    const p = await planOf(v);
    assert.equal(settingsOf(p, "a").WEBSITE_RUN_FROM_PACKAGE, "1");
    assert.equal(ofType(p, T.storage).filter((x) => x.name === "mesh-a").length, 0);
    // A web app running from a package gets an account to hold it, and may only read it.
    assert.match(settingsOf(p, "b").WEBSITE_RUN_FROM_PACKAGE, /\/deployments\/b\.zip$/);
    assert.deepEqual(
      ofType(p, T.roleAssignment)
        .filter((r) => r.name.startsWith("mesh-b"))
        .map((r) => String(r.inputs.roleDefinitionId).split("/").pop()),
      ["2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"],
    );
  });
});

describe("several virtual networks", () => {
  let plan: PlanResult;
  before(async () => {
    const v = smallConfig();
    v["service-edges:network"] = { addressSpace: "10.10.0.0/16", vnets: { b: "10.11.0.0/16" } };
    (v["service-edges:services"] as Record<string, Obj>).a.subnet = "10.11.0.0/28";
    plan = await planOf(v);
  });

  it("puts each caller's subnet in the virtual network whose space holds it", () => {
    const vnets = ofType(plan, T.vnet).map((r) => [
      r.name,
      r.inputs.virtualNetworkName,
      (r.inputs.addressSpace as { addressPrefixes: string[] }).addressPrefixes,
      (r.inputs.subnets as Array<{ name: string }>).map((x) => x.name),
    ]);
    assert.deepEqual(vnets, [
      ["mesh-network", "edges-test-vnet", ["10.10.0.0/16"], ["snet-c"]],
      ["mesh-network-b", "edges-test-vnet-b", ["10.11.0.0/16"], ["snet-a"]],
    ]);
    const b = one(plan, T.vnet, "network-b");
    assert.equal(site(plan, "a").virtualNetworkSubnetId, `${b.id}/subnets/snet-a`);
    // The callee admits a's subnet in vnet b, c's in the first.
    const rules = (siteConfig(plan, "b").ipSecurityRestrictions as Obj[]).map(
      (r) => r.vnetSubnetResourceId,
    );
    assert.deepEqual(rules, [
      `${b.id}/subnets/snet-a`,
      `${one(plan, T.vnet, "network").id}/subnets/snet-c`,
    ]);
    assert.deepEqual(plan.violations, []);
  });

  it("holds every virtual network's subnets in the guardrails by their one network group", () => {
    const sub = ofType(plan, "azure-native:authorization:PolicyAssignment").find((a) =>
      a.name.endsWith("mesh-subnet-only-its-site"),
    )!;
    const group = one(plan, T.rg, "network").id!;
    for (const vnet of ["network", "network-b"]) {
      assert.ok(one(plan, T.vnet, vnet).id!.startsWith(`${group}/providers/`), vnet);
    }
    assert.deepEqual(sub.inputs.parameters, {
      namePrefix: { value: "edges-test" },
      meshNetworkGroupId: { value: group },
    });
  });
});
