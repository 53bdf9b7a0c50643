import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isAnyAddress } from "../lib/cidr";
import { Rule, isMeshSite, rulesOf } from "../lib/mesh";
import { SITE_TYPES, label } from "../lib/types";
import { Tri, asBool, asString, at, isUnknown, plainProps, sameText } from "../lib/values";

/** True when a rule admits every source address: Allow (the default action) on any address. */
function allowsAny(r: Rule): boolean {
  if (r.synthetic || r.subnet !== undefined) return false;
  if (isUnknown(r.action) || isUnknown(r.ipAddress) || isUnknown(r.tag)) return false;
  if (r.action !== undefined && !sameText(r.action, "Allow")) return false;
  if (r.ipAddress === undefined) return false;
  if (typeof r.tag === "string" && sameText(r.tag, "ServiceTag")) {
    return sameText(r.ipAddress, "Internet");
  }
  return isAnyAddress(r.ipAddress, typeof r.subnetMask === "string" ? r.subnetMask : undefined);
}

function describeAction(v: Tri<string>): string {
  return typeof v === "string" ? `"${v}"` : "unset";
}

export const meshSiteDefaultDeny: ResourceValidationPolicy = {
  name: "mesh-site-default-deny",
  description:
    "A mesh site (App Service or Function app with subnet access rules) must deny unmatched " +
    "traffic (ipSecurityRestrictionsDefaultAction: Deny), hold no Allow rule for any address " +
    "(0.0.0.0/0, ::/0, Any, the Internet tag), and restrict its SCM (Kudu) site too " +
    "(scmIpSecurityRestrictionsUseMain: true, or its own Deny default).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (!SITE_TYPES.has(args.type)) return;
    const p = plainProps(args.props);
    const rules = rulesOf(args, p);
    if (isMeshSite(rules) !== true || isUnknown(rules)) return;
    const who = label(args.type, args.name);
    const sc = at(p, "siteConfig");

    const main = asString(at(sc, "ipSecurityRestrictionsDefaultAction"));
    if (!isUnknown(main) && !(main && sameText(main, "Deny"))) {
      report(
        `${who} has subnet access rules but its unmatched-traffic action ` +
          `(siteConfig.ipSecurityRestrictionsDefaultAction) is ${describeAction(main)}, so ` +
          (main === undefined
            ? `refusing callers outside the admitted subnets rests on an implicit platform default. `
            : `callers outside the admitted subnets get through. `) +
          `Fix: set siteConfig.ipSecurityRestrictionsDefaultAction to "Deny".`,
      );
    }
    for (const r of rules.filter((x) => x.list === "main" && allowsAny(x))) {
      report(
        `${who} allows any source in siteConfig.ipSecurityRestrictions[${r.index}] ` +
          `(ipAddress "${String(r.ipAddress)}"), which opens the site to every caller. ` +
          `Fix: remove that rule; admit callers only by their integration subnet ` +
          `(vnetSubnetResourceId).`,
      );
    }

    const useMain = asBool(at(sc, "scmIpSecurityRestrictionsUseMain"));
    if (useMain === true || isUnknown(useMain)) return;
    const scm = asString(at(sc, "scmIpSecurityRestrictionsDefaultAction"));
    if (isUnknown(scm)) return;
    if (!(scm && sameText(scm, "Deny"))) {
      report(
        `${who} leaves its SCM (Kudu) site open: scmIpSecurityRestrictionsUseMain is ` +
          `${useMain === false ? "false" : "unset"} and scmIpSecurityRestrictionsDefaultAction is ` +
          `${describeAction(scm)}. Fix: set siteConfig.scmIpSecurityRestrictionsUseMain to true ` +
          `(or give the SCM site its own "Deny" default).`,
      );
      return;
    }
    for (const r of rules.filter((x) => x.list === "scm" && allowsAny(x))) {
      report(
        `${who} allows any source in siteConfig.scmIpSecurityRestrictions[${r.index}] ` +
          `(ipAddress "${String(r.ipAddress)}"), which opens its SCM (Kudu) site to every ` +
          `caller. Fix: remove that rule, or set scmIpSecurityRestrictionsUseMain to true.`,
      );
    }
  },
};
