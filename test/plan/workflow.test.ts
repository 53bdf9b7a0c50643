/**
 * The config PR workflow (.github/workflows/config-pr.yml): it passes the workflow linter, its
 * jobs hold only the permissions they need, fork PRs get the review in the job summary, the
 * comment fits in GitHub's limit with the full review kept as an artifact; new and deleted stack
 * files and a base planned with its own code are reviewed as such; the review's graph colours
 * added, reduced and removed edges.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import {
  DEFAULT_MAX,
  GITHUB_COMMENT_LIMIT,
  fitComment,
  truncationNotice,
} from "../../tools/ci/fit-comment";
import { EDGE_STYLE, mermaid } from "@service-edges/cli/render";
import type { AccessChange } from "@service-edges/cli/review";
import { graphOf } from "@service-edges/cli/run";
import { ROOT, type Values, clone, planCli, smallConfig } from "../fixtures";

const WORKFLOW = path.join(ROOT, ".github/workflows/config-pr.yml");
const VALIDATOR = path.join(ROOT, "node_modules/.bin/action-validator");
const FIT = path.join(ROOT, "tools/ci/fit-comment.ts");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "service-edges-workflow-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}
const configFile = (values: Values, name = "Pulumi.ci.yaml") =>
  write(name, stringify({ config: values }));

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  permissions?: Record<string, string>;
  if?: string;
  needs?: string;
  env?: Record<string, string>;
  strategy?: { matrix: Record<string, unknown> };
  steps: Step[];
}
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
const step = (j: Job, match: (s: Step) => boolean, what: string) => {
  const found = j.steps.filter(match);
  assert.equal(found.length, 1, `one step ${what}`);
  return found[0];
};
const stepIndex = (j: Job, s: Step) => j.steps.indexOf(s);

const SAME_REPO = "github.event.pull_request.head.repo.full_name == github.repository";
const FORK = "github.event.pull_request.head.repo.full_name != github.repository";

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
    for (const id of ["offline-review", "preview-with-policy-pack"]) {
      const j = job(id);
      const node = step(j, (s) => s.uses === "actions/setup-node@v4", "setting up Node");
      assert.deepEqual(node.with, { "node-version": 22, cache: "npm" });
      assert.equal(step(j, (s) => s.run === "npm ci", "npm ci").run, "npm ci");
    }
    const text = fs.readFileSync(WORKFLOW, "utf8");
    assert.doesNotMatch(text, /--prefix/);
    assert.doesNotMatch(text, /node-version: 20/);
    assert.doesNotMatch(text, /pull_request_target/);
  });

  it("fork PRs: the review goes to the job summary, no comment, no preview; the check still fails as the review does", () => {
    const j = job("offline-review");
    const comment = step(
      j,
      (s) => s.uses === "marocchino/sticky-pull-request-comment@v2",
      "commenting",
    );
    assert.equal(comment.if, SAME_REPO);
    assert.deepEqual(comment.with, {
      header: "service-edges-${{ matrix.stack }}",
      path: "${{ runner.temp }}/comment.md",
    });
    const summary = step(j, (s) => (s.run ?? "").includes("GITHUB_STEP_SUMMARY"), "summarising");
    assert.equal(summary.if, FORK);
    assert.equal(summary.run, 'cat "$RUNNER_TEMP/comment.md" >> "$GITHUB_STEP_SUMMARY"');
    const fail = step(j, (s) => s.name === "Fail the check as the review does", "failing");
    assert.equal(fail.if, "steps.review.outputs.code != '0'");
    assert.equal(fail.env!.CODE, "${{ steps.review.outputs.code }}");
    assert.equal(fail.run, 'exit "$CODE"');
    assert.equal(stepIndex(j, fail), j.steps.length - 1, "the last step");
    const review = step(j, (s) => s.id === "review", "reviewing");
    assert.match(
      review.run!,
      /^ {2}npm run --silent plan -- "\$\{base\[@\]\}" --head "\$head" --format markdown > "\$review" 2> "\$RUNNER_TEMP\/errors.txt"$/m,
    );
    assert.match(review.run!, /^\s*echo "code=\$code" >> "\$GITHUB_OUTPUT"$/m);
    assert.equal(
      job("preview-with-policy-pack").if,
      `vars.AZURE_CLIENT_ID != '' && ${SAME_REPO} && needs.stacks.outputs.preview != '[]'`,
    );
  });

  it("the full review is uploaded as an artifact, and the comment is fitted to it", () => {
    const j = job("offline-review");
    const upload = step(j, (s) => s.uses === "actions/upload-artifact@v4", "uploading");
    assert.equal(upload.id, "upload");
    assert.equal(upload.with!.name, "service-edges-review-${{ matrix.stack }}");
    assert.deepEqual(String(upload.with!.path).trim().split("\n"), [
      "${{ runner.temp }}/review.md",
      "${{ runner.temp }}/errors.txt",
      "${{ runner.temp }}/base-errors.txt",
    ]);
    const fit = step(j, (s) => (s.run ?? "").includes("tools/ci/fit-comment.ts"), "fitting");
    assert.equal(fit.env!.ARTIFACT_URL, "${{ steps.upload.outputs.artifact-url }}");
    assert.equal(
      fit.run!.replace(/\\\n\s*/g, ""),
      'node --import tsx tools/ci/fit-comment.ts "$RUNNER_TEMP/review.md" --artifact "service-edges-review-$STACK" --url "$ARTIFACT_URL" > "$RUNNER_TEMP/comment.md"\n',
    );
    const review = step(j, (s) => s.id === "review", "reviewing");
    const comment = step(j, (s) => s.uses?.startsWith("marocchino/") ?? false, "commenting");
    assert.ok(stepIndex(j, review) < stepIndex(j, upload));
    assert.ok(stepIndex(j, upload) < stepIndex(j, fit));
    assert.ok(stepIndex(j, fit) < stepIndex(j, comment));
  });

  it("new stack: --base none; deleted stack: --head none; code changed: the base planned with its code in a worktree", () => {
    const j = job("offline-review");
    const base = step(j, (s) => s.id === "base", "choosing the base");
    assert.match(base.run!, /git cat-file -e "\$base:Pulumi\.\$STACK\.yaml"/);
    assert.match(base.run!, /echo "kind=none"/);
    const plan = step(j, (s) => s.id === "base-plan", "planning the base");
    assert.equal(plan.if, "steps.base.outputs.kind == 'plan'");
    assert.match(plan.run!, /^git worktree add --detach "\$tree" "\$BASE_SHA"$/m);
    assert.match(
      plan.run!,
      /npm ci > "\$RUNNER_TEMP\/base-errors\.txt" 2>&1 &&\n\s+npm run --silent plan -- --stack "\$STACK" --json > "\$plan"/,
    );
    const review = step(j, (s) => s.id === "review", "reviewing");
    assert.match(review.run!, /^\s+none\) base=\(--base none\) ;;$/m);
    assert.match(review.run!, /^\s+plan\) base=\(--base-plan "\$BASE_PLAN"\) ;;$/m);
    assert.match(
      review.run!,
      /^if \[ -f "Pulumi\.\$STACK\.yaml" \]; then head="Pulumi\.\$STACK\.yaml"; else head=none; fi$/m,
    );
    assert.equal(review.env!.BASE_PLAN, "${{ steps.base-plan.outputs.file }}");
    assert.deepEqual(j.strategy!.matrix, { stack: "${{ fromJSON(needs.stacks.outputs.review) }}" });
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
      "code-changed": "false",
    });
  });

  it("a new and a deleted stack file: both reviewed, neither previewed", () => {
    assert.deepEqual(
      stacksOf(base, { "Pulumi.staging.yaml": "config: {}\n", "Pulumi.prod.yaml": null }),
      { review: '["prod","staging"]', preview: "[]", "code-changed": "false" },
    );
  });

  it("a code change: every stack, base and head, with the base's code; odd file names are no stacks", () => {
    assert.deepEqual(
      stacksOf(base, {
        "components/mesh.ts": "export {};\n",
        "Pulumi.$(touch pwned).yaml": "config: {}\n",
        "Pulumi.prod.yaml": null,
      }),
      { review: '["dev","prod"]', preview: '["dev"]', "code-changed": "true" },
    );
  });
});

/** Runs one step's script of the review job as the runner would, in this repository. */
function runStep(match: (s: Step) => boolean, env: Record<string, string>) {
  const script = step(job("offline-review"), match, "to run").run!;
  const output = path.join(env.RUNNER_TEMP, "github-output");
  fs.writeFileSync(output, "");
  const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, INIT_CWD: "", GITHUB_OUTPUT: output, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return fs.readFileSync(output, "utf8");
}

describe("config PR workflow: the review job's scripts", function () {
  this.timeout(120000);

  it("a new stack file: reviewed against an empty stack, exit 0; the comment is the review", () => {
    const temp = fs.mkdtempSync(path.join(tmp, "runner-"));
    const env = { RUNNER_TEMP: temp, STACK: "dev", BASE_KIND: "none", BASE_PLAN: "" };
    assert.equal(
      runStep((s) => s.id === "review", env),
      "code=0\n",
    );
    const review = fs.readFileSync(path.join(temp, "review.md"), "utf8");
    assert.match(
      review,
      /^### service-edges plan: stack `dev`\n\n> A new stack: reviewed against an empty stack \(nothing deployed yet\)\.\n/,
    );
    assert.equal(fs.readFileSync(path.join(temp, "errors.txt"), "utf8"), "");
    runStep((s) => (s.run ?? "").includes("fit-comment"), {
      ...env,
      ARTIFACT_URL: "https://x.test/a",
    });
    assert.equal(fs.readFileSync(path.join(temp, "comment.md"), "utf8"), review);
  });

  it("a base that could not be planned with its own code: said with its errors, exit 1", () => {
    const temp = fs.mkdtempSync(path.join(tmp, "runner-"));
    fs.writeFileSync(path.join(temp, "base-errors.txt"), "npm error code ERESOLVE\n");
    const env = {
      RUNNER_TEMP: temp,
      STACK: "dev",
      BASE_KIND: "plan",
      BASE_PLAN: "",
      BASE_SHA: "0123456789abcdef0123",
    };
    assert.equal(
      runStep((s) => s.id === "review", env),
      "code=1\n",
    );
    assert.equal(
      fs.readFileSync(path.join(temp, "review.md"), "utf8"),
      [
        "### service-edges plan: stack `dev`",
        "",
        "The base (0123456789ab) could not be planned with its own code, so this PR was not reviewed:",
        "",
        "```",
        "npm error code ERESOLVE",
        "```",
        "",
      ].join("\n"),
    );
  });
});

describe("the PR comment fits in one GitHub comment", function () {
  this.timeout(120000);

  /** A mesh of `n` services in a ring, each calling the next: a new stack's review is long. */
  function ring(n: number): Values {
    const name = (i: number) => `svc-${String(i % n).padStart(2, "0")}`;
    const services: Record<string, unknown> = {};
    for (let i = 0; i < n; i++)
      services[name(i)] = {
        kind: "app",
        sku: "P1v3",
        maxInstances: 2,
        subnet: `10.50.${i}.0/28`,
        roles: [`R${i}.Read`],
      };
    return {
      "azure-native:location": "westeurope",
      "service-edges:network": { addressSpace: "10.50.0.0/16" },
      "service-edges:services": services,
      "service-edges:edges": Array.from({ length: n }, (_, i) => ({
        from: name(i),
        to: name(i + 1),
        roles: [`R${(i + 1) % n}.Read`],
      })),
    };
  }

  const fitCli = (file: string, ...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", FIT, file, ...args], {
      cwd: ROOT,
      encoding: "utf8",
    });

  it("a small review is printed unchanged", () => {
    const r = planCli(
      "--base",
      "none",
      "--head",
      configFile(smallConfig()),
      "--format",
      "markdown",
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.length < DEFAULT_MAX);
    assert.equal(fitComment(r.stdout), r.stdout);
    const file = write("small-review.md", r.stdout);
    const out = fitCli(file, "--artifact", "service-edges-review-ci", "--url", "https://x.test/a");
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, r.stdout);
  });

  it("a review over 65,536 characters: cut to fit, the summary kept, the notice pointing at the artifact", () => {
    const r = planCli("--base", "none", "--head", configFile(ring(12)), "--format", "markdown");
    assert.equal(r.code, 0, r.stderr);
    const full = r.stdout;
    assert.ok(full.length > GITHUB_COMMENT_LIMIT, `the review has ${full.length} characters`);
    const file = write("big-review.md", full);
    const url = "https://github.com/o/r/actions/runs/1/artifacts/2";
    const out = fitCli(file, "--artifact", "service-edges-review-ci", "--url", url);
    assert.equal(out.status, 0, out.stderr);
    const comment = out.stdout;
    assert.ok(comment.length <= GITHUB_COMMENT_LIMIT, `${comment.length} characters`);
    assert.ok(comment.length <= DEFAULT_MAX);
    // Everything up to the collapsed details is kept as it was: the summary first.
    const top = full.slice(0, full.indexOf("<details>"));
    assert.ok(comment.startsWith(top));
    assert.match(
      top,
      /^### service-edges plan: stack `ci`\n\n> A new stack: reviewed against an empty stack \(nothing deployed yet\)\.\n\n\*\*\d+ to create, 0 to update\*\*\n/,
    );
    assert.match(top, /^- svc-11 may now call svc-00 with R0\.Read$/m);
    assert.match(top, /^```mermaid\nflowchart LR\n/m);
    const notice = [
      "> [!WARNING]",
      `> **This review is cut to fit in a PR comment**: it has ${full.length.toLocaleString("en-US")} characters, more than the 64,512 a comment holds here (GitHub refuses more than 65,536).`,
      `> The full review is the job artifact [\`service-edges-review-ci\`](${url}).`,
      "",
    ].join("\n");
    assert.ok(comment.endsWith(`\n\n${notice}`), comment.slice(-600));
    assert.equal(
      notice,
      `${truncationNotice(full.length, { artifact: "service-edges-review-ci", url })}\n`,
    );
    // What is cut is closed: every fence and every details block.
    assert.equal((comment.match(/^```/gm) ?? []).length % 2, 0);
    assert.equal(
      (comment.match(/<details>/g) ?? []).length,
      (comment.match(/<\/details>/g) ?? []).length,
    );
    assert.match(comment, /\n_\.\.\. cut here: the rest is in the full review\._\n\n<\/details>\n/);
  });

  it("a graph too large for the comment is left out whole, and what follows it is still kept", () => {
    const graph = [
      "```mermaid",
      "flowchart LR",
      ...Array.from({ length: 4000 }, (_, i) => `  s_${i} --> s_${i + 1}`),
      "```",
    ];
    const md = [
      "### title",
      "",
      "**summary**",
      "",
      ...graph,
      "",
      "#### after the graph",
      "",
      "tail",
      "",
    ].join("\n");
    assert.ok(md.length > GITHUB_COMMENT_LIMIT);
    const out = fitComment(md, { artifact: "a" });
    assert.equal(
      out,
      [
        "### title",
        "",
        "**summary**",
        "",
        "_The graph (4001 lines) is left out here: it does not fit in a comment. It is in the full review._",
        "",
        "#### after the graph",
        "",
        "tail",
        "",
        truncationNotice(md.length, { artifact: "a" }),
        "",
      ].join("\n"),
    );
    assert.match(out, /> The full review is the job artifact `a` of this workflow run\.\n$/);
  });

  it("a long plain section is cut at a line, never past the limit", () => {
    const md = Array.from({ length: 20000 }, (_, i) => `- line ${i}`).join("\n");
    for (let max = 400; max < 3000; max += 37) {
      const out = fitComment(md, { max });
      assert.ok(out.length <= max, `${out.length} > ${max}`);
      const [body, rest] = out.split("\n\n> [!WARNING]\n");
      assert.equal(`> [!WARNING]\n${rest}`, `${truncationNotice(md.length, { max })}\n`);
      const kept = body.split("\n");
      assert.deepEqual(
        kept,
        kept.map((_, i) => `- line ${i}`),
      );
      // As many lines as fit: one more would not.
      assert.ok(out.length + `- line ${kept.length}\n`.length > max, `room left at ${max}`);
    }
  });
});

describe("review of a new, a deleted and a saved-plan base", function () {
  this.timeout(120000);

  it("a new stack (--base none): everything created, every edge added", () => {
    const head = configFile(smallConfig());
    const r = planCli("--base", "none", "--head", head, "--json");
    assert.equal(r.code, 0, r.stderr);
    const review = JSON.parse(r.stdout);
    const plan = JSON.parse(planCli("--config", head, "--json").stdout);
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
    const text = planCli("--stack", "dev", "--diff", "none");
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /^A new stack: reviewed against an empty stack \(nothing deployed yet\)\.\n\nReview: \d+ to create, 0 to update\n/,
    );
  });

  it("a deleted stack config (--head none): everything deleted, said so", () => {
    const base = configFile(smallConfig());
    const r = planCli("--base", base, "--head", "none", "--format", "markdown");
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
      planCli("--base", "none", "--head", "none").stderr,
      "error: --base none --head none: there is nothing to review\n",
    );
  });

  it("--base-plan: the saved plan of the base (its own code) reviews as the base config does", () => {
    const base = configFile(smallConfig());
    const saved = planCli("--config", base, "--json");
    assert.equal(saved.code, 0, saved.stderr);
    const planFile = write("base.plan.json", saved.stdout);
    const v = clone(smallConfig());
    (v["service-edges:edges"] as Values[]).pop();
    const head = configFile(v, "head/Pulumi.ci.yaml");
    const fromPlan = planCli("--base-plan", planFile, "--head", head, "--json");
    const fromConfig = planCli("--base", base, "--head", head, "--json");
    assert.equal(fromPlan.code, 0, fromPlan.stderr);
    assert.deepEqual(JSON.parse(fromPlan.stdout), JSON.parse(fromConfig.stdout));
    assert.deepEqual(JSON.parse(fromPlan.stdout).access, [
      { change: "removed", from: "a", to: "c", rolesBefore: ["C.Call"], rolesAfter: [] },
    ]);
    const md = planCli("--base-plan", planFile, "--head", head, "--format", "markdown");
    assert.match(
      md.stdout,
      /^> The base is the saved plan `base\.plan\.json` \(\d+ resources\), not planned here\.$/m,
    );
    // URNs name the stack: a plan of another stack is refused, not reviewed as a replacement.
    const other = configFile(v, "Pulumi.other.yaml");
    const wrong = planCli("--base-plan", planFile, "--head", other);
    assert.equal(wrong.code, 1);
    assert.equal(
      wrong.stderr,
      `error: the base plan ${path.relative(ROOT, planFile)} is of stack ci, the head of stack other\n`,
    );
    const notPlan = planCli("--base-plan", write("review.json", fromPlan.stdout), "--head", head);
    assert.equal(notPlan.code, 1);
    assert.match(
      notPlan.stderr,
      /^error: the base plan .*review\.json is not a plan's --json \(npm run plan -- --stack NAME --json\): it has no stack\n$/,
    );
    assert.equal(
      planCli("--base", base, "--base-plan", planFile, "--head", head).stderr,
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

  it("the PR comment draws the review's changes: a lost role orange, a removed edge red and dashed", () => {
    const base = configFile(smallConfig(), "colours/base/Pulumi.ci.yaml");
    const v = clone(smallConfig());
    const edges = v["service-edges:edges"] as { from: string; to: string; roles: string[] }[];
    edges[1].roles = ["B.Read"]; // c -> b loses B.Write
    edges.pop(); // a -> c removed
    const services = v["service-edges:services"] as Record<string, Values>;
    services.d = { kind: "app", sku: "P1v3", maxInstances: 2, subnet: "10.10.0.16/28" };
    edges.push({ from: "d", to: "b", roles: ["B.Read"] }); // added
    const head = configFile(v, "colours/head/Pulumi.ci.yaml");
    const r = planCli("--base", base, "--head", head, "--format", "markdown");
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
