/**
 * A review fitted into one GitHub PR comment, which GitHub refuses above 65,536 characters.
 *
 * A review that fits is left as it is. One that does not keeps its most important parts whole:
 * the header (title, notes, the engine's verdict, blocking refusals, the counts), the access
 * changes and the policy violations; only when those alone do not fit are the access changes and
 * violations cut at a line, saying how many more the full review has. The rest (the graph, what
 * the engine will run, the resource details) gets the room left, section by section: a Mermaid
 * graph that does not fit whole is left out with a line saying so (half a graph would mislead),
 * a collapsed `<details>` block or a code block is cut inside and closed. A notice at the end
 * says what was cut and where the full review is.
 *
 * Sizes are JavaScript string lengths (UTF-16 code units), never fewer than the characters GitHub
 * counts.
 */

/**
 * GitHub's limit on a comment body, in characters: the REST API refuses a longer one with 422
 * "Body is too long (maximum is 65536 characters)".
 */
export const GITHUB_COMMENT_LIMIT = 65536;
/**
 * The default size: the limit less room for what a comment step adds to the body (a hidden
 * marker that finds the comment again, e.g. `<!-- service-edges:prod -->`).
 */
export const DEFAULT_MAX = GITHUB_COMMENT_LIMIT - 1024;

export interface FitOptions {
  /** At most this many characters out (default {@link DEFAULT_MAX}). */
  max?: number;
  /** The file the full review is written to (`--out FILE`). */
  file?: string;
  /** The name of the job artifact that holds the full review. */
  artifact?: string;
  /** Where to download it (upload-artifact's `artifact-url`), or the workflow run's page. */
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

/** A part of the review: the header (before the first `####` heading), or one `####` section. */
interface Section {
  title: string | undefined;
  blocks: Block[];
}

/**
 * Sections at `#### ` headings outside code and details blocks; a collapsed `<details>` block is
 * a section of its own, named by its summary, so the notice can say which one was cut.
 */
function sectionsOf(lines: readonly string[]): Section[] {
  const out: Section[] = [{ title: undefined, blocks: [] }];
  for (const b of blocksOf(lines)) {
    const heading = b.kind === "line" ? /^#### (.+)$/.exec(b.lines[0]) : null;
    const summary =
      b.kind === "details" ? /<summary>(.*?)<\/summary>/i.exec(b.lines.join(" ")) : null;
    if (heading) out.push({ title: heading[1], blocks: [] });
    else if (b.kind === "details" && out.length > 1)
      out.push({ title: summary?.[1] ?? "details", blocks: [] });
    out.at(-1)!.blocks.push(b);
  }
  return out;
}

/** Lines that say nothing by themselves: a heading, a blank, a details block's frame. */
const FRAME = /^(#### .*|\s*|<details>.*|<\/details>|_\.\.\. cut here: .*)$/;

/** The lines of a section's Mermaid graph, as the note that replaces it counts them. */
const graphLines = (s: Section) =>
  (s.blocks.find((b) => b.kind === "fence" && b.lang === "mermaid")?.lines.length ?? 2) - 2;
const linesOf = (s: Section) => s.blocks.flatMap((b) => b.lines);
const ACCESS = /^Access changes$/;
const VIOLATIONS = /^Policy violations$/;

/**
 * A list section (its items `- ...` lines or table rows `| ...`) in at most `budget` characters:
 * whole, or its first items and a line saying how many more the full review has.
 */
function fitList(
  s: Section,
  budget: number,
  isItem: (line: string) => boolean,
  what: (n: number) => string,
): { lines: string[]; cut: number; total: number } {
  const lines = linesOf(s);
  const total = lines.filter(isItem).length;
  if (cost(lines) <= budget) return { lines, cut: 0, total };
  const more = (n: number) => `_... and ${what(n)}: see the full review._`;
  // Blank lines around the note (one ends a table before it); its cost is at most that of `total`.
  let room = budget - cost(["", more(total), ""]);
  const kept: string[] = [];
  let items = 0;
  for (const line of lines) {
    const item = isItem(line);
    if (line.length + 1 > room) break;
    kept.push(line);
    room -= line.length + 1;
    if (item) items++;
  }
  while (kept.length && kept.at(-1)!.trim() === "") kept.pop();
  return { lines: [...kept, "", more(total - items), ""], cut: total - items, total };
}

const n = (x: number) => x.toLocaleString("en-US");

/** Where the full review is, as the notice says it. */
function whereFull(options: FitOptions): string {
  const file = options.file ? `\`${options.file}\`` : undefined;
  if (options.artifact) {
    const artifact = options.url
      ? `the job artifact [\`${options.artifact}\`](${options.url})`
      : `the job artifact \`${options.artifact}\` of this workflow run`;
    return file ? `${file} in ${artifact}` : artifact;
  }
  if (options.url)
    return file
      ? `${file} in the artifacts of [this workflow run](${options.url})`
      : `in the artifacts of [this workflow run](${options.url})`;
  if (file) return file;
  return "what `--format markdown --out FILE` writes to FILE";
}

/**
 * The notice a cut review ends with: how long it was, what was cut, and where the full review is.
 * `cuts`: what was shortened or left out, one phrase each.
 */
export function truncationNotice(
  fullLength: number,
  options: FitOptions = {},
  cuts: readonly string[] = [],
): string {
  const max = options.max ?? DEFAULT_MAX;
  return [
    "> [!WARNING]",
    `> **This review is cut to fit in a PR comment**: it has ${n(fullLength)} characters, more than the ${n(max)} a comment holds here (GitHub refuses more than ${n(GITHUB_COMMENT_LIMIT)}).`,
    ...(cuts.length ? [`> Cut: ${cuts.join("; ")}.`] : []),
    `> The full review is ${whereFull(options)}.`,
  ].join("\n");
}

/** The review as it is when it fits in `max` characters; else cut, with the notice. */
export function fitComment(markdown: string, options: FitOptions = {}): string {
  const max = options.max ?? DEFAULT_MAX;
  if (markdown.length <= max) return markdown;
  const sections = sectionsOf(markdown.replace(/\n+$/, "").split("\n"));
  const cuts: string[] = [];
  // The notice's cut list is not known before the cutting: reserve room for the longest it can
  // be (every section named, with counts as long as the review's length).
  const worst = truncationNotice(
    markdown.length,
    options,
    sections.map(
      (s) =>
        `"${s.title ?? "header"}" shortened (${n(markdown.length)} of ${n(markdown.length)} lines kept, its graph left out)`,
    ),
  );
  // The kept lines (each costs its newline), a blank line, the notice and its newline.
  let budget = max - worst.length - 2;
  if (budget < 0) throw new Error(`a comment of ${max} characters leaves no room for the notice`);
  const out = new Map<Section, string[]>();
  const header = sections[0];
  const access = sections.find((s) => s.title && ACCESS.test(s.title));
  const violations = sections.find((s) => s.title && VIOLATIONS.test(s.title));
  const spend = (s: Section, lines: string[]) => {
    out.set(s, lines);
    budget -= cost(lines);
  };
  // The header: whole when it fits at all (the verdict and blocking refusals are in it).
  const headerLines = linesOf(header);
  if (cost(headerLines) <= budget) spend(header, headerLines);
  else {
    spend(header, fitBlocks(header.blocks, budget));
    cuts.push("the header shortened");
  }
  // Access changes, then policy violations: whole if they fit together, else each cut at a line,
  // the violations given at most half of the room left.
  const lists = [access, violations].filter((s): s is Section => !!s);
  const listCost = lists.reduce((c, s) => c + cost(linesOf(s)), 0);
  if (listCost <= budget) for (const s of lists) spend(s, linesOf(s));
  else {
    const vCost = violations ? cost(linesOf(violations)) : 0;
    const vBudget = access ? Math.min(vCost, Math.floor(budget / 2)) : budget;
    if (access) {
      const f = fitList(
        access,
        Math.max(0, budget - vBudget),
        (l) => l.startsWith("- "),
        (k) => `${n(k)} more access change${k === 1 ? "" : "s"}`,
      );
      spend(access, f.lines);
      if (f.cut) cuts.push(`${n(f.cut)} of ${n(f.total)} access changes`);
    }
    if (violations) {
      const f = fitList(
        violations,
        Math.min(vBudget, budget),
        (l) => /^\| (?!level |---)/.test(l),
        (k) => `${n(k)} more policy violation${k === 1 ? "" : "s"}`,
      );
      spend(violations, f.lines);
      if (f.cut) cuts.push(`${n(f.cut)} of ${n(f.total)} policy violations`);
    }
  }
  // The rest, in order, in the room left.
  for (const s of sections) {
    if (out.has(s)) continue;
    const lines = linesOf(s);
    const name = `"${s.title}"`;
    if (cost(lines) <= budget) {
      spend(s, lines);
      continue;
    }
    const kept = fitBlocks(s.blocks, budget);
    const graphOut = kept.some((l) => /^_The graph \(\d+ lines\) is left out here/.test(l));
    // Its heading or frame alone says nothing: the section is left out.
    if (kept.every((l) => FRAME.test(l))) {
      cuts.push(`${name} left out`);
      continue;
    }
    spend(s, kept);
    cuts.push(
      graphOut && kept.length <= 4
        ? `the graph left out (${n(graphLines(s))} lines)`
        : `${name} shortened (${n(kept.length)} of ${n(lines.length)} lines kept${graphOut ? ", its graph left out" : ""})`,
    );
  }
  const kept = sections.flatMap((s) => out.get(s) ?? []);
  while (kept.length > 0 && kept.at(-1)!.trim() === "") kept.pop();
  const notice = truncationNotice(markdown.length, options, cuts);
  const text = `${kept.join("\n")}${kept.length ? "\n\n" : ""}${notice}\n`;
  // The budget holds by construction (the notice is no longer than the one reserved for).
  return text.length <= max ? text : `${notice}\n`;
}
