import type { StackValidationPolicy } from "@pulumi/policy";
import { Mesh, SiteNode, meshSite } from "../lib/mesh";
import type { Unreadable } from "../lib/sources";
import { isUnknown } from "../lib/values";

/** The sites of the stack an unreadable resource could touch, and whether each is certain. */
function reachable(mesh: Mesh, u: Unreadable): { site: SiteNode; certain: boolean }[] {
  const out: { site: SiteNode; certain: boolean }[] = [];
  for (const site of [...mesh.sites.nodes, ...mesh.siteWriters]) {
    if (u.site) {
      // It names its site: that site (and its configuration resources), whose mesh verdict may
      // hang on the very settings the pack cannot read.
      const named =
        typeof site.resourceGroup === "string" &&
        typeof site.siteName === "string" &&
        site.resourceGroup.toLowerCase() === u.site.resourceGroup.toLowerCase() &&
        site.siteName.toLowerCase() === u.site.site.toLowerCase() &&
        (u.site.slot === undefined
          ? !site.slot
          : site.slot &&
            typeof site.slotName === "string" &&
            site.slotName.toLowerCase() === u.site.slot.toLowerCase());
      if (!named) continue;
      const v = meshSite(mesh, site).mesh;
      if (v === true || isUnknown(v)) out.push({ site, certain: v === true });
      continue;
    }
    // Any site it may name: the mesh sites of its resource group (any group: all of them).
    if (site.writes) continue;
    const inGroup =
      u.resourceGroup === "any" ||
      (typeof site.resourceGroup === "string" &&
        site.resourceGroup.toLowerCase() === u.resourceGroup.toLowerCase());
    if (inGroup && meshSite(mesh, site).mesh === true) out.push({ site, certain: true });
  }
  // The site itself names it best; its configuration resources only when the site is not here.
  const sites = out.filter((x) => !x.site.writes);
  return sites.length > 0 ? sites : out;
}

function listed(sites: { site: SiteNode; certain: boolean }[]): string {
  const names = [...new Set(sites.map((s) => s.site.label))];
  const shown = names.slice(0, 3).join(", ");
  return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}

/**
 * Refuses what may write a mesh site's inbound settings, or reach it with a private endpoint,
 * that the pack cannot read: a linked template, a template resource whose name or inbound
 * settings are expressions, a copy loop, a deployment script. It is refused only when it could
 * touch a mesh site of the stack: the site it names is one (or may be one, its verdict hanging
 * on what cannot be read), or, when it names none the pack can read, a mesh site lives where it
 * deploys (its resource group; a linked template or a script: anywhere).
 */
export const meshSiteChangesReadable: StackValidationPolicy = {
  name: "mesh-site-changes-readable",
  description:
    "What can change a mesh site's inbound settings or reach it with a private endpoint must be " +
    "readable by the pack: no linked template (templateLink), no ARM expression in a template " +
    "resource's type, name or inbound settings, no copy loop, no deployment script, where a " +
    "mesh site of the stack could be its target. Write such resources in-line with literal " +
    "values, or with azure-native's web and network types.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const mesh = Mesh.of(args.resources);
    for (const u of mesh.unreadable) {
      const sites = reachable(mesh, u);
      if (sites.length === 0) continue;
      const certain = sites.every((s) => s.certain);
      report(
        `${u.label} is ${u.what} the pack cannot judge: ${u.why}. It ` +
          (u.site ? "writes" : "could write") +
          ` the inbound settings of ${certain ? "" : "what may be "}` +
          `${sites.length === 1 ? "mesh site" : "mesh sites"} ${listed(sites)}` +
          (u.site ? "" : ", or reach them with a private endpoint") +
          `, unseen. Fix: ${u.fix}.`,
        u.source.urn,
      );
    }
  },
};
