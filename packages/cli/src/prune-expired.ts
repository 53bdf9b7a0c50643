/**
 * `prune-expired [--stack S | --config F] [--now YYYY-MM-DD] [--write] [--json]`: the edges of a
 * stack file past their `expires` day, removed from the file with `--write`. The file is read as
 * a YAML document (the `yaml` package's Document API); each expired edge of a block list is cut
 * from the text by its node's range, with the comment lines written just above it, so every other
 * byte stays as written (re-printing the document would re-space flow collections such as
 * `{ kind: app }`). A flow list (`edges: [...]`) is re-printed from the document instead.
 * Exit 0 whether or not anything expired: the scheduled workflow tells by the file's diff.
 */
import { CONFIG_NAMESPACE, isDay, isPast } from "@service-edges/contract";
import { type Document, isMap, isSeq, parseDocument } from "yaml";
import { UsageError } from "./stack-config";

export interface ExpiredEntry {
  /** The config key of its list: `service-edges:edges`, or `<namespace>:edges` of a program's own. */
  key: string;
  /** Its index in that list as the file had it. */
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

/**
 * The edge lists of a stack file: `service-edges:edges`, and `<namespace>:edges` of a program that
 * keeps its graph in its own namespace (`meshArgsFromConfig("payments")` reads `payments:edges`).
 */
function edgeKeys(doc: Document): string[] {
  const config = doc.get("config", true);
  if (!isMap(config)) return [];
  const keys = config.items
    .map((p) => String((p.key as { value?: unknown })?.value ?? p.key))
    .filter((k) => /^[^:]+:edges$/.test(k) && isSeq(config.get(k, true)));
  return [EDGES_KEY, ...keys.filter((k) => k !== EDGES_KEY)];
}

/** The expired edges of a stack file's text, and the text without them. */
export function pruneExpiredEdges(file: string, source: string, now: string): PruneResult {
  const doc: Document = parseDocument(source);
  if (doc.errors.length > 0)
    throw new UsageError(`${file} is not YAML: ${doc.errors[0].message.split("\n")[0]}`);
  let text = source;
  const expired: ExpiredEntry[] = [];
  for (const key of edgeKeys(doc)) {
    const r = pruneList(parseDocument(text), text, key, now);
    text = r.text;
    expired.push(...r.expired);
  }
  return { file, now, expired, text };
}

/** One list's expired edges, cut from the text. */
function pruneList(
  doc: Document,
  source: string,
  key: string,
  now: string,
): { expired: ExpiredEntry[]; text: string } {
  const edges = doc.getIn(["config", key], true);
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
        key,
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
      return { expired, text };
    }
    for (const { index } of [...expired].reverse()) edges.items.splice(index, 1);
  }
  return { expired, text: expired.length > 0 ? doc.toString() : source };
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
      `  - ${e.from} -> ${e.to} (${e.roles.join(", ")}): expired ${e.expires}, ${e.key === EDGES_KEY ? "edges" : e.key}[${e.index}]`,
  );
  return [
    `${r.expired.length} edge${r.expired.length === 1 ? "" : "s"} of ${r.file} expired (as of ${r.now}); ${written ? "removed" : "run with --write to remove them"}:`,
    ...lines,
  ].join("\n");
}
