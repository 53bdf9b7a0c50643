/**
 * App Service access restrictions, decided once: the rules of one list (a site's main or SCM
 * site) sorted by priority, the first rule that matches the request decides, and traffic no rule
 * matches gets the list's unmatched-traffic action.
 *
 * Azure's semantics, from Microsoft's documentation ("Set up Azure App Service access
 * restrictions", MicrosoftDocs/azure-docs articles/app-service/app-service-ip-restrictions.md,
 * https://learn.microsoft.com/en-us/azure/app-service/app-service-ip-restrictions):
 * - "a priority-ordered allow/deny list ... When there are one or more entries, an implicit
 *   *deny all* exists at the end of the list." The ARM property that makes the end of the list
 *   explicit is `ipSecurityRestrictionsDefaultAction` / `scmIpSecurityRestrictionsDefaultAction`
 *   ("Default action for main access restriction if no rules are matched", SiteConfig in
 *   azure-rest-api-specs Microsoft.Web). Unset, the documented behaviour stands: Deny when the
 *   list holds any rule, Allow (no restriction at all) when it holds none. This is the one
 *   answer `check`, `match`, the review, `audit` and the pack all give.
 * - A config read back from ARM ends with the platform's own rule, `ipAddress: "Any"` at
 *   priority 2147483647 ("Allow all" / "Deny all"), that only echoes the unmatched-traffic
 *   action; it is read as that action, not as a rule.
 * - "If the FROM address is in a subnet that's configured with service endpoints to
 *   Microsoft.Web, the source subnet is compared against the virtual network rules": a call over
 *   the service endpoint is matched by subnet rules (and by rules for every address); a public
 *   address by IP rules, service-tag rules and, for `tag: XffProxy`, by its X-Forwarded-For.
 * - "HTTP header filtering": a rule with `headers` matches only requests that carry one of the
 *   listed values of every listed header (X-Forwarded-Host, X-Forwarded-For, X-Azure-FDID,
 *   X-FD-HealthProbe), on top of its source.
 */
import {
  type AddressRange,
  EVERY_ADDRESS,
  covers,
  isWholeFamily,
  overlaps,
  rangesOf,
} from "./addresses";
import { type Maybe, UNKNOWN, type Verdict, isUnknown, sameText } from "./unknown";

/** The priority ARM gives the platform's echo of the unmatched-traffic action. */
export const LAST_PRIORITY = 2147483647;

export type Action = "Allow" | "Deny";

export type RuleSource =
  /** `ipAddress` ranges (`tag: Default`); `Any` is every IPv4 and IPv6 address. */
  | { kind: "addresses"; ranges: AddressRange[]; text: string }
  /** `tag: XffProxy`: the ranges are matched against the X-Forwarded-For header. */
  | { kind: "forwardedFor"; ranges: AddressRange[]; text: string }
  /** `vnetSubnetResourceId`: calls over the subnet's Microsoft.Web service endpoint. */
  | { kind: "subnet"; subnetId: Maybe<string> }
  /** `tag: ServiceTag`: `ipAddress` names one or more service tags. */
  | { kind: "serviceTags"; tags: string[] }
  /** Something ARM would refuse (no source, an address that is none): it never matches. */
  | { kind: "unreadable"; text: string };

export interface AccessRule {
  /** The rule's `name`, else `#<position>`. */
  name: string;
  /** Position in the list as configured (0-based). */
  index: number;
  priority: Maybe<number>;
  action: Maybe<Action>;
  source: Maybe<RuleSource>;
  /** Header name (lower-case) -> accepted values; `{}` when the rule has no header condition. */
  headers: Maybe<Readonly<Record<string, readonly string[]>>>;
}

/** One list: a site's main or SCM rules and what happens to traffic no rule matches. */
export interface RuleList {
  rules: Maybe<readonly AccessRule[]>;
  /** `ipSecurityRestrictionsDefaultAction` as set; undefined when unset. */
  defaultAction: Maybe<Action | undefined>;
  /** The action the platform's last rule echoes in a read-back config, if it was there. */
  echoedDefault?: Action;
}

/** What the front end sees of a request. */
export interface Request {
  /**
   * The client address. A range asks about every address in it (admitted only if every one of
   * them is); `0.0.0.0/0` or `::/0` about every client there is (any tag, header or subnet).
   */
  from?: AddressRange;
  /** The subnet the call comes from over its Microsoft.Web service endpoint. */
  subnetId?: string;
  /** The service tags the client address belongs to (a Front Door backend: `AzureFrontDoor.Backend`). */
  serviceTags?: readonly string[];
  /** Header name (lower-case) -> value. */
  headers?: Readonly<Record<string, string>>;
  /** The X-Forwarded-For client address (for `XffProxy` rules). */
  forwardedFor?: AddressRange;
}

export interface RuleRef {
  name: string;
  priority: Maybe<number>;
  index: number;
  action: Maybe<Action>;
}

export type DefaultBasis =
  /** `ipSecurityRestrictionsDefaultAction` set. */
  | "explicit"
  /** Unset, echoed by the platform's last rule in a read-back config. */
  | "echoed"
  /** Unset, the list holds rules: the documented implicit deny-all. */
  | "implicit-deny"
  /** Unset and no rules: no restriction. */
  | "no-rules";

export type DecidedBy =
  | { kind: "rule"; rule: RuleRef; source: Maybe<RuleSource>; partial: boolean }
  | { kind: "default"; action: Action; basis: DefaultBasis }
  | { kind: "unknown"; what: string };

export interface Decision {
  allowed: Verdict;
  by: DecidedBy;
  /** Rules before the deciding one whose match (or action, or place) is not known yet. */
  undecided: RuleRef[];
}

/** How much of a request a rule's condition matches. */
type Match = "all" | "some" | "none";

const refOf = (r: AccessRule): RuleRef => ({
  name: r.name,
  priority: r.priority,
  index: r.index,
  action: r.action,
});

function min(a: Maybe<Match>, b: Maybe<Match>): Maybe<Match> {
  if (a === "none" || b === "none") return "none";
  if (isUnknown(a) || isUnknown(b)) return UNKNOWN;
  return a === "some" || b === "some" ? "some" : "all";
}

/** The request stands for every client of an address family: some of them match any rule. */
const everyone = (req: Request): boolean => req.from !== undefined && isWholeFamily(req.from);

function addressMatch(ranges: readonly AddressRange[], from: AddressRange | undefined): Match {
  if (from === undefined) return "none";
  if (ranges.some((r) => covers(r, from))) return "all";
  return ranges.some((r) => overlaps(r, from)) ? "some" : "none";
}

function sourceMatch(source: Maybe<RuleSource>, req: Request): Maybe<Match> {
  if (isUnknown(source)) return UNKNOWN;
  switch (source.kind) {
    case "addresses":
      if (req.subnetId !== undefined && req.from === undefined) {
        // Service-endpoint traffic: only a rule for every address covers its (private) source.
        return source.ranges.some(isWholeFamily) ? "all" : "none";
      }
      return addressMatch(source.ranges, req.from);
    case "forwardedFor":
      if (req.forwardedFor) return addressMatch(source.ranges, req.forwardedFor);
      // Anyone can send any X-Forwarded-For: some of everyone matches.
      return everyone(req) ? "some" : "none";
    case "subnet":
      if (req.subnetId !== undefined) {
        if (isUnknown(source.subnetId)) return UNKNOWN;
        return sameText(source.subnetId, req.subnetId) ? "all" : "none";
      }
      return everyone(req) ? "some" : "none";
    case "serviceTags":
      if ((req.serviceTags ?? []).some((t) => source.tags.some((x) => sameText(x, t)))) {
        return "all";
      }
      return everyone(req) ? "some" : "none";
    case "unreadable":
      return "none";
  }
}

function headerMatch(
  headers: Maybe<Readonly<Record<string, readonly string[]>>>,
  req: Request,
): Maybe<Match> {
  if (isUnknown(headers)) return UNKNOWN;
  const names = Object.keys(headers);
  if (names.length === 0) return "all";
  // Any client can send any header: of everyone, some requests carry the values.
  if (everyone(req) && !req.headers) return "some";
  for (const name of names) {
    const value = req.headers?.[name.toLowerCase()];
    if (value === undefined) return "none";
    if (!headers[name].some((v) => sameText(v.trim(), value.trim()))) return "none";
  }
  return "all";
}

/** The rules in the order Azure evaluates them: by priority, then as listed. */
export function evaluationOrder(rules: readonly AccessRule[]): AccessRule[] {
  return rules
    .filter((r) => !isUnknown(r.priority))
    .sort((a, b) => (a.priority as number) - (b.priority as number) || a.index - b.index);
}

/** The unmatched-traffic action of a list, and why it is that. */
export function defaultOf(list: RuleList): Maybe<{ action: Action; basis: DefaultBasis }> {
  if (isUnknown(list.defaultAction)) return UNKNOWN;
  if (list.defaultAction !== undefined) return { action: list.defaultAction, basis: "explicit" };
  if (list.echoedDefault) return { action: list.echoedDefault, basis: "echoed" };
  if (isUnknown(list.rules)) return UNKNOWN;
  return list.rules.length > 0
    ? { action: "Deny", basis: "implicit-deny" }
    : { action: "Allow", basis: "no-rules" };
}

/**
 * Whether the list admits the request: the first rule by priority whose source and headers match
 * decides, else the unmatched-traffic action. For a request that stands for many addresses (a
 * range, every client), "admitted" means every one of them is: a Deny rule that matches some of
 * them decides it is not.
 */
export function decide(list: RuleList, req: Request): Decision {
  const undecided: RuleRef[] = [];
  if (isUnknown(list.rules)) {
    return { allowed: "unknown", by: { kind: "unknown", what: "the rules" }, undecided };
  }
  // A rule whose priority is not known yet could stand anywhere in the order.
  for (const r of list.rules) if (isUnknown(r.priority)) undecided.push(refOf(r));
  let decided: Decision | undefined;
  for (const r of evaluationOrder(list.rules)) {
    const m = min(sourceMatch(r.source, req), headerMatch(r.headers, req));
    if (m === "none") continue;
    if (isUnknown(m) || isUnknown(r.action)) {
      undecided.push(refOf(r));
      continue;
    }
    if (m === "some" && r.action === "Allow") continue; // the rest of the request goes on
    decided = {
      allowed: r.action === "Allow",
      by: { kind: "rule", rule: refOf(r), source: r.source, partial: m === "some" },
      undecided,
    };
    break;
  }
  if (!decided) {
    const d = defaultOf(list);
    decided = isUnknown(d)
      ? {
          allowed: "unknown",
          by: { kind: "unknown", what: "the unmatched-traffic action" },
          undecided,
        }
      : { allowed: d.action === "Allow", by: { kind: "default", ...d }, undecided };
  }
  // An undecided rule that came first changes the answer only if its action could differ.
  if (
    decided.allowed !== "unknown" &&
    undecided.some((u) => isUnknown(u.action) || (u.action === "Allow") !== decided.allowed)
  ) {
    return { ...decided, allowed: "unknown" };
  }
  return decided;
}

/** Whether every address of a family gets in: the list is open to the internet. */
export function admitsEveryone(list: RuleList): Decision {
  const v4 = decide(list, { from: EVERY_ADDRESS[0] });
  if (v4.allowed === true) return v4;
  const v6 = decide(list, { from: EVERY_ADDRESS[1] });
  if (v6.allowed === true) return v6;
  return v4.allowed === "unknown" ? v4 : v6.allowed === "unknown" ? v6 : v4;
}

// ---------------------------------------------------------------------------------------------
// Reading ARM's shape (`Microsoft.Web/sites/config` web: `ipSecurityRestrictions[]`)

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined =>
  typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;

export function actionOf(v: unknown): Action | undefined {
  if (typeof v !== "string") return undefined;
  if (sameText(v, "Allow")) return "Allow";
  if (sameText(v, "Deny")) return "Deny";
  return undefined;
}

function headersOf(v: unknown): Record<string, string[]> {
  if (!isObj(v)) return {};
  const out: Record<string, string[]> = {};
  for (const [k, vals] of Object.entries(v)) {
    const list = (Array.isArray(vals) ? vals : [vals])
      .filter((x): x is string => typeof x === "string")
      .flatMap((x) => x.split(","))
      .map((x) => x.trim())
      .filter(Boolean);
    if (list.length) out[k.toLowerCase()] = list;
  }
  return out;
}

/** One ARM `IpSecurityRestriction`, all of it known. */
export function ruleOf(raw: Obj, index: number): AccessRule {
  const ip = text(raw.ipAddress);
  const subnet = text(raw.vnetSubnetResourceId);
  const tag = text(raw.tag) ?? "Default";
  let source: RuleSource;
  if (subnet) source = { kind: "subnet", subnetId: subnet };
  else if (ip && sameText(tag, "ServiceTag")) {
    source = {
      kind: "serviceTags",
      tags: ip
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean),
    };
  } else if (ip) {
    const ranges = rangesOf(ip, text(raw.subnetMask));
    source = !ranges
      ? { kind: "unreadable", text: ip }
      : sameText(tag, "XffProxy")
        ? { kind: "forwardedFor", ranges, text: ip }
        : { kind: "addresses", ranges, text: ip };
  } else source = { kind: "unreadable", text: "" };
  return {
    name: text(raw.name) ?? `#${index + 1}`,
    index,
    // ARM requires a priority; a rule without one is read as the last before the echo.
    priority: typeof raw.priority === "number" ? raw.priority : LAST_PRIORITY - 1,
    action: actionOf(raw.action) ?? "Allow",
    source,
    headers: headersOf(raw.headers),
  };
}

/** The platform's echo of the unmatched-traffic action (read-back configs only). */
export function isEchoRule(raw: Obj): boolean {
  return sameText(text(raw.ipAddress), "Any") && raw.priority === LAST_PRIORITY;
}

/** A list from ARM values: the rules, the explicit default, the echo (taken out of the rules). */
export function ruleListOf(rules: unknown, defaultAction: unknown): RuleList {
  const raw = Array.isArray(rules) ? rules.filter(isObj) : [];
  const echo = raw.find(isEchoRule);
  return {
    rules: raw
      .map((r, i) => (r === echo ? undefined : ruleOf(r, i)))
      .filter((r) => r !== undefined),
    defaultAction: actionOf(defaultAction),
    ...(echo ? { echoedDefault: actionOf(echo.action) ?? "Allow" } : {}),
  };
}
