/**
 * The stack-wide settings of the graph, each checked on its own: the region, the name prefix,
 * the guardrails switch, the extra owners of the Entra objects, and the network (the address
 * space, the SCM ranges and the extra virtual networks). Pure: no Pulumi imports.
 */
import { type Cidr, overlaps, parseCidr } from "./cidr";
import { shown } from "./errors";
import { type Issues, zodIssue } from "./graph-issues";
import {
  GUID,
  NAME_PREFIX,
  VNET_NAME,
  guardrailsSchema,
  networkSchema,
  ownersSchema,
} from "./schema";
import type { StackConfigInput, VnetSpace } from "./service-graph";

export function checkLocation(input: StackConfigInput, { push }: Issues): string {
  if (typeof input.location !== "string" || input.location.trim() === "") {
    push({
      path: "azure-native:location",
      message:
        input.location === undefined
          ? "is missing"
          : `expected a region name, got ${shown(input.location)}`,
      fix: "pulumi config set azure-native:location westeurope (or your region)",
    });
    return "";
  }
  return input.location;
}

/** The configured prefix, or `edges-<stack>` made name-safe. */
export function checkNamePrefix(input: StackConfigInput, { add }: Issues): string {
  const fallback = `edges-${input.stack}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 20)
    .replace(/-+$/, "");
  if (input.namePrefix === undefined) return fallback;
  if (typeof input.namePrefix === "string" && NAME_PREFIX.test(input.namePrefix)) {
    return input.namePrefix;
  }
  add(
    ["namePrefix"],
    `${shown(input.namePrefix)} is not a valid name prefix`,
    "use 2-20 lowercase letters, digits or hyphens, starting with a letter (it prefixes every Azure resource name)",
  );
  return fallback;
}

/** `true`, `false`, their text forms, or unset (on). */
export function checkGuardrails(input: StackConfigInput, { add, keys }: Issues): boolean {
  const parsed = guardrailsSchema.safeParse(input.guardrails);
  if (parsed.success) return parsed.data;
  add(
    ["guardrails"],
    `expected true or false, got ${shown(input.guardrails)}`,
    `set it to false to opt out of the Azure Policy guardrails, or remove it (default true): ${keys.set(["guardrails"], "false")}`,
  );
  return true;
}

/**
 * `service-edges:owners`: a list of Entra object ids, each once. Lower-cased, as Entra returns
 * them, so an id written in capitals does not show as a change on every refresh.
 */
export function checkOwners(input: StackConfigInput, { add, keys }: Issues): string[] {
  const owners: string[] = [];
  if (input.owners === undefined) return owners;
  const parsed = ownersSchema.safeParse(input.owners);
  if (!parsed.success) {
    add(
      ["owners"],
      `expected a list of Entra object ids, got ${shown(input.owners)}`,
      `write owners as a list of object ids: ${keys.set(["owners", 0], "<object id>")} (az ad user show --id <upn> --query id)`,
    );
    return owners;
  }
  const seen = new Map<string, number>();
  parsed.data.forEach((value, i) => {
    if (typeof value !== "string" || !GUID.test(value)) {
      add(
        ["owners", i],
        `${shown(value)} is not an Entra object id`,
        "use the object id (a GUID) of a user or service principal: az ad user show --id <upn> --query id, or az ad sp show --id <app id> --query id",
      );
      return;
    }
    const id = value.toLowerCase();
    const first = seen.get(id);
    if (first !== undefined) {
      add(["owners", i], `${shown(value)} duplicates owners[${first}]`, "list each owner once");
      return;
    }
    seen.set(id, i);
    owners.push(id);
  });
  return owners;
}

export function checkNetwork(
  input: StackConfigInput,
  { add, push, keys }: Issues,
): { addressSpace?: Cidr; scmAllowedRanges: Cidr[]; vnets: VnetSpace[] } {
  const scmAllowedRanges: Cidr[] = [];
  const vnets: VnetSpace[] = [];
  if (input.network === undefined) {
    add(
      ["network", "addressSpace"],
      "is missing",
      keys.set(["network", "addressSpace"], "10.40.0.0/16"),
    );
    return { scmAllowedRanges, vnets };
  }
  const net = networkSchema.safeParse(input.network);
  if (!net.success) {
    for (const i of net.error.issues) push(zodIssue(keys, ["network"], i, input.network));
    return { scmAllowedRanges, vnets };
  }
  let addressSpace: Cidr | undefined;
  const parsed = parseCidr(net.data.addressSpace);
  if (parsed.ok) addressSpace = parsed.cidr;
  else
    add(
      ["network", "addressSpace"],
      `${shown(net.data.addressSpace)} ${parsed.reason}`,
      parsed.fix ?? "use a private IPv4 range such as 10.40.0.0/16",
    );
  net.data.scmAllowedRanges.forEach((text, i) => {
    const at = ["network", "scmAllowedRanges", i];
    const range = parseCidr(text);
    if (!range.ok)
      add(at, `${shown(text)} ${range.reason}`, range.fix ?? "write it as a.b.c.d/prefix");
    else if (range.cidr.prefix < 8)
      add(
        at,
        `${text} would open every callee's deployment (SCM) site to a large part of the internet`,
        "list only your build agents' ranges (a /8 at most)",
      );
    else scmAllowedRanges.push(range.cidr);
  });
  if (addressSpace) vnets.push({ name: "", space: addressSpace });
  for (const [name, text] of Object.entries(net.data.vnets)) {
    const at = ["network", "vnets", name];
    if (!VNET_NAME.test(name)) {
      add(
        at,
        `${shown(name)} is not a valid virtual network name`,
        "use 1-16 lowercase letters, digits or hyphens, starting with a letter (it names <prefix>-vnet-<name>)",
      );
      continue;
    }
    const range = parseCidr(text);
    if (!range.ok) {
      add(
        at,
        `${shown(text)} ${range.reason}`,
        range.fix ?? "use a private IPv4 range such as 10.41.0.0/16",
      );
      continue;
    }
    const clash = vnets.find((v) => overlaps(v.space, range.cidr));
    if (clash) {
      add(
        at,
        `${range.cidr.text} overlaps ${clash.name ? `network.vnets.${clash.name}` : "network.addressSpace"} (${clash.space.text})`,
        "give every virtual network its own range",
      );
      continue;
    }
    vnets.push({ name, space: range.cidr });
  }
  return { addressSpace, scmAllowedRanges, vnets };
}
