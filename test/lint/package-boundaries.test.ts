import { strict as assert } from "node:assert";
import * as path from "node:path";
import { ESLint, type Linter } from "eslint";

const ROOT = path.join(__dirname, "..", "..");
const RULE = "package-boundaries/no-cross-package-relative-import";

describe("lint: no-cross-package-relative-import (with the repository's eslint.config.mjs)", () => {
  let eslint: ESLint;
  before(() => {
    eslint = new ESLint({ cwd: ROOT });
  });

  /** The rule's messages for `code` linted as if it were the file at `file` (relative to ROOT). */
  async function lint(code: string, file: string): Promise<Linter.LintMessage[]> {
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
    assert.ok(result, `no lint result for ${file}`);
    const fatal = result.messages.filter((m) => m.fatal);
    assert.deepEqual(fatal, [], `${file} did not parse`);
    return result.messages.filter((m) => m.ruleId === RULE);
  }

  it("lets a relative import stay inside its package", async () => {
    assert.deepEqual(await lint(`import { a } from "../fixtures";`, "test/policy/x.test.ts"), []);
    assert.deepEqual(
      await lint(`import { run } from "@service-edges/cli/run";`, "test/x.test.ts"),
      [],
    );
    assert.deepEqual(await lint(`export * from "./cidr";`, "policy/lib/x.ts"), []);
  });

  it("refuses a test of the root package reaching into the policy pack", async () => {
    const messages = await lint(
      `import { policies } from "../../policy/policies";`,
      "test/policy/x.test.ts",
    );
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.severity, 2);
    assert.equal(
      messages[0]!.message,
      '"../../policy/policies" climbs out of package "service-edges-stack" into ' +
        '"@service-edges/policy": import it by name ("@service-edges/policy/...") and export ' +
        "what you need from that package.",
    );
  });

  it("refuses re-exports and type-only imports across packages", async () => {
    const messages = await lint(
      [
        `export * from "../../packages/contract/src/sizing";`,
        `export { TYPES } from "../../packages/contract/src/index";`,
        `import type { Sizing } from "../../packages/contract/src/sizing";`,
        `export type S = typeof import("../../packages/contract/src/sizing");`,
        `export type T = Sizing;`,
      ].join("\n"),
      "policy/lib/x.ts",
    );
    assert.deepEqual(
      messages.map((m) => m.line),
      [1, 2, 3, 4],
    );
    for (const m of messages) assert.match(m.message, /into "@service-edges\/contract"/);
  });

  it("refuses require() and import() out of the root package into the component", async () => {
    const messages = await lint(
      [
        `const mesh = require("../components/service-mesh");`,
        `export const load = () => import("../components/args");`,
        `export { mesh };`,
      ].join("\n"),
      "tools/x.ts",
    );
    assert.deepEqual(
      messages.map((m) => m.line),
      [1, 2],
    );
    for (const m of messages) {
      assert.match(
        m.message,
        /into "service-edges": import it by name \("service-edges\/\.\.\."\)/,
      );
    }
  });

  it("lets packages import each other by name", async () => {
    const code = [
      `import { TYPES } from "@service-edges/contract";`,
      `import { policies } from "@service-edges/policy/policies";`,
      `export { TYPES, policies };`,
    ].join("\n");
    assert.deepEqual(await lint(code, "test/policy/x.test.ts"), []);
    assert.deepEqual(await lint(code, "policy/lib/x.ts"), []);
  });
});
