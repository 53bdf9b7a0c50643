/**
 * How the graph's checks report: the sink every check adds its issues to (`Issues`), zod's issues
 * turned into config issues with a fix, and the "did you mean" suggestions for a misspelt name.
 * Pure: no Pulumi imports.
 */
import type { z } from "zod";
import { type ConfigIssue, type KeyNamer, shown } from "./errors";
import { FIELD_FIXES, serviceKeys } from "./schema";

export type Segments = Array<string | number>;

/** Maps a zod issue to a ConfigIssue with a fix. */
export function zodIssue(
  keys: KeyNamer,
  base: Segments,
  issue: z.core.$ZodIssue,
  value: unknown,
): ConfigIssue {
  const segs = [...base, ...(issue.path as Array<string | number>)];
  const path = keys.at(segs);
  const key = keys.key(segs);
  const got = issue.path.reduce<unknown>(
    (v, k) =>
      v && typeof v === "object"
        ? (v as Record<PropertyKey, unknown>)[k as PropertyKey]
        : undefined,
    value,
  );
  switch (issue.code) {
    case "unrecognized_keys":
      return {
        path,
        message: `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`,
        fix: `remove ${issue.keys.length > 1 ? "them" : "it"}${base[0] === "services" ? `; a service takes ${serviceKeys.join(", ")}` : ""}`,
      };
    case "invalid_value":
      return {
        path,
        message: `${shown(got)} is not allowed`,
        fix: `use one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`,
      };
    case "invalid_type":
      return got === undefined
        ? { path, message: "is missing", fix: `set ${key} (a ${issue.expected})` }
        : {
            path,
            message: `expected a ${issue.expected}, got ${shown(got)}`,
            fix: `set ${key} to a ${issue.expected}`,
          };
    case "too_small":
      return {
        path,
        message: `is empty`,
        fix: `list at least ${String(issue.minimum)} item${Number(issue.minimum) === 1 ? "" : "s"}`,
      };
    default:
      return {
        path,
        message: `${issue.message} (got ${shown(got)})`,
        fix: FIELD_FIXES[String(segs[segs.length - 1])] ?? `correct ${key}`,
      };
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Names from `candidates` that look like `name`, for "did you mean" fixes. */
export function nearest(name: string, candidates: readonly string[]): string[] {
  const close = candidates.filter(
    (c) => c.includes(name) || name.includes(c) || editDistance(c, name) <= 2,
  );
  return (close.length > 0 ? close : candidates).slice(0, 5);
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

export const listed = (names: readonly string[]) => names.map((n) => JSON.stringify(n)).join(", ");

/** Where a check reports: `add` for a key path, message and fix; `push` for a built issue. */
export interface Issues {
  add: (segs: Segments, message: string, fix: string) => void;
  push: (issue: ConfigIssue) => void;
  /** How issues and fixes name keys (configKeys, or a component's argKeys). */
  keys: KeyNamer;
}
