/**
 * Which resource group holds a service's plan, app and identity. Pure: no Pulumi imports.
 *
 * A resource group holds at most 100 App Service plans, and moving a plan to another group is a
 * replacement. So the group is a pure function of the service's own name (FNV-1a hash into a fixed
 * number of groups) and of its SKU's webspace class: adding or removing any other service never
 * moves it. A service can be pinned to a group with `group:` when its hashed group is full.
 *
 * Webspace classes. Every App Service plan in one resource group and region shares a webspace on
 * one scale unit, and a SKU that scale unit lacks is refused; the only remedy is a new group (App
 * Service FAQ; MicrosoftDocs/azure-docs #66062; Azure/Azure-Functions #1778: Elastic Premium
 * refused beside PremiumV3; MS Learn, "Configure Premium V3 tier", which sends a plan whose
 * deployment lacks PremiumV3 to a new resource group). So Elastic Premium, PremiumV3 (with
 * PremiumMV3 and P0v3) and the older dedicated tiers (Basic, Standard, PremiumV2) never share a
 * group. PremiumV3 keeps the unprefixed `gNN` groups the mesh has always used.
 */
import type { SkuFamily } from "./skus";

/** Number of service resource groups. Fixed forever: changing it would move services. */
export const SERVICE_GROUPS = 32;
/** Azure limit: App Service plans per resource group. */
export const PLANS_PER_RESOURCE_GROUP = 100;

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The group a service lands in when not pinned. */
export function hashedGroupOf(service: string): number {
  return fnv1a(service) % SERVICE_GROUPS;
}

/** Two-digit label of a group: `07`. */
export function groupLabel(group: number): string {
  return String(group).padStart(2, "0");
}

/** The webspace a SKU family needs; plans of different classes never share a resource group. */
export type WebspaceClass = "premiumV3" | "elastic" | "classic";

export function webspaceClassOf(family: SkuFamily): WebspaceClass {
  switch (family) {
    case "ElasticPremium":
      return "elastic";
    case "PremiumV3":
    case "PremiumMV3":
      return "premiumV3";
    default:
      return "classic";
  }
}

const CLASS_PREFIX: Readonly<Record<WebspaceClass, string>> = {
  premiumV3: "",
  elastic: "ep-",
  classic: "classic-",
};

/**
 * The label of a service group, which is also the tail of its resource group's name and of its
 * logical name: `g07` (PremiumV3), `ep-g07` (Elastic Premium), `classic-g07` (Basic, Standard,
 * PremiumV2).
 */
export function placementLabel(cls: WebspaceClass, group: number): string {
  return `${CLASS_PREFIX[cls]}g${groupLabel(group)}`;
}
