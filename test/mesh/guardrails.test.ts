/**
 * Guardrails outside Pulumi: the Azure Policy definitions and assignments the mesh registers (under
 * mocks), and each generated rule run against the exact ARM JSON of compliant and violating
 * resources (test/fixtures/arm/<rule>/{compliant,violating}-*.json).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, RESOURCE_TYPES, TYPES, buildServiceGraph } from "@service-edges/contract";
import {
  ALIASES,
  type GuardrailRule,
  aliasesIn,
  guardrailAssignmentName,
  guardrailDefinitionName,
  guardrailParameters,
  guardrailRules,
} from "service-edges/guardrail-rules";
import type { PlanResult } from "@service-edges/cli/run";
import { runPlan } from "@service-edges/cli/run";
import {
  ALL_ALIASES,
  allGuardrailRules,
  guardrailRulesFor,
} from "service-edges/private-mode-guardrail-rules";
import { ROOT, T, type Values, clone, ofType, one, planOf, smallConfig } from "../fixtures";
import { ALIAS_PATHS, type ArmResource, effectOn, siteAsArm } from "./support/policy-eval";

const DEF = RESOURCE_TYPES.policyDefinition;
const ASSIGN = RESOURCE_TYPES.policyAssignment;
const RULES = guardrailRules();
const EVERY_RULE = allGuardrailRules();
const byName = new Map(EVERY_RULE.map((r) => [r.name, r]));
/**
 * The rules enforced together with a rule where it is first enforced: serviceEndpoints for the
 * service layer's, privateEndpoints for the private layer's (the two public-access rules are
 * never assigned together).
 */
const enforcedWith = (ruleName: string) =>
  (["serviceEndpoints", "privateEndpoints"] as const)
    .map((mode) =>
      guardrailRulesFor(mode)
        .filter((x) => x.enforcementMode === "Default")
        .map((x) => x.rule),
    )
    .find((rules) => rules.some((r) => r.name === ruleName))!;

const withGuardrails = (value: unknown): Values => ({
  ...clone(smallConfig()),
  "service-edges:guardrails": value,
});

describe("guardrails outside Pulumi", () => {
  describe("under mocks", () => {
    let plan: PlanResult;
    let off: PlanResult;
    before(async () => {
      plan = await planOf(smallConfig());
      off = await planOf(withGuardrails(false));
    });

    const groupId = (p: PlanResult, local: string) => one(p, T.rg, local).id!;
    const serviceGroups = (p: PlanResult) =>
      ofType(p, T.rg)
        .filter((g) => /^mesh-(ep-|classic-)?g\d\d$/.test(g.name))
        .map((g) => g.id!);

    it("defines every rule once, at the subscription, named from the mesh's prefix", () => {
      const defs = ofType(plan, DEF);
      assert.equal(defs.length, RULES.length);
      assert.equal(RULES.length, 7);
      const sub = (plan.outputs.vnetId as string).split("/").slice(0, 3).join("/");
      for (const r of RULES) {
        const d = one(plan, DEF, `guardrails-${r.name}`);
        const name = guardrailDefinitionName("edges-test", r.name);
        assert.equal(d.inputs.policyDefinitionName, name);
        assert.ok(name.length <= 64, `${name} is longer than 64 characters`);
        assert.equal(d.id, `${sub}/providers/Microsoft.Authorization/policyDefinitions/${name}`);
        assert.equal(d.inputs.mode, r.mode);
        assert.equal(d.inputs.policyType, "Custom");
        assert.deepEqual(d.inputs.policyRule, r.policyRule);
        assert.deepEqual((d.inputs.policyRule as GuardrailRule["policyRule"]).then, {
          effect: "deny",
        });
        assert.deepEqual(d.inputs.parameters, r.parameters);
        assert.ok(d.parent?.endsWith(`${TYPES.guardrails}::mesh-guardrails`));
      }
    });

    it("assigns each rule once at the subscription, the identities rule to the identities' group", () => {
      const identities = groupId(plan, "identities");
      assert.equal(serviceGroups(plan).length, 3);
      const subscription = identities.split("/").slice(0, 3).join("/");
      assert.match(subscription, /^\/subscriptions\/[0-9a-f-]+$/);
      const expected = RULES.map(
        (r) => `${r.name} @ ${r.scope === "subscription" ? subscription : identities}`,
      );
      const assignments = ofType(plan, ASSIGN);
      const got = assignments.map((a) => {
        const rule = RULES.find(
          (r) => a.inputs.policyDefinitionId === one(plan, DEF, `guardrails-${r.name}`).id,
        )!;
        return `${rule.name} @ ${a.inputs.scope as string}`;
      });
      assert.deepEqual(got.sort(), expected.sort());
      // 6 rules once at the subscription, 1 on the identities' group; none per service group.
      assert.equal(assignments.length, 6 + 1);
      for (const a of assignments) {
        const name = a.inputs.policyAssignmentName as string;
        assert.match(name, /^edges-test-[a-z-]+$/);
        assert.ok(
          RULES.some((r) => name === guardrailAssignmentName("edges-test", r.name)),
          name,
        );
        assert.ok(name.length <= 64 && !/[<>*%&:\\?.+/]/.test(name), name);
        assert.equal(a.inputs.enforcementMode, "Default");
        assert.equal(
          a.id,
          `${a.inputs.scope as string}/providers/Microsoft.Authorization/policyAssignments/${name}`,
        );
      }
    });

    it("passes the mesh's prefix and network group, and no list of its services", () => {
      const expected = {
        namePrefix: "edges-test",
        meshNetworkGroupId: groupId(plan, "network"),
      };
      assert.match(expected.meshNetworkGroupId, /\/resourceGroups\/edges-test-network$/);
      for (const a of ofType(plan, ASSIGN)) {
        const rule = [...byName.values()].find((r) =>
          (a.inputs.policyAssignmentName as string).endsWith(r.name),
        )!;
        assert.deepEqual(
          a.inputs.parameters,
          Object.fromEntries(
            Object.keys(rule.parameters).map((k) => [
              k,
              { value: expected[k as keyof typeof expected] },
            ]),
          ),
        );
      }
      // Only the subnet rule needs the network group.
      assert.deepEqual(
        RULES.filter((r) => "meshNetworkGroupId" in r.parameters).map((r) => r.name),
        ["mesh-subnet-only-its-site"],
      );
    });

    it("puts every identity in <prefix>-identities, a group holding nothing else", () => {
      const group = one(plan, T.rg, "identities");
      assert.equal(group.inputs.resourceGroupName, "edges-test-identities");
      assert.deepEqual(
        ofType(plan, T.uami).map((u) => u.inputs.resourceGroupName),
        ["edges-test-identities", "edges-test-identities", "edges-test-identities"],
      );
      const inGroup = plan.resources.filter(
        (r) => r.type !== T.rg && r.inputs.resourceGroupName === "edges-test-identities",
      );
      assert.deepEqual(new Set(inGroup.map((r) => r.type)), new Set([T.uami]));
      // The apps still name each identity by its id, now in the identities' group.
      assert.deepEqual(
        (one(plan, T.app, "a").inputs.identity as { userAssignedIdentities: string[] })
          .userAssignedIdentities,
        [one(plan, T.uami, "a").id],
      );
      assert.match(one(plan, T.uami, "a").id!, /\/resourceGroups\/edges-test-identities\//);
    });

    it("guardrails: false registers no policy and leaves each identity in its service's group", () => {
      assert.equal(ofType(off, DEF).length, 0);
      assert.equal(ofType(off, ASSIGN).length, 0);
      assert.equal(ofType(off, TYPES.guardrails).length, 0);
      assert.equal(
        ofType(off, T.rg).some((g) => g.name === "mesh-identities"),
        false,
      );
      for (const s of ["a", "b", "c"]) {
        assert.equal(
          one(off, T.uami, s).inputs.resourceGroupName,
          one(off, T.plan, s).inputs.resourceGroupName,
        );
      }
      // Everything else is what the mesh registers with guardrails on.
      const others = (p: PlanResult) =>
        p.resources
          .filter((r) => ![DEF, ASSIGN, TYPES.guardrails as string].includes(r.type))
          .filter((r) => r.name !== "mesh-identities")
          .map((r) => r.urn)
          .sort();
      assert.deepEqual(others(off), others(plan));
    });

    it("reads guardrails as true/false or their text, and refuses anything else naming the key", async () => {
      const text = await planOf(withGuardrails("false"));
      assert.equal(ofType(text, DEF).length, 0);
      const build = (v: unknown) =>
        buildServiceGraph({
          stack: "test",
          location: "westeurope",
          network: { addressSpace: "10.10.0.0/16" },
          services: { a: { kind: "app", sku: "P1v3", maxInstances: 1 } },
          guardrails: v,
        });
      assert.equal(build(undefined).guardrails, true);
      assert.equal(build("true").guardrails, true);
      assert.equal(build(false).guardrails, false);
      assert.throws(
        () => build("yes"),
        (e: unknown) =>
          e instanceof ConfigError &&
          e.issues.length === 1 &&
          e.issues[0].path === "service-edges:guardrails" &&
          /expected true or false, got "yes"/.test(e.issues[0].message) &&
          /guardrails false/.test(e.issues[0].fix),
      );
    });

    it("gives two meshes in one stack definitions and assignments of their own", async () => {
      const two = await runPlan({
        config: { stack: "dev", file: "<memory>", values: {} },
        program: path.join(ROOT, "test", "programs", "two-meshes.ts"),
      });
      const names = ofType(two, DEF).map((d) => d.inputs.policyDefinitionName as string);
      assert.equal(names.length, 2 * RULES.length);
      assert.equal(new Set(names).size, names.length);
      assert.ok(
        names.some((n) => n.startsWith("blue-")) && names.some((n) => n.startsWith("green-")),
      );
      const ids = ofType(two, ASSIGN).map((a) => a.id);
      assert.equal(new Set(ids).size, ids.length);
    });

    it("denies none of the program's own sites and publishing policies", () => {
      const params = Object.fromEntries(
        ofType(plan, ASSIGN).flatMap((a) =>
          Object.entries(a.inputs.parameters as Record<string, { value: unknown }>).map(
            ([k, v]) => [k, v.value],
          ),
        ),
      );
      const own = [...ofType(plan, T.app).map(siteAsArm), ...publishingPolicies(plan)];
      assert.equal(own.length, 9);
      for (const resource of own) {
        for (const r of RULES) {
          assert.deepEqual(effectOn(r, resource, params), {}, `${r.name} on ${resource.id}`);
        }
      }
    });
  });

  describe("rules against the ARM JSON of resources", () => {
    /** The mesh the fixtures belong to: edges-prod, orders (a caller) and billing (a callee). */
    const SUB = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590";
    const params = guardrailParameters("edges-prod", `${SUB}/resourceGroups/edges-prod-network`);
    const asParams = params as unknown as Record<string, unknown>;
    const FIXTURES = path.join(ROOT, "test", "fixtures", "arm");

    it("uses only aliases that Microsoft built-in definitions use, each cited", () => {
      const used = new Set(RULES.flatMap((r) => aliasesIn(r.policyRule)));
      assert.ok(used.size >= 8);
      for (const alias of used) {
        assert.ok(ALIASES[alias], `${alias} is not in ALIASES (no Microsoft built-in cited)`);
        assert.ok(ALIAS_PATHS[alias], `${alias} has no ARM path in the evaluator`);
      }
      assert.deepEqual(Object.keys(ALIASES).sort(), [...used].sort(), "ALIASES lists unused ones");
      const everyUsed = new Set(EVERY_RULE.flatMap((r) => aliasesIn(r.policyRule)));
      for (const alias of everyUsed) {
        assert.ok(ALL_ALIASES[alias], `${alias} has no Microsoft definition cited`);
        assert.ok(ALIAS_PATHS[alias], `${alias} has no ARM path in the evaluator`);
      }
      assert.deepEqual(Object.keys(ALL_ALIASES).sort(), [...everyUsed].sort());
      for (const [alias, c] of Object.entries(ALL_ALIASES)) {
        if (c.repo) {
          // Azure Landing Zones' definitions, where no azure-policy built-in uses the alias.
          assert.match(c.repo, /^Azure\/Enterprise-Scale@[0-9a-f]{40}$/, alias);
          assert.match(
            c.builtIn,
            /^src\/resources\/Microsoft\.Authorization\/policyDefinitions\/[^/]+\.json$/,
            alias,
          );
          assert.equal(
            c.builtIn,
            `src/resources/Microsoft.Authorization/policyDefinitions/${c.definitionId}.json`,
          );
          continue;
        }
        assert.match(
          c.builtIn,
          /^built-in-policies\/policyDefinitions\/[^/]+\/[^/]+\.json$/,
          alias,
        );
        assert.match(c.definitionId, /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/, alias);
      }
      // The functions a rule calls are ones Azure Policy supports in rules (and the evaluator runs).
      const calls = JSON.stringify(EVERY_RULE).match(/[A-Za-z]+(?=\()/g) ?? [];
      assert.deepEqual([...new Set(calls)].sort(), [
        "coalesce",
        "concat",
        "current",
        "field",
        "first",
        "last",
        "parameters",
        "skip",
        "split",
      ]);
    });

    it("has a compliant and a violating resource for every rule", () => {
      for (const r of EVERY_RULE) {
        const files = fs.readdirSync(path.join(FIXTURES, r.name));
        assert.ok(
          files.some((f) => f.startsWith("compliant-")),
          `${r.name}: no compliant fixture`,
        );
        assert.ok(
          files.some((f) => f.startsWith("violating-")),
          `${r.name}: no violating fixture`,
        );
      }
      assert.deepEqual(
        fs
          .readdirSync(FIXTURES)
          .filter((d) => !d.endsWith(".md"))
          .sort(),
        [...byName.keys()].sort(),
      );
    });

    for (const rule of allGuardrailRules()) {
      const dir = path.join(ROOT, "test", "fixtures", "arm", rule.name);
      for (const file of fs.readdirSync(dir).sort()) {
        const violating = file.startsWith("violating-");
        it(`${rule.name}: ${file.replace(/\.json$/, "")} is ${violating ? "denied by it alone" : "allowed by every rule"}`, () => {
          const resource = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as ArmResource;
          const together = enforcedWith(rule.name);
          assert.ok(together.length >= 7, rule.name);
          for (const r of together) {
            const got = effectOn(r, resource, asParams);
            assert.equal(got.error, undefined, `${r.name} failed to evaluate: ${got.error}`);
            assert.equal(
              got.effect,
              violating && r.name === rule.name ? "deny" : undefined,
              `${r.name} on ${file}`,
            );
          }
        });
      }
    }

    it("names sites, not anything of that name: without the sites check a vault named like a site would be denied", () => {
      const rule = byName.get("no-private-endpoint-to-mesh-site-by-name")!;
      const loose = JSON.parse(JSON.stringify(rule)) as GuardrailRule;
      const count = (loose.policyRule.if.allOf as Array<Record<string, unknown>>)[1].count as {
        where: { allOf: unknown[] };
      };
      count.where.allOf.shift();
      const vault = JSON.parse(
        fs.readFileSync(
          path.join(FIXTURES, rule.name, "compliant-other-type-with-a-site-name.json"),
          "utf8",
        ),
      ) as ArmResource;
      assert.equal(effectOn(loose, vault, asParams).effect, "deny");
      assert.deepEqual(effectOn(rule, vault, asParams), {});
    });

    it("guards template functions: without coalesce a site outside every subnet would be denied", () => {
      const rule = byName.get("mesh-subnet-only-its-site")!;
      const unguarded = JSON.parse(
        JSON.stringify(rule)
          .split("coalesce(field('Microsoft.Web/sites/virtualNetworkSubnetId'), '')")
          .join("field('Microsoft.Web/sites/virtualNetworkSubnetId')"),
      ) as GuardrailRule;
      assert.notDeepEqual(unguarded, rule);
      const site = JSON.parse(
        fs.readFileSync(
          path.join(FIXTURES, "mesh-subnet-only-its-site", "compliant-not-integrated.json"),
          "utf8",
        ),
      ) as ArmResource;
      assert.equal(effectOn(unguarded, site, asParams).effect, "deny");
      assert.deepEqual(effectOn(rule, site, asParams), {});
    });
  });
});

/** The FTP and SCM publishing policies the plan registered, as ARM returns them. */
function publishingPolicies(plan: PlanResult): ArmResource[] {
  return ["azure-native:web:WebAppFtpAllowed", "azure-native:web:WebAppScmAllowed"].flatMap(
    (type) =>
      ofType(plan, type).map((r) => ({
        id: r.id!,
        name: r.id!.split("/").pop()!,
        type: "Microsoft.Web/sites/basicPublishingCredentialsPolicies",
        properties: { allow: r.inputs.allow },
      })),
  );
}
