import type { StackValidationPolicy } from "@pulumi/policy";
import { Mesh, meshSite, meshSites } from "../lib/mesh";
import { isUnknown, sameText } from "../lib/values";

export const vnetRuleSourceIsIntegrationSubnet: StackValidationPolicy = {
  name: "vnet-rule-source-is-integration-subnet",
  description:
    "A mesh site's subnet access rule should admit only App Service integration subnets " +
    "(delegated to Microsoft.Web/serverFarms, which nothing else can join): any VM, container " +
    "or other resource placed in a general-purpose subnet could call the site. Advisory: an " +
    "intended non-App-Service caller (e.g. API Management in its own subnet) is legitimate.",
  enforcementLevel: "advisory",
  validateStack: (args, report) => {
    const mesh = Mesh.of(args.resources);
    const writers = mesh.siteWriters.filter((w) => meshSite(mesh, w).mesh === true);
    for (const site of [...meshSites(mesh), ...writers]) {
      if (!Array.isArray(site.rules)) continue;
      const seen = new Set<string>();
      for (const rule of site.rules) {
        if (!rule.subnet) continue;
        if (isUnknown(rule.action)) continue;
        if (rule.action !== undefined && !sameText(rule.action, "Allow")) continue;
        const source = mesh.subnets.resolve(rule.subnet);
        if (source.kind !== "node" || source.node.delegatedToWeb !== false) continue;
        if (seen.has(source.node.key)) continue;
        seen.add(source.node.key);
        report(
          `${site.label} admits ${source.node.label}, which is not delegated to ` +
            `Microsoft.Web/serverFarms, so any resource placed in it can call the site, not just ` +
            `one caller app. Fix: admit the caller's own App Service integration subnet instead ` +
            `(delegated to Microsoft.Web/serverFarms), or disable this policy for a reviewed ` +
            `non-App-Service caller.`,
          site.res.urn,
        );
      }
    }
  },
};
