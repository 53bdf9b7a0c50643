/**
 * `prune-expired`: the edges past their `expires` day, removed from the stack file keeping every
 * comment and line it does not remove; the scheduled workflow that opens the PR; `--now` on the
 * planner's CLI.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { pruneExpiredEdges, pruneText } from "@service-edges/cli/prune-expired";
import { ROOT, planCli } from "../fixtures";

const WORKFLOW = path.join(ROOT, ".github/workflows/prune-expired-edges.yml");
const VALIDATOR = path.join(ROOT, "node_modules/.bin/action-validator");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "service-edges-prune-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const STACK = `# The ci stack.
config:
  azure-native:location: westeurope
  service-edges:network:
    addressSpace: 10.10.0.0/16 # one VNet
  service-edges:services:
    a: { kind: app, sku: P1v3, maxInstances: 4, subnet: 10.10.0.0/28 }
    b: { kind: app, sku: P1v3, maxInstances: 2, roles: [B.Read, B.Write] }
    c: { kind: function, sku: EP1, maxInstances: 10, subnet: 10.10.0.32/27, roles: [C.Call] }
  service-edges:edges:
    - from: a # the front end
      to: b
      roles: [B.Read]
    # Migration: c reads b until the cut-over (JIRA-123).
    - from: c
      to: b
      roles: [B.Read, B.Write]
      expires: 2026-11-30
    - from: a
      to: c
      roles: [C.Call]
      expires: "2026-12-31" # quoted days are days too
`;

describe("prune-expired: the stack file without its expired edges", () => {
  it("removes exactly the edges past their day, with the comment written above it, and keeps every other line", () => {
    const r = pruneExpiredEdges("Pulumi.ci.yaml", STACK, "2026-12-06");
    assert.deepEqual(r.expired, [
      {
        key: "service-edges:edges",
        index: 1,
        from: "c",
        to: "b",
        roles: ["B.Read", "B.Write"],
        expires: "2026-11-30",
      },
    ]);
    const removed = [
      "    # Migration: c reads b until the cut-over (JIRA-123).",
      "    - from: c",
      "      to: b",
      "      roles: [B.Read, B.Write]",
      "      expires: 2026-11-30",
    ];
    const lines = STACK.split("\n");
    const at = lines.indexOf(removed[0]);
    assert.deepEqual(lines.slice(at, at + removed.length), removed);
    lines.splice(at, removed.length);
    assert.equal(r.text, lines.join("\n"));
    assert.equal(
      pruneText(r, false),
      "1 edge of Pulumi.ci.yaml expired (as of 2026-12-06); run with --write to remove them:\n  - c -> b (B.Read, B.Write): expired 2026-11-30, edges[1]",
    );
  });

  it("an edge on its last day stays; nothing expired leaves the text as it was", () => {
    const r = pruneExpiredEdges("Pulumi.ci.yaml", STACK, "2026-11-30");
    assert.deepEqual(r.expired, []);
    assert.equal(r.text, STACK);
    assert.equal(
      pruneText(r, false),
      "No edge of Pulumi.ci.yaml is past its expires day (as of 2026-11-30).",
    );
    const later = pruneExpiredEdges("Pulumi.ci.yaml", STACK, "2027-01-01");
    assert.deepEqual(
      later.expired.map((e) => e.index),
      [1, 2],
    );
    assert.deepEqual(
      (parse(later.text) as { config: Record<string, unknown> }).config["service-edges:edges"],
      [{ from: "a", to: "b", roles: ["B.Read"] }],
    );
  });

  it("prunes a program's own namespace (meshArgsFromConfig), naming the key", () => {
    const own = STACK.replaceAll("service-edges:", "payments:");
    const r = pruneExpiredEdges("Pulumi.ci.yaml", own, "2026-12-06");
    assert.deepEqual(
      r.expired.map((e) => [e.key, e.index, e.from, e.to]),
      [["payments:edges", 1, "c", "b"]],
    );
    assert.deepEqual(
      (parse(r.text) as { config: Record<string, unknown> }).config["payments:edges"],
      [
        { from: "a", to: "b", roles: ["B.Read"] },
        { from: "a", to: "c", roles: ["C.Call"], expires: "2026-12-31" },
      ],
    );
    assert.match(pruneText(r, false), /expired 2026-11-30, payments:edges\[1\]$/m);
  });

  it("the CLI: --json lists, --write removes, a bad --now is refused in one line", async () => {
    const file = path.join(tmp, "Pulumi.ci.yaml");
    fs.writeFileSync(file, STACK);
    const listed = await planCli(
      "prune-expired",
      "--config",
      file,
      "--now",
      "2026-12-06",
      "--json",
    );
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout), {
      file,
      now: "2026-12-06",
      expired: [
        {
          key: "service-edges:edges",
          index: 1,
          from: "c",
          to: "b",
          roles: ["B.Read", "B.Write"],
          expires: "2026-11-30",
        },
      ],
    });
    assert.equal(fs.readFileSync(file, "utf8"), STACK, "without --write the file is unchanged");
    const written = await planCli(
      "prune-expired",
      "--config",
      file,
      "--now",
      "2026-12-06",
      "--write",
    );
    assert.equal(written.code, 0, written.stderr);
    assert.match(
      written.stdout,
      /^1 edge of .*Pulumi\.ci\.yaml expired \(as of 2026-12-06\); removed:\n/,
    );
    assert.equal(fs.readFileSync(file, "utf8"), pruneExpiredEdges(file, STACK, "2026-12-06").text);
    const bad = await planCli("prune-expired", "--config", file, "--now", "2026-13-01");
    assert.equal(bad.code, 1);
    assert.equal(
      bad.stderr,
      "error: --now 2026-13-01: give a date as YYYY-MM-DD, e.g. 2026-12-06\n",
    );
  });

  it("plan --now: the stack planned as of that day (the expired edge is listed, not granted)", async () => {
    const file = path.join(tmp, "now", "Pulumi.ci.yaml");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, STACK);
    const r = await planCli("--config", file, "--now", "2026-12-06", "--json");
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as {
      edges: Array<{ from: string; to: string }>;
      expiredEdges: unknown[];
      expiringEdges?: unknown[];
    };
    assert.deepEqual(
      plan.edges.map((e) => `${e.from}->${e.to}`),
      ["a->b", "a->c"],
    );
    assert.deepEqual(plan.expiredEdges, [
      { from: "c", to: "b", roles: ["B.Read", "B.Write"], expires: "2026-11-30", daysLeft: -6 },
    ]);
    assert.equal(plan.expiringEdges, undefined);
    const bad = await planCli("--config", file, "--now", "06/12/2026");
    assert.equal(bad.code, 1);
    assert.equal(
      bad.stderr,
      "error: --now 06/12/2026: give a date as YYYY-MM-DD, e.g. 2026-12-06\n",
    );
  });
});

describe("prune-expired workflow (.github/workflows/prune-expired-edges.yml)", () => {
  interface Step {
    uses?: string;
    run?: string;
    if?: string;
    id?: string;
    with?: Record<string, unknown>;
  }
  const wf = parse(fs.readFileSync(WORKFLOW, "utf8")) as {
    on: Record<string, unknown>;
    permissions: Record<string, string>;
    jobs: Record<string, { permissions: Record<string, string>; steps: Step[] }>;
  };

  it("passes action-validator: exit 0, no errors", () => {
    const r = spawnSync(VALIDATOR, [WORKFLOW], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, "");
    assert.deepEqual(
      r.stderr
        .split("\n")
        .filter((l) => l.trim() !== "")
        .filter((l) => !/^WARNING: Glob validation is not yet supported\./.test(l)),
      [],
    );
  });

  it("runs daily and by hand, read-only at the top, writes only a branch and a PR", () => {
    assert.deepEqual(wf.on, { schedule: [{ cron: "17 5 * * *" }], workflow_dispatch: null });
    assert.deepEqual(wf.permissions, { contents: "read" });
    assert.deepEqual(Object.keys(wf.jobs), ["prune"]);
    assert.deepEqual(wf.jobs.prune.permissions, { contents: "write", "pull-requests": "write" });
  });

  it("prunes every stack file with --write, and opens the PR only when a file changed", () => {
    const steps = wf.jobs.prune.steps;
    assert.deepEqual(
      steps.map((s) => s.uses ?? s.run!.split("\n")[0]),
      [
        "actions/checkout@v4",
        "actions/setup-node@v4",
        "npm ci",
        "shopt -s nullglob",
        "peter-evans/create-pull-request@v7",
      ],
    );
    assert.match(
      steps[3].run!,
      /^ {2}npm run --silent plan -- prune-expired --config "\$file" --write >> "\$body"$/m,
    );
    assert.match(steps[3].run!, /^for file in Pulumi\.\*\.yaml; do$/m);
    assert.equal(steps[4].if, "steps.prune.outputs.changed == 'true'");
    assert.equal(steps[4].with!["add-paths"], "Pulumi.*.yaml");
    assert.equal(steps[4].with!.branch, "service-edges/prune-expired-edges");
  });
});
