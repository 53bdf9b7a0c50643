/**
 * The audit's words for access restrictions. Every decision (which rule or default admits whom)
 * is the model's (`@service-edges/model`); this file only names rules and sides for findings.
 */
import {
  type AccessRule,
  type Request,
  type RuleList,
  type RuleSource,
  admitsEveryone,
  decide,
  defaultOf,
  evaluationOrder,
  isUnknown,
  isWholeFamily,
  parseRange,
} from "@service-edges/model";

/** Names, statuses and tags as Azure compares them: without case. */
export const sameText = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/** A rule as the audit talks about it. */
export interface RuleView {
  name: string;
  action: "Allow" | "Deny";
  priority: number;
  kind: "everyone" | "cidr" | "subnet" | "tag" | "xff" | "other";
  /** The range (`203.0.113.0/24`), subnet id, or tag list the rule names. */
  source: string;
  headers: string[];
  rule: AccessRule;
}

function kindOf(s: RuleSource): { kind: RuleView["kind"]; source: string } {
  switch (s.kind) {
    case "addresses":
      return s.ranges.some(isWholeFamily)
        ? { kind: "everyone", source: s.text }
        : { kind: "cidr", source: s.ranges.map((r) => r.text).join(",") };
    case "forwardedFor":
      return { kind: "xff", source: s.ranges.map((r) => r.text).join(",") };
    case "subnet":
      return { kind: "subnet", source: isUnknown(s.subnetId) ? "" : s.subnetId };
    case "serviceTags":
      return { kind: "tag", source: s.tags.join(",") };
    case "unreadable":
      return { kind: "other", source: s.text };
  }
}

function viewOf(r: AccessRule): RuleView {
  const source = isUnknown(r.source) ? { kind: "other" as const, source: "" } : kindOf(r.source);
  return {
    name: r.name,
    action: isUnknown(r.action) ? "Allow" : r.action,
    priority: isUnknown(r.priority) ? 0 : r.priority,
    ...source,
    headers: isUnknown(r.headers)
      ? []
      : Object.entries(r.headers).map(([h, v]) => `${h}: ${v.join(", ")}`),
    rule: r,
  };
}

/** One side of a site (main or SCM) and the list that decides it. */
export interface Side {
  /** `orders`, `the SCM (deployment) site of orders`, `orders (slot staging)`. */
  label: string;
  list: RuleList;
  /** The rules in Azure's order (priority, then as listed). */
  rules: RuleView[];
  /** Encrypted in the state: nothing can be decided. */
  hidden: boolean;
}

export function sideOf(label: string, list: RuleList): Side {
  const hidden = isUnknown(list.rules);
  return {
    label,
    list,
    rules: hidden ? [] : evaluationOrder(list.rules as AccessRule[]).map(viewOf),
    hidden,
  };
}

/** The unmatched-traffic action, as the model reads it (explicit, echoed, implied). */
export function defaultActionOf(side: Side): { action: "Allow" | "Deny"; basis: string } | null {
  const d = defaultOf(side.list);
  return isUnknown(d) ? null : d;
}

export const subnetShort = (id: string) => {
  const m = /virtualNetworks\/([^/]+)\/subnets\/([^/]+)$/i.exec(id);
  return m ? `${m[2]} of ${m[1]}` : id;
};

export function ruleWords(r: { name: string; priority: number; headers: string[] }): string {
  const extra = r.headers.length ? `; only with ${r.headers.join("; ")}` : "";
  return `rule "${r.name}", priority ${r.priority}${extra}`;
}

export function ruleSummary(r: RuleView): string {
  const what =
    r.kind === "subnet"
      ? `subnet ${subnetShort(r.source)}`
      : r.kind === "tag"
        ? `service tag ${r.source}`
        : r.kind === "xff"
          ? `X-Forwarded-For ${r.source}`
          : r.source;
  return `${r.action} ${what} (${ruleWords(r)})`;
}

export const viewOfRule = (side: Side, name: string, index: number): RuleView | undefined =>
  side.rules.find((r) => r.name === name && r.rule.index === index);

/** How everyone gets in (a rule or the default), or undefined when not everyone does. */
export function everyoneVia(side: Side): string | undefined {
  if (side.hidden) return undefined;
  const d = admitsEveryone(side.list);
  if (d.allowed !== true) return undefined;
  if (d.by.kind === "rule") {
    const r = viewOfRule(side, d.by.rule.name, d.by.rule.index);
    return `rule "${d.by.rule.name}" (${r?.source ?? "?"})`;
  }
  return "default action Allow";
}

/** Whether the side admits every address of this range. */
export function admitsRange(side: Side, range: string): boolean {
  const from = parseRange(range);
  return from !== undefined && decide(side.list, { from }).allowed === true;
}

/** What a rule's own source sends: the request the rule is written for. */
function requestOf(r: RuleView): Request | undefined {
  const s = r.rule.source;
  if (isUnknown(s)) return undefined;
  const headers = isUnknown(r.rule.headers)
    ? undefined
    : Object.fromEntries(Object.entries(r.rule.headers).map(([h, v]) => [h, v[0]]));
  switch (s.kind) {
    case "addresses":
      return { from: s.ranges[0], headers };
    case "forwardedFor":
      return { forwardedFor: s.ranges[0], headers };
    case "subnet":
      return isUnknown(s.subnetId) ? undefined : { subnetId: s.subnetId, headers };
    case "serviceTags":
      return { serviceTags: s.tags, headers };
    case "unreadable":
      return undefined;
  }
}

/**
 * Whether an Allow rule lets anyone in: what it names is admitted, not shadowed by a rule that
 * comes first in Azure's order (a Deny for the same source at a lower priority number).
 */
export function admitsThrough(side: Side, r: RuleView): boolean {
  if (r.action !== "Allow") return false;
  const req = requestOf(r);
  if (!req) return true;
  const d = decide(side.list, req);
  if (d.allowed === "unknown") return true;
  // Decided by this rule; or a Deny for part of what the rule names, which leaves the rest to it.
  return d.by.kind === "rule" && (d.by.rule.index === r.rule.index || d.by.partial);
}
