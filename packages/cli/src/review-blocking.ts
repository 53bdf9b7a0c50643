/**
 * The review's blocking findings: the changes Azure or Entra will refuse in the order the engine
 * runs them (a subnet changed under an integrated site, a site deleted before it is
 * disconnected, a replacement under the same global name, an enabled app role deleted, an
 * assignment to a role the application lacks, an inbound mode change that refuses declared
 * calls), each with its source and its fix.
 */
import { RESOURCE_TYPES as R } from "@service-edges/contract";
import { inboundModeBlocking } from "./review-inbound";
import type { Op, Review } from "./review-model";
import type { PlanResource, PlanResult } from "./run";

type Obj = Record<string, unknown>;
/** The service an integration subnet belongs to (contract names.ts: `snet-<service>`). */
const serviceOfSubnet = (subnet: string) => subnet.replace(/^snet-/, "");
const subnetsOf = (vnet: PlanResource | undefined) =>
  new Map(
    ((vnet?.inputs.subnets ?? []) as Obj[])
      .filter((s) => typeof s.name === "string")
      .map((s) => [s.name as string, s]),
  );

/**
 * Azure's refusals of this order, each with its source:
 * - a subnet removed or resized while a site is still integrated in it: "Subnet … is in use by
 *   …/serviceAssociationLinks/AppServiceLink" (Azure/deployment-stacks#150). The VNet update runs
 *   before the site's delete (deletes run last), and azure-native deletes a site with a plain
 *   DELETE, never disconnecting it first (provider/pkg/resources/customresources/custom_webapp.go);
 * - an enabled app role removed: Entra refuses to delete an app role that is not disabled first
 *   (Microsoft Graph, application resource type: appRoles; DESIGN §3);
 * - an app role assignment to a role id its resource application does not have.
 */
export function blockingOf(
  base: PlanResult,
  head: PlanResult,
  adopted: ReadonlyMap<string, string>,
  opOf: ReadonlyMap<string, Op>,
  steps: Review["steps"],
): Review["blocking"] {
  const blocking: Review["blocking"] = [];
  const now = new Map(head.resources.map((r) => [r.urn, r]));
  const nowOf = new Map([...adopted].map(([n, o]) => [o, n]));
  const stepIndex = new Map(steps.map((s, i) => [`${s.op}:${s.urn}`, i]));

  // Integrated subnets removed or resized.
  for (const vnet of base.resources.filter((r) => r.type === R.vnet && r.id)) {
    const headVnet = nowOf.has(vnet.urn) ? now.get(nowOf.get(vnet.urn)!) : undefined;
    const oldSubnets = subnetsOf(vnet);
    const newSubnets = subnetsOf(headVnet);
    for (const site of base.resources.filter((r) => r.type === R.app)) {
      const subnetId = site.inputs.virtualNetworkSubnetId;
      if (
        typeof subnetId !== "string" ||
        !subnetId.toLowerCase().startsWith(`${vnet.id!.toLowerCase()}/subnets/`)
      )
        continue;
      const name = subnetId.slice(subnetId.lastIndexOf("/") + 1);
      const old = oldSubnets.get(name);
      const kept = newSubnets.get(name);
      const removed = !kept;
      const resized = kept && old && kept.addressPrefix !== old.addressPrefix;
      if (!removed && !resized) continue;
      // Still integrated when the VNet changes: the site survives the deploy integrated, or it
      // is disconnected (deleted, replaced or updated) in a step not ordered before the VNet's.
      const siteNow = nowOf.has(site.urn) ? now.get(nowOf.get(site.urn)!) : undefined;
      const stillIntegrated = siteNow?.inputs.virtualNetworkSubnetId === subnetId;
      const vnetStep = headVnet
        ? (stepIndex.get(`update:${headVnet.urn}`) ??
          stepIndex.get(`create-replacement:${headVnet.urn}`))
        : stepIndex.get(`delete:${vnet.urn}`);
      const siteStep = siteNow
        ? (stepIndex.get(`update:${siteNow.urn}`) ??
          stepIndex.get(`create-replacement:${siteNow.urn}`))
        : stepIndex.get(`delete:${site.urn}`);
      // The VNet deleted too (pulumi destroy): deletes run in reverse dependency order, so the
      // site's delete (with its disconnect before it, checked below) precedes the VNet's.
      const dependsOnSite = headVnet
        ? headVnet.dependencies.includes(siteNow?.urn ?? site.urn)
        : !siteNow;
      if (
        !stillIntegrated &&
        dependsOnSite &&
        siteStep !== undefined &&
        vnetStep !== undefined &&
        siteStep < vnetStep
      )
        continue;
      blocking.push({
        urn: headVnet?.urn ?? vnet.urn,
        message:
          `subnet ${name} is ${removed ? "removed" : `resized (${String(old?.addressPrefix)} -> ${String(kept!.addressPrefix)})`} while ${site.inputs.name ?? site.name} is integrated in it: ` +
          (stillIntegrated
            ? "the site stays integrated in it, and Azure refuses it"
            : `the VNet update runs before the site is ${siteNow ? "disconnected" : "deleted"} (deletes run last), and Azure refuses it`) +
          ` ("Subnet ${name} is in use by .../serviceAssociationLinks/AppServiceLink", Azure/deployment-stacks#150). ` +
          (resized
            ? "Fix: a subnet's size cannot change while an app is integrated; give the service a new subnet (a new service name) and retire the old one in two deployments."
            : `Fix: retire in two deployments: first set service-edges:services.${serviceOfSubnet(name)}.retired: true (and remove its edges) and deploy: its site is disconnected, then deleted, and the subnet stays; then remove the entry and deploy again.`),
      });
    }
  }

  // Integrated sites deleted with nothing disconnecting them first.
  const deleted = new Set(steps.filter((s) => s.op === "delete").map((s) => s.urn));
  for (const site of base.resources.filter((r) => r.type === R.app && deleted.has(r.urn))) {
    const subnetId = site.inputs.virtualNetworkSubnetId;
    if (typeof subnetId !== "string" || subnetId === "") continue;
    const disconnect = base.resources.find(
      (c) =>
        c.type === R.command &&
        c.dependencies.includes(site.urn) &&
        String(c.inputs.delete ?? "").includes("/networkConfig/virtualNetwork"),
    );
    const disconnectStep = disconnect ? stepIndex.get(`delete:${disconnect.urn}`) : undefined;
    const siteStep = stepIndex.get(`delete:${site.urn}`)!;
    if (disconnectStep !== undefined && disconnectStep < siteStep) continue;
    blocking.push({
      urn: site.urn,
      message:
        `${String(site.inputs.name ?? site.name)} is deleted while integrated in ${subnetId.slice(subnetId.lastIndexOf("/") + 1)}, and nothing disconnects it first: azure-native deletes a site with a plain DELETE (provider/pkg/resources/customresources/custom_webapp_delete.go), and an app deleted before its integration is disconnected can leave the subnet locked until an app of the same name is re-created, integrated and disconnected (MS Learn, "Integrate your app with an Azure virtual network"). ` +
        (disconnect
          ? "Fix: keep its disconnect step until the site is gone (it is deleted before the site only while it depends on it)."
          : "Fix: deploy the config without this removal first, with service-edges 0.3 or later: every caller gains a disconnect step that runs before its site is deleted. Then retire the service."),
    });
  }

  // Replacements Azure refuses: the new resource is created before the old one is deleted, under
  // the same globally unique name (a site's <name>.azurewebsites.net; a storage account's
  // <name>.blob.core.windows.net: MS Learn, "Naming rules and restrictions for Azure resources").
  const globalNames: Record<string, string> = {
    [R.app]: "name",
    [R.storageAccount]: "accountName",
  };
  for (const s of steps.filter((s) => s.op === "create-replacement")) {
    const r = now.get(s.urn)!;
    const key = globalNames[r.type];
    const old =
      adopted.get(s.urn) !== undefined
        ? base.resources.find((b) => b.urn === adopted.get(s.urn))
        : undefined;
    if (!key || !old || old.inputs[key] !== r.inputs[key]) continue;
    blocking.push({
      urn: r.urn,
      message:
        `${String(r.inputs[key])} is replaced by a new ${r.type === R.app ? "site" : "storage account"} of the same name, created before the old one is deleted, and its name is global: Azure refuses the create (Conflict). ` +
        "A SKU change across webspace classes (Elastic Premium, PremiumV3, Basic/Standard/PremiumV2) moves the service to another resource group. " +
        "Fix: add the service again under a new name on the new SKU, move its edges to it, and retire the old one (retired: true, then remove it).",
    });
  }

  // Enabled app roles deleted.
  for (const app of base.resources.filter((r) => r.type === R.application)) {
    const headApp = nowOf.has(app.urn) ? now.get(nowOf.get(app.urn)!) : undefined;
    if (!headApp) continue;
    const roles = (a: PlanResource) =>
      ((a.inputs.appRoles ?? []) as Obj[]).map((r) => ({
        value: String(r.value),
        id: r.id,
        enabled: r.enabled !== false,
      }));
    const kept = new Set(roles(headApp).map((r) => String(r.id ?? r.value)));
    for (const role of roles(app)) {
      if (role.enabled && !kept.has(String(role.id ?? role.value))) {
        blocking.push({
          urn: headApp.urn,
          message:
            `the enabled app role ${role.value} is deleted from ${String(headApp.inputs.displayName ?? headApp.name)}: Entra refuses to delete an app role that is not disabled first. ` +
            "Fix: move it to retiredRoles (it stays, disabled) and deploy; remove it in a later deployment.",
        });
      }
    }
  }

  // Assignments to roles their application does not have.
  const spToApp = new Map<string, PlanResource>();
  const appsByClientId = new Map(
    head.resources
      .filter((r) => r.type === R.application)
      .map((a) => [String(a.outputs.clientId), a]),
  );
  for (const sp of head.resources.filter((r) => r.type === R.servicePrincipal)) {
    const app = appsByClientId.get(String(sp.inputs.clientId));
    if (app && sp.outputs.objectId) spToApp.set(String(sp.outputs.objectId), app);
  }
  for (const a of head.resources.filter((r) => r.type === R.appRoleAssignment)) {
    if (opOf.get(a.urn) === undefined) continue; // unchanged
    const app = spToApp.get(String(a.inputs.resourceObjectId));
    if (!app || typeof a.inputs.appRoleId !== "string") continue;
    const ids = new Set(
      ((app.inputs.appRoles ?? []) as Obj[])
        .filter((r) => r.enabled !== false)
        .map((r) => String(r.id)),
    );
    const unknownId = [...ids].some((id) => id === "undefined" || id.startsWith("["));
    if (!unknownId && !ids.has(a.inputs.appRoleId)) {
      blocking.push({
        urn: a.urn,
        message: `the assignment names app role ${a.inputs.appRoleId}, which ${String(app.inputs.displayName ?? app.name)} does not expose (or has disabled): Graph refuses it. Fix: grant a role the callee declares.`,
      });
    }
  }
  // Moving between network.inbound modes in an order that refuses declared calls.
  blocking.push(...inboundModeBlocking(base, head, adopted, steps));
  return blocking;
}
