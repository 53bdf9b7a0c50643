/**
 * The review's rule for moving a deployed stack between `network.inbound` modes: a change that
 * would refuse a declared call in the engine's order is blocking.
 *
 * Going private: a site's public access turned off in the same deployment that creates its
 * private endpoint. The endpoint connects to the site by id, so it depends on the site, and the
 * engine updates the site first (creates and updates run in dependency order: pulumi/pulumi,
 * pkg/resource/deploy/step_generator.go): between the two, callers reach neither the public
 * front end (off) nor an endpoint (not there yet, nor its DNS record). The safe order is two
 * deployments: `serviceAndPrivateEndpoints` (endpoints, NSGs and DNS while public access still
 * admits the callers), then `privateEndpoints`.
 *
 * Replacing a private endpoint of a site whose public access is off (moving it to another
 * subnet): azure-native deletes before it replaces (pulumi-azure-native provider.go, Diff:
 * DeleteBeforeReplace), so the callee is unreachable until the new endpoint and its DNS record
 * exist. The safe order goes through `serviceAndPrivateEndpoints` as well.
 *
 * Going back is safe in one deployment: the site's update (public access on) runs before the
 * endpoints' deletes (deletes run last, pulumi/pulumi#9979), and with the zone links'
 * NxDomainRedirect a name whose record is gone resolves publicly again. Unless the mesh has
 * guardrails: in privateEndpoints mode its `mesh-site-public-access-off` assignment denies public
 * access Enabled, and leaving for serviceEndpoints deletes that assignment, last, after the sites'
 * updates, which Azure Policy refuses. Through `serviceAndPrivateEndpoints` the assignment stays,
 * its enforcement mode updated to DoNotEnforce (components/private-mode-guardrail-rules.ts).
 */
import { PUBLIC_ACCESS_OFF_GUARDRAIL, RESOURCE_TYPES as R } from "@service-edges/contract";
import type { PlanResource, PlanResult } from "./run";

type Obj = Record<string, unknown>;
type Step = { urn: string; op: string };

/** The site ids a private endpoint connects to. */
const targetsOf = (pe: PlanResource): string[] =>
  ((pe.inputs.privateLinkServiceConnections ?? []) as Obj[])
    .map((c) => String(c.privateLinkServiceId ?? "").toLowerCase())
    .filter((id) => id !== "");

const siteName = (site: PlanResource) => String(site.inputs.name ?? site.name);

export function inboundModeBlocking(
  base: PlanResult,
  head: PlanResult,
  adopted: ReadonlyMap<string, string>,
  steps: readonly Step[],
): { urn: string; message: string }[] {
  const blocking: { urn: string; message: string }[] = [];
  const baseByUrn = new Map(base.resources.map((r) => [r.urn, r]));
  const stepAt = new Map(steps.map((s, i) => [`${s.op}:${s.urn}`, i]));
  const headEndpoints = head.resources.filter((r) => r.type === R.privateEndpoint);
  const baseTargets = new Set(
    base.resources.filter((r) => r.type === R.privateEndpoint && r.id).flatMap(targetsOf),
  );
  for (const site of head.resources.filter((r) => r.type === R.app)) {
    if (site.inputs.publicNetworkAccess !== "Disabled") continue;
    const old = baseByUrn.get(adopted.get(site.urn) ?? "");
    if (!old?.id || old.inputs.publicNetworkAccess === "Disabled") continue;
    const id = String(site.id ?? old.id).toLowerCase();
    const endpoint = headEndpoints.find((pe) => targetsOf(pe).includes(id));
    if (!endpoint || baseTargets.has(id)) continue;
    const siteStep =
      stepAt.get(`update:${site.urn}`) ?? stepAt.get(`create-replacement:${site.urn}`);
    const peStep = stepAt.get(`create:${endpoint.urn}`);
    if (siteStep === undefined || peStep === undefined || peStep < siteStep) continue;
    blocking.push({
      urn: site.urn,
      message:
        `${siteName(site)} turns public network access off in the same deployment that creates its private endpoint, which depends on the site and so is created after it: its callers reach it neither way in between. ` +
        "Fix: move in two deployments: first set service-edges:network.inbound to serviceAndPrivateEndpoints and deploy (endpoints, NSGs and DNS while public access still admits the callers), then set it to privateEndpoints and deploy (README, Day-2 operations).",
    });
  }
  // Public access turned on while the guardrail that refuses it is deleted (last).
  const refusing = base.resources.find(
    (a) =>
      a.type === R.policyAssignment &&
      String(a.inputs.policyAssignmentName ?? "").endsWith(`-${PUBLIC_ACCESS_OFF_GUARDRAIL}`) &&
      a.inputs.enforcementMode !== "DoNotEnforce" &&
      stepAt.has(`delete:${a.urn}`),
  );
  for (const site of refusing ? head.resources.filter((r) => r.type === R.app) : []) {
    const old = baseByUrn.get(adopted.get(site.urn) ?? "");
    if (old?.inputs.publicNetworkAccess !== "Disabled") continue;
    if (site.inputs.publicNetworkAccess === "Disabled") continue;
    blocking.push({
      urn: site.urn,
      message:
        `${siteName(site)} turns public network access on while the guardrail ${String(refusing!.inputs.policyAssignmentName)} still denies it: the engine deletes that assignment last, after the site's update, which Azure Policy refuses. ` +
        "Fix: leave private mode in two deployments: first set service-edges:network.inbound to serviceAndPrivateEndpoints and deploy (the assignment stays, no longer enforced), then set serviceEndpoints and deploy (README, Day-2 operations).",
    });
  }
  for (const pe of headEndpoints) {
    if (!stepAt.has(`delete-replaced:${pe.urn}`)) continue;
    const site = head.resources.find(
      (s) => s.type === R.app && targetsOf(pe).includes(String(s.id ?? "").toLowerCase()),
    );
    if (site?.inputs.publicNetworkAccess !== "Disabled") continue;
    blocking.push({
      urn: pe.urn,
      message:
        `the private endpoint ${String(pe.inputs.privateEndpointName ?? pe.name)} is replaced (deleted first) while ${siteName(site)} has public network access off: its callers cannot reach it until the new endpoint and its DNS record exist. ` +
        "Fix: set service-edges:network.inbound to serviceAndPrivateEndpoints and deploy, make this change and deploy, then set privateEndpoints again.",
    });
  }
  return blocking;
}
