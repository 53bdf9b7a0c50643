import type { StackValidationPolicy } from "@pulumi/policy";
import { Mesh, meshSite } from "../lib/mesh";
import { privateLayerOf, publicAccessOf } from "../lib/private-endpoints";
import { isUnknown } from "../lib/values";

/**
 * In private mode (a mesh site reached through an NSG-filtered private endpoint has public access
 * Disabled), the public endpoint is no way in: every mesh site and every caller site of the stack
 * turns it off, as enterprise landing zones require (ALZ Deny-PublicPaaSEndpoints: "App Service
 * apps should disable public network access", 1b5ef780-c53c-4a64-87f3-bb9c8c8094ba, and its
 * Function apps twin 969ac98b-88a8-449f-883c-2e9adb123127). The step between the modes (endpoints
 * while every site is still public) is not private mode, so it passes.
 */
export const privateMeshSitePublicAccessDisabled: StackValidationPolicy = {
  name: "private-mesh-site-public-access-disabled",
  description:
    "In a mesh on private endpoints (a mesh site reached through an NSG-filtered private " +
    "endpoint disables public network access), every mesh site and every caller site must set " +
    "publicNetworkAccess Disabled: its public endpoint would bypass the per-edge NSG.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const mesh = Mesh.of(args.resources);
    const layer = privateLayerOf(mesh, args.resources);
    if (!layer.privateMode) return;
    for (const site of mesh.sites.nodes) {
      const mesh_ = meshSite(mesh, site).mesh === true;
      const caller = mesh.integrationSubnetOf(site).kind === "node";
      if (!mesh_ && !caller) continue;
      const access = publicAccessOf(site);
      if (isUnknown(access) || access === "Disabled") continue;
      report(
        `${site.label} is a ${mesh_ ? "mesh site" : "caller"} of a mesh on private endpoints but ` +
          `sets publicNetworkAccess ${access === "unset" ? "unset" : `"${access}"`}, so ` +
          `its public endpoint is a way in that the private-endpoint NSG does not filter (and ` +
          `landing zones deny it). Fix: set publicNetworkAccess to "Disabled".`,
        site.res.urn,
      );
    }
  },
};
