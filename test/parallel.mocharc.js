// `npm test`: every suite, in two worker processes (the machine's two cores), after one pack of
// the published packages in the main process (test/support/packages.setup.ts: their six builds
// two at a time, then `npm pack`); the installs from the tarballs run on beside the workers, and
// the package tests wait for them. Files go to the workers in this order: the costliest first, so
// that the short ones fill in at the end instead of one long suite running alone (wall time of
// each file in one run, which counts the worker processes an org plan and the provider test start;
// README "Tests"). The package tests come once the installs are likely done (40 to 60 s beside
// the first files). A file that is not listed runs after them, and a listed file that is gone is
// skipped. Measured from a fresh clone (2 cores, another process using most of one, load average
// 2.3 to 4.8): the builds and the pack 27 s, then the workers 117 s each, `npm test` 2 min 34 s.
const fs = require("node:fs");
const path = require("node:path");
const base = require("../.mocharc.json");

const LONGEST_FIRST = [
  // Their org plans run in worker processes of their own, beside the other worker's files.
  "test/plan/org.test.ts",
  "test/plan/migrate.test.ts",
  // Waits on its provider process more than it computes: started early, beside the heavy ones.
  "test/components/provider.test.ts",
  "test/plan/planner.test.ts",
  "test/plan/comment-fit.test.ts",
  "test/plan/cli.test.ts",
  "test/mesh/guardrail-scale.test.ts",
  "test/mesh/change-safety.property.test.ts",
  "test/plan/examples-corpus.test.ts",
  // From the installed tarballs (installedPackages() waits for the installs).
  "test/components/package.test.ts",
  "test/packages/own-repository.test.ts",
  "test/packages/package.test.ts",
  "test/service-auth/package.test.ts",
  "test/policy/pack-host.test.ts",
  "test/plan/workflow.test.ts",
  "test/plan/review.test.ts",
  "test/plan/review-action.test.ts",
  "test/service-auth/callee.e2e.test.ts",
  "test/service-auth/caller.e2e.test.ts",
  "test/plan/depth.test.ts",
  "test/plan/policy.test.ts",
  "test/mesh/private-mode-guardrails.test.ts",
  "test/mesh/owners.test.ts",
  "test/plan/review-inbound.test.ts",
  "test/plan/usage.test.ts",
  "test/plan/operate.test.ts",
  "test/mesh/private-endpoints.test.ts",
  "test/plan/diff.test.ts",
  "test/mesh/identity.test.ts",
  "test/plan/review-private-edges.test.ts",
  "test/plan/audit.test.ts",
  "test/plan/prune-expired.test.ts",
  "test/mesh/network.test.ts",
  "test/mesh/landing-zone.test.ts",
  "test/mesh/component-args.test.ts",
  "test/mesh/change-safety.test.ts",
  "test/mesh/guardrails.test.ts",
  "test/mesh/adoption.test.ts",
  "test/plan/audit-subnet-owners.test.ts",
  "test/lint/package-boundaries.test.ts",
  "test/plan/check-audit-agree.test.ts",
  "test/plan/org-component.test.ts",
];

const root = path.resolve(__dirname, "..");
const all = fs
  .readdirSync(path.join(root, "test"), { recursive: true })
  .map((f) => path.posix.join("test", f.split(path.sep).join("/")))
  .filter((f) => f.endsWith(".test.ts"))
  .sort();
const first = LONGEST_FIRST.filter((f) => all.includes(f));

module.exports = {
  ...base,
  parallel: true,
  jobs: 2,
  // Two suites share the two cores, and the machine may be shared too: a CPU-bound test can take
  // several times its time on a quiet machine. A timeout here only catches hangs (timed budgets
  // belong in `npm run bench`), and it must not fire early: a timed-out test's plan keeps running
  // in its worker, on the SDK's global runtime state, under the next file's plans.
  timeout: 300000,
  require: [
    path.join(__dirname, "support", "plan-runtime.ts"),
    path.join(__dirname, "support", "packages.setup.ts"),
  ],
  spec: [...first, ...all.filter((f) => !first.includes(f))],
};
