import { Mesh, SiteNode, meshSite } from "../lib/mesh";
import { SiteFinding, publicEndpointOf } from "../lib/restrictions";
import { SitePolicy, judgeSiteAlone, judgeSitesInStack } from "../lib/site-policy";
import { shadowUntilOfSite } from "../lib/shadow";
import { asObject, isUnknown } from "../lib/values";

/** Whether the site's own resource writes none of its inbound settings. */
function writesNoInbound(site: SiteNode): boolean {
  const sc = asObject(site.p["siteConfig"]);
  if (sc === undefined) return true;
  if (isUnknown(sc)) return false;
  return Object.keys(sc).every((k) => !/restriction/i.test(k));
}

/**
 * The findings on a mesh site's public endpoint; nothing for other sites. A site whose inbound
 * settings are written only by its configuration resource (`sites/config/web`, Bicep's and ARM's
 * usual shape) is judged through that resource, not as an open site.
 */
function check(mesh: Mesh, site: SiteNode): SiteFinding[] {
  const verdict = meshSite(mesh, site);
  if (verdict.mesh !== true) return [];
  if (!site.writes && mesh.writersOf(site).length > 0 && writesNoInbound(site)) return [];
  const findings = publicEndpointOf(site, verdict).findings;
  // A callee in shadow lets unmatched traffic through on purpose; shadow-enforcement reports it
  // (advisory, then mandatory after its last day) instead of this policy.
  return shadowUntilOfSite(site.p) ? findings.filter((f) => f.key !== "default:main") : findings;
}

export const meshSiteDefaultDeny: SitePolicy = {
  name: "mesh-site-default-deny",
  description:
    "A mesh site (an App Service or Function app that other apps call: subnet access rules, a " +
    "private endpoint, callee app settings or Easy Auth, or a slot of such a site) must deny " +
    "unmatched traffic (ipSecurityRestrictionsDefaultAction: Deny), hold no Allow rule, alone " +
    "or together with others, for all or nearly all addresses (0.0.0.0/0, Any, a /7 or wider, " +
    "0.0.0.0/1 + 128.0.0.0/1, the Internet or AzureCloud tags, multi-tenant tags such as " +
    "AppService or ApiManagement, Front Door without its " +
    "X-Azure-FDID check), and restrict its SCM (Kudu) site too (scmIpSecurityRestrictionsUseMain: " +
    "true, or its own Deny default).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => judgeSiteAlone(args, report, check),
  validateStack: (args, report) => judgeSitesInStack(args, report, check),
};
