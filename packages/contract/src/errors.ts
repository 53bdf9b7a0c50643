/**
 * Config errors: every one names the key path, what is wrong and the fix, and they are reported
 * together. Pure: no Pulumi imports.
 */

export const CONFIG_NAMESPACE = "service-edges";

export interface ConfigIssue {
  /** Full key path, e.g. `service-edges:edges[3].to`. */
  path: string;
  /** What is wrong, including the offending value. */
  message: string;
  /** How to fix it. */
  fix: string;
}

export function formatIssue(issue: ConfigIssue): string {
  return `${issue.path}: ${issue.message}. Fix: ${issue.fix}.`;
}

export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  /** `subject`: what holds the errors (the stack config, or a component's args). */
  constructor(issues: readonly ConfigIssue[], subject = "The stack config") {
    const n = issues.length;
    super(
      `${subject} has ${n} error${n === 1 ? "" : "s"}; nothing was created:\n` +
        issues.map((i) => `  - ${formatIssue(i)}`).join("\n"),
    );
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/** `service-edges:services.orders.maxInstances` from ["services", "orders", "maxInstances"]. */
export function keyPath(
  segments: ReadonlyArray<string | number>,
  namespace = CONFIG_NAMESPACE,
): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else out += out === "" ? s : `.${s}`;
  }
  return `${namespace}:${out}`;
}

/** `services.orders.maxInstances` from ["services", "orders", "maxInstances"]: an argument path. */
export function argPath(segments: ReadonlyArray<string | number>): string {
  return keyPath(segments, "").slice(1);
}

/**
 * How validation names what it checks, in issues and in fixes: the stack config's keys
 * (`service-edges:services.orders.sku`, a user's own `myinfra:services.orders.sku`), or a
 * component's argument paths (`ServiceMesh "payments-mesh": services.orders.sku`) when the graph
 * came from args, whose author has no such config key.
 */
export interface KeyNamer {
  /** What a ConfigError's message starts with: `The stack config`, `ServiceMesh "payments-mesh"`. */
  subject: string;
  /** Where an issue is: `service-edges:edges[3].to`, `ServiceMesh "m": edges[3].to`. */
  at(segments: ReadonlyArray<string | number>): string;
  /** A key as a fix names it: `service-edges:network.addressSpace`, `network.addressSpace`. */
  key(segments: ReadonlyArray<string | number>): string;
  /** A fix that sets a key: `pulumi config set --path 'service-edges:owners[0]' <id>`. */
  set(segments: ReadonlyArray<string | number>, value: string): string;
}

/** Keys of a stack config namespace (default `service-edges`): today's messages. */
export function configKeys(namespace = CONFIG_NAMESPACE): KeyNamer {
  return {
    subject: "The stack config",
    at: (segs) => keyPath(segs, namespace),
    key: (segs) => keyPath(segs, namespace),
    // A top-level key needs no path syntax (and the CLI's own examples write it unquoted).
    set: (segs, value) =>
      segs.length === 1
        ? `pulumi config set ${keyPath(segs, namespace)} ${value}`
        : `pulumi config set --path '${keyPath(segs, namespace)}' ${value}`,
  };
}

/** Argument paths of a component: `component` as `ServiceMesh "payments-mesh"`. */
export function argKeys(component: string): KeyNamer {
  return {
    subject: component,
    at: (segs) => `${component}: ${argPath(segs)}`,
    key: (segs) => argPath(segs),
    set: (segs, value) => `set ${argPath(segs)} to ${value}`,
  };
}

/** A value as it appears in a message: short, quoted when text. */
export function shown(value: unknown): string {
  if (value === undefined) return "nothing";
  const text =
    typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Edit distance (insertions, deletions, substitutions). */
export function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The nearest candidate, when near enough to be a slip (case-insensitive). */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(w, c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(w.length / 3)) ? best : undefined;
}

/**
 * Keys of a config namespace that nothing reads (`myinfra:edge`), each an issue with a
 * did-you-mean: `values` is every config key with its namespace (`pulumi.runtime.allConfig()`, a
 * stack file's `config:`), `known` the keys read under `namespace` (without it).
 */
export function unknownKeyIssues(
  values: Readonly<Record<string, unknown>>,
  namespace: string,
  known: readonly string[],
): ConfigIssue[] {
  const prefix = `${namespace}:`;
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(values).sort()) {
    if (!key.startsWith(prefix)) continue;
    const local = key.slice(prefix.length);
    if (known.includes(local)) continue;
    const near = didYouMean(local, known);
    issues.push({
      path: key,
      message: "unknown key; the program never reads it",
      fix: near
        ? `did you mean ${prefix}${near}? Rename it`
        : `remove it; the mesh reads ${known.map((k) => prefix + k).join(", ")}`,
    });
  }
  return issues;
}
