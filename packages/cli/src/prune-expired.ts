/**
 * `prune-expired [--stack S | --config F] [--now YYYY-MM-DD] [--write] [--json]`: the edges of a
 * stack file past their `expires` day, removed from the file with `--write`. The file is read as
 * a YAML document (the `yaml` package's Document API); each expired edge of a block list is cut
 * from the text by its node's range, with the comment lines written just above it, so every other
 * byte stays as written (re-printing the document would re-space flow collections such as
 * `{ kind: app }`). A flow list (`edges: [...]`) is re-printed from the document instead.
 * Exit 0 whether or not anything expired: the scheduled workflow tells by the file's diff.
 */
import * as fs from "node:fs";
import type { Command } from "commander";
import { CONFIG_NAMESPACE, isDay, isPast, today } from "@service-edges/contract";
import { type Document, isMap, isSeq, parseDocument } from "yaml";
import { UsageError } from "./stack-config";

export interface ExpiredEntry {
  /** Its index in `service-edges:edges` as the file had it. */
  index: number;
  from: string;
  to: string;
  roles: string[];
  expires: string;
}

export interface PruneResult {
  file: string;
  now: string;
  expired: ExpiredEntry[];
  /** The file's new text (unchanged when nothing expired). */
  text: string;
}

const EDGES_KEY = `${CONFIG_NAMESPACE}:edges`;

/** The expired edges of a stack file's text, and the text without them. */
export function pruneExpiredEdges(file: string, source: string, now: string): PruneResult {
  const doc: Document = parseDocument(source);
  if (doc.errors.length > 0)
    throw new UsageError(`${file} is not YAML: ${doc.errors[0].message.split("\n")[0]}`);
  const edges = doc.getIn(["config", EDGES_KEY], true);
  const expired: ExpiredEntry[] = [];
  if (isSeq(edges)) {
    edges.items.forEach((item, index) => {
      if (!isMap(item)) return;
      const e = item.toJSON() as {
        from?: unknown;
        to?: unknown;
        roles?: unknown;
        expires?: unknown;
      };
      if (!isDay(e.expires) || !isPast(e.expires, now)) return;
      expired.push({
        index,
        from: String(e.from),
        to: String(e.to),
        roles: Array.isArray(e.roles) ? e.roles.map(String) : [],
        expires: e.expires,
      });
    });
    if (expired.length > 0 && !edges.flow) {
      let text = source;
      // From the end, so the earlier spans' offsets stay valid.
      for (const { index } of [...expired].reverse()) {
        const item = edges.items[index];
        if (!isMap(item) || !item.range) continue;
        const [start, end] = itemSpan(text, item.range);
        text = text.slice(0, start) + text.slice(end);
      }
      return { file, now, expired, text };
    }
    for (const { index } of [...expired].reverse()) edges.items.splice(index, 1);
  }
  return { file, now, expired, text: expired.length > 0 ? doc.toString() : source };
}

/**
 * A block list item's lines: from the start of its `- ` line, up over the comment-only lines just
 * above it at the same indentation, to the end of its last line.
 */
function itemSpan(text: string, range: readonly number[]): [number, number] {
  const lineStart = (at: number) => text.lastIndexOf("\n", at - 1) + 1;
  let start = lineStart(range[0]);
  const indent = /^ */.exec(text.slice(start))![0];
  while (start > 0) {
    const prev = lineStart(start - 1);
    const line = text.slice(prev, start - 1);
    if (!line.startsWith(`${indent}#`)) break;
    start = prev;
  }
  let end = range[2];
  if (end > 0 && text[end - 1] !== "\n") {
    const nl = text.indexOf("\n", end);
    end = nl === -1 ? text.length : nl + 1;
  }
  return [start, end];
}

export function pruneText(r: PruneResult, written: boolean): string {
  if (r.expired.length === 0)
    return `No edge of ${r.file} is past its expires day (as of ${r.now}).`;
  const lines = r.expired.map(
    (e) =>
      `  - ${e.from} -> ${e.to} (${e.roles.join(", ")}): expired ${e.expires}, edges[${e.index}]`,
  );
  return [
    `${r.expired.length} edge${r.expired.length === 1 ? "" : "s"} of ${r.file} expired (as of ${r.now}); ${written ? "removed" : "run with --write to remove them"}:`,
    ...lines,
  ].join("\n");
}

interface PruneFlags {
  stack?: string;
  config?: string;
  now?: string;
  write?: boolean;
  json?: boolean;
}

export function addPruneCommand(
  program: Command,
  fileOf: (flags: { stack?: string; config?: string }) => string,
  out: (s: string) => void,
  done: (code: number) => void,
): void {
  program
    .command("prune-expired")
    .description(
      "list the edges past their expires day; --write removes them from the stack file, keeping its comments",
    )
    .option("--stack <name>", "prune Pulumi.<name>.yaml (default: dev)")
    .option("--config <file>", "prune this stack config file")
    .option("--now <date>", "the day to prune as of, YYYY-MM-DD (default: today, UTC)")
    .option("--write", "remove the expired edges from the file")
    .option("--json", "print { file, now, expired: [{ index, from, to, roles, expires }] }")
    .action((flags: PruneFlags) => {
      if (flags.now !== undefined && !isDay(flags.now))
        throw new UsageError(`--now ${flags.now}: give a date as YYYY-MM-DD, e.g. 2026-12-06`);
      const file = fileOf(flags);
      let source: string;
      try {
        source = fs.readFileSync(file, "utf8");
      } catch {
        throw new UsageError(`cannot read the stack config ${file}: no such file`);
      }
      const result = pruneExpiredEdges(file, source, flags.now ?? today());
      const write = !!flags.write && result.expired.length > 0;
      if (write) fs.writeFileSync(file, result.text);
      if (flags.json) {
        const { file: at, now, expired } = result;
        out(JSON.stringify({ file: at, now, expired }, null, 2));
      } else out(pruneText(result, write));
      done(0);
    });
}
