/** `--org DIR`: plan every stack of an org (a platform and team stacks), or review an org PR. */
import { Command } from "commander";
import { shortUrn } from "../diff";
import { orgText, planOrg } from "../org";
import { orgReviewText, reviewOrg } from "../org-review";
import { UsageError } from "../stack-config";
import { EXIT, type PlanFlags, flagName, jobsOf, programOf } from "./options";

/** `--org DIR`: every stack in DIR; with `--base DIR` (or `--diff DIR`), a review of the org PR. */
export async function orgCommand(
  flags: PlanFlags,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  for (const f of ["stack", "config", "head", "basePlan", "mermaid", "format"] as const) {
    if (flags[f] !== undefined)
      throw new UsageError(
        `--org plans every stack file in its directory; ${flagName(new Command(), f)} does not apply`,
      );
  }
  // The org's team stacks plan in worker threads, which do not share the planner's day.
  if (flags.now !== undefined)
    throw new UsageError(
      "--now does not apply to --org yet: plan each stack with --stack or --config",
    );
  const jobs = jobsOf(flags);
  const baseDir = flags.diff ?? flags.base;
  if (baseDir) {
    const r = await reviewOrg(baseDir, flags.org!, jobs, { program: programOf(flags) });
    out(flags.json ? JSON.stringify(r, null, 2) : orgReviewText(r));
    const blocking = r.stacks.flatMap((s) =>
      s.review.blocking.map((b) => ({ ...b, stack: s.name })),
    );
    for (const b of blocking) err(`blocking: [${b.stack}] ${shortUrn(b.urn)}: ${b.message}`);
    if (blocking.length > 0) return EXIT.invalid;
    return r.stacks.some((s) => s.review.violations.some((v) => v.enforcementLevel === "mandatory"))
      ? EXIT.violation
      : EXIT.ok;
  }
  const org = await planOrg(flags.org!, jobs, { program: programOf(flags) });
  out(flags.json ? JSON.stringify(org, null, 2) : orgText(org));
  return org.stacks.some((s) => s.violations.some((v) => v.enforcementLevel === "mandatory"))
    ? EXIT.violation
    : EXIT.ok;
}
