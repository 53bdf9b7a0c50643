/**
 * A mesh site's public endpoint, judged from the site's own props: the unmatched-traffic action of
 * its main and SCM sites, and Allow rules that admit any or nearly any source (one broad range,
 * ranges that add up to one, a broad service tag). `mesh-site-default-deny` reports these
 * findings; `no-private-endpoint-callee` reads whether the endpoint is closed before it tells a
 * site to take its callers there.
 *
 * Every finding is certain: a rule, action or list that is unknown (preview) only ever silences
 * what depends on it. Pure: no Pulumi imports.
 */
import {
  AddressRange,
  BROAD_IPV4_ADDRESSES,
  BROAD_IPV4_PREFIX,
  BROAD_IPV6_ADDRESSES,
  BROAD_IPV6_PREFIX,
  equivalentPrefix,
  isBroadRange,
  rangesOf,
  tagBreadth,
  unionSize,
} from "./cidr";
import { isUnknown as isModelUnknown } from "@service-edges/model";
import { sideDefault } from "./access";
import { MeshSiteVerdict, Rule, SiteNode, meshRole } from "./mesh";
import type { SitePaths } from "./sources";
import { Tri, asBool, asString, at, isUnknown, sameText } from "./values";

/** One problem of one site; `key` names it the same way whatever the view (resource, stack). */
export interface SiteFinding {
  key: string;
  message: string;
}

export interface PublicEndpoint {
  findings: SiteFinding[];
  /**
   * Known to be closed: both unmatched-traffic actions are Deny (or SCM uses the main rules),
   * every rule is known, and none admits any or nearly any source.
   */
  closed: boolean;
}

type List = "main" | "scm";

/** The last segment of a property path: `scmIpSecurityRestrictionsUseMain`. */
const leaf = (path: string) => path.slice(path.lastIndexOf(".") + 1);

function describeAction(v: Tri<string>): string {
  return typeof v === "string" ? `"${v}"` : "unset";
}

/** An Allow rule (Allow is the default action) whose parts are all known; not a subnet rule. */
function knownAllow(r: Rule): boolean {
  if (r.opaque || r.synthetic || r.subnet !== undefined) return false;
  if (isUnknown(r.action) || isUnknown(r.ipAddress) || isUnknown(r.tag)) return false;
  if (isUnknown(r.subnetMask)) return false;
  if (r.action !== undefined && !sameText(r.action, "Allow")) return false;
  return typeof r.ipAddress === "string";
}

function isServiceTag(r: Rule): boolean {
  return typeof r.tag === "string" && sameText(r.tag, "ServiceTag");
}

function count(n: bigint, family: 4 | 6): string {
  if (family === 4) return n.toString();
  const p = 128 - equivalentPrefix(n, 6);
  return 2n ** BigInt(p) === n ? `2^${p}` : `more than 2^${p}`;
}

/** `[1]–[3], [5]` */
function indexes(list: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    let j = i;
    while (j + 1 < list.length && list[j + 1] === list[j] + 1) j++;
    out.push(
      j > i + 1
        ? `[${list[i]}]–[${list[j]}]`
        : j === i + 1
          ? `[${list[i]}], [${list[j]}]`
          : `[${list[i]}]`,
    );
    i = j;
  }
  return out.join(", ");
}

/** Findings on the Allow rules of one list: any, broad range, broad tag, broad union. */
function broadRules(who: string, rules: Rule[], list: List, paths: SitePaths): SiteFinding[] {
  const out: SiteFinding[] = [];
  const prop = list === "main" ? paths.main : paths.scm;
  const subnet = paths.subnetField;
  const opens = list === "main" ? "the site" : "its SCM (Kudu) site";
  const scmFix = `Fix: remove that rule, or set ${leaf(paths.scmUseMain)} to true.`;
  const narrowFix =
    `Fix: remove that rule; admit callers only by their integration subnet ` +
    `(${subnet}), and any other source by a range narrower than a ` +
    `/${BROAD_IPV4_PREFIX} (IPv6: a /${BROAD_IPV6_PREFIX}).`;
  const union: { index: number; ranges: AddressRange[] }[] = [];
  for (const r of rules.filter((x) => x.list === list && knownAllow(x))) {
    const ip = r.ipAddress as string;
    const where = `${prop}[${r.index}]`;
    if (isServiceTag(r)) {
      const b = tagBreadth(ip, isUnknown(r.fdid) ? undefined : r.fdid === true);
      if (b?.kind === "any") {
        out.push({
          key: `rule:${list}:${r.index}`,
          message:
            `${who} allows any source in ${where} (ipAddress "${ip}"), which opens ${opens} to ` +
            `every caller. ` +
            (list === "main"
              ? `Fix: remove that rule; admit callers only by their integration subnet ` +
                `(${subnet}).`
              : scmFix),
        });
      } else if (b?.kind === "broad") {
        out.push({
          key: `rule:${list}:${r.index}`,
          message:
            `${who} allows a broad service tag in ${where} (service tag "${ip}"` +
            (sameText(ip, "AzureFrontDoor.Backend")
              ? ` without an X-Azure-FDID header check`
              : "") +
            `), which opens ${opens} to ${b.who}. ` +
            (list === "main"
              ? `Fix: ${b.fix.replaceAll("vnetSubnetResourceId", subnet)}.`
              : scmFix),
        });
      }
      continue;
    }
    const ranges = rangesOf(ip, typeof r.subnetMask === "string" ? r.subnetMask : undefined);
    if (!ranges) continue;
    if (ranges.some((x) => x.prefix === 0)) {
      out.push({
        key: `rule:${list}:${r.index}`,
        message:
          `${who} allows any source in ${where} (ipAddress "${ip}"), which opens ${opens} to every ` +
          `caller. ` +
          (list === "main"
            ? `Fix: remove that rule; admit callers only by their integration subnet ` +
              `(${subnet}).`
            : scmFix),
      });
      continue;
    }
    const broad = ranges.filter(isBroadRange);
    if (broad.length > 0) {
      const widest = broad.reduce((a, b) => (b.prefix < a.prefix ? b : a));
      out.push({
        key: `rule:${list}:${r.index}`,
        message:
          `${who} allows a broad range in ${where} (ipAddress "${ip}": a /${widest.prefix} holds ` +
          `${count(widest.size, widest.family)} IPv${widest.family} addresses), which opens ` +
          `${opens} to a large part of the internet. ` +
          (list === "main" ? narrowFix : scmFix),
      });
      continue;
    }
    union.push({ index: r.index, ranges });
  }
  for (const family of [4, 6] as const) {
    const members = union.filter((u) => u.ranges.some((x) => x.family === family));
    const total = unionSize(
      members.flatMap((u) => u.ranges),
      family,
    );
    const limit = family === 4 ? BROAD_IPV4_ADDRESSES : BROAD_IPV6_ADDRESSES;
    const limitPrefix = family === 4 ? BROAD_IPV4_PREFIX : BROAD_IPV6_PREFIX;
    if (total < limit) continue;
    out.push({
      key: `union:${list}:${family}`,
      message:
        `${who} allows ${members.length} ranges in ${prop} (${indexes(members.map((m) => m.index))}) ` +
        `that together admit ${count(total, family)} IPv${family} addresses, as many as a ` +
        `/${equivalentPrefix(total, family)}, which opens ${opens} to a large part of the ` +
        `internet. ` +
        (list === "main"
          ? `Fix: remove those rules; admit callers only by their integration subnet ` +
            `(${subnet}), and keep the other Allow ranges under a ` +
            `/${limitPrefix}'s worth of addresses (${count(limit, family)}) in total.`
          : `Fix: remove those rules (list only your deployment agents' ranges), or set ` +
            `${leaf(paths.scmUseMain)} to true.`),
    });
  }
  return out;
}

/** What holds the main site's unmatched-traffic action to account, for the site it names. */
function mainDefaultFinding(
  site: SiteNode,
  verdict: MeshSiteVerdict,
  action: Tri<string>,
): SiteFinding | undefined {
  // The model's reading of the unmatched-traffic action (defaultOf): explicit, echoed by the
  // platform, the implicit deny-all after rules, or no restriction at all.
  const { explicit, effective } = sideDefault(site, "main");
  if (isModelUnknown(explicit) || explicit === "Deny") return undefined;
  const sub = verdict.subnetRules;
  const noRules =
    !isModelUnknown(effective) &&
    (effective.basis === "no-rules" ||
      (effective.basis === "echoed" &&
        Array.isArray(site.rules) &&
        !site.rules.some((r) => r.list === "main" && !r.synthetic)));
  let consequence: string;
  if (isModelUnknown(effective) || effective.basis !== "explicit") {
    if (sub === true) {
      consequence =
        "refusing callers outside the admitted subnets rests on an implicit platform default";
    } else if (noRules) {
      consequence = "the platform lets every caller in: the list holds no rule";
    } else
      consequence = "refusing callers that match no rule rests on an implicit platform default";
  } else {
    consequence =
      sub === true
        ? "callers outside the admitted subnets get through"
        : "every caller that matches no rule gets through";
  }
  const publicAccess = [
    asString(site.p["publicNetworkAccess"]),
    asString(at(site.p, "siteConfig", "publicNetworkAccess")),
  ];
  // Azure turns public access off by default while a private endpoint exists.
  const disabled =
    publicAccess.some((v) => typeof v === "string" && sameText(v, "Disabled")) ||
    (publicAccess.every((v) => v === undefined) && verdict.privateEndpoints.length > 0);
  if (disabled) {
    consequence = `, once public network access is enabled, ${consequence}`;
  }
  const paths = site.paths;
  return {
    key: "default:main",
    message:
      `${site.label} ${meshRole(verdict)} but its unmatched-traffic action ` +
      `(${paths.defaultAction}) is ${describeAction(action)}, so` +
      `${consequence.startsWith(",") ? "" : " "}${consequence}. Fix: set ${paths.defaultAction} to "Deny"` +
      (sub === true
        ? "."
        : `, and admit each caller with a subnet rule (${paths.subnetField}) for its ` +
          `integration subnet.`) +
      (paths.defaultActionNote ? ` (${paths.defaultActionNote} it.)` : ""),
  };
}

/** The findings on a mesh site's public endpoint, and whether it is known to be closed. */
export function publicEndpointOf(site: SiteNode, verdict: MeshSiteVerdict): PublicEndpoint {
  const findings: SiteFinding[] = [];
  const who = site.label;
  const sc = at(site.p, "siteConfig");
  const rules = Array.isArray(site.rules) ? site.rules : undefined;
  const allKnown =
    rules !== undefined &&
    rules.every(
      (r) =>
        !r.opaque &&
        !isUnknown(r.action) &&
        !isUnknown(r.ipAddress) &&
        !isUnknown(r.tag) &&
        !isUnknown(r.subnetMask) &&
        !isUnknown(r.fdid),
    );

  const main = asString(at(sc, "ipSecurityRestrictionsDefaultAction"));
  const mainFinding = mainDefaultFinding(site, verdict, main);
  if (mainFinding) findings.push(mainFinding);
  if (rules) findings.push(...broadRules(who, rules, "main", site.paths));

  let scmClosed = false;
  const useMain = asBool(at(sc, "scmIpSecurityRestrictionsUseMain"));
  if (useMain === true) scmClosed = true;
  else if (!isUnknown(useMain)) {
    const scm = asString(at(sc, "scmIpSecurityRestrictionsDefaultAction"));
    const scmExplicit = sideDefault(site, "scm").explicit;
    if (!isModelUnknown(scmExplicit)) {
      if (scmExplicit !== "Deny") {
        findings.push({
          key: "scm-open",
          message:
            `${who} leaves its SCM (Kudu) site open: ${leaf(site.paths.scmUseMain)} is ` +
            `${useMain === false ? "false" : "unset"} and ${leaf(site.paths.scmDefaultAction)} ` +
            `is ${describeAction(scm)}. Fix: set ${site.paths.scmUseMain} to ` +
            `true (or give the SCM site its own "Deny" default).`,
        });
      } else {
        scmClosed = true;
        if (rules) findings.push(...broadRules(who, rules, "scm", site.paths));
      }
    }
  }
  const mainClosed = sideDefault(site, "main").explicit === "Deny";
  return { findings, closed: findings.length === 0 && allKnown && mainClosed && scmClosed };
}
