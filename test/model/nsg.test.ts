import { strict as assert } from "node:assert";
import { type Flow, type NsgRule, decideNsg, nsgRulesOf, parseRange } from "@service-edges/model";

const from = (address: string | undefined, tags: string[]): Flow["source"] => ({
  ...(address ? { address: parseRange(address)! } : {}),
  tags,
});
const PE = { address: parseRange("10.40.9.4")!, tags: ["VirtualNetwork"] };
const https = (source: Flow["source"]): Flow => ({
  protocol: "Tcp",
  source,
  destination: PE,
  destinationPort: 443,
});

const OWN: NsgRule[] = nsgRulesOf([
  {
    name: "deny-reports",
    priority: 100,
    direction: "Inbound",
    access: "Deny",
    protocol: "*",
    sourceAddressPrefix: "10.40.2.0/27",
    sourcePortRange: "*",
    destinationAddressPrefix: "*",
    destinationPortRange: "*",
  },
  {
    name: "allow-orders-https",
    priority: 200,
    direction: "Inbound",
    access: "Allow",
    protocol: "Tcp",
    sourceAddressPrefixes: ["10.40.1.0/27"],
    sourcePortRange: "*",
    destinationAddressPrefix: "10.40.9.0/27",
    destinationPortRanges: ["443", "8000-8100"],
  },
  {
    name: "deny-vnet",
    priority: 4000,
    direction: "Inbound",
    access: "Deny",
    protocol: "*",
    sourceAddressPrefix: "VirtualNetwork",
    sourcePortRange: "*",
    destinationAddressPrefix: "*",
    destinationPortRange: "*",
  },
]);

// Inbound flows to a private endpoint -> the rule that decides (first match by priority).
const TABLE: Array<[string, NsgRule[], Flow, string]> = [
  [
    "no own rules: the VNet gets in (AllowVnetInBound)",
    [],
    https(from("10.40.1.4", ["VirtualNetwork"])),
    "allow AllowVnetInBound 65000 default",
  ],
  [
    "no own rules: the load balancer probe gets in",
    [],
    https(from(undefined, ["AzureLoadBalancer"])),
    "allow AllowAzureLoadBalancerInBound 65001 default",
  ],
  [
    "no own rules: the internet does not (DenyAllInBound)",
    [],
    https(from("203.0.113.1", ["Internet"])),
    "deny DenyAllInBound 65500 default",
  ],
  [
    "a Deny by priority before everything else",
    OWN,
    https(from("10.40.2.4", ["VirtualNetwork"])),
    "deny deny-reports 100",
  ],
  [
    "an Allow for the caller's subnet and port",
    OWN,
    https(from("10.40.1.4", ["VirtualNetwork"])),
    "allow allow-orders-https 200",
  ],
  [
    "the Allow's port range",
    OWN,
    { ...https(from("10.40.1.4", ["VirtualNetwork"])), destinationPort: 8050 },
    "allow allow-orders-https 200",
  ],
  [
    "another port falls to the own Deny before the defaults",
    OWN,
    { ...https(from("10.40.1.4", ["VirtualNetwork"])), destinationPort: 22 },
    "deny deny-vnet 4000",
  ],
  [
    "another protocol falls through too",
    OWN,
    { ...https(from("10.40.1.4", ["VirtualNetwork"])), protocol: "Udp" },
    "deny deny-vnet 4000",
  ],
  [
    "the load balancer still gets in past an own VNet Deny",
    OWN,
    https(from(undefined, ["AzureLoadBalancer"])),
    "allow AllowAzureLoadBalancerInBound 65001 default",
  ],
];

describe("model: network security group rules, one decision", () => {
  for (const [name, rules, flow, want] of TABLE) {
    it(name, () => {
      const d = decideNsg(rules, flow);
      assert.equal(
        `${d.allowed ? "allow" : "deny"} ${d.rule.name} ${d.rule.priority}${d.rule.isDefault ? " default" : ""}`,
        want,
      );
    });
  }

  it("outbound has its own defaults", () => {
    const d = decideNsg([], https(from("10.40.1.4", ["VirtualNetwork"])), "Outbound");
    assert.equal(d.rule.name, "AllowVnetOutBound");
  });
});
