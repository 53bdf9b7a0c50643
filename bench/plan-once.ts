/**
 * One plan in a fresh process, for the benchmark: prints {ms, maxRssMiB, resources, depth,
 * policy} as JSON, `policy` being the largest Azure Policy request body the plan would send.
 * argv: "dev", a service count for a generated mesh, `private<count>` for one in private mode
 * (network.inbound: privateEndpoints), or `platform:N` for the platform stack of a generated org
 * of N services (bench/generate.ts).
 */
import "@service-edges/cli/lazy-sdk-deps";
import { runPlan } from "@service-edges/cli/run";
import { readStackConfig, stackFile } from "@service-edges/cli/stack-config";
import { PROJECT_DIR } from "@service-edges/cli/run";
import { generatedMesh, generatedOrg } from "./generate";
import { dependencyDepth } from "@service-edges/cli/depth";
import { policyRequestSizes } from "@service-edges/cli/policy-request-size";
import { withoutStackTraces } from "@service-edges/cli/stack-traces";

withoutStackTraces();
const which = process.argv[2] ?? "dev";
function configOf(which: string) {
  if (which === "dev") return readStackConfig(stackFile(PROJECT_DIR, "dev"), "dev");
  const platform = /^platform:(\d+)$/.exec(which);
  if (platform) {
    const n = Number(platform[1]);
    const files = generatedOrg(n, Math.max(1, Math.round(n / 100)));
    const doc = files["Pulumi.platform.yaml"] as { config: Record<string, unknown> };
    return { stack: "platform", file: "<generated>", values: doc.config };
  }
  if (which.startsWith("private")) {
    const n = Number(which.slice("private".length));
    return {
      stack: `gen${which}`,
      file: "<generated>",
      values: generatedMesh(n, 10, "privateEndpoints"),
    };
  }
  return { stack: `gen${which}`, file: "<generated>", values: generatedMesh(Number(which)) };
}
const config = configOf(which);
const t0 = performance.now();
runPlan({ config }).then((plan) => {
  const ms = performance.now() - t0;
  const largest = policyRequestSizes(plan.resources)[0];
  process.stdout.write(
    JSON.stringify({
      ms: Math.round(ms),
      maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      resources: plan.resources.length,
      depth: dependencyDepth(plan.resources),
      policy: largest ? { name: largest.name, bytes: largest.bytes } : null,
    }) + "\n",
  );
});
