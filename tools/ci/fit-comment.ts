/**
 * Fits a markdown file into one GitHub PR comment, for reviews the CLI does not fit itself (the
 * org review's text in a code block); `service-edges ... --format markdown` fits its own.
 *
 *   node --conditions=service-edges-source --import tsx tools/ci/fit-comment.ts REVIEW.md \
 *     [--max N] [--artifact NAME] [--url URL] > COMMENT.md
 *
 * The fitting is the CLI's (packages/cli/src/comment-fit.ts).
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { fitComment } from "@service-edges/cli/comment-fit";

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

process.exitCode = main(process.argv.slice(2));
