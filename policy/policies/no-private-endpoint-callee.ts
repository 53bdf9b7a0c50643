import type { ReportViolation } from "@pulumi/policy";
import { parseSiteId } from "../lib/arm";
import { Mesh, SiteNode, isSiteGroup, meshSite } from "../lib/mesh";
import { privateLayerOf, statesNsgEnforcement } from "../lib/private-endpoints";
import { SiteFinding, publicEndpointOf } from "../lib/restrictions";
import { SitePolicy, judgeSiteAlone, judgeSitesInStack } from "../lib/site-policy";
import { SourcedResource, sourced } from "../lib/sources";
import { T } from "../lib/types";
import { asArray, asString, asStrings, at, isUnknown, plainProps, sameText } from "../lib/values";

export interface NoPrivateEndpointCalleeConfig {
  /** Azure names of sites that are reviewed exceptions (not in the mesh) and may keep one. */
  exemptSiteNames?: string[];
}

const WHY =
  "App Service access restrictions and NSGs never filter traffic that arrives through a private " +
  "endpoint, so every host with network line of sight to the endpoint could call the site";
/**
 * What to do once the endpoint goes, true for any site: an endpoint does not say what the site's
 * public endpoint looks like, and sending callers to an open one would trade one hole for another.
 */
const THEN =
  "let callers reach the site on its public endpoint only once that endpoint is closed: " +
  'ipSecurityRestrictionsDefaultAction "Deny", the SCM site restricted too, and subnet ' +
  "(vnetSubnetResourceId) rules that admit only the callers' integration subnets";

function exempt(config: NoPrivateEndpointCalleeConfig, siteName: unknown): boolean | undefined {
  const names = config.exemptSiteNames ?? [];
  if (names.length === 0) return false;
  if (typeof siteName !== "string") return undefined;
  return names.some((n) => sameText(n, siteName));
}

function checkPrivateEndpoint(
  r: SourcedResource,
  config: NoPrivateEndpointCalleeConfig,
  report: ReportViolation,
): void {
  const p = plainProps(r.props);
  // An endpoint whose subnet reference states NSG enforcement is the private-endpoint layer: the
  // stack view judges its subnet and NSG (private-endpoint-* policies) instead.
  if (statesNsgEnforcement(p)) return;
  for (const list of ["privateLinkServiceConnections", "manualPrivateLinkServiceConnections"]) {
    const conns = asArray(p[list]);
    if (conns === undefined || isUnknown(conns)) continue;
    for (const c of conns) {
      const target = asString(at(c, "privateLinkServiceId"));
      const groups = asStrings(at(c, "groupIds"));
      const site = typeof target === "string" ? parseSiteId(target) : undefined;
      const bySite = site !== undefined;
      const byGroup = Array.isArray(groups) && groups.some(isSiteGroup);
      if (!bySite && !byGroup) continue;
      if (exempt(config, site?.site) !== false) continue;
      const what = site ? `App Service site "${site.site}"` : "an App Service site (group 'sites')";
      report(
        `${r.label} connects to ${what} through ${r.connectionsAs ?? list}. ${WHY}. ` +
          `Fix: remove the private endpoint, and ${THEN}.`,
      );
    }
  }
}

function checkSiteConnection(
  r: SourcedResource,
  config: NoPrivateEndpointCalleeConfig,
  report: ReportViolation,
): void {
  const p = plainProps(r.props);
  const status = asString(at(p, "privateLinkServiceConnectionState", "status"));
  if (isUnknown(status)) return;
  if (status && (sameText(status, "Rejected") || sameText(status, "Disconnected"))) return;
  const site = asString(p["name"]);
  if (exempt(config, site) !== false) return;
  report(
    `${r.label} accepts a private endpoint connection on site ` +
      `"${typeof site === "string" ? site : "?"}". ${WHY}. ` +
      `Fix: set privateLinkServiceConnectionState.status to "Rejected" or delete the connection, ` +
      `and ${THEN}.`,
  );
}

/**
 * A mesh site that disables public network access: callers can only come through private
 * endpoints. Judged when the site has subnet rules (they never apply) or a private endpoint
 * reaches it (its only way in); a mesh site with neither is merely unreachable. The fix depends
 * on what the site's public endpoint would let in once enabled.
 */
function checkSite(
  mesh: Mesh,
  site: SiteNode,
  config: NoPrivateEndpointCalleeConfig,
): SiteFinding[] {
  const verdict = meshSite(mesh, site);
  if (verdict.mesh !== true) return [];
  const values = [
    asString(site.p["publicNetworkAccess"]),
    asString(at(site.p, "siteConfig", "publicNetworkAccess")),
  ];
  if (!values.some((v) => typeof v === "string" && sameText(v, "Disabled"))) return [];
  if (exempt(config, site.siteName) !== false) return [];
  // Public access off is the private-endpoint layer's design when an NSG-filtered endpoint reaches
  // the site; only the whole stack shows whether one does.
  if (!mesh.wholeStack) return [];
  if (privateLayerOf(mesh, mesh.resources).privateSites.has(site.key)) return [];
  const endpoints = verdict.privateEndpoints;
  const closed = publicEndpointOf(site, verdict).closed;
  const remove =
    endpoints.length > 0
      ? `remove ${endpoints.join(", ")}`
      : "remove any private endpoint to the site";
  if (verdict.subnetRules === true) {
    return [
      {
        key: "public-access-disabled",
        message:
          `${site.label} has subnet access rules but sets publicNetworkAccess "Disabled", so only ` +
          `private endpoints can reach it and its subnet rules never apply. ${WHY}. Fix: ` +
          (closed
            ? `${remove}, keep its subnet rules, and set publicNetworkAccess to "Enabled": its ` +
              `default-deny rules keep everyone else out.`
            : `${remove} and keep its subnet rules; close its public endpoint first ` +
              `(ipSecurityRestrictionsDefaultAction "Deny", no Allow rule for all or nearly all ` +
              `addresses, the SCM site restricted too: see mesh-site-default-deny), and only ` +
              `then set publicNetworkAccess to "Enabled".`),
      },
    ];
  }
  if (verdict.subnetRules !== false || endpoints.length === 0) return [];
  return [
    {
      key: "public-access-disabled",
      message:
        `${site.label} is reached by ${endpoints.join(", ")} and sets publicNetworkAccess ` +
        `"Disabled", so private endpoints are its only way in. ${WHY}. Fix: ${remove}; give the ` +
        `site subnet (vnetSubnetResourceId) rules for its callers' integration subnets` +
        (closed
          ? `, and then set publicNetworkAccess to "Enabled" (it denies unmatched traffic ` +
            `already, so until those rules exist it admits no one).`
          : ` and close its public endpoint (ipSecurityRestrictionsDefaultAction "Deny", the ` +
            `SCM site restricted too: see mesh-site-default-deny) before setting ` +
            `publicNetworkAccess to "Enabled": with no subnet rule and no Deny default, ` +
            `enabling it alone would open the site.`),
    },
  ];
}

export const noPrivateEndpointCallee: SitePolicy = {
  name: "no-private-endpoint-callee",
  description:
    "Mesh sites (App Service or Function apps that other apps call: subnet access rules, a " +
    "private endpoint, callee app settings or Easy Auth, or a slot of such a site) must not be " +
    "reachable through private endpoints nor, with subnet rules or a private endpoint, disable " +
    "public network access: access restrictions and NSGs do not filter private-endpoint " +
    "traffic, so every host with line of sight could call them. Remove the private endpoint and " +
    "serve callers on the public endpoint, closed by default-deny subnet rules.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      exemptSiteNames: {
        type: "array",
        items: { type: "string" },
        default: [],
        description:
          "Azure names of sites that are not part of the mesh and may keep a private endpoint " +
          "(reviewed exceptions).",
      },
    },
  },
  validateResource: (args, report) => {
    // Endpoints and site-side connections of any provider, a generic ARM resource or a template.
    const config = args.getConfig<NoPrivateEndpointCalleeConfig>();
    for (const r of sourced([args]).resources) {
      if (r.type === T.privateEndpoint) checkPrivateEndpoint(r, config, report);
      else if (
        r.type === T.sitePrivateEndpointConnection ||
        r.type === T.sitePrivateEndpointConnectionSlot
      )
        checkSiteConnection(r, config, report);
    }
    judgeSiteAlone(args, report, checkSite);
  },
  validateStack: (args, report) => judgeSitesInStack(args, report, checkSite),
};
