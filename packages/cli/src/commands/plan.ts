/**
 * The default verb: plan the program under the mocks and print its services, edges, resources
 * and the pack's verdict (`--json`, `--mermaid`); a review or an org plan when their flags say so.
 */
import { withProgress } from "../progress";
import { humanPlan, mermaid, programPlan } from "../render";
import { planStack, registeredSoFar } from "../run";
import { UsageError } from "../stack-config";
import { orgCommand } from "./org";
import { EXIT, type PlanFlags, configFrom, planInputs, shown } from "./options";
import { review } from "./review";

export async function plan(
  flags: PlanFlags,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  if (flags.out !== undefined && (flags.org || flags.json || flags.format !== "markdown"))
    throw new UsageError(
      "--out FILE applies to --format markdown reviews: the full review goes to FILE, the fitted PR comment to the output",
    );
  if (flags.org) return orgCommand(flags, out, err);
  if (flags.jobs !== undefined) throw new UsageError("--jobs applies to --org plans");
  if (flags.diff || flags.base || flags.head || flags.basePlan || flags.baseRef)
    return review(flags, out, err);
  if (flags.format) throw new UsageError("--format applies to --diff / --base --head reviews");
  if (flags.json && flags.mermaid) throw new UsageError("give --json or --mermaid, not both");
  const config = configFrom(flags);
  const inputs = planInputs(flags);
  const { plan: result, graph } = await withProgress(registeredSoFar, () =>
    planStack({ ...inputs, config }),
  );
  // With no stack config, the file is the project's Pulumi.yaml (its defaults).
  const file = /(^|[\\/])Pulumi\.ya?ml$/.test(config.file)
    ? `no stack config; ${shown(config.file)}`
    : shown(config.file);
  if (flags.json) out(JSON.stringify(result, null, 2));
  else if (flags.mermaid) {
    if (!graph) throw new UsageError("--mermaid needs a service-edges graph in the stack config");
    out(mermaid(graph));
  } else out(graph ? humanPlan(graph, result, file) : programPlan(result, file));
  for (const w of result.warnings ?? []) err(`warning: ${w}`);
  // A plan of nothing fails the gate: exit 0 would pass a program the plan never saw build.
  if (result.resources.length === 0) return EXIT.invalid;
  return result.violations.some((v) => v.enforcementLevel === "mandatory")
    ? EXIT.violation
    : EXIT.ok;
}
