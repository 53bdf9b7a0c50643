/**
 * Checks the planner makes on a stack config before anything is planned, beyond the graph's own
 * validation: keys in this project's namespace that nothing reads (`service-edges:edge`), and an
 * `azure-native:location` that is not an Azure region (`westeurop`). Each is a config error with
 * its fix, reported with the graph's errors' format.
 */
import {
  CONFIG_KEYS,
  CONFIG_NAMESPACE,
  type ConfigIssue,
  didYouMean,
} from "@service-edges/contract";
import regions from "./azure-regions.json";

export const LOCATION_KEY = "azure-native:location";

/** Keys held for later versions: refused until the program reads them, never "unknown". */
export const RESERVED_KEYS: string[] = [];

/**
 * The `service-edges:` keys the program reads: the contract's list (config-keys.ts), the keys
 * the stack schema describes (test/plan/planner-units.test.ts holds the two equal).
 */
export function knownKeys(): string[] {
  return [...CONFIG_KEYS];
}

export { didYouMean, distance } from "@service-edges/contract";

const REGIONS: readonly string[] = [
  ...regions.physical,
  ...regions.logical,
  ...regions.canary,
  ...regions.government,
  ...regions.china,
];
const REGION_SET = new Set(REGIONS);

/** ARM's normal form of a location: lower case, no spaces (`West Europe` -> `westeurope`). */
export function normalRegion(location: string): string {
  return location.toLowerCase().replace(/[\s_-]+/g, "");
}

export function isAzureRegion(location: string): boolean {
  return REGION_SET.has(normalRegion(location));
}

/** Every issue of the planner's own checks; empty when there are none. */
export function configIssues(values: Record<string, unknown>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const known = knownKeys();
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const key of Object.keys(values)) {
    if (!key.startsWith(prefix)) continue;
    const local = key.slice(prefix.length);
    if (known.includes(local)) continue;
    if (RESERVED_KEYS.includes(local)) {
      issues.push({
        path: key,
        message: "is reserved for a later version of the program and not read yet",
        fix: "remove it",
      });
      continue;
    }
    const near = didYouMean(local, [...known, ...RESERVED_KEYS]);
    issues.push({
      path: key,
      message: "unknown key; the program never reads it",
      fix: near
        ? `did you mean ${prefix}${near}? Rename it`
        : `remove it; ${CONFIG_NAMESPACE} reads ${known.map((k) => prefix + k).join(", ")}`,
    });
  }
  const location = values[LOCATION_KEY];
  if (location !== undefined) {
    if (typeof location !== "string" || location.trim() === "") {
      issues.push({
        path: LOCATION_KEY,
        message: `must be an Azure region name, got ${JSON.stringify(location)}`,
        fix: "set it to a region such as westeurope (az account list-locations -o table)",
      });
    } else if (!isAzureRegion(location)) {
      const near = didYouMean(normalRegion(location), REGIONS);
      issues.push({
        path: LOCATION_KEY,
        message: `"${location}" is not an Azure region`,
        fix: near
          ? `did you mean ${near}? Set it to ${near}`
          : "use a region name from az account list-locations -o table (e.g. westeurope)",
      });
    }
  }
  return issues;
}
