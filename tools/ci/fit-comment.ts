/**
 * Fits a review into one GitHub PR comment, which GitHub refuses above 65,536 characters.
 *
 *   node --import tsx tools/ci/fit-comment.ts REVIEW.md [--max N] [--artifact NAME] [--url URL] > COMMENT.md
 *
 * A review that fits is printed as it is. One that does not is cut at a block boundary, so what
 * is kept reads as it was written: the top (the verdict, the counts, the access changes) is kept
 * first; a Mermaid graph that does not fit whole is left out with a line saying so (half a graph
 * would mislead), and what follows it may still fit; a collapsed `<details>` block or a code block
 * is cut inside and closed; then a notice says the review was cut and where the full one is (the
 * job artifact the workflow uploads).
 *
 * Sizes are JavaScript string lengths (UTF-16 code units), never fewer than the characters GitHub
 * counts.
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";

/** GitHub's limit on a comment body, in characters. */
export const GITHUB_COMMENT_LIMIT = 65536;
/**
 * The default size: the limit less room for what the comment action adds to the body (the sticky
 * comment action appends a hidden `<!-- Sticky Pull Request Comment<header> -->` marker).
 */
export const DEFAULT_MAX = GITHUB_COMMENT_LIMIT - 1024;

export interface FitOptions {
  /** At most this many characters out (default {@link DEFAULT_MAX}). */
  max?: number;
  /** The name of the job artifact that holds the full review. */
  artifact?: string;
  /** Where to download it (upload-artifact's `artifact-url`), or the run's page. */
  url?: string;
}

interface Block {
  kind: "line" | "fence" | "details";
  lines: string[];
  /** A fence's info string: `mermaid`, `` (plain), ... */
  lang?: string;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;

/** Where a fence opened by `marker` closes: a line of at least as many of its characters. */
function closes(line: string, marker: string): boolean {
  const t = line.trim();
  return t.length >= marker.length && t === marker[0].repeat(t.length);
}

/** Top-level blocks: code fences and `<details>` blocks whole, anything else line by line. */
function blocksOf(lines: readonly string[]): Block[] {
  const out: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const fence = FENCE.exec(lines[i]);
    if (fence) {
      let j = i + 1;
      while (j < lines.length && !closes(lines[j], fence[1])) j++;
      out.push({ kind: "fence", lang: fence[2], lines: lines.slice(i, j + 1) });
      i = j + 1;
      continue;
    }
    if (/^\s*<details[\s>]/i.test(lines[i])) {
      let depth = 0;
      let j = i;
      let marker: string | undefined;
      for (; j < lines.length; j++) {
        const line = lines[j];
        if (marker) {
          if (closes(line, marker)) marker = undefined;
          continue;
        }
        const f = FENCE.exec(line);
        if (f) {
          marker = f[1];
          continue;
        }
        depth += (line.match(/<details[\s>]/gi) ?? []).length;
        depth -= (line.match(/<\/details>/gi) ?? []).length;
        if (depth <= 0) break;
      }
      // One line that opens and closes it is a line like any other.
      out.push({ kind: j === i ? "line" : "details", lines: lines.slice(i, j + 1) });
      i = j + 1;
      continue;
    }
    out.push({ kind: "line", lines: [lines[i]] });
    i++;
  }
  return out;
}

/** Where a collapsed block is cut. */
const CUT_HERE = "_... cut here: the rest is in the full review._";

/** What lines cost joined with newlines, each with the newline after it. */
const cost = (lines: readonly string[]) => lines.reduce((n, l) => n + l.length + 1, 0);

/**
 * As many of `blocks` as fit in `budget` characters. A Mermaid block that does not fit is replaced
 * by a line and the rest is still tried; anything else that does not fit ends the output (cut
 * inside, and closed, when it is a details or code block).
 */
function fitBlocks(blocks: readonly Block[], budget: number): string[] {
  const out: string[] = [];
  let used = 0;
  const keep = (lines: readonly string[]) => {
    out.push(...lines);
    used += cost(lines);
  };
  for (const b of blocks) {
    if (used + cost(b.lines) <= budget) {
      keep(b.lines);
      continue;
    }
    if (b.kind === "fence" && b.lang === "mermaid") {
      const note = `_The graph (${b.lines.length - 2} lines) is left out here: it does not fit in a comment. It is in the full review._`;
      if (used + cost([note]) <= budget) keep([note]);
      continue;
    }
    if (b.kind === "fence") {
      const open = b.lines[0];
      const marker = FENCE.exec(open)![1];
      const closed = b.lines.length > 1 && closes(b.lines.at(-1)!, marker);
      const inner = b.lines.slice(1, closed ? -1 : undefined);
      const close = closed ? b.lines.at(-1)! : marker;
      const more = (n: number) => `... (${n} more lines in the full review)`;
      let room = budget - used - cost([open, close, more(inner.length)]);
      const kept: string[] = [];
      for (const line of inner) {
        if (line.length + 1 > room) break;
        kept.push(line);
        room -= line.length + 1;
      }
      if (room >= 0) keep([open, ...kept, more(inner.length - kept.length), close]);
    } else if (b.kind === "details") {
      // Its opening lines through </summary>, what fits of its body, and its closing line.
      const summaryEnd = b.lines.findIndex((l) => /<\/summary>/i.test(l));
      const head = b.lines.slice(0, summaryEnd + 1 || 1);
      const last = b.lines.at(-1)!;
      const closed = b.lines.length > head.length && /<\/details>\s*$/i.test(last);
      const body = b.lines.slice(head.length, closed ? -1 : undefined);
      const tail = ["", CUT_HERE, "", "</details>"];
      const room = budget - used - cost(head) - cost(tail);
      if (room >= 0) keep([...head, ...fitBlocks(blocksOf(body), room), ...tail]);
    }
    return out;
  }
  return out;
}

/** The notice a cut review ends with: why, and where the full review is. */
export function truncationNotice(fullLength: number, options: FitOptions = {}): string {
  const max = options.max ?? DEFAULT_MAX;
  const where = options.artifact
    ? options.url
      ? `the job artifact [\`${options.artifact}\`](${options.url})`
      : `the job artifact \`${options.artifact}\` of this workflow run`
    : "the workflow run's job artifacts";
  const n = (x: number) => x.toLocaleString("en-US");
  return [
    "> [!WARNING]",
    `> **This review is cut to fit in a PR comment**: it has ${n(fullLength)} characters, more than the ${n(max)} a comment holds here (GitHub refuses more than ${n(GITHUB_COMMENT_LIMIT)}).`,
    `> The full review is ${where}.`,
  ].join("\n");
}

/** The review as it is when it fits in `max` characters; else cut, with the notice. */
export function fitComment(markdown: string, options: FitOptions = {}): string {
  const max = options.max ?? DEFAULT_MAX;
  if (markdown.length <= max) return markdown;
  const notice = truncationNotice(markdown.length, options);
  // The kept lines (each costs its newline), a blank line, the notice and its newline.
  const budget = max - notice.length - 2;
  if (budget < 0) throw new Error(`--max ${max} leaves no room for the truncation notice`);
  const lines = markdown.replace(/\n+$/, "").split("\n");
  const kept = fitBlocks(blocksOf(lines), budget);
  while (kept.length > 0 && kept.at(-1)!.trim() === "") kept.pop();
  const out = `${kept.join("\n")}${kept.length ? "\n\n" : ""}${notice}\n`;
  // The budget holds by construction; a last guard all the same.
  return out.length <= max ? out : `${notice}\n`;
}

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      max: { type: "string" },
      artifact: { type: "string" },
      url: { type: "string" },
    },
  });
  if (positionals.length !== 1) {
    process.stderr.write(
      "usage: fit-comment.ts REVIEW.md [--max N] [--artifact NAME] [--url URL] > COMMENT.md\n",
    );
    return 1;
  }
  const max = values.max === undefined ? undefined : Number(values.max);
  if (max !== undefined && !(Number.isInteger(max) && max > 0)) {
    process.stderr.write(`error: --max must be a positive integer, got "${values.max}"\n`);
    return 1;
  }
  let markdown: string;
  try {
    markdown = fs.readFileSync(positionals[0], "utf8");
  } catch {
    process.stderr.write(`error: cannot read the review ${positionals[0]}\n`);
    return 1;
  }
  process.stdout.write(
    fitComment(markdown, {
      ...(max !== undefined ? { max } : {}),
      ...(values.artifact ? { artifact: values.artifact } : {}),
      ...(values.url ? { url: values.url } : {}),
    }),
  );
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
