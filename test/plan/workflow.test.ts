/**
 * The config PR workflow (.github/workflows/config-pr.yml), the review action it runs
 * (.github/actions/review) and the reusable org review (.github/workflows/org-review.yml): they
 * pass the workflow linter, jobs hold only the permissions they need, fork PRs get the review in
 * the job summary; the org review's text is fitted to a comment; new and deleted stack files and
 * a saved-plan base are reviewed as such; the review's graph colours added, reduced and removed
 * edges. The action's scripts run in test/plan/review-action.test.ts.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { DEFAULT_MAX, truncationNotice } from "@service-edges/cli/comment-fit";
import { EDGE_STYLE, mermaid } from "@service-edges/cli/render";
import type { AccessChange } from "@service-edges/cli/review";
import { graphOf } from "@service-edges/cli/run";
import { ACTION, type Job, ORG_REVIEW, type Step, WORKFLOW, oneStep } from "../support/github-yaml";
import { scratchDir } from "../support/scratch";
import { ROOT, SOURCE_NODE_FLAGS, type Values, clone, planCli, smallConfig } from "../fixtures";

const VALIDATOR = path.join(ROOT, "node_modules/.bin/action-validator");
const FIT = path.join(ROOT, "tools/ci/fit-comment.ts");

const { dir: tmp, write } = scratchDir("service-edges-workflow-");
const configFile = (values: Values, name = "Pulumi.ci.yaml") =>
  write(name, stringify({ config: values }));

interface Workflow {
  on: Record<string, unknown>;
  defaults: unknown;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = parse(fs.readFileSync(WORKFLOW, "utf8")) as Workflow;
const job = (id: string) => {
  const j = workflow.jobs[id];
  assert.ok(j, `job ${id}`);
  return j;
};
const step = (j: Job, match: (s: Step) => boolean, what: string) => oneStep(j.steps, match, what);

const SAME_REPO = "github.event.pull_request.head.repo.full_name == github.repository";

/** The validator's verdict: its exit code and its errors (the glob warning is no error). */
function validate(file: string) {
  const r = spawnSync(VALIDATOR, [file], { encoding: "utf8" });
  const errors = r.stderr
    .split("\n")
    .filter((l) => l.trim() !== "")
    .filter((l) => !/^WARNING: Glob validation is not yet supported\./.test(l));
  return { status: r.status, stdout: r.stdout, errors, stderr: r.stderr };
}

describe("config PR workflow: lint", () => {
  it("passes action-validator: exit 0, no errors", () => {
    const r = spawnSync(VALIDATOR, [WORKFLOW], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    // Errors are a JSON report on stderr; the only warning allowed is that globs are not checked.
    assert.equal(r.stdout, "");
    assert.deepEqual(
      r.stderr
        .split("\n")
        .filter((l) => l.trim() !== "")
        .filter((l) => !/^WARNING: Glob validation is not yet supported\./.test(l)),
      [],
    );
  });

  it("the linter does fail a broken copy (a misspelt permission, a missing job)", () => {
    const broken = fs
      .readFileSync(WORKFLOW, "utf8")
      .replace("pull-requests: write", "pull-request: write")
      .replace("needs: stacks", "needs: stack");
    const file = write("broken.yml", broken);
    const r = spawnSync(VALIDATOR, [file], { encoding: "utf8" });
    assert.equal(r.status, 1);
    // The report: a JSON object on stderr, after the glob warning.
    const report = JSON.stringify(JSON.parse(r.stderr.slice(r.stderr.indexOf("\n{") + 1)));
    assert.ok(report.includes(`"detail":"unresolved job stack"`), report);
    assert.ok(report.includes(`"detail":"Additional property 'pull-request' is not allowed"`));
  });

  it("the review action (an action) and the reusable org review (a workflow) pass it too", () => {
    for (const file of [ACTION, ORG_REVIEW]) {
      const r = validate(file);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.equal(r.stdout, "");
      assert.deepEqual(r.errors, []);
    }
  });

  it("and fails their broken copies: an action without runs.using, a workflow_call misspelt", () => {
    const action = write(
      "broken-action/action.yml",
      fs.readFileSync(ACTION, "utf8").replace("  using: composite", "  usin: composite"),
    );
    const a = validate(action);
    assert.equal(a.status, 1);
    const report = JSON.parse(a.stdout || a.stderr) as { actionType: string };
    assert.equal(report.actionType, "action");
    assert.ok(
      JSON.stringify(report).includes(`"detail":"Additional property 'usin' is not allowed"`),
    );
    const org = write(
      "broken-org.yml",
      fs.readFileSync(ORG_REVIEW, "utf8").replace("  workflow_call:", "  workflow_cal:"),
    );
    assert.equal(validate(org).status, 1);
  });
});

describe("config PR workflow: structure", () => {
  it("least privilege: read-only at the top, each job its own, PR writes only where it comments", () => {
    assert.deepEqual(workflow.permissions, { contents: "read" });
    assert.deepEqual(Object.keys(workflow.jobs), [
      "stacks",
      "offline-review",
      "preview-with-policy-pack",
    ]);
    assert.deepEqual(job("stacks").permissions, { contents: "read" });
    assert.deepEqual(job("offline-review").permissions, {
      contents: "read",
      "pull-requests": "write",
    });
    // The preview logs in with OIDC and comments its own result.
    assert.deepEqual(job("preview-with-policy-pack").permissions, {
      contents: "read",
      "id-token": "write",
      "pull-requests": "write",
    });
    assert.deepEqual(Object.keys(workflow.on), ["pull_request"]);
    // The PR's code runs here (npm ci): the token is not left in .git/config for it.
    const checkouts = Object.values(workflow.jobs).flatMap((j) =>
      j.steps.filter((s) => s.uses === "actions/checkout@v4"),
    );
    assert.equal(checkouts.length, 3);
    for (const c of checkouts) assert.equal(c.with!["persist-credentials"], false);
    // Scripts run as `shell: bash` does (-eo pipefail), as the stack listing is tested below.
    assert.deepEqual(workflow.defaults, { run: { shell: "bash" } });
  });

  it("installs and runs as the repo does: Node 22, one npm ci for every workspace", () => {
    const j = job("preview-with-policy-pack");
    const node = step(j, (s) => s.uses === "actions/setup-node@v4", "setting up Node");
    assert.deepEqual(node.with, { "node-version": 22, cache: "npm" });
    assert.equal(step(j, (s) => s.run === "npm ci", "npm ci").run, "npm ci");
    const text = fs.readFileSync(WORKFLOW, "utf8");
    assert.doesNotMatch(text, /--prefix/);
    assert.doesNotMatch(text, /node-version: 20/);
    assert.doesNotMatch(text, /pull_request_target/);
  });

  it("each stack is reviewed by the review action, from this checkout, with the whole history", () => {
    const j = job("offline-review");
    assert.deepEqual(j.steps, [
      {
        uses: "actions/checkout@v4",
        with: { "fetch-depth": 0, "persist-credentials": false },
      },
      {
        uses: "./.github/actions/review",
        with: {
          stack: "${{ matrix.stack }}",
          "working-directory": ".",
          cli: "npm run --silent plan --",
        },
      },
    ]);
    assert.deepEqual(j.strategy!.matrix, { stack: "${{ fromJSON(needs.stacks.outputs.review) }}" });
    assert.equal(
      job("preview-with-policy-pack").if,
      `vars.AZURE_CLIENT_ID != '' && ${SAME_REPO} && needs.stacks.outputs.preview != '[]'`,
    );
  });

  it("runs on a change to a stack file, Pulumi.yaml, a lock file, the program or the action", () => {
    const paths = (workflow.on.pull_request as { paths: string[] }).paths;
    for (const p of [
      "Pulumi.yaml",
      "Pulumi.*.yaml",
      "package-lock.json",
      "pnpm-lock.yaml",
      "yarn.lock",
      "index.ts",
      "components/**",
      "packages/**",
      "policy/**",
      ".github/actions/review/**",
    ])
      assert.ok(paths.includes(p), p);
  });
});

/** Runs the `stacks` job's script in a git repo whose HEAD is a PR's merge commit. */
function stacksOf(
  baseFiles: Record<string, string>,
  prFiles: Record<string, string | null>,
): Record<string, string> {
  const repo = fs.mkdtempSync(path.join(tmp, "repo-"));
  const git = (...args: string[]) => {
    const r = spawnSync("git", args, { cwd: repo, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  git("init", "-q");
  git("config", "user.email", "ci@example.test");
  git("config", "user.name", "ci");
  const put = (files: Record<string, string | null>) => {
    for (const [f, text] of Object.entries(files)) {
      const file = path.join(repo, f);
      if (text === null) fs.rmSync(file);
      else {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
      }
    }
    git("add", "-A");
  };
  put(baseFiles);
  git("commit", "-q", "-m", "base");
  const base = git("rev-parse", "HEAD");
  put(prFiles);
  git("commit", "-q", "-m", "pr");
  // The merge commit actions/checkout checks out for a pull_request: base first, then the PR.
  const merge = git("commit-tree", "HEAD^{tree}", "-p", base, "-p", "HEAD", "-m", "merge");
  git("update-ref", "HEAD", merge);
  const script = step(job("stacks"), (s) => s.id === "list", "listing stacks").run!;
  const output = path.join(repo, ".github-output");
  fs.writeFileSync(output, "");
  // GitHub's shell for `run`: bash --noprofile --norc -eo pipefail.
  const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
    cwd: repo,
    encoding: "utf8",
    env: { ...process.env, GITHUB_OUTPUT: output },
  });
  assert.equal(r.status, 0, r.stderr);
  return Object.fromEntries(
    fs
      .readFileSync(output, "utf8")
      .trim()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

describe("config PR workflow: which stacks are reviewed", () => {
  const base = {
    "index.ts": "export {};\n",
    "Pulumi.yaml": "name: x\n",
    "Pulumi.dev.yaml": "config: {}\n",
    "Pulumi.prod.yaml": "config: {}\n",
  };

  it("a config-only PR: the changed stacks, reviewed with the PR's code", () => {
    assert.deepEqual(stacksOf(base, { "Pulumi.dev.yaml": "config: { a: 1 }\n" }), {
      review: '["dev"]',
      preview: '["dev"]',
    });
  });

  it("a new and a deleted stack file: both reviewed, neither previewed", () => {
    assert.deepEqual(
      stacksOf(base, { "Pulumi.staging.yaml": "config: {}\n", "Pulumi.prod.yaml": null }),
      { review: '["prod","staging"]', preview: "[]" },
    );
  });

  it("a code change: every stack, base and head, with the base's code; odd file names are no stacks", () => {
    assert.deepEqual(
      stacksOf(base, {
        "components/mesh.ts": "export {};\n",
        "Pulumi.$(touch pwned).yaml": "config: {}\n",
        "Pulumi.prod.yaml": null,
      }),
      { review: '["dev","prod"]', preview: '["dev"]' },
    );
  });
});

describe("the org review's text fitted into one comment (tools/ci/fit-comment.ts)", function () {
  this.timeout(120000);

  const fitCli = (file: string, ...args: string[]) =>
    spawnSync(process.execPath, [...SOURCE_NODE_FLAGS, FIT, file, ...args], {
      cwd: ROOT,
      encoding: "utf8",
    });

  it("a small review is printed unchanged", async () => {
    const r = await planCli(
      "--base",
      "none",
      "--head",
      configFile(smallConfig()),
      "--format",
      "markdown",
    );
    assert.equal(r.code, 0, r.stderr);
    const file = write("small-review.md", r.stdout);
    const out = fitCli(file, "--artifact", "service-edges-org-review", "--url", "https://x.test/a");
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, r.stdout);
  });

  it("a long text review in a code block: cut at a line, the block closed, the notice naming the artifact", () => {
    const lines = Array.from({ length: 8000 }, (_, i) => `stack team-${i}: 3 to update`);
    const md = ["### service-edges org review", "", "```", ...lines, "```", ""].join("\n");
    const out = fitCli(write("org-review.md", md), "--artifact", "service-edges-org-review");
    assert.equal(out.status, 0, out.stderr);
    assert.ok(out.stdout.length <= DEFAULT_MAX, String(out.stdout.length));
    const kept = (out.stdout.match(/^stack team-\d+: 3 to update$/gm) ?? []).length;
    assert.ok(kept > 1000 && kept < 8000, String(kept));
    assert.ok(
      out.stdout.endsWith(
        [
          `stack team-${kept - 1}: 3 to update`,
          `... (${8000 - kept} more lines in the full review)`,
          "```",
          "",
          truncationNotice(md.length, { artifact: "service-edges-org-review" }, [
            "the header shortened",
          ]),
          "",
        ].join("\n"),
      ),
      out.stdout.slice(-600),
    );
    assert.equal(fitCli("a", "b").status, 1);
  });
});

describe("review of a new, a deleted and a saved-plan base", function () {
  this.timeout(120000);

  it("a new stack (--base none): everything created, every edge added", async () => {
    const head = configFile(smallConfig());
    const r = await planCli("--base", "none", "--head", head, "--json");
    assert.equal(r.code, 0, r.stderr);
    const review = JSON.parse(r.stdout);
    const plan = JSON.parse((await planCli("--config", head, "--json")).stdout);
    assert.deepEqual(
      review.resources.map((x: { urn: string; op: string }) => [x.urn, x.op]),
      plan.resources
        .map((x: { urn: string }) => [x.urn, "create"])
        .sort((a: string[], b: string[]) => (a[0] < b[0] ? -1 : 1)),
    );
    assert.deepEqual(new Set(review.steps.map((s: { op: string }) => s.op)), new Set(["create"]));
    assert.deepEqual(review.access, [
      { change: "added", from: "a", to: "b", rolesBefore: [], rolesAfter: ["B.Read"] },
      { change: "added", from: "a", to: "c", rolesBefore: [], rolesAfter: ["C.Call"] },
      { change: "added", from: "c", to: "b", rolesBefore: [], rolesAfter: ["B.Read", "B.Write"] },
    ]);
    const text = await planCli("--stack", "dev", "--diff", "none");
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /^A new stack: reviewed against an empty stack \(nothing deployed yet\)\.\n\nReview: \d+ to create, 0 to update\n/,
    );
  });

  it("a deleted stack config (--head none): everything deleted, said so", async () => {
    const base = configFile(smallConfig());
    const r = await planCli("--base", base, "--head", "none", "--format", "markdown");
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.deepEqual(lines.slice(0, 5), [
      "### service-edges plan: stack `ci`",
      "",
      "> The stack config is deleted: reviewed as the stack destroyed, everything deleted. Deleting the file deletes nothing in Azure: the resources stay until `pulumi destroy`.",
      "",
      lines[4],
    ]);
    assert.match(lines[4], /^\*\*DELETES \d+, 0 to create, 0 to update\*\*$/);
    assert.ok(lines.includes("- a may no longer call b"));
    assert.equal(
      (await planCli("--base", "none", "--head", "none")).stderr,
      "error: --base none --head none: there is nothing to review\n",
    );
  });

  it("--base-plan: the saved plan of the base (its own code) reviews as the base config does", async () => {
    const base = configFile(smallConfig());
    const saved = await planCli("--config", base, "--json");
    assert.equal(saved.code, 0, saved.stderr);
    const planFile = write("base.plan.json", saved.stdout);
    const v = clone(smallConfig());
    (v["service-edges:edges"] as Values[]).pop();
    const head = configFile(v, "head/Pulumi.ci.yaml");
    const fromPlan = await planCli("--base-plan", planFile, "--head", head, "--json");
    const fromConfig = await planCli("--base", base, "--head", head, "--json");
    assert.equal(fromPlan.code, 0, fromPlan.stderr);
    assert.deepEqual(JSON.parse(fromPlan.stdout), JSON.parse(fromConfig.stdout));
    assert.deepEqual(JSON.parse(fromPlan.stdout).access, [
      { change: "removed", from: "a", to: "c", rolesBefore: ["C.Call"], rolesAfter: [] },
    ]);
    const md = await planCli("--base-plan", planFile, "--head", head, "--format", "markdown");
    assert.match(
      md.stdout,
      /^> The base is the saved plan `base\.plan\.json` \(\d+ resources\), not planned here\.$/m,
    );
    // URNs name the stack: a plan of another stack is refused, not reviewed as a replacement.
    const other = configFile(v, "Pulumi.other.yaml");
    const wrong = await planCli("--base-plan", planFile, "--head", other);
    assert.equal(wrong.code, 1);
    assert.equal(
      wrong.stderr,
      `error: the base plan ${path.relative(ROOT, planFile)} is of stack ci, the head of stack other\n`,
    );
    const notPlan = await planCli(
      "--base-plan",
      write("review.json", fromPlan.stdout),
      "--head",
      head,
    );
    assert.equal(notPlan.code, 1);
    assert.match(
      notPlan.stderr,
      /^error: the base plan .*review\.json is not a plan's --json \(npm run plan -- --stack NAME --json\): it has no stack\n$/,
    );
    assert.equal(
      (await planCli("--base", base, "--base-plan", planFile, "--head", head)).stderr,
      "error: give --base (a stack config) or --base-plan (a saved plan), not both\n",
    );
  });
});

describe("the review's graph: added green, roles lost orange, removed red and dashed", () => {
  /** a -> b B.Read; c -> b B.Read, B.Write; a -> c C.Call; a is public. */
  const values = clone(smallConfig());
  (values["service-edges:services"] as Record<string, Values>).a.ingress = "public";
  const graph = graphOf({ stack: "test", file: "<memory>", values });

  it("draws each kind of change with its colour, in link order (ingress links last)", () => {
    const changes: AccessChange[] = [
      // Roles changed with none lost (a role gained): green, as an added edge.
      { change: "roles-changed", from: "a", to: "b", rolesBefore: [], rolesAfter: ["B.Read"] },
      {
        change: "roles-changed",
        from: "c",
        to: "b",
        rolesBefore: ["B.Read", "B.Write", "B.Admin"],
        rolesAfter: ["B.Read", "B.Write"],
      },
      { change: "removed", from: "x", to: "b", rolesBefore: ["B.Read"], rolesAfter: [] },
      { change: "removed", from: "c", to: "a", rolesBefore: ["A.Call"], rolesAfter: [] },
    ];
    assert.equal(
      mermaid(graph, changes),
      [
        "flowchart LR",
        '  s_a["a<br/>app P1v3<br/>10.10.0.0/28"]',
        '  s_b["b<br/>app P1v3"]',
        '  s_c["c<br/>function EP1<br/>10.10.0.32/27"]',
        '  s_x["x<br/>removed"]',
        '  s_a ==>|"B.Read"| s_b',
        '  s_a -->|"C.Call"| s_c',
        '  s_c ==>|"B.Read, B.Write<br/>lost: B.Admin"| s_b',
        '  s_x -.->|"B.Read"| s_b',
        '  s_c -.->|"A.Call"| s_a',
        '  internet(("internet")) -.->|"public"| s_a',
        "  linkStyle 0 stroke:#2da44e,stroke-width:3px",
        "  linkStyle 2 stroke:#e16f24,stroke-width:3px",
        "  linkStyle 3,4 stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 5",
      ].join("\n"),
    );
    assert.deepEqual(EDGE_STYLE, {
      added: "stroke:#2da44e,stroke-width:3px",
      reduced: "stroke:#e16f24,stroke-width:3px",
      removed: "stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 5",
    });
  });

  it("without changes: the plain graph, no link styles", () => {
    assert.doesNotMatch(mermaid(graph), /linkStyle|==>|removed/);
  });

  it("the PR comment draws the review's changes: a lost role orange, a removed edge red and dashed", async () => {
    const base = configFile(smallConfig(), "colours/base/Pulumi.ci.yaml");
    const v = clone(smallConfig());
    const edges = v["service-edges:edges"] as { from: string; to: string; roles: string[] }[];
    edges[1].roles = ["B.Read"]; // c -> b loses B.Write
    edges.pop(); // a -> c removed
    const services = v["service-edges:services"] as Record<string, Values>;
    services.d = { kind: "app", sku: "P1v3", maxInstances: 2, subnet: "10.10.0.16/28" };
    edges.push({ from: "d", to: "b", roles: ["B.Read"] }); // added
    const head = configFile(v, "colours/head/Pulumi.ci.yaml");
    const r = await planCli("--base", base, "--head", head, "--format", "markdown");
    assert.equal(r.code, 0, r.stderr);
    const block = r.stdout.slice(
      r.stdout.indexOf("```mermaid\n") + "```mermaid\n".length,
      r.stdout.indexOf("\n```\n", r.stdout.indexOf("```mermaid")),
    );
    assert.equal(
      block,
      [
        "flowchart LR",
        '  s_a["a<br/>app P1v3<br/>10.10.0.0/28"]',
        '  s_b["b<br/>app P1v3"]',
        '  s_c["c<br/>function EP1<br/>10.10.0.32/27"]',
        '  s_d["d<br/>app P1v3<br/>10.10.0.16/28"]',
        '  s_a -->|"B.Read"| s_b',
        '  s_c ==>|"B.Read<br/>lost: B.Write"| s_b',
        '  s_d ==>|"B.Read"| s_b',
        '  s_a -.->|"C.Call"| s_c',
        "  linkStyle 2 stroke:#2da44e,stroke-width:3px",
        "  linkStyle 1 stroke:#e16f24,stroke-width:3px",
        "  linkStyle 3 stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 5",
      ].join("\n"),
    );
    assert.match(
      r.stdout,
      /^#### Graph \(added edges green, roles lost orange, removed edges red and dashed\)$/m,
    );
  });
});
