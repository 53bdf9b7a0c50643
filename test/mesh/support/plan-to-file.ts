/**
 * One plan in its own process, for tests of large meshes: argv CONFIG_JSON OUT_JSON STACK. Reads
 * the stack config's values, plans them, writes `{ resources: [{ urn, type, name, inputs }] }`.
 * Run with the plan scripts' flags (package.json), so a 1,000-service plan takes what `npm run
 * plan` takes rather than what a long-lived test process with default heap settings takes.
 */
import "@service-edges/cli/lazy-sdk-deps";
import * as fs from "node:fs";
import { runPlan } from "@service-edges/cli/run";
import { withoutStackTraces } from "@service-edges/cli/stack-traces";

withoutStackTraces();
const [configFile, outFile, stack] = process.argv.slice(2);
const values = JSON.parse(fs.readFileSync(configFile, "utf8")) as Record<string, unknown>;
runPlan({ config: { stack, file: "<generated>", values } }).then((plan) => {
  const resources = plan.resources.map(({ urn, type, name, inputs }) => ({
    urn,
    type,
    name,
    inputs,
  }));
  fs.writeFileSync(outFile, JSON.stringify({ resources }));
});
