/**
 * Guardrails follow network.inbound: which rules each mode assigns (and enforces) under mocks, and
 * the private layer's three rules run against the ARM JSON of a private-mode plan
 * (Pulumi.dev-private.yaml): its own sites, endpoints, VNet and endpoint subnet pass, and one
 * mutation per rule is denied.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { RESOURCE_TYPES as R } from "@service-edges/contract";
import {
  type GuardrailRule,
  guardrailAssignmentName,
  guardrailDefinitionName,
} from "service-edges/guardrail-rules";
import {
  PRIVATE_ENDPOINT_MODE_OMITS,
  allGuardrailRules,
  guardrailRulesFor,
  privateEndpointGuardrailRules,
} from "service-edges/private-mode-guardrail-rules";
import type { PlanResource, PlanResult } from "@service-edges/cli/run";
import { readStackConfig } from "@service-edges/cli/stack-config";
import { ROOT, T, type Values, clone, ofType, planOf } from "../fixtures";
import { guardrailInputs } from "./support/guardrail-changes";
import { type ArmResource, effectOn, siteAsArm } from "./support/policy-eval";

type Obj = Record<string, unknown>;
const PRIVATE_RULES = privateEndpointGuardrailRules();
const rule = (name: string) => PRIVATE_RULES.find((r) => r.name === name)!;
const PUBLIC_ACCESS_OFF = rule("mesh-site-public-access-off");
const ENDPOINT_SUBNETS = rule("private-endpoint-only-in-mesh-subnets");
const SUBNET_NSG = rule("mesh-endpoint-subnet-enforces-nsg");

function devPrivate(mode: string): Values {
  const values = clone(
    readStackConfig(path.join(ROOT, "Pulumi.dev-private.yaml"), "dev-private").values,
  );
  const net = values["service-edges:network"] as Obj;
  net.inbound = mode;
  if (mode === "serviceEndpoints") delete net.privateEndpointSubnets;
  return values;
}

/** rule name -> enforcement mode, of the plan's assignments. */
function assigned(plan: PlanResult): Record<string, string> {
  return Object.fromEntries(
    ofType(plan, R.policyAssignment).map((a) => [
      String(a.inputs.policyAssignmentName).replace(/^edges-dev-private-/, ""),
      String(a.inputs.enforcementMode),
    ]),
  );
}

/** The parameter values the plan's assignments pass. */
function params(plan: PlanResult): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of ofType(plan, R.policyAssignment))
    for (const [k, v] of Object.entries(a.inputs.parameters as Record<string, { value: unknown }>))
      out[k] = v.value;
  return out;
}

/** A private endpoint of the plan as ARM returns it (Private Endpoints - Get). */
function endpointAsArm(r: PlanResource): ArmResource {
  const connections = (r.inputs.privateLinkServiceConnections as Obj[]).map((c) => ({
    name: c.name,
    properties: { privateLinkServiceId: c.privateLinkServiceId, groupIds: c.groupIds },
  }));
  return {
    id: r.id!,
    name: String(r.inputs.privateEndpointName),
    type: "Microsoft.Network/privateEndpoints",
    location: String(r.inputs.location),
    properties: {
      privateLinkServiceConnections: connections,
      subnet: { id: (r.inputs.subnet as Obj).id },
    },
  };
}

/** One inline subnet of the VNet, as Subnets - Get returns it. */
function subnetAsArm(vnetId: string, s: Obj): ArmResource {
  const { name, ...properties } = s;
  return {
    id: `${vnetId}/subnets/${String(name)}`,
    name: String(name),
    type: "Microsoft.Network/virtualNetworks/subnets",
    properties,
  };
}

/** The VNet as Virtual Networks - Get returns it, its subnets inline. */
function vnetAsArm(r: PlanResource): ArmResource {
  return {
    id: r.id!,
    name: String(r.inputs.virtualNetworkName),
    type: "Microsoft.Network/virtualNetworks",
    location: String(r.inputs.location),
    properties: {
      addressSpace: r.inputs.addressSpace,
      subnets: (r.inputs.subnets as Obj[]).map((s) => subnetAsArm(r.id!, s)),
    },
  };
}

describe("guardrails follow network.inbound", function () {
  this.timeout(120000);
  let service: PlanResult;
  let staged: PlanResult;
  let priv: PlanResult;
  before(async () => {
    service = await planOf(devPrivate("serviceEndpoints"), "dev-private");
    staged = await planOf(devPrivate("serviceAndPrivateEndpoints"), "dev-private");
    priv = await planOf(devPrivate("privateEndpoints"), "dev-private");
  });

  const SERVICE_LAYER = {
    "mesh-subnet-only-its-site": "Default",
    "no-slot-on-mesh-site": "Default",
    "no-basic-auth-publishing": "Default",
    "no-federated-credential-on-mesh-identity": "Default",
  };

  it("serviceEndpoints: the seven service-layer rules, none of the private layer's", () => {
    assert.deepEqual(assigned(service), {
      ...SERVICE_LAYER,
      "no-private-endpoint-to-mesh-site-by-name": "Default",
      "no-private-endpoint-approval": "Default",
      "mesh-site-public-network-access": "Default",
    });
    assert.equal(ofType(service, R.policyDefinition).length, 7);
  });

  it("serviceAndPrivateEndpoints: endpoint subnets and their NSGs enforced, public access off assigned but not enforced", () => {
    assert.deepEqual(assigned(staged), {
      ...SERVICE_LAYER,
      "private-endpoint-only-in-mesh-subnets": "Default",
      "mesh-endpoint-subnet-enforces-nsg": "Default",
      "mesh-site-public-access-off": "DoNotEnforce",
    });
    // Its sites still have public access on: enforced, the rule would refuse every one of them.
    const sites = ofType(staged, T.app).map(siteAsArm);
    assert.equal(sites.length, 6);
    for (const site of sites) {
      assert.equal(site.properties!.publicNetworkAccess, "Enabled");
      assert.equal(effectOn(PUBLIC_ACCESS_OFF, site, params(staged)).effect, "deny");
    }
  });

  it("privateEndpoints: all three private-layer rules enforced; leaving it is an update of one assignment", () => {
    assert.deepEqual(assigned(priv), {
      ...SERVICE_LAYER,
      "private-endpoint-only-in-mesh-subnets": "Default",
      "mesh-endpoint-subnet-enforces-nsg": "Default",
      "mesh-site-public-access-off": "Default",
    });
    assert.equal(ofType(priv, R.policyDefinition).length, 7);
    // The same definitions and assignment URNs in the step between: no delete runs last.
    const urns = (p: PlanResult) =>
      [...ofType(p, R.policyDefinition), ...ofType(p, R.policyAssignment)].map((r) => r.urn).sort();
    assert.deepEqual(urns(staged), urns(priv));
    for (const omitted of PRIVATE_ENDPOINT_MODE_OMITS) {
      assert.ok(!(omitted in assigned(priv)), omitted);
      assert.ok(!(omitted in assigned(staged)), omitted);
    }
    assert.deepEqual(guardrailRulesFor("privateEndpoints").map((x) => x.rule.name).length, 7);
  });

  it("passes the mesh's prefix and network group to each private-layer rule, nothing per service", () => {
    const network = ofType(priv, T.rg).find((g) => g.name === "mesh-network")!;
    for (const a of ofType(priv, R.policyAssignment)) {
      const name = String(a.inputs.policyAssignmentName);
      if (!PRIVATE_RULES.some((r) => name.endsWith(r.name))) continue;
      const expected: Record<string, { value: unknown }> = {
        namePrefix: { value: "edges-dev-private" },
      };
      if (!name.endsWith("mesh-site-public-access-off"))
        expected.meshNetworkGroupId = { value: network.id };
      assert.deepEqual(a.inputs.parameters, expected, name);
    }
  });

  // namePrefix is at most 20 characters (contract schema.ts, NAME_PREFIX).
  it("keeps every definition and assignment name within 64 characters at the longest prefix (20)", () => {
    const prefix = "a".repeat(18) + "-z";
    assert.equal(prefix.length, 20);
    for (const r of allGuardrailRules()) {
      assert.ok(guardrailDefinitionName(prefix, r.name).length <= 64, r.name);
      assert.ok(guardrailAssignmentName(prefix, r.name).length <= 64, r.name);
    }
    assert.equal(
      guardrailDefinitionName(prefix, "private-endpoint-only-in-mesh-subnets").length,
      61,
    );
  });

  it("adding a callee (a new endpoint in the endpoint subnet) changes no definition or assignment", async () => {
    const grown = devPrivate("privateEndpoints");
    (grown["service-edges:services"] as Record<string, Obj>).ledger = {
      kind: "app",
      sku: "P1v3",
      maxInstances: 2,
      roles: ["Ledger.Read"],
    };
    (grown["service-edges:edges"] as Obj[]).push({
      from: "orders",
      to: "ledger",
      roles: ["Ledger.Read"],
    });
    const next = await planOf(grown, "dev-private");
    assert.equal(ofType(next, R.privateEndpoint).length, 6);
    assert.deepEqual(guardrailInputs(next), guardrailInputs(priv));
    assert.equal(guardrailInputs(priv).size, 14);
  });

  describe("the private layer's rules against the private-mode plan", () => {
    let p: Record<string, unknown>;
    let sites: ArmResource[];
    let endpoints: ArmResource[];
    let vnet: ArmResource;
    let endpointSubnets: ArmResource[];
    before(() => {
      p = params(priv);
      sites = ofType(priv, T.app).map(siteAsArm);
      endpoints = ofType(priv, R.privateEndpoint).map(endpointAsArm);
      vnet = vnetAsArm(ofType(priv, R.vnet)[0]);
      endpointSubnets = (vnet.properties!.subnets as ArmResource[])
        .filter((s) => s.name.startsWith("pe-"))
        .map((s) => ({ ...s }));
    });

    const denies = (r: GuardrailRule, resource: ArmResource) => {
      const got = effectOn(r, resource, p);
      assert.equal(got.error, undefined, `${r.name} failed to evaluate: ${got.error}`);
      return got.effect === "deny";
    };
    const denials = (resources: readonly ArmResource[]) =>
      resources.flatMap((res) =>
        PRIVATE_RULES.filter((r) => denies(r, res)).map((r) => `${r.name} denies ${res.id}`),
      );

    it("denies none of the plan's own sites, endpoints, VNet and endpoint subnet", () => {
      assert.equal(sites.length, 6);
      assert.equal(endpoints.length, 5);
      assert.equal(endpointSubnets.length, 1);
      assert.equal(endpointSubnets[0].name, "pe-10-40-1-0-25");
      assert.deepEqual(denials([...sites, ...endpoints, vnet, ...endpointSubnets]), []);
    });

    it("mesh-site-public-access-off: a site turned back to Enabled is denied, Disabled never", () => {
      const site = sites.find((s) => s.name === "edges-dev-private-billing")!;
      assert.equal(site.properties!.publicNetworkAccess, "Disabled");
      assert.equal(denies(PUBLIC_ACCESS_OFF, site), false);
      const opened = {
        ...site,
        properties: { ...site.properties, publicNetworkAccess: "Enabled" },
      };
      assert.deepEqual(denials([opened]), [`mesh-site-public-access-off denies ${site.id}`]);
      // A slot of a mesh site, both ways (no-slot-on-mesh-site refuses the slot itself too).
      const slot = (value: string): ArmResource => ({
        id: `${site.id}/slots/staging`,
        name: "staging",
        type: "Microsoft.Web/sites/slots",
        location: "westeurope",
        properties: { publicNetworkAccess: value },
      });
      assert.equal(denies(PUBLIC_ACCESS_OFF, slot("Enabled")), true);
      assert.equal(denies(PUBLIC_ACCESS_OFF, slot("Disabled")), false);
    });

    it("private-endpoint-only-in-mesh-subnets: an endpoint moved to a caller's integration subnet is denied", () => {
      const pe = endpoints.find((e) => e.name === "edges-dev-private-billing-pe")!;
      const moved = {
        ...pe,
        properties: { ...pe.properties, subnet: { id: `${vnet.id}/subnets/snet-orders` } },
      };
      assert.deepEqual(denials([moved]), [`private-endpoint-only-in-mesh-subnets denies ${pe.id}`]);
      // Another VNet's pe-* subnet is not the mesh's either.
      const elsewhere = {
        ...pe,
        properties: {
          ...pe.properties,
          subnet: {
            id: String((pe.properties!.subnet as Obj).id).replace(
              "edges-dev-private-network",
              "team-x",
            ),
          },
        },
      };
      assert.equal(denies(ENDPOINT_SUBNETS, elsewhere), true);
    });

    it("mesh-endpoint-subnet-enforces-nsg: network policies off, or the NSG removed, are denied, inline and on their own", () => {
      const [subnet] = endpointSubnets;
      const off = {
        ...subnet,
        properties: { ...subnet.properties, privateEndpointNetworkPolicies: "Disabled" },
      };
      const bare: Obj = { ...subnet.properties };
      delete bare.networkSecurityGroup;
      const unassociated = { ...subnet, properties: bare };
      assert.deepEqual(denials([off, unassociated]), [
        `mesh-endpoint-subnet-enforces-nsg denies ${subnet.id}`,
        `mesh-endpoint-subnet-enforces-nsg denies ${subnet.id}`,
      ]);
      const inline = (replacement: ArmResource): ArmResource => ({
        ...vnet,
        properties: {
          ...vnet.properties,
          subnets: (vnet.properties!.subnets as ArmResource[]).map((s) =>
            s.name === subnet.name ? replacement : s,
          ),
        },
      });
      assert.equal(denies(SUBNET_NSG, inline(off)), true);
      assert.equal(denies(SUBNET_NSG, inline(unassociated)), true);
      assert.equal(denies(SUBNET_NSG, inline(subnet)), false);
    });
  });
});
