import * as assert from "assert";
import type {
  PolicyResource,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { OfflineResource, runPolicies } from "@service-edges/policy/offline";
import { U, UNKNOWN, baseline, mutate } from "./fixtures";

const noDefault = () =>
  mutate(baseline(), "billing-app", (p) => delete p.siteConfig.ipSecurityRestrictionsDefaultAction);

describe("offline runner (policy/offline.ts)", () => {
  it("reports with the policy's level, overridable per policy, and skips disabled policies", async () => {
    const levels = async (config?: Record<string, { enforcementLevel?: string }>) =>
      (await runPolicies(noDefault(), { config }))
        .filter((v) => v.policy === "mesh-site-default-deny")
        .map((v) => v.enforcementLevel);
    assert.deepStrictEqual(await levels(), ["mandatory"]);
    assert.deepStrictEqual(
      await levels({ "mesh-site-default-deny": { enforcementLevel: "advisory" } }),
      ["advisory"],
    );
    assert.deepStrictEqual(
      await levels({ "mesh-site-default-deny": { enforcementLevel: "remediate" } }),
      ["mandatory"],
    );
    assert.deepStrictEqual(
      await levels({ "mesh-site-default-deny": { enforcementLevel: "disabled" } }),
      [],
    );
  });

  it("refuses an invalid enforcement level", () =>
    assert.rejects(
      runPolicies(baseline(), {
        config: { "assignment-required": { enforcementLevel: "strict" } },
      }),
      /invalid enforcement level "strict" for policy "assignment-required"/,
    ));

  it("hands getConfig() the configSchema defaults under the configured values", async () => {
    const seen: unknown[] = [];
    const probe: StackValidationPolicy = {
      name: "probe",
      description: "Probe.",
      enforcementLevel: "advisory",
      configSchema: { properties: { a: { type: "integer", default: 2 }, b: { type: "string" } } },
      validateStack: (args) => void seen.push(args.getConfig()),
    };
    await runPolicies([], { policies: [probe] });
    await runPolicies([], {
      policies: [probe],
      config: { probe: { enforcementLevel: "mandatory", b: "x" } },
    });
    assert.deepStrictEqual(seen, [{ a: 2 }, { a: 2, b: "x" }]);
  });

  it("gives stack policies parent, dependencies and propertyDependencies as resources", async () => {
    let got: PolicyResource | undefined;
    const probe: StackValidationPolicy = {
      name: "probe",
      description: "Probe.",
      validateStack: (args) => {
        got = args.resources.find((r) => r.urn === U.billingSp);
      },
    };
    const resources = mutate(
      baseline(),
      "billing-sp",
      (_p, r) => (r.parent = U.billingApplication),
    );
    await runPolicies(resources, { policies: [probe] });
    assert.strictEqual(got?.parent?.urn, U.billingApplication);
    assert.deepStrictEqual(
      got?.dependencies.map((d) => d.urn),
      [U.billingApplication],
    );
    assert.deepStrictEqual(
      got?.propertyDependencies.clientId.map((d) => d.urn),
      [U.billingApplication],
    );
  });

  it("runs resource policies on every resource, in policy then resource order", async () => {
    const names: string[] = [];
    const first: ResourceValidationPolicy = {
      name: "first",
      description: "First.",
      enforcementLevel: "mandatory",
      validateResource: (args, report) => {
        names.push(args.name);
        if (args.name === "billing-sp") report("first says so");
      },
    };
    const second: StackValidationPolicy = {
      name: "second",
      description: "Second.",
      validateStack: (_args, report) => report(""),
    };
    const out = await runPolicies(baseline(), { policies: [second, first] });
    assert.deepStrictEqual(
      names,
      baseline().map((r) => r.name),
    );
    assert.deepStrictEqual(out, [
      { policy: "second", enforcementLevel: "advisory", message: "Second." },
      {
        policy: "first",
        enforcementLevel: "mandatory",
        urn: U.billingSp,
        message: "first says so",
      },
    ]);
  });

  it("runs both validations of a policy that has both, resource ones first", async () => {
    const both: ResourceValidationPolicy & Pick<StackValidationPolicy, "validateStack"> = {
      name: "both",
      description: "Both.",
      enforcementLevel: "mandatory",
      validateResource: (args, report) => {
        if (args.name === "billing-sp") report("alone");
      },
      validateStack: (_args, report) => report("with the stack", U.billingApp),
    };
    assert.deepStrictEqual(await runPolicies(baseline(), { policies: [both] }), [
      { policy: "both", enforcementLevel: "mandatory", urn: U.billingSp, message: "alone" },
      {
        policy: "both",
        enforcementLevel: "mandatory",
        urn: U.billingApp,
        message: "with the stack",
      },
    ]);
  });

  it("treats notApplicable() as silence and names the policy and resource of any other error", async () => {
    const quiet: ResourceValidationPolicy = {
      name: "quiet",
      description: "Quiet.",
      validateResource: (args) => args.notApplicable("not mine"),
    };
    assert.deepStrictEqual(await runPolicies(baseline(), { policies: [quiet] }), []);
    const broken: ResourceValidationPolicy = {
      name: "broken",
      description: "Broken.",
      validateResource: () => {
        throw new Error("boom");
      },
    };
    await assert.rejects(
      runPolicies(baseline(), { policies: [broken] }),
      /policy "broken" failed on urn:pulumi:dev::service-edges::azure-native:network:VirtualNetwork::mesh-vnet: Error: boom/,
    );
  });

  it("gives the same result on every run", async () => {
    const resources: OfflineResource[] = mutate(
      noDefault(),
      "billing-sp",
      (p) => (p.appRoleAssignmentRequired = false),
    );
    const a = await runPolicies(resources);
    const b = await runPolicies(structuredClone(resources));
    assert.deepStrictEqual(a, b);
    assert.deepStrictEqual(
      a.map((v) => v.policy),
      ["mesh-site-default-deny", "assignment-required"],
    );
  });

  it("passes unknown sentinels through to the policies, which stay quiet", async () => {
    const resources = mutate(
      noDefault(),
      "billing-app",
      (p) => (p.siteConfig.ipSecurityRestrictionsDefaultAction = UNKNOWN),
    );
    assert.deepStrictEqual(await runPolicies(resources), []);
  });
});
