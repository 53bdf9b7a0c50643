/**
 * The pack asks the model (`@service-edges/model`) who a site admits, as `check`, `match`, the
 * review and `audit` do. This maps what the pack sees — values that may be unknown during a
 * preview, subnets known by their resource rather than their id — to the model's inputs: a
 * subnet is named by the pack's grouping key (keyOf), so a rule and an integration that point at
 * the same subnet resource match before its id exists; an unknown value is the model's UNKNOWN,
 * and the model answers "unknown" only where it could change the answer.
 */
import {
  type AccessRule,
  type Action,
  LAST_PRIORITY,
  type RuleList,
  type RuleSource,
  UNKNOWN as MODEL_UNKNOWN,
  type Verdict,
  actionOf,
  decide,
  defaultOf,
  rangesOf,
} from "@service-edges/model";
import type { DefaultBasis, Maybe } from "@service-edges/model";
import { type Mesh, type Rule, type SiteNode, keyOf } from "./mesh";
import { asArray, asNumber, asObject, asString, at, isUnknown, sameText } from "./values";

function sourceOf(mesh: Mesh, r: Rule): RuleSource | typeof MODEL_UNKNOWN {
  if (r.opaque) return MODEL_UNKNOWN;
  if (r.subnet) {
    const resolved = mesh.subnets.resolve(r.subnet);
    if (resolved.kind === "unknown") return { kind: "subnet", subnetId: MODEL_UNKNOWN };
    const key = keyOf(resolved);
    return key ? { kind: "subnet", subnetId: key } : { kind: "unreadable", text: "" };
  }
  if (isUnknown(r.ipAddress) || isUnknown(r.tag) || isUnknown(r.subnetMask)) return MODEL_UNKNOWN;
  const ip = r.ipAddress ?? "";
  if (typeof r.tag === "string" && sameText(r.tag, "ServiceTag")) {
    return { kind: "serviceTags", tags: ip.split(",").map((t) => t.trim()) };
  }
  const ranges = rangesOf(ip, r.subnetMask);
  if (!ranges) return { kind: "unreadable", text: ip };
  return typeof r.tag === "string" && sameText(r.tag, "XffProxy")
    ? { kind: "forwardedFor", ranges, text: ip }
    : { kind: "addresses", ranges, text: ip };
}

const nameOf = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

/** A site's main list as the model takes it (rules by the pack's reading of them). */
export function mainRuleList(mesh: Mesh, site: SiteNode): RuleList {
  const sc = at(site.p, "siteConfig");
  const defaultAction = asString(at(sc, "ipSecurityRestrictionsDefaultAction"));
  const explicit = isUnknown(defaultAction) ? MODEL_UNKNOWN : actionOf(defaultAction);
  if (!Array.isArray(site.rules)) return { rules: MODEL_UNKNOWN, defaultAction: explicit };
  const raw = asArray(at(sc, "ipSecurityRestrictions"));
  const rules: AccessRule[] = [];
  let echoed: Action | undefined;
  for (const r of site.rules) {
    if (r.list !== "main") continue;
    const action = isUnknown(r.action) ? MODEL_UNKNOWN : (actionOf(r.action) ?? "Allow");
    if (r.synthetic) {
      echoed = action === MODEL_UNKNOWN ? undefined : action;
      continue;
    }
    const o = Array.isArray(raw) ? asObject(raw[r.index]) : raw;
    const priority = isUnknown(o) ? undefined : asNumber(o?.["priority"]);
    const headers = isUnknown(o) ? o : asObject(o?.["headers"]);
    rules.push({
      name: nameOf(isUnknown(o) ? undefined : asString(o?.["name"])) ?? `#${r.index + 1}`,
      index: r.index,
      priority:
        isUnknown(o) || isUnknown(priority) ? MODEL_UNKNOWN : (priority ?? LAST_PRIORITY - 1),
      action,
      source: sourceOf(mesh, r),
      headers: isUnknown(headers)
        ? MODEL_UNKNOWN
        : Object.fromEntries(
            Object.entries(headers ?? {}).map(([k, v]) => [
              k.toLowerCase(),
              (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string"),
            ]),
          ),
    });
  }
  return { rules, defaultAction: explicit, ...(echoed ? { echoedDefault: echoed } : {}) };
}

/** Whether a call over the subnet's service endpoint gets through the site's main list. */
export function admitsSubnet(list: RuleList, subnetKey: string): Verdict {
  return decide(list, { subnetId: subnetKey }).allowed;
}

/**
 * The unmatched-traffic action of one side of a site, as the model decides it (`defaultOf`): the
 * explicit value (`ipSecurityRestrictionsDefaultAction` / `scm...`; UNKNOWN in preview) and the
 * action that applies with its basis (explicit, the platform's echo, the implicit deny-all after
 * rules, no rules at all). Rule sources do not matter to it, so no mesh is needed.
 */
export function sideDefault(
  site: SiteNode,
  side: "main" | "scm",
): {
  explicit: Maybe<Action | undefined>;
  effective: Maybe<{ action: Action; basis: DefaultBasis }>;
} {
  const sc = at(site.p, "siteConfig");
  const raw = asString(
    at(
      sc,
      side === "main"
        ? "ipSecurityRestrictionsDefaultAction"
        : "scmIpSecurityRestrictionsDefaultAction",
    ),
  );
  const explicit = isUnknown(raw) ? MODEL_UNKNOWN : actionOf(raw);
  if (!Array.isArray(site.rules)) {
    return { explicit, effective: defaultOf({ rules: MODEL_UNKNOWN, defaultAction: explicit }) };
  }
  const own = site.rules.filter((r) => r.list === side);
  const echo = own.find((r) => r.synthetic);
  const echoed = echo && !isUnknown(echo.action) ? (actionOf(echo.action) ?? "Allow") : undefined;
  const list: RuleList = {
    // Only how many rules there are matters to the default; each is read by mainRuleList.
    rules: own
      .filter((r) => !r.synthetic)
      .map((r) => ({
        name: `#${r.index + 1}`,
        index: r.index,
        priority: LAST_PRIORITY - 1,
        action: "Allow" as const,
        source: { kind: "unreadable" as const, text: "" },
        headers: {},
      })),
    defaultAction: explicit,
    ...(echoed ? { echoedDefault: echoed } : {}),
  };
  return { explicit, effective: defaultOf(list) };
}
