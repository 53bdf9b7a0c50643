/**
 * `--format markdown` fits a review into one GitHub PR comment by itself (at most 65,536
 * characters): the header, access changes and policy violations kept whole first, the rest cut
 * with a notice saying what was cut and where the full review is; `--out FILE` holds the whole.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import {
  DEFAULT_MAX,
  GITHUB_COMMENT_LIMIT,
  fitComment,
  truncationNotice,
} from "@service-edges/cli/comment-fit";
import { ROOT, type Values, planCliIn, smallConfig } from "../fixtures";
import { scratchDir } from "../support/scratch";

const { dir: tmp, write } = scratchDir("service-edges-comment-fit-");

/** The CLI as a user runs it (in-process), outside GitHub Actions unless `env` says otherwise. */
function cli(args: string[], env: Record<string, string> = {}) {
  const outside = Object.keys(process.env).filter((k) => k.startsWith("GITHUB_"));
  return planCliIn(
    {
      cwd: ROOT,
      initCwd: ROOT,
      env: { ...Object.fromEntries(outside.map((k) => [k, undefined])), ...env },
    },
    ...args,
  );
}

/**
 * `n` services in a ring (each calls the next) at the base; the head adds `added` edges, each
 * service calling the one after next.
 */
function mesh(n: number, added: number): { base: Values; head: Values } {
  const name = (i: number) => `svc-${String(i % n).padStart(3, "0")}`;
  const services: Record<string, unknown> = {};
  for (let i = 0; i < n; i++)
    services[name(i)] = {
      kind: "app",
      sku: "P1v3",
      maxInstances: 2,
      subnet: `10.50.${i}.0/28`,
      roles: [`R${i}.Read`],
    };
  const values = (edges: unknown[]): Values => ({
    "azure-native:location": "westeurope",
    "service-edges:network": { addressSpace: "10.50.0.0/16" },
    "service-edges:services": services,
    "service-edges:edges": edges,
  });
  const ring = Array.from({ length: n }, (_, i) => ({
    from: name(i),
    to: name(i + 1),
    roles: [`R${(i + 1) % n}.Read`],
  }));
  const more = Array.from({ length: added }, (_, i) => ({
    from: name(i),
    to: name(i + 2),
    roles: [`R${(i + 2) % n}.Read`],
  }));
  return { base: values(ring), head: values([...ring, ...more]) };
}

/** The lines of a section of a review, from its `#### ` heading to the next. */
function section(md: string, title: string): string[] {
  const lines = md.split("\n");
  const start = lines.indexOf(`#### ${title}`);
  assert.ok(start >= 0, `no section ${title}`);
  const end = lines.findIndex((l, i) => i > start && /^#### /.test(l));
  return lines.slice(start, end < 0 ? undefined : end);
}

describe("--format markdown fits one PR comment; --out keeps the whole review", function () {
  this.timeout(300000);

  it("200 services, 150 edges added: the comment fits, every access change kept, --out the whole review", async () => {
    const { base, head } = mesh(200, 150);
    const b = write("big/base/Pulumi.big.yaml", stringify({ config: base }));
    const h = write("big/head/Pulumi.big.yaml", stringify({ config: head }));
    const outFile = path.join(tmp, "big/out/review-full.md");
    const r = await cli(
      ["--base", b, "--head", h, "--format", "markdown", "--out", outFile],
      // In a workflow run: the notice links the run's page, and names the file by its name.
      {
        GITHUB_SERVER_URL: "https://github.com",
        GITHUB_REPOSITORY: "o/r",
        GITHUB_RUN_ID: "42",
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const full = fs.readFileSync(outFile, "utf8");
    const comment = r.stdout;
    assert.ok(full.length > 4 * GITHUB_COMMENT_LIMIT, `the full review has ${full.length}`);
    assert.ok(comment.length <= DEFAULT_MAX, `the comment has ${comment.length} characters`);
    // The header and every access change, as the full review has them.
    const access = section(full, "Access changes");
    assert.equal(
      access.filter((l) => /^- svc-\d{3} may now call svc-\d{3} with /.test(l)).length,
      150,
    );
    assert.ok(comment.startsWith(full.slice(0, full.indexOf("#### Graph"))));
    assert.deepEqual(section(comment, "Access changes"), access);
    // The full review is whole: the last collapsed block closed, and it is what the notice counts.
    assert.ok(full.endsWith("\n</details>\n"));
    const tail = comment.slice(comment.indexOf("\n> [!WARNING]\n") + 1);
    assert.match(
      tail,
      /^> \[!WARNING\]\n> \*\*This review is cut to fit in a PR comment\*\*: it has [\d,]+ characters, more than the 64,512 a comment holds here \(GitHub refuses more than 65,536\)\.\n> Cut: "Changes and steps" shortened \([\d,]+ of [\d,]+ lines kept\); "Resource changes" left out\.\n> The full review is `review-full\.md` in the artifacts of \[this workflow run\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/42\)\.\n$/,
    );
    // It counts the review without the file's last newline.
    assert.ok(tail.includes(` it has ${(full.length - 1).toLocaleString("en-US")} characters,`));
    // What is cut is closed: every fence and every details block.
    assert.equal((comment.match(/^```/gm) ?? []).length % 2, 0);
    assert.equal(
      (comment.match(/<details>/g) ?? []).length,
      (comment.match(/<\/details>/g) ?? []).length,
    );
  });

  it("a small review: the comment is the review, and --out holds the same", async () => {
    const h = write("small/Pulumi.ci.yaml", stringify({ config: smallConfig() }));
    const outFile = path.join(tmp, "small/review-full.md");
    const r = await cli(["--base", "none", "--head", h, "--format", "markdown", "--out", outFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.length < DEFAULT_MAX);
    assert.equal(fs.readFileSync(outFile, "utf8"), r.stdout);
    assert.doesNotMatch(r.stdout, /cut to fit/);
  });

  it("--out applies only to --format markdown reviews; an unwritable --out fails the review", async () => {
    const h = write("usage/Pulumi.ci.yaml", stringify({ config: smallConfig() }));
    const why =
      "error: --out FILE applies to --format markdown reviews: the full review goes to FILE, the fitted PR comment to the output\n";
    for (const args of [
      ["--base", "none", "--head", h, "--out", "x.md"],
      ["--base", "none", "--head", h, "--format", "markdown", "--json", "--out", "x.md"],
      ["--config", h, "--out", "x.md"],
      ["--org", "test/fixtures/org", "--out", "x.md"],
    ]) {
      const r = await cli(args);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, why);
    }
    const blocker = write("usage/file", "");
    const r = await cli([
      "--base",
      "none",
      "--head",
      h,
      "--format",
      "markdown",
      "--out",
      path.join(blocker, "review.md"),
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^error: cannot write the full review to --out .*usage\/file\/review\.md: EEXIST/,
    );
    assert.equal(r.stdout, "");
  });
});

describe("fitting a review: what is kept first, what is cut, what the notice says", () => {
  /** A review shaped as the CLI writes it: header, access, violations, graph, details. */
  function review(access: number, violations: number, graphLines: number, details: number) {
    return [
      "### service-edges plan: stack `ci`",
      "",
      "**BLOCKED: 1 to create**",
      "",
      "> [!CAUTION]",
      "> **Blocking: Azure will refuse this deployment as ordered.**",
      "> - `subnet::a`: in use",
      "",
      "#### Access changes",
      "",
      ...Array.from({ length: access }, (_, i) => `- s${i} may now call t${i} with T${i}.Read`),
      ...(violations
        ? [
            "",
            "#### Policy violations",
            "",
            "| level | policy | resource | message |",
            "|---|---|---|---|",
            ...Array.from(
              { length: violations },
              (_, i) => `| mandatory | p${i} | \`r${i}\` | m |`,
            ),
          ]
        : []),
      "",
      "#### Graph (added edges green, roles lost orange, removed edges red and dashed)",
      "",
      "```mermaid",
      "flowchart LR",
      ...Array.from({ length: graphLines }, (_, i) => `  s_${i} --> s_${i + 1}`),
      "```",
      "",
      "<details><summary>Resource changes</summary>",
      "",
      ...Array.from({ length: details }, (_, i) => `| + | \`resource-${i}\` | |`),
      "",
      "</details>",
    ].join("\n");
  }

  it("the header, access changes and violations whole; the graph left out, the details cut", () => {
    const md = review(300, 20, 4000, 3000);
    const out = fitComment(md, { file: "review-full.md" });
    assert.ok(out.length <= DEFAULT_MAX, String(out.length));
    const top = md.slice(0, md.indexOf("#### Graph"));
    assert.ok(out.startsWith(top));
    assert.match(
      out,
      /\n#### Graph \(added edges green, roles lost orange, removed edges red and dashed\)\n\n_The graph \(4001 lines\) is left out here: it does not fit in a comment\. It is in the full review\._\n\n<details><summary>Resource changes<\/summary>\n/,
    );
    const details = out.slice(out.indexOf("<details><summary>Resource changes"));
    const detailLines = details.slice(0, details.indexOf("</details>")).split("\n").length;
    assert.ok(
      out.endsWith(
        [
          "_... cut here: the rest is in the full review._",
          "",
          "</details>",
          "",
          "> [!WARNING]",
          `> **This review is cut to fit in a PR comment**: it has ${md.length.toLocaleString("en-US")} characters, more than the 64,512 a comment holds here (GitHub refuses more than 65,536).`,
          `> Cut: the graph left out (4,001 lines); "Resource changes" shortened (${detailLines.toLocaleString("en-US")} of 3,004 lines kept).`,
          "> The full review is `review-full.md`.",
          "",
        ].join("\n"),
      ),
      out.slice(-800),
    );
    assert.ok(detailLines > 1000 && detailLines < 3004, String(detailLines));
  });

  it("access changes that alone do not fit: cut at a line, saying how many more there are", () => {
    const md = review(5000, 3, 10, 10);
    const out = fitComment(md);
    assert.ok(out.length <= DEFAULT_MAX, String(out.length));
    const kept = (out.match(/^- s\d+ may now call /gm) ?? []).length;
    assert.ok(kept > 500 && kept < 5000, String(kept));
    assert.ok(
      out.includes(
        `- s${kept - 1} may now call t${kept - 1} with T${kept - 1}.Read\n\n_... and ${(5000 - kept).toLocaleString("en-US")} more access changes: see the full review._\n\n#### Policy violations\n`,
      ),
    );
    // The violations stay whole, the blocking refusal with the header.
    assert.match(out, /^\| mandatory \| p2 \| `r2` \| m \|$/m);
    assert.match(out, /^> - `subnet::a`: in use$/m);
    assert.match(
      out,
      new RegExp(
        `\n> Cut: ${(5000 - kept).toLocaleString("en-US")} of 5,000 access changes; "Graph \\(added edges green, roles lost orange, removed edges red and dashed\\)" left out; "Resource changes" left out\\.\n`,
      ),
    );
    assert.match(
      out,
      /\n> The full review is what `--format markdown --out FILE` writes to FILE\.\n$/,
    );
  });

  it("a long plain section is cut at a line, never past the limit", () => {
    const md = Array.from({ length: 20000 }, (_, i) => `- line ${i}`).join("\n");
    for (let max = 700; max < 3000; max += 37) {
      const out = fitComment(md, { max });
      assert.ok(out.length <= max, `${out.length} > ${max}`);
      const [body, rest] = out.split("\n\n> [!WARNING]\n");
      assert.equal(
        `> [!WARNING]\n${rest}`,
        `${truncationNotice(md.length, { max }, ["the header shortened"])}\n`,
      );
      const kept = body.split("\n");
      assert.deepEqual(
        kept,
        kept.map((_, i) => `- line ${i}`),
      );
    }
  });

  it("a review that fits is returned as it is", () => {
    const md = review(3, 1, 3, 3);
    assert.equal(fitComment(md), md);
    assert.equal(GITHUB_COMMENT_LIMIT, 65536);
    assert.equal(DEFAULT_MAX, 64512);
  });
});
