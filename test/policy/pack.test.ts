import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { policies } from "@service-edges/policy/policies";
import { AppSettingNames } from "@service-edges/contract/app-settings";
import {
  UNKNOWN,
  baseline,
  mutate,
  preview,
  readBack,
  separateSubnet,
  systemAssigned,
  withoutIds,
} from "./fixtures";
import { SOURCE_NODE_FLAGS } from "../fixtures";
import { assertNoViolation, violationsOf } from "./helpers";

const POLICY_DIR = path.join(__dirname, "..", "..", "policy");

describe("policy pack: contents", () => {
  it("lists every policy once, kebab-case, with an explicit level and a full-sentence description", () => {
    assert.deepStrictEqual(
      policies.map((p) => [p.name, p.enforcementLevel]),
      [
        ["no-private-endpoint-callee", "mandatory"],
        ["private-endpoint-subnet-enforces-nsg", "mandatory"],
        ["private-endpoint-in-mesh-subnet", "mandatory"],
        ["private-endpoint-nsg-admits-only-callers", "mandatory"],
        ["private-endpoint-nsg-denies-virtual-network", "mandatory"],
        ["private-mesh-site-public-access-disabled", "mandatory"],
        ["mesh-site-default-deny", "mandatory"],
        ["mesh-site-changes-readable", "mandatory"],
        ["assignment-required", "mandatory"],
        ["distinguishable-callers", "mandatory"],
        ["no-shared-caller-identity", "mandatory"],
        ["integration-subnet-service-endpoint", "mandatory"],
        ["integration-subnet-size", "mandatory"],
        ["network-edge-has-identity-edge", "advisory"],
        ["vnet-rule-source-is-integration-subnet", "advisory"],
        ["shadow-enforcement", "advisory"],
        ["shadow-enforcement-expired", "mandatory"],
      ],
    );
    for (const p of policies) {
      assert.match(p.name, /^[a-z]+(-[a-z]+)*$/);
      assert.match(p.description, /^[A-Z].{80,}\.$/s, p.name);
    }
  });

  it("keeps one policy per file under policy/policies/", () => {
    const files = fs.readdirSync(path.join(POLICY_DIR, "policies")).sort();
    assert.deepStrictEqual(files, policies.map((p) => `${p.name}.ts`).sort());
  });

  it("imports @pulumi/* only as types outside index.ts", () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (e.name !== "node_modules") walk(full);
        } else if (e.name.endsWith(".ts") && full !== path.join(POLICY_DIR, "index.ts")) {
          const src = fs.readFileSync(full, "utf8");
          for (const m of src.matchAll(/^import (?!type )[^;]*from "(@pulumi\/[^"]+)"/gm)) {
            offenders.push(`${path.relative(POLICY_DIR, full)}: ${m[1]}`);
          }
          if (/require\(["']@pulumi\//.test(src)) offenders.push(path.relative(POLICY_DIR, full));
        }
      }
    };
    walk(POLICY_DIR);
    assert.deepStrictEqual(offenders, []);
  });

  it("loads the policies and the offline runner without loading any Pulumi SDK module", () => {
    const script =
      'require("./policy/policies"); require("./policy/offline");' +
      "const loaded = Object.keys(require.cache).filter((f) => /[\\\\/]@pulumi[\\\\/]/.test(f));" +
      "process.stdout.write(JSON.stringify(loaded));";
    const out = execFileSync(process.execPath, [...SOURCE_NODE_FLAGS, "-e", script], {
      cwd: path.join(POLICY_DIR, ".."),
      encoding: "utf8",
    });
    assert.deepStrictEqual(JSON.parse(out), []);
  });

  for (const setting of [AppSettingNames.audiences, AppSettingNames.allowedCallers]) {
    it(`tells a callee by the ${setting} app setting the component writes`, async () => {
      // Nothing else makes the site a mesh site: its rules are unknown, its default Allow.
      const resources = mutate(baseline(), "billing-app", (p) => {
        p.siteConfig.ipSecurityRestrictions = UNKNOWN;
        p.siteConfig.ipSecurityRestrictionsDefaultAction = "Allow";
        p.siteConfig.appSettings = [{ name: setting, value: "[]" }];
      });
      const found = (await violationsOf(resources))
        .filter((v) => v.policy === "mesh-site-default-deny")
        .map((v) => v.message.slice(0, v.message.indexOf(" but ")));
      assert.deepStrictEqual(found, [
        `WebApp "billing-app" is a mesh site (callee app setting ${setting})`,
      ]);
    });
  }
});

describe("policy pack: the clean baseline mesh", () => {
  it("passes with inline subnets and a user-assigned identity", () =>
    assertNoViolation(baseline()));
  it("passes with a separately declared Subnet", () => assertNoViolation(separateSubnet()));
  it("passes with a system-assigned identity", () => assertNoViolation(systemAssigned()));
  it("passes as read back without azure-native ids (correlation by names)", () =>
    assertNoViolation(withoutIds()));
  it("passes as read back without ids, with a separate Subnet", () =>
    assertNoViolation(withoutIds(separateSubnet())));
  it("passes as AnalyzeStack reads it back (provider outputs)", async () => {
    await assertNoViolation(readBack());
    await assertNoViolation(readBack(separateSubnet()));
    await assertNoViolation(readBack(systemAssigned()));
  });
  it("passes in a first preview where every Azure and Entra id is unknown", () =>
    assertNoViolation(preview()));
});
