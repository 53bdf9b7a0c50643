/** The access-restriction builder on its own: plain values in, plain values out, no mocks. */
import { strict as assert } from "node:assert";
import { buildServiceGraph } from "@service-edges/contract";
import { accessRestrictionsOf, ingressRules } from "service-edges/access-restrictions";

const caller = "a-caller-whose-name-is-over-32-chars";

function graph(ingress: unknown) {
  return buildServiceGraph({
    stack: "t",
    location: "westeurope",
    network: { addressSpace: "10.0.0.0/16", scmAllowedRanges: ["198.51.100.0/24"] },
    services: {
      [caller]: { kind: "app", sku: "P1v3", maxInstances: 2, subnet: "10.0.0.0/28" },
      callee: { kind: "app", sku: "P1v3", maxInstances: 2, roles: ["R"], ingress },
    },
    edges: [{ from: caller, to: "callee", roles: ["R"] }],
  });
}

describe("access restrictions (pure)", () => {
  it("callers first, named by caller within Azure's 32 characters, then ingress; SCM apart", () => {
    const g = graph(["AzureTrafficManager"]);
    const r = accessRestrictionsOf(
      g.byName.get("callee")!,
      [{ caller, subnetId: "/subnets/snet-x" }],
      g.scmAllowedRanges.map((c) => c.text),
    );
    assert.deepEqual(
      r.ipSecurityRestrictions.map((x) => x.name),
      [caller.slice(0, 32), "ingress-AzureTrafficManager"],
    );
    assert.equal(r.ipSecurityRestrictions[0].description, `edge ${caller} -> callee`);
    assert.deepEqual(r.ipSecurityRestrictions[1], {
      name: "ingress-AzureTrafficManager",
      description: "ingress AzureTrafficManager -> callee",
      action: "Allow",
      priority: 100,
      tag: "ServiceTag",
      ipAddress: "AzureTrafficManager",
    });
    assert.deepEqual(
      r.scmIpSecurityRestrictions.map((x) => x.ipAddress),
      ["198.51.100.0/24"],
    );
    assert.equal(r.ipSecurityRestrictionsDefaultAction, "Deny");
    assert.equal(r.scmIpSecurityRestrictionsDefaultAction, "Deny");
    assert.equal(r.scmIpSecurityRestrictionsUseMain, false);
  });

  it("no ingress adds no rule; public adds one per address family", () => {
    assert.deepEqual(ingressRules("x", { kind: "none" }), []);
    assert.deepEqual(
      ingressRules("x", { kind: "public" }).map((r) => r.ipAddress),
      ["0.0.0.0/0", "::/0"],
    );
  });
});
