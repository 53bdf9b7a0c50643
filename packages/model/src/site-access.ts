/**
 * A site's public endpoint: public network access first, then the access restrictions of the
 * side the request is for (the main site, or the SCM/Kudu site by its own rules or, with
 * `scmIpSecurityRestrictionsUseMain`, by the main site's).
 *
 * - "Access restrictions apply to inbound access ... traffic through a private endpoint is not
 *   subject to them"; with `publicNetworkAccess: Disabled` the site admits nothing through its
 *   public endpoint (https://learn.microsoft.com/en-us/azure/app-service/overview-private-endpoint,
 *   https://learn.microsoft.com/en-us/azure/app-service/app-service-ip-restrictions).
 * - Unset `publicNetworkAccess` on a site with an approved private endpoint: Azure turns public
 *   access off by default while a private endpoint exists (overview-private-endpoint).
 * - `scmIpSecurityRestrictionsUseMain` unset is false: the SCM site has its own list
 *   (SiteConfig, azure-rest-api-specs Microsoft.Web; "Restrict access to an SCM site").
 */
import {
  type Decision,
  type Request,
  type RuleList,
  admitsEveryone,
  decide,
} from "./access-restrictions";
import { type Maybe, UNKNOWN, isUnknown, sameText } from "./unknown";

export interface PrivateEndpointConnection {
  /** The private endpoint's name (else the connection's). */
  name: string;
  /** `Approved`, `Pending`, `Rejected`, `Disconnected`. */
  status: string;
}

export interface SiteAccess {
  publicNetworkAccess: Maybe<string | undefined>;
  privateEndpoints: Maybe<readonly PrivateEndpointConnection[]>;
  main: RuleList;
  scm: RuleList;
  scmUseMain: Maybe<boolean | undefined>;
}

export type Side = "main" | "scm";

export type PublicAccess =
  | { open: true; basis: "enabled" | "unset" }
  | { open: false; basis: "disabled" | "private-endpoint" }
  | { open: "unknown" };

export type SiteDecision =
  | Decision
  | {
      allowed: false;
      by: { kind: "public-access-disabled"; basis: "disabled" | "private-endpoint" };
      undecided: [];
    };

/** Whether the public endpoint takes traffic at all. */
export function publicAccessOf(site: SiteAccess): PublicAccess {
  const v = site.publicNetworkAccess;
  if (isUnknown(v)) return { open: "unknown" };
  if (v !== undefined) {
    return sameText(v, "Disabled")
      ? { open: false, basis: "disabled" }
      : { open: true, basis: "enabled" };
  }
  if (isUnknown(site.privateEndpoints)) return { open: "unknown" };
  return site.privateEndpoints.some((e) => sameText(e.status, "Approved"))
    ? { open: false, basis: "private-endpoint" }
    : { open: true, basis: "unset" };
}

/** The list that decides one side: the SCM site's own, or the main site's when it follows it. */
export function listFor(
  site: SiteAccess,
  side: Side,
): Maybe<{ list: RuleList; followsMain: boolean }> {
  if (side === "main") return { list: site.main, followsMain: false };
  if (isUnknown(site.scmUseMain)) return UNKNOWN;
  return site.scmUseMain === true
    ? { list: site.main, followsMain: true }
    : { list: site.scm, followsMain: false };
}

function gate(site: SiteAccess): SiteDecision | "unknown" | undefined {
  const pub = publicAccessOf(site);
  if (pub.open === "unknown") return "unknown";
  if (pub.open === false) {
    return {
      allowed: false,
      by: { kind: "public-access-disabled", basis: pub.basis },
      undecided: [],
    };
  }
  return undefined;
}

const unknownDecision = (what: string): SiteDecision => ({
  allowed: "unknown",
  by: { kind: "unknown", what },
  undecided: [],
});

/** Whether the site's public endpoint admits the request on one side. */
export function decideSite(site: SiteAccess, side: Side, req: Request): SiteDecision {
  const g = gate(site);
  if (g === "unknown") return unknownDecision("publicNetworkAccess");
  if (g) return g;
  const l = listFor(site, side);
  if (isUnknown(l)) return unknownDecision("scmIpSecurityRestrictionsUseMain");
  return decide(l.list, req);
}

/** Whether every client of an address family gets in on that side. */
export function openToEveryone(site: SiteAccess, side: Side): SiteDecision {
  const g = gate(site);
  if (g === "unknown") return unknownDecision("publicNetworkAccess");
  if (g) return g;
  const l = listFor(site, side);
  if (isUnknown(l)) return unknownDecision("scmIpSecurityRestrictionsUseMain");
  return admitsEveryone(l.list);
}
