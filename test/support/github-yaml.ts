/**
 * The repository's GitHub files as the tests read them: the config-PR workflow, the review action
 * and the reusable org review, the shapes of their jobs and steps, and the one step a test means.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { ROOT } from "../fixtures";

export const WORKFLOW = path.join(ROOT, ".github/workflows/config-pr.yml");
export const ACTION = path.join(ROOT, ".github/actions/review/action.yml");
export const ORG_REVIEW = path.join(ROOT, ".github/workflows/org-review.yml");

export interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  shell?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

export interface Job {
  permissions?: Record<string, string>;
  if?: string;
  needs?: string;
  env?: Record<string, string>;
  strategy?: { matrix: Record<string, unknown> };
  steps: Step[];
}

/** The one step of `steps` that `match` picks (`what` names it in the failure). */
export function oneStep(steps: Step[], match: (s: Step) => boolean, what: string): Step {
  const found = steps.filter(match);
  assert.equal(found.length, 1, `one step ${what}`);
  return found[0];
}
