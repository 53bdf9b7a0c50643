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
  constructor(issues: readonly ConfigIssue[]) {
    const n = issues.length;
    super(
      `The stack config has ${n} error${n === 1 ? "" : "s"}; nothing was created:\n` +
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

/** A value as it appears in a message: short, quoted when text. */
export function shown(value: unknown): string {
  if (value === undefined) return "nothing";
  const text =
    typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
