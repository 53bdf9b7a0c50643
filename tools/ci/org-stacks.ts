/**
 * Which stacks of an org a change touches, in deploy order, for the org workflow's job matrices:
 *
 *   node --conditions=service-edges-source --import tsx tools/ci/org-stacks.ts ORG_DIR < changed-files
 *
 * reads the changed paths (one per line, relative to the repository root) and prints one JSON
 * object: `{ "platform": [name] or [], "teams": [names], "all": [names] }`. A changed team stack
 * file touches that stack. A changed platform stack file touches the platform and every team stack
 * (each reads its outputs). A change to anything else that the stacks run (the program, the
 * components, the contract, the policy pack, the lock file) touches every stack. A deleted stack
 * file is not deployed (it is destroyed by hand, `pulumi destroy`), but the org review shows it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { orgStacks } from "@service-edges/cli/org";

export interface TouchedStacks {
  platform: string[];
  teams: string[];
  all: string[];
}

/** Paths whose change reaches every stack: what the program runs. */
const CODE = [
  /^index\.ts$/,
  /^Pulumi\.yaml$/,
  /^package(-lock)?\.json$/,
  /^components\//,
  /^packages\//,
  /^policy\//,
];

export function touchedStacks(
  orgDir: string,
  changed: readonly string[],
  root = ".",
): TouchedStacks {
  const stacks = orgStacks(orgDir);
  const rel = (p: string) => path.relative(root, p).split(path.sep).join("/");
  const platform = stacks.find((s) => s.kind === "platform")!;
  const teams = stacks.filter((s) => s.kind === "team");
  const everything = changed.some((f) => CODE.some((re) => re.test(f)) || f === rel(platform.file));
  const touched = everything ? teams : teams.filter((s) => changed.includes(rel(s.file)));
  const platformTouched = changed.some(
    (f) => f === rel(platform.file) || CODE.some((re) => re.test(f)),
  );
  const result: TouchedStacks = {
    platform: platformTouched ? [platform.name] : [],
    teams: touched.map((s) => s.name).sort(),
    all: [],
  };
  result.all = [...result.platform, ...result.teams];
  return result;
}

/** The touched team stacks in two waves: before the platform, and after it. */
export interface DeployWaves {
  first: string[];
  after: string[];
}

/**
 * Splits the touched team stacks by the org review's deploy order (`--org DIR --base B --json`):
 * the stacks its `beforePlatform` names (they delete what the platform then removes, step 1 of a
 * retirement) deploy first; every other touched team stack after the platform.
 */
export function deployWaves(
  touched: TouchedStacks,
  review: { beforePlatform: readonly string[] },
): DeployWaves {
  const first = new Set(review.beforePlatform);
  return {
    first: touched.teams.filter((s) => first.has(s)),
    after: touched.teams.filter((s) => !first.has(s)),
  };
}

if (require.main === module) {
  // org-stacks.ts ORG_DIR < changed-files                      -> TouchedStacks
  // org-stacks.ts --waves touched.json review.json             -> DeployWaves
  const [a, b, c] = process.argv.slice(2);
  if (a === "--waves" && b && c) {
    const read = (f: string) => JSON.parse(fs.readFileSync(f, "utf8"));
    console.log(JSON.stringify(deployWaves(read(b), read(c))));
  } else if (a && !a.startsWith("--")) {
    const changed = fs
      .readFileSync(0, "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    console.log(JSON.stringify(touchedStacks(a, changed)));
  } else {
    console.error(
      "usage: org-stacks.ts ORG_DIR < changed-files | org-stacks.ts --waves TOUCHED REVIEW",
    );
    process.exit(1);
  }
}
