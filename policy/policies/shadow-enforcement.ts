/**
 * Shadow enforcement (`services.<name>.enforcement: shadow`): a callee that admits every caller on
 * both layers while it records what enforcement would refuse. It is reported, never silent:
 * advisory until its last day (`shadowUntil`, carried on the site as a tag), mandatory after it,
 * so a forgotten rollout blocks the next deployment instead of leaving the callee open.
 *
 * "Today" is contract dates.ts `today()`: the real date under `pulumi preview`/`up`, the
 * planner's `--now` when the planner runs the pack.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { daysBetween, today } from "@service-edges/contract/dates";
import { SITE_TYPES, shadowUntilOfSite, siteName } from "../lib/shadow";

export const shadowEnforcement: ResourceValidationPolicy = {
  name: "shadow-enforcement",
  description:
    "A mesh callee in shadow (enforcement: shadow) admits every caller on both layers and only " +
    "records what enforcement would refuse; reported until its shadowUntil day so the rollout " +
    "is seen, then refused by shadow-enforcement-expired.",
  enforcementLevel: "advisory",
  validateResource: (args, report) => {
    if (!SITE_TYPES.has(args.type)) return;
    const until = shadowUntilOfSite(args.props);
    const now = today();
    if (!until || daysBetween(now, until) < 0) return;
    const left = daysBetween(now, until);
    report(
      `${siteName(args.props, args.name)} is in shadow until ${until} (${left} day${left === 1 ? "" : "s"} left): it admits every caller and records the refusals enforcement would make. Fix: once usage shows no undeclared-allowed caller, set enforcement: enforced and remove shadowUntil.`,
    );
  },
};
