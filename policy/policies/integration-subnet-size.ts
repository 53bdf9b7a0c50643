import type { StackValidationPolicy } from "@pulumi/policy";
import {
  AZURE_RESERVED_ADDRESSES,
  MAX_INTEGRATION_PREFIX,
  parseIpv4Cidr,
  smallestPrefixFor,
} from "../lib/cidr";
import { Mesh, PlanNode, SubnetNode } from "../lib/mesh";

export interface IntegrationSubnetSizeConfig {
  /** Addresses kept per declared plan instance (2: scale operations briefly double them). */
  addressesPerInstance?: number;
}

export const DEFAULT_ADDRESSES_PER_INSTANCE = 2;

/**
 * The instance count a plan declares, as a lower bound: `sku.capacity`, and for Elastic Premium
 * `maximumElasticWorkerCount`; a plan without either runs one instance. An unknown count only
 * keeps the known parts, so a verdict is certain whenever it is given.
 */
export function declaredInstances(plan: PlanNode): number {
  const known = [plan.capacity, plan.maximumElasticWorkerCount].filter(
    (v): v is number => typeof v === "number",
  );
  return Math.max(1, ...known);
}

export const integrationSubnetSize: StackValidationPolicy = {
  name: "integration-subnet-size",
  description:
    "An integration subnet must hold twice its plan's declared instances (sku.capacity, " +
    "maximumElasticWorkerCount) plus Azure's 5 reserved addresses, and be at least a /28: each " +
    "instance takes an address, scale operations and platform upgrades briefly need twice as " +
    "many, and a subnet cannot be resized while apps are integrated.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      addressesPerInstance: {
        type: "integer",
        minimum: 1,
        default: DEFAULT_ADDRESSES_PER_INSTANCE,
        description:
          "Addresses to keep per declared plan instance (2 covers the temporary doubling " +
          "during scale operations and platform upgrades).",
      },
    },
  },
  validateStack: (args, report) => {
    const perInstance =
      args.getConfig<IntegrationSubnetSizeConfig>().addressesPerInstance ??
      DEFAULT_ADDRESSES_PER_INSTANCE;
    const mesh = Mesh.of(args.resources);
    const pairs = new Map<string, { plan: PlanNode; subnet: SubnetNode }>();
    for (const site of mesh.sites.nodes) {
      const plan = mesh.planOf(site);
      const subnet = mesh.integrationSubnetOf(site);
      if (plan.kind !== "node" || subnet.kind !== "node") continue;
      pairs.set(`${plan.node.key}\n${subnet.node.key}`, { plan: plan.node, subnet: subnet.node });
    }
    for (const { plan, subnet } of pairs.values()) {
      if (!Array.isArray(subnet.prefixes)) continue;
      const v4 = subnet.prefixes.map(parseIpv4Cidr).filter((x) => x !== undefined);
      if (v4.length === 0) continue;
      const instances = declaredInstances(plan);
      const needed = perInstance * instances;
      const total = v4.reduce((n, c) => n + 2 ** (32 - c.prefix), 0);
      const usable = total - AZURE_RESERVED_ADDRESSES;
      const shown = subnet.prefixes.join(", ");
      const largest = Math.min(...v4.map((c) => c.prefix));
      const tooSmallForAzure = largest > MAX_INTEGRATION_PREFIX && v4.length === 1;
      if (usable >= needed && !tooSmallForAzure) continue;
      const fit = smallestPrefixFor(needed);
      const fix =
        fit === undefined
          ? "split the plan"
          : `use a /${fit} or larger (a new subnet: an integration subnet cannot be resized ` +
            `while apps are integrated) and move the plan to it`;
      report(
        `${subnet.label} (${shown}: ${Math.max(usable, 0)} usable addresses after Azure's ` +
          `${AZURE_RESERVED_ADDRESSES} reserved) is the integration subnet of ${plan.label}, ` +
          `which declares up to ${instances} instance${instances === 1 ? "" : "s"} and needs ` +
          `${perInstance} × ${instances} = ${needed} addresses` +
          (tooSmallForAzure
            ? `, and VNet integration needs at least a /${MAX_INTEGRATION_PREFIX}`
            : "") +
          `. Fix: ${fix}.`,
        subnet.owner.urn,
      );
    }
  },
};
