/**
 * App Service plan SKUs this mesh accepts, with the facts that decide what they may host.
 * Pure: no Pulumi imports.
 *
 * Regional VNet Integration needs Basic or above (not Free, Shared, or Functions Consumption Y1);
 * the scale-out ceilings are Basic 3, Standard 10, PremiumV2/V3 30, Elastic Premium 100.
 */

export type SkuFamily =
  "Basic" | "Standard" | "PremiumV2" | "PremiumV3" | "PremiumMV3" | "ElasticPremium";

export interface SkuFacts {
  /** The SKU name as App Service spells it (`P1v3`). */
  name: string;
  /** The ARM `sku.tier` value. */
  tier: string;
  family: SkuFamily;
  /** Highest `maxInstances` the tier can scale out to. */
  maxInstances: number;
  /** Elastic Premium: Function apps only. */
  elastic: boolean;
}

const families: Array<{ family: SkuFamily; tier: string; max: number; names: string[] }> = [
  { family: "Basic", tier: "Basic", max: 3, names: ["B1", "B2", "B3"] },
  { family: "Standard", tier: "Standard", max: 10, names: ["S1", "S2", "S3"] },
  { family: "PremiumV2", tier: "PremiumV2", max: 30, names: ["P1v2", "P2v2", "P3v2"] },
  { family: "PremiumV3", tier: "PremiumV3", max: 30, names: ["P0v3", "P1v3", "P2v3", "P3v3"] },
  {
    family: "PremiumMV3",
    tier: "PremiumMV3",
    max: 30,
    names: ["P1mv3", "P2mv3", "P3mv3", "P4mv3", "P5mv3"],
  },
  { family: "ElasticPremium", tier: "ElasticPremium", max: 100, names: ["EP1", "EP2", "EP3"] },
];

/**
 * SKUs whose ARM tier is not their family's: P0v3's is `Premium0V3` (the App Service REST API's
 * SkuDescription; az appservice plan create --sku P0V3 reports it), not `PremiumV3`.
 */
const tierOf: Record<string, string> = { P0v3: "Premium0V3" };

const byLowerName = new Map<string, SkuFacts>();
for (const f of families) {
  for (const name of f.names) {
    byLowerName.set(name.toLowerCase(), {
      name,
      tier: tierOf[name] ?? f.tier,
      family: f.family,
      maxInstances: f.max,
      elastic: f.family === "ElasticPremium",
    });
  }
}

/** SKUs that exist in App Service but can never join the mesh, with the reason. */
const refused = new Map<string, string>([
  ["f1", "Free plans have no VNet integration"],
  ["free", "Free plans have no VNet integration"],
  ["d1", "Shared plans have no VNet integration"],
  ["shared", "Shared plans have no VNet integration"],
  ["y1", "the Functions Consumption plan (Y1) has no Regional VNet Integration"],
  ["dynamic", "the Functions Consumption plan (Y1) has no Regional VNet Integration"],
  ["fc1", "Flex Consumption integrates with a VNet through a different mechanism not managed here"],
]);

/** Accepted SKU names, for error messages. */
export const acceptedSkuNames: readonly string[] = families.flatMap((f) => f.names);

/** Facts for a SKU name (case-insensitive), or undefined if it is not accepted. */
export function skuFacts(name: string): SkuFacts | undefined {
  return byLowerName.get(name.toLowerCase());
}

/** Why a known SKU can never join the mesh, or undefined if it is not one of those. */
export function refusedSkuReason(name: string): string | undefined {
  return refused.get(name.toLowerCase());
}
