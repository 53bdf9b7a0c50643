import { strict as assert } from "node:assert";
import {
  ConfigError,
  type ConfigIssue,
  DENY_ALL_PRIORITY,
  NSG_LIMITS,
  allocatePriorities,
  buildPlatformGraph,
  buildServiceGraph,
} from "@service-edges/contract";
import { type Values, clone, smallConfig } from "../fixtures";

type Services = Record<string, Record<string, unknown>>;
type Net = Record<string, unknown>;

function build(values: Values) {
  return buildServiceGraph({
    stack: "test",
    location: values["azure-native:location"],
    network: values["service-edges:network"],
    services: values["service-edges:services"],
    edges: values["service-edges:edges"],
  });
}

/** smallConfig in private mode: a -> b, c -> b, a -> c; endpoints for b and c in 10.10.1.0/25. */
export function privateConfig(): Values {
  const v = clone(smallConfig());
  Object.assign(v["service-edges:network"] as Net, {
    inbound: "privateEndpoints",
    privateEndpointSubnets: ["10.10.1.0/25"],
  });
  return v;
}

function issuesAfter(mutate: (services: Services, net: Net, v: Values) => void): ConfigIssue[] {
  const v = privateConfig();
  mutate(v["service-edges:services"] as Services, v["service-edges:network"] as Net, v);
  try {
    build(v);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return [...e.issues];
  }
  assert.fail("expected the config to be refused");
}

describe("private endpoints: the contract's plan", () => {
  it("places every callee in the first subnet, with one Allow rule per callee naming exactly its callers' subnets, then the Deny", () => {
    const g = build(privateConfig());
    assert.equal(g.inbound, "privateEndpoints");
    const plan = g.privateEndpoints!;
    assert.deepEqual(
      [...plan.subnetOf],
      [
        ["b", "pe-10-10-1-0-25"],
        ["c", "pe-10-10-1-0-25"],
      ],
    );
    assert.equal(plan.subnets.length, 1);
    const [subnet] = plan.subnets;
    assert.equal(subnet.vnet, "");
    // Rules are in priority order: each callee's slot is a hash of its rule's name.
    assert.deepEqual(
      subnet.rules.map((r) => [r.name, r.kind, r.callee, r.sources]),
      [
        ["allow-c-callers", "callers", "c", ["10.10.0.0/28"]],
        ["allow-b-callers", "callers", "b", ["10.10.0.0/28", "10.10.0.32/27"]],
        ["deny-all-else", "denyAll", undefined, ["*"]],
      ],
    );
    const priorities = subnet.rules.map((r) => r.priority);
    assert.equal(priorities.at(-1), DENY_ALL_PRIORITY);
    assert.ok(priorities.slice(0, -1).every((p) => p >= 100 && p <= 3999));
  });

  it("serviceEndpoints (the default) plans no private endpoints", () => {
    const g = build(smallConfig());
    assert.equal(g.inbound, "serviceEndpoints");
    assert.equal(g.privateEndpoints, undefined);
  });

  it("adding a caller and its edge changes no priority, and adding a callee moves none that does not collide", () => {
    const before = build(privateConfig()).privateEndpoints!.subnets[0].rules;
    const withEdge = clone(privateConfig());
    (withEdge["service-edges:services"] as Services).d = {
      kind: "app",
      sku: "P1v3",
      maxInstances: 2,
      subnet: "10.10.0.16/28",
    };
    (withEdge["service-edges:edges"] as unknown[]).push({ from: "d", to: "c", roles: ["C.Call"] });
    const after = build(withEdge).privateEndpoints!.subnets[0].rules;
    const p = (rules: typeof before) => new Map(rules.map((r) => [r.name, r.priority]));
    assert.deepEqual(p(after), p(before));
    assert.deepEqual(after.find((r) => r.name === "allow-c-callers")!.sources, [
      "10.10.0.0/28",
      "10.10.0.16/28",
    ]);
    // 100 names hashed into 3,900 slots: each keeps its slot when another is added unless their
    // hashes collide; allocation is by name, never by position.
    const names = Array.from({ length: 100 }, (_, i) => `allow-svc${i}-callers`);
    const base = allocatePriorities(names);
    const grown = allocatePriorities([...names, "allow-zz-new-callers"]);
    const moved = names.filter((n) => base.get(n) !== grown.get(n));
    assert.deepEqual(moved, []);
    assert.equal(new Set(grown.values()).size, 101);
  });

  it("CIDR ingress becomes an NSG Allow rule for that service only (and gives it an endpoint)", () => {
    const v = privateConfig();
    (v["service-edges:services"] as Services).a.ingress = ["10.50.0.0/24"];
    const rules = build(v).privateEndpoints!.subnets[0].rules;
    const ingress = rules.filter((r) => r.kind === "ingress");
    assert.deepEqual(
      ingress.map((r) => [r.name, r.callee, r.sources]),
      [["allow-a-ingress", "a", ["10.50.0.0/24"]]],
    );
  });

  it("network.scmAllowedRanges become one deployment agents rule at 4000", () => {
    const v = privateConfig();
    (v["service-edges:network"] as Net).scmAllowedRanges = ["192.0.2.0/24"];
    const rule = build(v).privateEndpoints!.subnets[0].rules.find(
      (r) => r.kind === "deployAgents",
    )!;
    assert.deepEqual(
      [rule.name, rule.priority, rule.sources],
      ["allow-deploy-agents", 4000, ["192.0.2.0/24"]],
    );
  });

  describe("refuses, naming the key and the fix", () => {
    const one = (issues: ConfigIssue[]) => {
      assert.equal(issues.length, 1, JSON.stringify(issues, null, 1));
      return issues[0];
    };

    it("a mode that does not exist", () => {
      const i = one(issuesAfter((_s, net) => (net.inbound = "private")));
      assert.equal(i.path, "service-edges:network.inbound");
      assert.equal(i.message, '"private" is not allowed');
      assert.equal(
        i.fix,
        'use one of "serviceEndpoints", "serviceAndPrivateEndpoints", "privateEndpoints"',
      );
    });

    it("shadow in private mode, which the NSG would refuse silently, with the way to roll out", () => {
      const i = one(
        issuesAfter((services) =>
          Object.assign(services.b, { enforcement: "shadow", shadowUntil: "2099-01-31" }),
        ),
      );
      assert.equal(i.path, "service-edges:services.b.enforcement");
      assert.equal(
        i.message,
        "shadow cannot be observed with network.inbound: privateEndpoints: the NSG of the private endpoint drops undeclared callers without a record, and access restrictions (which log them) do not apply to private endpoint traffic",
      );
      assert.equal(
        i.fix,
        "roll b out in shadow while network.inbound is serviceEndpoints (or serviceAndPrivateEndpoints), then enforce it and move to privateEndpoints; or remove enforcement: shadow",
      );
    });

    it("private mode without subnets, with the next free /25", () => {
      const i = one(issuesAfter((_s, net) => (net.privateEndpointSubnets = [])));
      assert.equal(i.path, "service-edges:network.privateEndpointSubnets");
      assert.equal(
        i.message,
        "is missing; network.inbound is privateEndpoints and 2 services need a private endpoint",
      );
      assert.equal(
        i.fix,
        "list at least 1 subnet(s) for private endpoints, a /25 each holds 100 (the next free /25 is 10.10.0.128/25): pulumi config set --path 'service-edges:network.privateEndpointSubnets[0]' <range>",
      );
    });

    it("a subnet outside the address space", () => {
      const i = one(issuesAfter((_s, net) => (net.privateEndpointSubnets = ["10.99.0.0/25"])));
      assert.equal(i.path, "service-edges:network.privateEndpointSubnets[0]");
      assert.equal(i.message, "10.99.0.0/25 is outside the address space 10.10.0.0/16");
      assert.equal(
        i.fix,
        "pick a range inside a mesh virtual network (the next free /25 is 10.10.0.128/25)",
      );
    });

    it("a subnet overlapping a caller's integration subnet", () => {
      const i = one(issuesAfter((_s, net) => (net.privateEndpointSubnets = ["10.10.0.0/25"])));
      assert.equal(i.path, "service-edges:network.privateEndpointSubnets[0]");
      assert.equal(
        i.message,
        '10.10.0.0/25 overlaps 10.10.0.0/28, the integration subnet of service "a"',
      );
      assert.equal(
        i.fix,
        "give private endpoints their own range (the next free /25 is 10.10.0.128/25)",
      );
    });

    it("two subnets overlapping each other", () => {
      const i = one(
        issuesAfter((_s, net) => (net.privateEndpointSubnets = ["10.10.1.0/25", "10.10.1.64/26"])),
      );
      assert.equal(i.path, "service-edges:network.privateEndpointSubnets[1]");
      assert.equal(i.message, "10.10.1.64/26 overlaps 10.10.1.0/25, listed before it");
      assert.equal(
        i.fix,
        "list each range once, without overlaps (the next free /26 is 10.10.0.64/26)",
      );
    });

    it("a malformed subnet", () => {
      const i = one(issuesAfter((_s, net) => (net.privateEndpointSubnets = ["10.10.1.1/25"])));
      assert.equal(i.path, "service-edges:network.privateEndpointSubnets[0]");
      assert.equal(i.message, '"10.10.1.1/25" is not on its /25 network boundary');
      assert.equal(i.fix, "use 10.10.1.0/25 (the /25 that contains it)");
    });

    it("a subnet too small for the endpoints placed in it", () => {
      const i = one(issuesAfter((_s, net) => (net.privateEndpointSubnets = ["10.10.1.0/30"])));
      assert.equal(i.path, "service-edges:network.privateEndpointSubnets[0]");
      assert.equal(
        i.message,
        "10.10.1.0/30 has 0 usable addresses (5 are reserved), but 2 private endpoints are placed in it (one address each)",
      );
      assert.equal(
        i.fix,
        "use a /29 or larger (the next free /29 is 10.10.0.16/29), or pin services (new ones, so no deployed endpoint moves) to another subnet with services.<name>.privateEndpointSubnet",
      );
    });

    it("a pin to a range that is not listed", () => {
      const i = one(issuesAfter((s) => (s.b.privateEndpointSubnet = "10.10.2.0/25")));
      assert.equal(i.path, "service-edges:services.b.privateEndpointSubnet");
      assert.equal(i.message, '"10.10.2.0/25" is not one of network.privateEndpointSubnets');
      assert.equal(
        i.fix,
        "use one of 10.10.1.0/25, or add it to service-edges:network.privateEndpointSubnets",
      );
    });

    it("a pin on a service without an endpoint", () => {
      const i = one(issuesAfter((s) => (s.a.privateEndpointSubnet = "10.10.1.0/25")));
      assert.equal(i.path, "service-edges:services.a.privateEndpointSubnet");
      assert.equal(
        i.message,
        "is set, but the service gets no private endpoint (it exposes no roles and declares no ingress)",
      );
    });

    it("a privateDnsZoneId that is not a privatelink.azurewebsites.net zone", () => {
      const i = one(
        issuesAfter(
          (_s, net) =>
            (net.privateDnsZoneId =
              "/subscriptions/x/resourceGroups/hub/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net"),
        ),
      );
      assert.equal(i.path, "service-edges:network.privateDnsZoneId");
      assert.equal(
        i.message,
        '"/subscriptions/x/resourceGroups/hub/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net" is not the resource id of a privatelink.azurewebsites.net zone',
      );
    });

    it("private-endpoint subnets in serviceEndpoints mode", () => {
      const i = one(issuesAfter((_s, net) => delete net.inbound));
      assert.equal(i.path, "service-edges:network.privateEndpointSubnets");
      assert.equal(
        i.message,
        "only applies with network.inbound: privateEndpoints (or serviceAndPrivateEndpoints)",
      );
    });

    it("ingress: public in private mode, with the Front Door / Application Gateway fix", () => {
      const i = one(issuesAfter((s) => (s.a.ingress = "public")));
      assert.equal(i.path, "service-edges:services.a.ingress");
      assert.equal(
        i.message,
        "is public, but network.inbound is privateEndpoints: public network access is off on every site, so the internet cannot reach it",
      );
      assert.equal(
        i.fix,
        "put a Front Door Premium in front of it with a Private Link origin to this site, or an Application Gateway in the VNet, and list that gateway's subnet as a range in ingress",
      );
    });

    it("a service tag in ingress in private mode", () => {
      const i = one(
        issuesAfter((s) => {
          s.a.ingress = ["AzureTrafficManager", "10.50.0.0/24"];
        }),
      );
      assert.equal(i.path, "service-edges:services.a.ingress[0]");
      assert.equal(
        i.message,
        "the service tag AzureTrafficManager reaches sites over their public endpoint, which network.inbound: privateEndpoints turns off",
      );
    });

    it("public ingress stays allowed in the step between the modes (public access is still on)", () => {
      const v = privateConfig();
      (v["service-edges:network"] as Net).inbound = "serviceAndPrivateEndpoints";
      (v["service-edges:services"] as Services).a.ingress = "public";
      assert.equal(build(v).inbound, "serviceAndPrivateEndpoints");
    });

    it("private endpoints in a platform stack (the org components build service endpoints only)", () => {
      let issues: ConfigIssue[] = [];
      try {
        buildPlatformGraph({
          stack: "platform",
          location: "westeurope",
          network: {
            addressSpace: "10.50.0.0/16",
            inbound: "privateEndpoints",
            privateEndpointSubnets: ["10.50.1.0/25"],
          },
          services: { a: { team: "t", kind: "app", maxInstances: 1, subnet: "10.50.0.0/28" } },
        });
      } catch (e) {
        issues = [...(e as ConfigError).issues];
      }
      assert.deepEqual(
        issues.map((i) => [i.path, i.message, i.fix]),
        [
          [
            "service-edges:network.inbound",
            "privateEndpoints is not supported in a mesh across many stacks yet",
            "remove it (serviceEndpoints); private endpoints work in a single-stack mesh",
          ],
        ],
      );
    });

    it("more callees than one NSG can name, and says how many more subnets the mesh needs", () => {
      const v = privateConfig();
      const services = v["service-edges:services"] as Services;
      for (let i = 0; i < NSG_LIMITS.asgs; i++)
        services[`x${i}`] = { kind: "app", sku: "P1v3", maxInstances: 1, roles: ["X.Call"] };
      (v["service-edges:network"] as Net).privateEndpointSubnets = ["10.10.2.0/24"];
      let issues: ConfigIssue[] = [];
      try {
        build(v);
      } catch (e) {
        issues = [...(e as ConfigError).issues];
      }
      assert.deepEqual(
        issues.map((i) => [i.path, i.message, i.fix]),
        [
          [
            "service-edges:network.privateEndpointSubnets[0]",
            '10.10.2.0/24 would hold 102 private endpoints, each its own application security group named by its rules (at most 100 per NSG) (MS Learn, "Azure subscription and service limits", Networking)',
            "pin services (new ones, so no deployed endpoint moves) to another subnet with services.<name>.privateEndpointSubnet",
          ],
          [
            "service-edges:network.privateEndpointSubnets",
            "1 subnet(s) cannot hold the mesh's 102 private endpoints within the NSG limits; it needs at least 2",
            "add 1 more subnet(s) (a /25 holds 100 endpoints) (the next free /25 is 10.10.0.128/25), and pin services to them with services.<name>.privateEndpointSubnet",
          ],
        ],
      );
    });
  });
});
