/**
 * One plan in a fresh process, for the benchmark: prints {ms, maxRssMiB, resources} as JSON.
 * argv: "dev", a service count for a generated mesh, or `private<count>` for one in private mode
 * (network.inbound: privateEndpoints).
 */
import "../tools/plan/lazy-sdk-deps";
import { runPlan } from "../tools/plan/run";
import { readStackConfig, stackFile } from "../tools/plan/stack-config";
import { PROJECT_DIR } from "../tools/plan/run";
import { generatedMesh } from "./generate";
import { dependencyDepth } from "../tools/plan/depth";
import { withoutStackTraces } from "../tools/plan/stack-traces";

withoutStackTraces();
const which = process.argv[2] ?? "dev";
const config =
  which === "dev"
    ? readStackConfig(stackFile(PROJECT_DIR, "dev"), "dev")
    : which.startsWith("private")
      ? {
          stack: `gen${which}`,
          file: "<generated>",
          values: generatedMesh(Number(which.slice("private".length)), 10, "privateEndpoints"),
        }
      : { stack: `gen${which}`, file: "<generated>", values: generatedMesh(Number(which)) };
const t0 = performance.now();
runPlan({ config }).then((plan) => {
  const ms = performance.now() - t0;
  process.stdout.write(
    JSON.stringify({
      ms: Math.round(ms),
      maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      resources: plan.resources.length,
      depth: dependencyDepth(plan.resources),
    }) + "\n",
  );
});
