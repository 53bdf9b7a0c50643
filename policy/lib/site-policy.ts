/**
 * Policies that judge mesh sites run twice, because whether a site is a mesh site can depend on
 * other resources (a private endpoint that reaches it, its Easy Auth, its slot's parent site):
 *
 * - per resource (`Analyze`, before the site is created or updated): the site alone, as
 *   `sitesAlone` sees it (a site of any provider, a site configuration, a template's sites), so that a site that is plainly a mesh site is stopped before it exists;
 * - per stack (`AnalyzeStack`): every site with the whole stack, reporting only what the
 *   resource view could not (a finding whose key the site alone does not produce), so that a
 *   violation is never reported twice.
 *
 * Such a policy is a `ResourceValidationPolicy` that also has `validateStack`: the policy host
 * runs `validateResource` on `Analyze` and `validateStack` on `AnalyzeStack` for any policy that
 * has them (and lists it as a resource policy); the offline runner does the same.
 */
import type {
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { Mesh, SiteNode, StackResourceLike, sitesAlone } from "./mesh";
import type { SourcedResource } from "./sources";
import type { SiteFinding } from "./restrictions";

export type SitePolicy = ResourceValidationPolicy & Pick<StackValidationPolicy, "validateStack">;

/** The findings of one policy on one site, seen through `mesh`. */
export type SiteCheck<C> = (mesh: Mesh, site: SiteNode, config: C) => SiteFinding[];

/** `Analyze`: judges a site resource on its own. */
export function judgeSiteAlone<C extends object>(
  args: ResourceValidationArgs,
  report: ReportViolation,
  check: SiteCheck<C>,
): void {
  const alone = sitesAlone(args);
  const config = args.getConfig<C>();
  for (const site of alone.sites) {
    for (const f of check(alone.mesh, site, config)) report(f.message);
  }
}

/** The resource as the stack declares it (a template's sites share their deployment's). */
function sourceOf(site: SiteNode): StackResourceLike {
  return (site.res as Partial<SourcedResource>).source ?? site.res;
}

/** `AnalyzeStack`: judges every site with the whole stack, less what `judgeSiteAlone` reports. */
export function judgeSitesInStack<C extends object>(
  args: StackValidationArgs,
  report: ReportViolation,
  check: SiteCheck<C>,
): void {
  const mesh = Mesh.of(args.resources);
  const config = args.getConfig<C>();
  for (const site of [...mesh.sites.nodes, ...mesh.siteWriters]) {
    const found = check(mesh, site, config);
    if (found.length === 0) continue;
    const alone = sitesAlone(sourceOf(site));
    const same = alone.sites.find((s) => s.key === site.key);
    const seen = new Set(same ? check(alone.mesh, same, config).map((f) => f.key) : []);
    for (const f of found) if (!seen.has(f.key)) report(f.message, site.res.urn);
  }
}
