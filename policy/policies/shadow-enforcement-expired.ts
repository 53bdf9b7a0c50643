/**
 * A callee still in shadow after its last day (`shadowUntil`): mandatory, so a forgotten rollout
 * blocks the next deployment instead of leaving the callee open. See shadow-enforcement.ts.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { daysBetween, today } from "@service-edges/contract/dates";
import { SITE_TYPES, shadowUntilOfSite, siteName } from "../lib/shadow";

export const shadowEnforcementExpired: ResourceValidationPolicy = {
  name: "shadow-enforcement-expired",
  description:
    "A mesh callee whose shadowUntil day has passed must be enforced: in shadow it still admits " +
    "every caller.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (!SITE_TYPES.has(args.type)) return;
    const until = shadowUntilOfSite(args.props);
    const now = today();
    if (!until || daysBetween(now, until) >= 0) return;
    report(
      `${siteName(args.props, args.name)} is still in shadow, but its shadowUntil (${until}) has passed: it admits every caller on both layers. Fix: set enforcement: enforced and remove shadowUntil (after usage shows no undeclared-allowed caller), or move shadowUntil to a later day in a reviewed change.`,
    );
  },
};
