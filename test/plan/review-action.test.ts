/**
 * The review action (.github/actions/review) and the reusable org review
 * (.github/workflows/org-review.yml): they call the CLI only with flags it has, the action's
 * review script picks the base (a git ref, or the deleted stack file's last version), says an
 * invalid config with the CLI's errors, and exits as the CLI does; its comment step finds the one
 * comment of its stack by a hidden marker and updates it, or posts one; fork PRs get the summary.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { main } from "@service-edges/cli/cli";
import { ROOT } from "../fixtures";
import { ACTION, ORG_REVIEW, type Step, oneStep } from "../support/github-yaml";

const action = parse(fs.readFileSync(ACTION, "utf8")) as {
  inputs: Record<string, { default?: string; required?: boolean }>;
  runs: { using: string; steps: Step[] };
};
const orgReview = parse(fs.readFileSync(ORG_REVIEW, "utf8")) as {
  on: { workflow_call: { inputs: Record<string, { default?: unknown }> } };
  jobs: { review: { permissions: Record<string, string>; steps: Step[] } };
};
const steps = action.runs.steps;

const reviewStep = oneStep(steps, (s) => s.id === "review", "reviewing");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "service-edges-action-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The long flags of the CLI, as its `--help` lists them. */
async function cliFlags(): Promise<Set<string>> {
  const lines: string[] = [];
  // main's printers return as process.stdout.write does.
  const print = (s: string) => lines.push(s) > 0;
  const code = await main(["--help"], print, print);
  assert.equal(code, 0);
  return new Set(lines.join("\n").match(/(?<=^\s+(?:-\w, )?)--[a-z][a-z-]*/gm) ?? []);
}

/** The flags a script passes to the CLI: on its lines that run `"${cli[@]}"`. */
function flagsPassed(script: string): string[] {
  return script
    .split("\n")
    .filter((l) => l.includes('"${cli[@]}"'))
    .flatMap((l) => l.match(/(?<=\s)--[a-z][a-z-]*/g) ?? []);
}

describe("the review action and the org review call the CLI with flags it has", () => {
  it("every flag in their CLI lines is one `service-edges --help` lists", async () => {
    const known = await cliFlags();
    // The help is read for real: its review flags are there, a made-up one is not.
    for (const f of ["--base-ref", "--stack", "--config", "--format", "--out", "--org", "--base"])
      assert.ok(known.has(f), `${f} in --help`);
    assert.ok(!known.has("--comment"));
    const action = flagsPassed(reviewStep.run!);
    assert.deepEqual(
      [...new Set(action)].sort(),
      ["--base", "--base-ref", "--format", "--head", "--out"].sort(),
    );
    const orgScript = oneStep(
      orgReview.jobs.review.steps,
      (s) => s.id === "review",
      "reviewing",
    ).run!;
    assert.deepEqual(flagsPassed(orgScript), ["--org", "--base"]);
    for (const f of [...action, ...flagsPassed(orgScript)]) assert.ok(known.has(f), f);
    // --stack / --config come from an array the script builds.
    assert.match(
      reviewStep.run!,
      /head=\(--config "\$CONFIG"\); file=\$CONFIG; else head=\(--stack "\$STACK"\)/,
    );
    assert.ok(known.has("--config") && known.has("--stack"));
  });

  it("the default command is the CLI package's bin, run without installing anything else", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "packages/cli/package.json"), "utf8"));
    assert.deepEqual(Object.keys(pkg.bin), ["service-edges"]);
    assert.equal(action.inputs.cli.default, "npx --no-install service-edges");
    assert.equal(orgReview.on.workflow_call.inputs.cli.default, "npx --no-install service-edges");
    assert.equal(action.inputs["base-ref"].default, "${{ github.event.pull_request.base.sha }}");
    assert.equal(action.inputs["node-version"].default, "22");
    assert.equal(action.inputs["working-directory"].default, ".");
    assert.equal(action.inputs.comment.default, "true");
    assert.equal(action.runs.using, "composite");
    assert.deepEqual(orgReview.jobs.review.permissions, {
      contents: "read",
      "pull-requests": "write",
    });
  });

  it("steps: Node, npm ci in the project, review, artifact, comment or summary, then fail as the review does", () => {
    assert.deepEqual(
      steps.map((s) => s.uses ?? s.id ?? s.run?.split("\n")[0]),
      [
        "actions/setup-node@v4",
        "npm ci",
        "review",
        "actions/upload-artifact@v4",
        'marker="<!-- service-edges:$KEY -->"',
        'cat "$COMMENT" >> "$GITHUB_STEP_SUMMARY"',
        'exit "$CODE"',
      ],
    );
    assert.equal(steps[1].with, undefined);
    const upload = steps[3];
    assert.equal(upload.with!.name, "service-edges-review-${{ steps.review.outputs.key }}");
    assert.deepEqual(String(upload.with!.path).trim().split("\n"), [
      "${{ steps.review.outputs.dir }}/review-full.md",
      "${{ steps.review.outputs.dir }}/errors.txt",
    ]);
    const same = "github.event.pull_request.head.repo.full_name == github.repository";
    const fork = "github.event.pull_request.head.repo.full_name != github.repository";
    assert.equal(
      steps[4].if,
      `inputs.comment == 'true' && github.event.pull_request.number && ${same}`,
    );
    assert.equal(
      steps[5].if,
      `inputs.comment != 'true' || !github.event.pull_request.number || ${fork}`,
    );
    assert.equal(steps[6].if, "steps.review.outputs.code != '0'");
    assert.equal(steps[6].env!.CODE, "${{ steps.review.outputs.code }}");
    for (const s of steps.filter((x) => x.run)) assert.equal(s.shell, "bash");
  });
});

/** Runs `script` as GitHub's bash does, in `cwd`; returns its exit code, outputs and stderr. */
function runScript(script: string, cwd: string, env: Record<string, string>) {
  const output = path.join(tmp, `output-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(output, "");
  const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, INIT_CWD: "", GITHUB_OUTPUT: output, ...env },
  });
  const outputs = Object.fromEntries(
    fs
      .readFileSync(output, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return { status: r.status, outputs, stdout: r.stdout, stderr: r.stderr };
}

/** A git repo with two stack files committed; `gone` then deleted in the working tree. */
function project(): { dir: string; base: string } {
  const dir = fs.mkdtempSync(path.join(tmp, "repo-"));
  const git = (...args: string[]) => {
    const r = spawnSync("git", args, { cwd: dir, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  git("init", "-q");
  git("config", "user.email", "ci@example.test");
  git("config", "user.name", "ci");
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: x\n");
  fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), "config: { a: 1 }\n");
  fs.writeFileSync(path.join(dir, "Pulumi.gone.yaml"), "config: { gone: true }\n");
  git("add", "-A");
  git("commit", "-q", "-m", "base");
  fs.rmSync(path.join(dir, "Pulumi.gone.yaml"));
  return { dir, base: git("rev-parse", "HEAD") };
}

/** A stand-in for the CLI: prints its arguments as the review, or only an error, and exits. */
const FAKE_CLI = path.join(tmp, "fake-cli.sh");
fs.writeFileSync(
  FAKE_CLI,
  [
    "#!/bin/bash",
    'if [ -n "$FAKE_ERROR" ]; then echo "$FAKE_ERROR" >&2; exit "${FAKE_CODE:-1}"; fi',
    'echo "### review"',
    'printf "%s\\n" "$@"',
    'exit "${FAKE_CODE:-0}"',
  ].join("\n"),
  { mode: 0o755 },
);

describe("the review action's review script", function () {
  this.timeout(180000);

  const run = (dir: string, env: Record<string, string>) => {
    const runner = fs.mkdtempSync(path.join(tmp, "runner-"));
    const r = runScript(reviewStep.run!, dir, {
      RUNNER_TEMP: runner,
      STACK: "",
      CONFIG: "",
      CLI: FAKE_CLI,
      ...env,
    });
    return { ...r, runner };
  };

  it("a stack: the working tree reviewed against the base ref, the full review to --out", () => {
    const { dir, base } = project();
    const r = run(dir, { STACK: "prod", BASE_REF: base });
    assert.equal(r.status, 0, r.stderr);
    const out = path.join(r.runner, "service-edges-prod");
    assert.deepEqual(r.outputs, {
      code: "0",
      key: "prod",
      dir: out,
      comment: `${out}/comment.md`,
      full: `${out}/review-full.md`,
    });
    assert.equal(
      fs.readFileSync(`${out}/comment.md`, "utf8"),
      [
        "### review",
        "--base-ref",
        base,
        "--stack",
        "prod",
        "--format",
        "markdown",
        "--out",
        `${out}/review-full.md`,
        "",
      ].join("\n"),
    );
  });

  it("a deleted stack file: its last version as the base, --head none; the exit code passed on", () => {
    const { dir, base } = project();
    const r = run(dir, { STACK: "gone", BASE_REF: base, FAKE_CODE: "2" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.outputs.code, "2");
    const out = path.join(r.runner, "service-edges-gone");
    const baseFile = `${out}/base/Pulumi.gone.yaml`;
    assert.equal(fs.readFileSync(baseFile, "utf8"), "config: { gone: true }\n");
    assert.deepEqual(fs.readFileSync(`${out}/comment.md`, "utf8").split("\n").slice(1, -1), [
      "--base",
      baseFile,
      "--head",
      "none",
      "--format",
      "markdown",
      "--out",
      `${out}/review-full.md`,
    ]);
  });

  it("a config file: --config, the key from its name; an invalid config is said with the CLI's errors, exit 1", () => {
    const { dir, base } = project();
    const r = run(dir, {
      CONFIG: "stacks/Pulumi.my stack.yaml",
      BASE_REF: base,
      FAKE_ERROR: "error: the stack config is invalid",
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.outputs.code, "1");
    assert.equal(r.outputs.key, "Pulumi.my-stack");
    const comment = fs.readFileSync(`${r.outputs.dir}/comment.md`, "utf8");
    assert.equal(
      comment,
      [
        "### service-edges plan: `Pulumi.my-stack`: not reviewed (exit 1)",
        "",
        "```",
        "error: the stack config is invalid",
        "```",
        "",
      ].join("\n"),
    );
    assert.equal(fs.readFileSync(`${r.outputs.dir}/review-full.md`, "utf8"), comment);
  });

  it("refuses stack and config together, and an empty base ref (outside a PR)", () => {
    const { dir, base } = project();
    const both = run(dir, { STACK: "prod", CONFIG: "x.yaml", BASE_REF: base });
    assert.equal(both.status, 1);
    assert.equal(both.stdout, "::error::give the input stack or config, not both\n");
    const none = run(dir, { STACK: "prod", BASE_REF: "" });
    assert.equal(none.status, 1);
    assert.match(none.stdout, /^::error::base-ref is empty: outside a pull_request event/);
  });

  it("with the real CLI in this repository: the dev stack reviewed against HEAD", () => {
    const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" });
    const r = run(ROOT, { STACK: "dev", BASE_REF: "HEAD", CLI: "npm run --silent plan --" });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(["0", "2"].includes(r.outputs.code), JSON.stringify(r.outputs));
    const comment = fs.readFileSync(r.outputs.comment, "utf8");
    assert.ok(
      comment.startsWith(
        `### service-edges plan: stack \`dev\`\n\n> The base is commit ${head.stdout.slice(0, 12)}: its program and \`Pulumi.dev.yaml\``,
      ),
      comment.slice(0, 300),
    );
    assert.match(comment, /^#### Access changes\n\n_None\._$/m);
    assert.equal(fs.readFileSync(r.outputs.full, "utf8"), comment);
  });
});

describe("the review action's comment step: one comment per stack, found by its marker", () => {
  const commentStep = oneStep(steps, (s) => (s.run ?? "").includes("gh api"), "commenting");

  /** Runs the step with a `gh` that answers from `comments` and logs what it was asked. */
  function post(comments: { id: number; body: string }[]) {
    const bin = fs.mkdtempSync(path.join(tmp, "bin-"));
    const log = path.join(bin, "log");
    fs.writeFileSync(path.join(bin, "comments.json"), JSON.stringify(comments));
    fs.writeFileSync(
      path.join(bin, "gh"),
      [
        "#!/bin/bash",
        `echo "$*" >> "${log}"`,
        // The listing: gh applies --jq to each page; here, one page.
        'for ((i = 1; i <= $#; i++)); do if [ "${!i}" = --jq ]; then j=$((i + 1)); exec jq -r "${!j}" < "' +
          path.join(bin, "comments.json") +
          '"; fi; done',
        "echo '{}'",
      ].join("\n"),
      { mode: 0o755 },
    );
    const runner = fs.mkdtempSync(path.join(tmp, "runner-"));
    fs.mkdirSync(path.join(runner, "service-edges-prod"));
    const comment = path.join(runner, "service-edges-prod/comment.md");
    fs.writeFileSync(comment, "### the review\n");
    const r = runScript(commentStep.run!, ROOT, {
      PATH: `${bin}:${process.env.PATH}`,
      RUNNER_TEMP: runner,
      GH_TOKEN: "t",
      REPO: "o/r",
      PR: "5",
      KEY: "prod",
      COMMENT: comment,
    });
    assert.equal(r.status, 0, r.stderr);
    const body = path.join(runner, "service-edges-prod/comment-body.md");
    assert.equal(fs.readFileSync(body, "utf8"), "<!-- service-edges:prod -->\n### the review\n");
    return { calls: fs.readFileSync(log, "utf8").trim().split("\n"), body };
  }

  it("updates the comment that has its stack's marker, not another's", () => {
    const { calls, body } = post([
      { id: 1, body: "looks good" },
      { id: 3, body: "<!-- service-edges:prod-eu -->\nother stack" },
      { id: 7, body: "<!-- service-edges:prod -->\nthe old review" },
    ]);
    assert.equal(calls.length, 2);
    assert.match(calls[0], /^api --paginate repos\/o\/r\/issues\/5\/comments --jq /);
    assert.equal(calls[1], `api --method PATCH repos/o/r/issues/comments/7 -F body=@${body}`);
  });

  it("posts one when there is none", () => {
    const { calls, body } = post([{ id: 3, body: "<!-- service-edges:prod-eu -->\nx" }]);
    assert.equal(calls[1], `api --method POST repos/o/r/issues/5/comments -F body=@${body}`);
  });
});

describe("the reusable org review's script: the org reviewed against its base, fitted to a comment", () => {
  const script = oneStep(orgReview.jobs.review.steps, (s) => s.id === "review", "reviewing").run!;
  const FAKE_ORG = path.join(tmp, "fake-org-cli.sh");
  fs.writeFileSync(
    FAKE_ORG,
    [
      "#!/bin/bash",
      'echo "args: $*"',
      'for ((i = 0; i < ${FAKE_LINES:-3}; i++)); do echo "stack team-$i: 3 to update"; done',
      'echo "blocking: [team-0] x" >&2',
      'exit "${FAKE_CODE:-0}"',
    ].join("\n"),
    { mode: 0o755 },
  );
  const run = (env: Record<string, string>) => {
    const runner = fs.mkdtempSync(path.join(tmp, "runner-"));
    const r = runScript(script, tmp, {
      RUNNER_TEMP: runner,
      ORG_DIR: "org",
      BASE_DIR: "/base/org",
      CLI: FAKE_ORG,
      ...env,
    });
    assert.equal(r.status, 0, r.stderr);
    const read = (f: string) => fs.readFileSync(path.join(runner, "service-edges-org", f), "utf8");
    return { code: r.outputs.code, full: read("review-full.md"), comment: read("comment.md") };
  };

  it("a short review: the comment is the review, the CLI's output and errors in a code block", () => {
    const r = run({ FAKE_CODE: "1" });
    assert.equal(r.code, "1");
    assert.equal(
      r.full,
      [
        "### service-edges org review",
        "",
        "```",
        "args: --org org --base /base/org",
        "stack team-0: 3 to update",
        "stack team-1: 3 to update",
        "stack team-2: 3 to update",
        "blocking: [team-0] x",
        "```",
        "",
      ].join("\n"),
    );
    assert.equal(r.comment, r.full);
  });

  it("a long one: cut at a line, the block closed, how much is kept and where the rest is", () => {
    const r = run({ FAKE_LINES: "5000", FAKE_CODE: "2" });
    assert.equal(r.code, "2");
    assert.ok(r.full.length > 100000);
    assert.ok(Buffer.byteLength(r.comment) < 65536 - 1024, String(r.comment.length));
    const lines = r.comment.split("\n");
    const kept = lines.findIndex((l, i) => i > 2 && l === "```");
    assert.ok(r.full.startsWith(lines.slice(0, kept).join("\n") + "\n"));
    assert.deepEqual(lines.slice(kept), [
      "```",
      "",
      "> [!WARNING]",
      `> **This review is cut to fit in a PR comment**: ${kept} of its ${r.full.split("\n").length - 1} lines are here.`,
      "> The full review is `review-full.md` in the job artifact `service-edges-org-review` of this workflow run.",
      "",
    ]);
  });
});
