/**
 * Private mode over generated graphs (network.inbound: privateEndpoints): in every plan, the
 * model (the one `check`, the review and the pack ask) finds that a caller's integration subnet
 * gets through a callee's private endpoint exactly when the edge exists, and that no other address
 * does: not one of the VNet's free addresses, not a peered VNet, not on-premises (all three are the
 * VirtualNetwork service tag to an NSG, which Azure's default AllowVnetInBound would admit).
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { type AddressRange, decideNsg, enforcesNsg, nsgOf, parseRange } from "@service-edges/model";
import { meshOfPlan, planReach } from "@service-edges/cli/access";
import { randomGraph, valuesOf, nameOf } from "../arbitraries";
import { planOf } from "../fixtures";

/** The arbitraries' services take /27s from 10.80.0.0; the endpoints get the space's last /24. */
const ENDPOINT_SUBNET = "10.80.255.0/24";
const OUTSIDERS: Record<string, AddressRange> = {
  "a free address of the mesh VNet": parseRange("10.80.200.7")!,
  "a peered VNet": parseRange("10.50.0.0/24")!,
  "an on-premises range": parseRange("192.168.10.0/24")!,
};

describe("private mode on generated graphs: an NSG admits a caller exactly on its edges", () => {
  it("admits each caller's subnet to a callee's endpoint iff the edge exists, and nothing else", async () => {
    await fc.assert(
      fc.asyncProperty(randomGraph, async (g) => {
        const values = valuesOf(g);
        values["service-edges:network"] = {
          addressSpace: "10.80.0.0/16",
          inbound: "privateEndpoints",
          privateEndpointSubnets: [ENDPOINT_SUBNET],
        };
        const plan = await planOf(values);
        assert.deepEqual(plan.violations, []);

        const names = Array.from({ length: g.n }, (_, i) => nameOf(i));
        for (const from of names) {
          for (const to of names) {
            if (from === to) continue;
            const edge = g.edges.some((e) => e.from === from && e.to === to);
            const r = planReach(plan, from, to);
            assert.equal(r.network.allowed, edge, `${from} -> ${to}: ${JSON.stringify(r.network)}`);
            if (edge) assert.equal(r.network.path, "private endpoint", `${from} -> ${to}`);
          }
        }

        // Every service with roles is a callee, edges or not, and gets one endpoint; its subnet
        // enforces its NSG, which refuses every outsider.
        const links = meshOfPlan(plan).deployed.privateLinks;
        const callees = names.filter((n) => (g.services[n].roles as string[]).length > 0);
        assert.equal(links.endpoints.length, callees.length);
        for (const e of links.endpoints) {
          const subnet = links.subnets.get(e.subnetId!.toLowerCase())!;
          assert.ok(enforcesNsg(subnet.endpointPolicies), `${e.name}: NSG policies on`);
          const nsg = nsgOf(links, subnet.nsgId);
          assert.ok(nsg, `${e.name}: its subnet has an NSG`);
          for (const [who, address] of Object.entries(OUTSIDERS)) {
            const d = decideNsg(nsg.rules, {
              protocol: "Tcp",
              source: { address, tags: ["VirtualNetwork"] },
              destination: { address: subnet.prefixes[0], tags: ["VirtualNetwork"], asgs: e.asgs },
              destinationPort: 443,
            });
            assert.equal(d.allowed, false, `${who} -> ${e.name}: ${JSON.stringify(d.rule)}`);
            assert.equal(d.rule.isDefault, false, `${who} is refused by the mesh's own Deny`);
          }
        }
      }),
      { numRuns: 12 },
    );
  });
});
