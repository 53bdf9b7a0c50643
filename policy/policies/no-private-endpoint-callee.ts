import type {
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from "@pulumi/policy";
import { parseSiteId } from "../lib/arm";
import { isMeshSite, rulesOf } from "../lib/mesh";
import { SITE_TYPES, T, label } from "../lib/types";
import { asArray, asString, asStrings, at, isUnknown, plainProps, sameText } from "../lib/values";

export interface NoPrivateEndpointCalleeConfig {
  /** Azure names of sites that are reviewed exceptions (not in the mesh) and may keep one. */
  exemptSiteNames?: string[];
}

const WHY =
  "App Service access restrictions and NSGs never filter traffic that arrives through a private " +
  "endpoint, so every host with network line of sight to the endpoint could call the site";
const FIX =
  "remove the private endpoint and keep the site on its public endpoint, where subnet " +
  "(service-endpoint) access rules admit only the callers' integration subnets";

function exempt(args: ResourceValidationArgs, siteName: string | undefined): boolean | undefined {
  const names = args.getConfig<NoPrivateEndpointCalleeConfig>().exemptSiteNames ?? [];
  if (names.length === 0) return false;
  if (siteName === undefined) return undefined;
  return names.some((n) => sameText(n, siteName));
}

/** `sites` is the private-link group of Microsoft.Web/sites; `sites-{slot}` is a slot's. */
function isSiteGroup(g: string): boolean {
  return sameText(g, "sites") || g.toLowerCase().startsWith("sites-");
}

function checkPrivateEndpoint(args: ResourceValidationArgs, report: ReportViolation): void {
  const p = plainProps(args.props);
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
      const ex = exempt(args, site?.site);
      if (ex !== false) continue;
      const what = site ? `App Service site "${site.site}"` : "an App Service site (group 'sites')";
      report(
        `${label(args.type, args.name)} connects to ${what} through ${list}. ${WHY}. ` +
          `Fix: ${FIX}.`,
      );
    }
  }
}

function checkSiteConnection(args: ResourceValidationArgs, report: ReportViolation): void {
  const p = plainProps(args.props);
  const status = asString(at(p, "privateLinkServiceConnectionState", "status"));
  if (isUnknown(status)) return;
  if (status && (sameText(status, "Rejected") || sameText(status, "Disconnected"))) return;
  const site = asString(p["name"]);
  const ex = exempt(args, typeof site === "string" ? site : undefined);
  if (ex !== false) return;
  report(
    `${label(args.type, args.name)} accepts a private endpoint connection on site ` +
      `"${typeof site === "string" ? site : "?"}". ${WHY}. ` +
      `Fix: set privateLinkServiceConnectionState.status to "Rejected" or delete the connection, ` +
      `and ${FIX}.`,
  );
}

function checkSite(args: ResourceValidationArgs, report: ReportViolation): void {
  const p = plainProps(args.props);
  if (isMeshSite(rulesOf(args, p)) !== true) return;
  const values = [
    asString(p["publicNetworkAccess"]),
    asString(at(p, "siteConfig", "publicNetworkAccess")),
  ];
  if (!values.some((v) => typeof v === "string" && sameText(v, "Disabled"))) return;
  const site = asString(p["name"]);
  if (exempt(args, typeof site === "string" ? site : undefined) !== false) return;
  report(
    `${label(args.type, args.name)} has subnet access rules but sets publicNetworkAccess ` +
      `"Disabled", so only private endpoints can reach it and its subnet rules never apply. ` +
      `${WHY}. Fix: set publicNetworkAccess to "Enabled" and remove any private endpoint to ` +
      `the site; its default-deny subnet rules keep everyone else out.`,
  );
}

export const noPrivateEndpointCallee: ResourceValidationPolicy = {
  name: "no-private-endpoint-callee",
  description:
    "Mesh sites (App Service or Function apps with subnet access rules, or targeted by a private " +
    "endpoint) must not be reachable through private endpoints nor disable public network " +
    "access: access restrictions and NSGs do not filter private-endpoint traffic, so every host " +
    "with line of sight could call them. Remove the private endpoint and keep public network " +
    "access enabled behind default-deny subnet rules.",
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
    if (args.type === T.privateEndpoint) checkPrivateEndpoint(args, report);
    else if (
      args.type === T.sitePrivateEndpointConnection ||
      args.type === T.sitePrivateEndpointConnectionSlot
    )
      checkSiteConnection(args, report);
    else if (SITE_TYPES.has(args.type)) checkSite(args, report);
  },
};
