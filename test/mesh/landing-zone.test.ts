/**
 * The landing-zone test: Azure Landing Zones' Corp archetype denies App Service and Function apps
 * with public network access (built-ins 1b5ef780-... and 969ac98b-..., vendored under
 * test/fixtures/landing-zone with their source). A private-mode plan passes both on every site,
 * and none of the plan's own guardrails denies publicNetworkAccess Disabled.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { guardrailRules } from "service-edges/guardrail-rules";
import type { PlanResult } from "@service-edges/cli/run";
import { readStackConfig } from "@service-edges/cli/stack-config";
import { ROOT, T, devConfig, ofType, planOf } from "../fixtures";
import { type PolicyDefinitionBody, effectOn, siteAsArm } from "./support/policy-eval";

const FIXTURES = path.join(ROOT, "test", "fixtures", "landing-zone");
const DEF = "azure-native:authorization:PolicyDefinition";
const ASSIGN = "azure-native:authorization:PolicyAssignment";

/** A built-in definition as ALZ assigns it: its `effect` parameter set to Deny. */
function builtIn(file: string): PolicyDefinitionBody & { id: string } {
  const j = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), "utf8")) as {
    id: string;
    properties: PolicyDefinitionBody;
  };
  const rule = JSON.parse(
    JSON.stringify(j.properties.policyRule).replace("[parameters('effect')]", "Deny"),
  ) as PolicyDefinitionBody["policyRule"];
  return { id: j.id, mode: j.properties.mode, policyRule: rule };
}
const LANDING_ZONE = [
  builtIn("AppService_WebApp_PublicNetworkAccess_Audit.json"),
  builtIn("AppService_FunctionApp_PublicNetworkAccess_Audit.json"),
];

const denials = (defs: readonly (PolicyDefinitionBody & { id: string })[], plan: PlanResult) =>
  ofType(plan, T.app).flatMap((site) =>
    defs
      .filter((d) => effectOn(d, siteAsArm(site), {}).effect !== undefined)
      .map((d) => `${d.id.split("/").pop()} denies ${String(site.inputs.name)}`),
  );

/**
 * The parameter values the plan's guardrail assignments pass, lists joined across assignments
 * (each service group's assignment names only its own sites).
 */
function assignmentParams(plan: PlanResult): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of ofType(plan, ASSIGN))
    for (const [k, v] of Object.entries(a.inputs.parameters as Record<string, { value: unknown }>))
      out[k] =
        Array.isArray(v.value) && Array.isArray(out[k])
          ? [...new Set([...(out[k] as unknown[]), ...v.value])]
          : v.value;
  return out;
}

describe("landing zone: ALZ's public-network-access denies against a private-mode plan", () => {
  let priv: PlanResult;
  let dev: PlanResult;
  before(async () => {
    const file = path.join(ROOT, "Pulumi.dev-private.yaml");
    priv = await planOf(readStackConfig(file, "dev-private").values, "dev-private");
    dev = await planOf(devConfig().values, "dev");
  });

  it("denies no site of Pulumi.dev-private.yaml (5 web apps, 1 Function app)", () => {
    const kinds = ofType(priv, T.app).map((s) => s.inputs.kind);
    assert.deepEqual(kinds.filter((k) => k === "functionapp,linux").length, 1);
    assert.equal(kinds.length, 6);
    assert.deepEqual(denials(LANDING_ZONE, priv), []);
  });

  it("denies every site of the serviceEndpoints dev plan (so the check can fail)", () => {
    assert.deepEqual(denials(LANDING_ZONE, dev).sort(), [
      "1b5ef780-c53c-4a64-87f3-bb9c8c8094ba denies edges-dev-billing",
      "1b5ef780-c53c-4a64-87f3-bb9c8c8094ba denies edges-dev-catalog",
      "1b5ef780-c53c-4a64-87f3-bb9c8c8094ba denies edges-dev-orders",
      "1b5ef780-c53c-4a64-87f3-bb9c8c8094ba denies edges-dev-reports",
      "1b5ef780-c53c-4a64-87f3-bb9c8c8094ba denies edges-dev-web",
      "969ac98b-88a8-449f-883c-2e9adb123127 denies edges-dev-inventory",
    ]);
  });

  it("no guardrail of the private-mode plan denies its sites with publicNetworkAccess Disabled", () => {
    const params = assignmentParams(priv);
    const own = ofType(priv, DEF).map((d) => ({
      id: String(d.inputs.policyDefinitionName),
      mode: String(d.inputs.mode),
      policyRule: d.inputs.policyRule as PolicyDefinitionBody["policyRule"],
    }));
    // The service layer's rules but the three that refuse the private layer, and the private
    // layer's three (private-mode-guardrail-rules.ts), among them its public-access-off rule.
    assert.equal(own.length, guardrailRules().length - 3 + 3);
    assert.ok(own.some((d) => d.id === "edges-dev-private-mesh-site-public-access-off-v2"));
    const sites = ofType(priv, T.app).map(siteAsArm);
    for (const site of sites) assert.equal(site.properties!.publicNetworkAccess, "Disabled");
    const denied = sites.flatMap((site) =>
      own.filter((d) => effectOn(d, site, params).effect !== undefined).map((d) => d.id),
    );
    assert.deepEqual(denied, []);
    // What the plan's guardrails do deny is the way back: each site with public access Enabled.
    const reopened = sites.flatMap((site) =>
      own
        .filter(
          (d) =>
            effectOn(
              d,
              { ...site, properties: { ...site.properties, publicNetworkAccess: "Enabled" } },
              params,
            ).effect !== undefined,
        )
        .map((d) => d.id),
    );
    assert.deepEqual([...new Set(reopened)], ["edges-dev-private-mesh-site-public-access-off-v2"]);
    assert.equal(reopened.length, 6);
    // The serviceEndpoints rule set would have: its public-access rule denies each of them.
    const all = guardrailRules().map((r) => ({
      id: r.name,
      mode: r.mode,
      policyRule: r.policyRule,
    }));
    const wouldDeny = sites.flatMap((site) =>
      all
        .filter((d) => effectOn(d as PolicyDefinitionBody, site, params).effect !== undefined)
        .map((d) => d.id),
    );
    assert.deepEqual([...new Set(wouldDeny)], ["mesh-site-public-network-access"]);
    assert.equal(wouldDeny.length, 6);
  });
});
