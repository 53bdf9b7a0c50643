import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
  ConfigError,
  type ConfigIssue,
  buildServiceGraph,
  formatIssue,
  hashedGroupOf,
  instancesFitting,
  overlaps,
  parseCidr,
} from "@service-edges/contract";
import { type Values, clone, smallConfig } from "../fixtures";

type Services = Record<string, Record<string, unknown>>;
type Edges = Array<Record<string, unknown>>;

function build(values: Values) {
  return buildServiceGraph({
    stack: "test",
    location: values["azure-native:location"],
    namePrefix: values["service-edges:namePrefix"],
    owners: values["service-edges:owners"],
    network: values["service-edges:network"],
    services: values["service-edges:services"],
    edges: values["service-edges:edges"],
  });
}

/** The issues of a config made from the valid fixture by `mutate`. */
function issuesAfter(mutate: (services: Services, edges: Edges, v: Values) => void): ConfigIssue[] {
  const v = clone(smallConfig());
  mutate(v["service-edges:services"] as Services, v["service-edges:edges"] as Edges, v);
  try {
    build(v);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return [...e.issues];
  }
  assert.fail("expected the config to be refused");
}

/** Exactly one issue, at `path`, whose text contains every fragment. */
function expectOne(issues: ConfigIssue[], path: string, ...fragments: string[]) {
  assert.equal(issues.length, 1, issues.map(formatIssue).join("\n"));
  assert.equal(issues[0].path, path);
  const text = formatIssue(issues[0]);
  for (const f of fragments) assert.ok(text.includes(f), `"${text}" lacks "${f}"`);
}

describe("config -> ServiceGraph", () => {
  it("builds the valid fixture with callers, callees and sorted edges", () => {
    const g = build(smallConfig());
    assert.deepEqual(
      g.services.map((s) => s.name),
      ["a", "b", "c"],
    );
    assert.deepEqual(
      g.edges.map((e) => `${e.from}.${e.to}`),
      ["a.b", "a.c", "c.b"],
    );
    assert.deepEqual(g.byName.get("b")!.callers, ["a", "c"]);
    assert.deepEqual(g.byName.get("a")!.callees, ["b", "c"]);
    assert.equal(g.byName.get("b")!.subnet, undefined);
    assert.equal(g.byName.get("a")!.identity, "managed");
    assert.equal(g.namePrefix, "edges-test");
  });

  it("accepts numbers and booleans written as text, as `pulumi config set` may store them", () => {
    const v = clone(smallConfig());
    (v["service-edges:services"] as Services).a.maxInstances = "5";
    (v["service-edges:services"] as Services).b.easyAuth = "true";
    const g = build(v);
    assert.equal(g.byName.get("a")!.maxInstances, 5);
    assert.equal(g.byName.get("b")!.easyAuth, true);
  });

  it("reads ingress: none by default, public, or ranges and service tags with a Front Door id", () => {
    const v = clone(smallConfig());
    const services = v["service-edges:services"] as Services;
    services.a.ingress = "public";
    services.b.ingress = ["AzureFrontDoor.Backend", "203.0.113.0/24", "AzureTrafficManager"];
    services.b.frontDoorId = "6c2f0a52-96ab-4c2e-9c0d-2b3f7c5c1e11";
    const g = build(v);
    assert.deepEqual(g.byName.get("a")!.ingress, { kind: "public" });
    assert.deepEqual(g.byName.get("b")!.ingress, {
      kind: "sources",
      sources: [
        {
          kind: "serviceTag",
          tag: "AzureFrontDoor.Backend",
          frontDoorId: "6c2f0a52-96ab-4c2e-9c0d-2b3f7c5c1e11",
        },
        { kind: "cidr", text: "203.0.113.0/24" },
        { kind: "serviceTag", tag: "AzureTrafficManager" },
      ],
    });
    assert.deepEqual(g.byName.get("c")!.ingress, { kind: "none" });
    // The list form, as the component's args take it.
    services.a.ingress = ["public"];
    assert.deepEqual(build(v).byName.get("a")!.ingress, { kind: "public" });
  });

  describe("refuses, naming the key and the fix", () => {
    it("ingress wider than a /8, or a tag that stands for everyone, pointing at ingress: public", () => {
      const issues = issuesAfter(
        (s) => (s.b.ingress = ["0.0.0.0/1", "Internet", "AzureCloud.westeurope"]),
      );
      assert.deepEqual(
        issues.map((i) => i.path),
        [
          "service-edges:services.b.ingress[0]",
          "service-edges:services.b.ingress[1]",
          "service-edges:services.b.ingress[2]",
        ],
      );
      assert.ok(
        formatIssue(issues[0]).includes(
          "admits 2147483648 addresses, which is public in all but name",
        ),
      );
      for (const i of issues) assert.ok(formatIssue(i).includes("ingress: public"), formatIssue(i));
    });
    it("ingress tags of multi-tenant services (AppService, ApiManagement, regional variants), pointing at Front Door or an edge", () => {
      const issues = issuesAfter(
        (s) => (s.b.ingress = ["AppService", "ApiManagement.WestEurope", "appservice.northeurope"]),
      );
      assert.deepEqual(
        issues.map((i) => formatIssue(i)),
        [
          "service-edges:services.b.ingress[0]: \"AppService\" admits every Azure customer's App Service and Function apps (the tag holds the shared outbound addresses of every tenant's apps), not only yours. Fix: put Front Door in front (AzureFrontDoor.Backend with frontDoorId, so that its rule checks the X-Azure-FDID header), or, for a caller of your own on Azure, make it a caller in the mesh (an edge: it is admitted by its integration subnet).",
          'service-edges:services.b.ingress[1]: "ApiManagement.WestEurope" admits every Azure customer\'s API Management instances (the tag holds addresses API Management shares among tenants), not only yours. Fix: put Front Door in front (AzureFrontDoor.Backend with frontDoorId, so that its rule checks the X-Azure-FDID header), or, for a caller of your own on Azure, make it a caller in the mesh (an edge: it is admitted by its integration subnet).',
          "service-edges:services.b.ingress[2]: \"appservice.northeurope\" admits every Azure customer's App Service and Function apps (the tag holds the shared outbound addresses of every tenant's apps), not only yours. Fix: put Front Door in front (AzureFrontDoor.Backend with frontDoorId, so that its rule checks the X-Azure-FDID header), or, for a caller of your own on Azure, make it a caller in the mesh (an edge: it is admitted by its integration subnet).",
        ],
      );
    });
    it("ingress entries that are neither ranges nor tags, misaligned or listed twice", () => {
      const issues = issuesAfter(
        (s) => (s.b.ingress = ["10.0.0.1/24", "not a tag!", "10.1.0.0/16", "10.1.0.0/16"]),
      );
      assert.deepEqual(
        issues.map((i) => [i.path, i.message]),
        [
          [
            "service-edges:services.b.ingress[0]",
            '"10.0.0.1/24" is not on its /24 network boundary',
          ],
          [
            "service-edges:services.b.ingress[1]",
            '"not a tag!" is neither an IPv4 range nor a service tag',
          ],
          ["service-edges:services.b.ingress[3]", '"10.1.0.0/16" is listed twice'],
        ],
      );
    });
    it("public beside other sources", () => {
      expectOne(
        issuesAfter((s) => (s.b.ingress = ["203.0.113.0/24", "public"])),
        "service-edges:services.b.ingress[1]",
        "public admits everyone, so nothing else belongs beside it",
      );
    });
    it("ingress of another shape, or an empty list", () => {
      expectOne(
        issuesAfter((s) => (s.b.ingress = [])),
        "service-edges:services.b.ingress",
        "is an empty list",
      );
      expectOne(
        issuesAfter((s) => (s.b.ingress = "open")),
        "service-edges:services.b.ingress",
        "Fix: write ingress: public",
      );
    });
    it("ranges that together admit 2^25 addresses or more (two /8s)", () => {
      expectOne(
        issuesAfter((s) => (s.b.ingress = ["10.0.0.0/8", "11.0.0.0/8"])),
        "service-edges:services.b.ingress",
        "its ranges admit 33554432 addresses together",
      );
    });
    it("AzureFrontDoor.Backend without frontDoorId: every Front Door in Azure would get in", () => {
      expectOne(
        issuesAfter((s) => (s.b.ingress = ["AzureFrontDoor.Backend"])),
        "service-edges:services.b.frontDoorId",
        "admits every Front Door profile in Azure",
      );
    });
    it("ingress: public on a callee", () => {
      expectOne(
        issuesAfter((s) => (s.b.ingress = "public")),
        "service-edges:services.b.ingress",
        "is public, but the service is a callee",
      );
    });
    it("a frontDoorId without Front Door in ingress, or that is not a GUID", () => {
      expectOne(
        issuesAfter((s) => {
          s.b.ingress = ["203.0.113.0/24"];
          s.b.frontDoorId = "6c2f0a52-96ab-4c2e-9c0d-2b3f7c5c1e11";
        }),
        "service-edges:services.b.frontDoorId",
        "only applies with AzureFrontDoor.Backend in ingress",
      );
      expectOne(
        issuesAfter((s) => {
          s.b.ingress = ["AzureFrontDoor.Backend"];
          s.b.frontDoorId = "my-front-door";
        }),
        "service-edges:services.b.frontDoorId",
        "az afd profile show --query frontDoorId",
      );
    });
    it("an edge to an unknown service", () => {
      expectOne(
        issuesAfter((_, e) => (e[1].to = "bb")),
        "service-edges:edges[1].to",
        'unknown service "bb"',
        'Fix: use a declared service ("a", "b", "c")',
      );
    });
    it("an edge from an unknown service", () => {
      expectOne(
        issuesAfter((_, e) => (e[0].from = "x")),
        "service-edges:edges[0].from",
        'unknown service "x"',
      );
    });
    it("a self edge", () => {
      expectOne(
        issuesAfter((_, e) => e.push({ from: "b", to: "b", roles: ["B.Read"] })),
        "service-edges:edges[3]",
        '"b" calls itself',
        "remove the edge",
      );
    });
    it("a duplicate edge", () => {
      expectOne(
        issuesAfter((_, e) => e.push({ from: "a", to: "b", roles: ["B.Write"] })),
        "service-edges:edges[3]",
        "duplicates edges[0] (a -> b)",
        "merge its roles into edges[0]",
      );
    });
    it("a role the callee does not declare", () => {
      expectOne(
        issuesAfter((_, e) => (e[0].roles = ["B.Read", "B.Delete"])),
        "service-edges:edges[0].roles[1]",
        '"b" does not expose the role "B.Delete"',
        'use one of "B.Read", "B.Write"',
      );
    });
    it("an edge with empty roles", () => {
      expectOne(
        issuesAfter((_, e) => (e[0].roles = [])),
        "service-edges:edges[0].roles",
        "is empty",
        "at least 1 item",
      );
    });
    it("a bad service name", () => {
      const issues = issuesAfter(
        (s) => (s["Bad_Name"] = { kind: "app", sku: "B1", maxInstances: 1 }),
      );
      expectOne(
        issues,
        "service-edges:services.Bad_Name",
        "is not a valid service name",
        "lowercase",
      );
    });
    it("a role with a space", () => {
      expectOne(
        issuesAfter((s) => (s.c.roles = ["C.Call", "Do Things"])),
        "service-edges:services.c.roles[1]",
        '"Do Things" is not a valid app role value',
        "no spaces",
      );
    });
    it("a role longer than 120 characters", () => {
      expectOne(
        issuesAfter((s) => (s.c.roles = ["C.Call", "R".repeat(121)])),
        "service-edges:services.c.roles[1]",
        "not a valid app role value",
        "at most 120",
      );
    });
    it("an unknown SKU", () => {
      expectOne(
        issuesAfter((s) => (s.b.sku = "P9v9")),
        "service-edges:services.b.sku",
        '"P9v9" is not a known',
        "P1v3",
      );
    });
    it("an unknown kind", () => {
      expectOne(
        issuesAfter((s) => (s.b.kind = "container")),
        "service-edges:services.b.kind",
        '"container" is not allowed',
        '"app", "function"',
      );
    });
    it("Free and Shared SKUs", () => {
      expectOne(
        issuesAfter((s) => (s.b.sku = "F1")),
        "service-edges:services.b.sku",
        "Free plans have no VNet integration",
      );
      expectOne(
        issuesAfter((s) => (s.b.sku = "D1")),
        "service-edges:services.b.sku",
        "Shared plans have no VNet integration",
      );
    });
    it("a Function app on Consumption (Y1)", () => {
      expectOne(
        issuesAfter((s) => (s.c.sku = "Y1")),
        "service-edges:services.c.sku",
        "Consumption plan (Y1)",
        "EP1",
      );
    });
    it("Elastic Premium for a web app", () => {
      expectOne(
        issuesAfter((s) => (s.b.sku = "EP1")),
        "service-edges:services.b.sku",
        "Function apps only",
      );
    });
    it("maxInstances above the SKU's ceiling", () => {
      expectOne(
        issuesAfter((s) => ((s.b.sku = "B1"), (s.b.maxInstances = 4))),
        "service-edges:services.b.maxInstances",
        "4 is above the Basic ceiling of 3",
        "lower it to 3",
      );
    });
    it("maxInstances below 1", () => {
      expectOne(
        issuesAfter((s) => (s.b.maxInstances = 0)),
        "service-edges:services.b.maxInstances",
        "must be at least 1",
      );
    });
    it("a caller without a subnet, suggesting the next free range of the right size", () => {
      expectOne(
        issuesAfter((s) => delete s.a.subnet),
        "service-edges:services.a.subnet",
        "is missing; a calls",
        "set it to 10.10.0.0/28",
        "pulumi config set --path 'service-edges:services.a.subnet' 10.10.0.0/28",
      );
      // Sized for maxInstances 20 -> /26, and clear of c's 10.10.0.32/27.
      expectOne(
        issuesAfter((s) => ((s.a.maxInstances = 20), delete s.a.subnet)),
        "service-edges:services.a.subnet",
        "set it to 10.10.0.64/26",
      );
    });
    it("a malformed CIDR", () => {
      expectOne(
        issuesAfter((s) => (s.a.subnet = "10.10.0/28")),
        "service-edges:services.a.subnet",
        "is not an IPv4 CIDR range",
      );
    });
    it("a CIDR not on its network boundary", () => {
      expectOne(
        issuesAfter((s) => (s.a.subnet = "10.10.0.8/28")),
        "service-edges:services.a.subnet",
        "not on its /28 network boundary",
        "use 10.10.0.0/28",
      );
    });
    it("a subnet outside the address space", () => {
      expectOne(
        issuesAfter((s) => (s.a.subnet = "10.11.0.0/28")),
        "service-edges:services.a.subnet",
        "outside the address space 10.10.0.0/16",
      );
    });
    it("overlapping subnets", () => {
      expectOne(
        issuesAfter((s) => (s.a.subnet = "10.10.0.32/28")),
        "service-edges:services.c.subnet",
        '10.10.0.32/27 overlaps 10.10.0.32/28 of service "a"',
      );
    });
    it("a subnet too small for maxInstances", () => {
      expectOne(
        issuesAfter((s) => (s.a.maxInstances = 6)),
        "service-edges:services.a.subnet",
        "holds 5 instances",
        "maxInstances is 6",
        "use a /27 or larger",
      );
      expectOne(
        issuesAfter((s) => (s.a.subnet = "10.10.0.0/29")),
        "service-edges:services.a.subnet",
        "smaller than /28",
      );
    });
    it("more than 512 access-restriction rules on one callee", () => {
      const issues = issuesAfter((s, e, v) => {
        v["service-edges:network"] = { addressSpace: "10.0.0.0/8" };
        for (let i = 0; i < 513; i++) {
          s[`x${i}`] = {
            kind: "app",
            sku: "B1",
            maxInstances: 1,
            subnet: `10.${1 + (i >> 8)}.${i & 255}.0/28`,
          };
          e.push({ from: `x${i}`, to: "b", roles: ["B.Read"] });
        }
        s.a.subnet = "10.0.0.0/28";
        s.c.subnet = "10.0.0.32/27";
      });
      expectOne(
        issues,
        "service-edges:services.b",
        "has 515 callers",
        "at most 512 access-restriction rules",
      );
    });
    it("several virtual networks: each subnet in one of them, spaces apart, at most 3,000 subnets each", () => {
      const withVnets = (vnets: Record<string, string>) => (_: Services, __: Edges, v: Values) =>
        (v["service-edges:network"] = { addressSpace: "10.10.0.0/16", vnets });
      const g = build({
        ...clone(smallConfig()),
        "service-edges:network": { addressSpace: "10.10.0.0/16", vnets: { b: "10.11.0.0/16" } },
        "service-edges:services": {
          ...(clone(smallConfig())["service-edges:services"] as Services),
          a: { kind: "app", sku: "P1v3", maxInstances: 4, subnet: "10.11.0.0/28" },
        },
      });
      assert.deepEqual(
        g.vnets.map((v) => [v.name, v.space.text]),
        [
          ["", "10.10.0.0/16"],
          ["b", "10.11.0.0/16"],
        ],
      );
      assert.deepEqual(
        g.services.map((x) => [x.name, x.vnet]),
        [
          ["a", "b"],
          ["b", ""],
          ["c", ""],
        ],
      );
      expectOne(
        issuesAfter(withVnets({ b: "10.10.128.0/17" })),
        "service-edges:network.vnets.b",
        "10.10.128.0/17 overlaps network.addressSpace (10.10.0.0/16)",
        "its own range",
      );
      expectOne(
        issuesAfter(withVnets({ "B!": "10.11.0.0/16" })),
        "service-edges:network.vnets.B!",
        "not a valid virtual network name",
      );
      expectOne(
        issuesAfter((s, e, v) => {
          withVnets({ b: "10.11.0.0/16" })(s, e, v);
          s.a.subnet = "10.12.0.0/28";
        }),
        "service-edges:services.a.subnet",
        "10.12.0.0/28 is outside the address space 10.10.0.0/16, 10.11.0.0/16",
        "inside one virtual network's space",
      );
      const full = issuesAfter((s, _, v) => {
        v["service-edges:network"] = { addressSpace: "10.0.0.0/12", vnets: { b: "10.16.0.0/12" } };
        for (let i = 0; i < 3001; i++) {
          s[`x${i}`] = {
            kind: "app",
            sku: "B1",
            maxInstances: 1,
            subnet: `10.${16 + (i >> 12)}.${(i >> 4) & 255}.${(i & 15) * 16}/28`,
          };
        }
        s.a.subnet = "10.0.0.0/28";
        s.c.subnet = "10.0.0.32/27";
      });
      // (3,001 services also overfill some resource groups: those issues are not the point here.)
      expectOne(
        full.filter((i) => i.path.startsWith("service-edges:network")),
        "service-edges:network.vnets.b",
        "3001 integration subnets are in virtual network b (10.16.0.0/12)",
        "add another virtual network under service-edges:network.vnets",
      );
    });
    it("an unknown key, with the keys a service takes", () => {
      expectOne(
        issuesAfter((s) => (s.a.maxInstance = 3)),
        "service-edges:services.a",
        'unknown key "maxInstance"',
        "maxInstances",
      );
    });
    it("a missing address space and a missing location", () => {
      const issues = issuesAfter((_, __, v) => {
        delete v["service-edges:network"];
        delete v["azure-native:location"];
      });
      assert.deepEqual(issues.map((i) => i.path).sort(), [
        "azure-native:location",
        "service-edges:network.addressSpace",
      ]);
    });
    it("Easy Auth on a service without roles", () => {
      expectOne(
        issuesAfter((s) => (s.a.easyAuth = true)),
        "service-edges:services.a.easyAuth",
        "exposes no roles",
      );
    });
    it("a client secret on a managed identity", () => {
      expectOne(
        issuesAfter((s) => (s.a.clientSecret = true)),
        "service-edges:services.a.clientSecret",
        "identity: registration",
      );
    });
    it("a runtime that is not a stack of that kind", () => {
      expectOne(
        issuesAfter((s) => (s.c.runtime = "PHP|8.2")),
        "service-edges:services.c.runtime",
        '"PHP|8.2" is not a Functions stack',
        "Node|22",
      );
      expectOne(
        issuesAfter((s) => (s.a.runtime = "node20")),
        "service-edges:services.a.runtime",
        "is not a runtime",
      );
    });
    it("a deploy mode that does not exist, or a run-from-package setting by hand", () => {
      expectOne(
        issuesAfter((s) => (s.a.deploy = "ftp")),
        "service-edges:services.a.deploy",
        '"ftp" is not allowed',
        'use one of "package", "zip", "none"',
      );
      expectOne(
        issuesAfter((s) => (s.b.appSettings = { WEBSITE_RUN_FROM_PACKAGE: "1" })),
        "service-edges:services.b.appSettings.WEBSITE_RUN_FROM_PACKAGE",
        "from the service's deploy mode",
      );
    });
    it("an app setting the program owns, or a plain-text secret", () => {
      expectOne(
        issuesAfter((s) => (s.b.appSettings = { MESH_ALLOWED_CALLERS: "{}" })),
        "service-edges:services.b.appSettings.MESH_ALLOWED_CALLERS",
        "written by the program from the graph",
      );
      expectOne(
        issuesAfter((s) => (s.b.appSettings = { DB_PASSWORD: "hunter2" })),
        "service-edges:services.b.appSettings.DB_PASSWORD",
        "looks like a secret",
        "@Microsoft.KeyVault(",
      );
    });
    it("an SCM range that is malformed or far too wide", () => {
      expectOne(
        issuesAfter(
          (_, __, v) => ((v["service-edges:network"] as Values).scmAllowedRanges = ["0.0.0.0/0"]),
        ),
        "service-edges:network.scmAllowedRanges[0]",
        "would open every callee's deployment (SCM) site",
      );
      expectOne(
        issuesAfter(
          (_, __, v) =>
            ((v["service-edges:network"] as Values).scmAllowedRanges = ["203.0.113.7/24"]),
        ),
        "service-edges:network.scmAllowedRanges[0]",
        "not on its /24 network boundary",
      );
    });
    it("an edge using a role being retired", () => {
      expectOne(
        issuesAfter((s) => ((s.b.roles = ["B.Read"]), (s.b.retiredRoles = ["B.Write"]))),
        "service-edges:edges[1].roles[1]",
        "is being retired on b",
      );
    });
  });

  describe("placement by webspace class", () => {
    const label = (prefix: string, name: string) =>
      `${prefix}g${String(hashedGroupOf(name)).padStart(2, "0")}`;

    it("PremiumV3 in gNN, Elastic Premium in ep-gNN, Basic/Standard/PremiumV2 in classic-gNN", () => {
      const v = clone(smallConfig());
      (v["service-edges:services"] as Services).d = { kind: "app", sku: "S1", maxInstances: 2 };
      (v["service-edges:services"] as Services).e = { kind: "app", sku: "P1v2", maxInstances: 2 };
      (v["service-edges:services"] as Services).f = { kind: "app", sku: "P1mv3", maxInstances: 2 };
      const g = build(v);
      assert.deepEqual(
        g.services.map((s) => [s.name, s.placement]),
        [
          ["a", label("", "a")],
          ["b", label("", "b")],
          ["c", label("ep-", "c")],
          ["d", label("classic-", "d")],
          ["e", label("classic-", "e")],
          ["f", label("", "f")],
        ],
      );
    });

    it("a pin picks the index within the class; the limit of 100 plans counts per group", () => {
      const v = clone(smallConfig());
      const services = v["service-edges:services"] as Services;
      services.a.group = 5;
      services.b.group = 6;
      services.c.group = 5;
      const g = build(v);
      assert.equal(g.byName.get("a")!.placement, "g05");
      assert.equal(g.byName.get("c")!.placement, "ep-g05");
      // 100 PremiumV3 and 100 Elastic Premium plans share index 5 in two groups: accepted.
      for (let i = 0; i < 99; i++) {
        services[`p${i}`] = { kind: "app", sku: "P1v3", maxInstances: 1, group: 5 };
        services[`e${i}`] = { kind: "function", sku: "EP1", maxInstances: 1, group: 5 };
      }
      assert.equal(build(v).services.length, 201);
      services.e99 = { kind: "function", sku: "EP2", maxInstances: 1, group: 5 };
      expectOne(
        issuesAfter((s) => Object.assign(s, clone(services))),
        "service-edges:services",
        "resource group ep-g05 would hold 101 App Service plans; Azure allows 100",
      );
    });
  });

  describe("retiring a service (retired: true, then removal)", () => {
    const retire = (s: Services, e: Edges, v: Values) => {
      s.a.retired = true;
      v["service-edges:edges"] = e.filter((x) => x.from !== "a" && x.to !== "a");
    };

    it("step 1 keeps only its subnet: not a service, its subnet in graph.retired", () => {
      const v = clone(smallConfig());
      retire(v["service-edges:services"] as Services, v["service-edges:edges"] as Edges, v);
      const g = build(v);
      assert.deepEqual(
        g.services.map((s) => s.name),
        ["b", "c"],
      );
      assert.deepEqual(
        g.retired.map((r) => [r.name, r.subnet?.text]),
        [["a", "10.10.0.0/28"]],
      );
      assert.deepEqual(g.byName.get("b")!.callers, ["c"]);
    });

    it("an edge naming a retired service is refused, at the edge, with the fix", () => {
      assert.deepEqual(issuesAfter((s) => (s.a.retired = true)).map(formatIssue), [
        'service-edges:edges[0].from: "a" is retired (service-edges:services.a.retired: true). Fix: remove this edge (a -> b) in the same change: a retired service keeps only its subnet.',
        'service-edges:edges[2].from: "a" is retired (service-edges:services.a.retired: true). Fix: remove this edge (a -> c) in the same change: a retired service keeps only its subnet.',
      ]);
      expectOne(
        issuesAfter((s, e, v) => {
          s.b.retired = true;
          v["service-edges:edges"] = e.filter((x) => x.from !== "c");
        }),
        "service-edges:edges[0].to",
        '"b" is retired',
      );
    });

    it("its subnet stays taken: a new service overlapping it is refused", () => {
      const issues = issuesAfter((s, e, v) => {
        retire(s, e, v);
        s.n = { kind: "app", sku: "P1v3", maxInstances: 2, subnet: "10.10.0.0/28" };
      });
      assert.equal(issues.length, 1, issues.map(formatIssue).join("\n"));
      assert.match(formatIssue(issues[0]), /overlaps/);
    });
  });

  describe("owners of the Entra applications and service principals", () => {
    const OWNER = "6c2f0a52-96ab-4c2e-9c0d-2b3f7c5c1e11";
    const OTHER = "0b8e7f3a-1d2c-4e5f-8a9b-0c1d2e3f4a5b";
    const owned = (owners: unknown) =>
      issuesAfter((_, __, v) => (v["service-edges:owners"] = owners));

    it("none by default; the configured ones in order, lower case as Entra returns them", () => {
      assert.deepEqual(build(smallConfig()).owners, []);
      const v = clone(smallConfig());
      v["service-edges:owners"] = [OWNER, OTHER.toUpperCase()];
      assert.deepEqual(build(v).owners, [OWNER, OTHER]);
    });
    it("an owner that is not an object id, with its index and how to look one up", () => {
      const issues = owned([OWNER, "alice@contoso.com", 42]);
      assert.deepEqual(issues.map(formatIssue), [
        `service-edges:owners[1]: "alice@contoso.com" is not an Entra object id. Fix: use the object id (a GUID) of a user or service principal: az ad user show --id <upn> --query id, or az ad sp show --id <app id> --query id.`,
        `service-edges:owners[2]: 42 is not an Entra object id. Fix: use the object id (a GUID) of a user or service principal: az ad user show --id <upn> --query id, or az ad sp show --id <app id> --query id.`,
      ]);
    });
    it("an owner listed twice, in any case", () => {
      assert.deepEqual(owned([OWNER, OTHER, OWNER.toUpperCase()]).map(formatIssue), [
        `service-edges:owners[2]: "${OWNER.toUpperCase()}" duplicates owners[0]. Fix: list each owner once.`,
      ]);
    });
    it("owners that are not a list", () => {
      assert.deepEqual(owned(OWNER).map(formatIssue), [
        `service-edges:owners: expected a list of Entra object ids, got "${OWNER}". Fix: write owners as a list of object ids: pulumi config set --path 'service-edges:owners[0]' <object id> (az ad user show --id <upn> --query id).`,
      ]);
    });
  });

  describe("client secret rotation", () => {
    const secretOn = (services: Services) => {
      services.a.identity = "registration";
      services.a.clientSecret = true;
    };

    it("a label with the secret (text or a number), initial by default, none without a secret", () => {
      const v = clone(smallConfig());
      secretOn(v["service-edges:services"] as Services);
      assert.equal(build(v).byName.get("a")!.secretRotation, "initial");
      (v["service-edges:services"] as Services).a.secretRotation = "2026-11";
      assert.equal(build(v).byName.get("a")!.secretRotation, "2026-11");
      (v["service-edges:services"] as Services).a.secretRotation = 2027;
      assert.equal(build(v).byName.get("a")!.secretRotation, "2027");
      assert.equal(build(smallConfig()).byName.get("a")!.secretRotation, undefined);
    });
    it("a rotation label without a client secret", () => {
      assert.deepEqual(issuesAfter((s) => (s.a.secretRotation = "2026-11")).map(formatIssue), [
        "service-edges:services.a.secretRotation: only applies with clientSecret: true. Fix: remove secretRotation, or set clientSecret: true (with identity: registration).",
      ]);
    });
    it("an empty rotation label, or one that is not text", () => {
      assert.deepEqual(
        issuesAfter((s) => {
          secretOn(s);
          s.a.secretRotation = " ";
        }).map(formatIssue),
        [
          "service-edges:services.a.secretRotation: is empty. Fix: set it to a label such as 2026-11, or remove it; changing it issues a new client secret.",
        ],
      );
      assert.deepEqual(
        issuesAfter((s) => {
          secretOn(s);
          s.a.secretRotation = ["2026-11"];
        }).map(formatIssue),
        [
          'service-edges:services.a.secretRotation: expected a text label such as 2026-11 (got ["2026-11"]). Fix: write a text label such as 2026-11; changing it issues a new client secret.',
        ],
      );
    });
  });

  it("takes a runtime, the team's own app settings and SCM deployment ranges", () => {
    const v = clone(smallConfig());
    const s = v["service-edges:services"] as Services;
    s.a.runtime = "PYTHON|3.12";
    s.c.runtime = "DOTNET-ISOLATED|8.0";
    s.b.appSettings = {
      LOG_LEVEL: "debug",
      RETRIES: 3,
      DB_PASSWORD: "@Microsoft.KeyVault(SecretUri=https://kv/x)",
    };
    (v["service-edges:network"] as Values).scmAllowedRanges = ["203.0.113.0/24"];
    const g = build(v);
    assert.deepEqual(g.byName.get("a")!.runtime, { linuxFxVersion: "PYTHON|3.12" });
    assert.deepEqual(g.byName.get("c")!.runtime, {
      linuxFxVersion: "DOTNET-ISOLATED|8.0",
      workerRuntime: "dotnet-isolated",
    });
    // Node 22 LTS by default: Node 20 left support on 2026-04-30.
    assert.deepEqual(g.byName.get("b")!.runtime, { linuxFxVersion: "NODE|22-lts" });
    assert.equal(g.byName.get("b")!.deploy, "none");
    assert.equal(g.byName.get("c")!.deploy, "package", "a Function app on EP runs from a package");
    assert.equal(g.byName.get("b")!.appSettings.RETRIES, "3");
    assert.deepEqual(
      g.scmAllowedRanges.map((c) => c.text),
      ["203.0.113.0/24"],
    );
  });

  it("reports every error of a config together, in one pass", () => {
    const issues = issuesAfter((s, e) => {
      s.b.sku = "F1";
      e[0].to = "nope";
      delete s.a.subnet;
      s.c.roles = ["C.Call", "bad role"];
    });
    assert.deepEqual(issues.map((i) => i.path).sort(), [
      "service-edges:edges[0].to",
      "service-edges:services.a.subnet",
      "service-edges:services.b.sku",
      "service-edges:services.c.roles[1]",
    ]);
  });

  it("suggestions for several callers without subnets never collide and always fit", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 2, maxLength: 12 }),
        (sizes) => {
          const services: Services = {
            hub: { kind: "app", sku: "P1v3", maxInstances: 1, roles: ["Hub.Call"] },
          };
          const edges: Edges = [];
          sizes.forEach((n, i) => {
            services[`s${i}`] = { kind: "app", sku: "P1v3", maxInstances: n };
            edges.push({ from: `s${i}`, to: "hub", roles: ["Hub.Call"] });
          });
          services.s0.subnet = "10.20.0.64/26";
          if (sizes[0] > 29) services.s0.maxInstances = 29;
          const issues = issuesAfter((s, e, v) => {
            v["service-edges:network"] = { addressSpace: "10.20.0.0/20" };
            for (const k of Object.keys(s)) delete s[k];
            Object.assign(s, services);
            e.splice(0, e.length, ...edges);
          });
          const suggested = issues.map((i) => {
            const m = /set it to (\S+) /.exec(i.fix);
            assert.ok(m, i.fix);
            const c = parseCidr(m[1]);
            assert.ok(c.ok);
            const svc = i.path.split(".")[1];
            assert.ok(instancesFitting(c.cidr.prefix) >= (services[svc].maxInstances as number));
            return c.cidr;
          });
          const all = [
            ...suggested,
            (parseCidr("10.20.0.64/26") as { ok: true; cidr: never }).cidr,
          ];
          for (let i = 0; i < all.length; i++)
            for (let j = i + 1; j < all.length; j++) assert.ok(!overlaps(all[i], all[j]));
        },
      ),
      { numRuns: 60 },
    );
  });
});
