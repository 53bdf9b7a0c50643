/**
 * Stack config -> validated ServiceGraph, in one pass that reports every error together.
 * Pure: no Pulumi imports, so the program, the policy pack and the plan tool share it.
 */
import type { z } from "zod";
import { type Cidr, contains, nextFreeRange, overlaps, parseCidr } from "./cidr";
import { ConfigError, type ConfigIssue, type KeyNamer, configKeys, shown } from "./errors";
import {
  PLANS_PER_RESOURCE_GROUP,
  SERVICE_GROUPS,
  hashedGroupOf,
  placementLabel,
  webspaceClassOf,
} from "./placement";
import {
  GUID,
  NAME_PREFIX,
  ROLE_NAME,
  ROLE_NAME_MAX,
  SERVICE_NAME,
  SERVICE_NAME_MAX,
  type RawEdge,
  type RawService,
  FIELD_FIXES,
  edgeSchema,
  guardrailsSchema,
  VNET_NAME,
  networkSchema,
  ownersSchema,
  serviceKeys,
  serviceSchema,
} from "./schema";
import { acceptedSkuNames, refusedSkuReason, type SkuFacts, skuFacts } from "./skus";
import { type Ingress, NO_INGRESS, ingressRuleCount, parseIngress } from "./ingress";
import { instancesFitting, subnetPrefixFor } from "./sizing";
import { today } from "./dates";
import {
  type DatedEdge,
  type Enforcement,
  type Observability,
  checkEnforcement,
  checkExpires,
  checkObservability,
  splitByExpiry,
} from "./operations";

/** A service's language stack, as App Service spells it on Linux. */
export interface Runtime {
  /** `NODE|22-lts`, `Python|3.12`, ... */
  linuxFxVersion: string;
  /** Function apps: FUNCTIONS_WORKER_RUNTIME. */
  workerRuntime?: string;
}

const WEB_STACKS = ["NODE", "PYTHON", "DOTNETCORE", "JAVA", "PHP"];
const FUNCTION_STACKS: Record<string, string> = {
  NODE: "node",
  PYTHON: "python",
  "DOTNET-ISOLATED": "dotnet-isolated",
  JAVA: "java",
  POWERSHELL: "powershell",
};

function runtimeFix(kind: ServiceKind): string {
  return kind === "function"
    ? `write STACK|VERSION with STACK one of ${Object.keys(FUNCTION_STACKS).join(", ")} (e.g. Node|22)`
    : `write STACK|VERSION with STACK one of ${WEB_STACKS.join(", ")} (e.g. NODE|22-lts)`;
}

/** The runtime, or why the text is refused. */
function parseRuntime(kind: ServiceKind, text: string | undefined): Runtime | string {
  if (text === undefined) {
    return kind === "function"
      ? // Node 20 left support on 2026-04-30: 22 is the current LTS on App Service and Functions.
        { linuxFxVersion: "Node|22", workerRuntime: "node" }
      : { linuxFxVersion: "NODE|22-lts" };
  }
  const m = /^([A-Za-z-]+)\|([0-9][0-9A-Za-z.-]*)$/.exec(text);
  if (!m) return "is not a runtime";
  const stack = m[1].toUpperCase();
  if (kind === "function") {
    const worker = FUNCTION_STACKS[stack];
    return worker ? { linuxFxVersion: text, workerRuntime: worker } : `is not a Functions stack`;
  }
  return WEB_STACKS.includes(stack) ? { linuxFxVersion: text } : "is not an App Service stack";
}

/** Keys the program owns: MESH_*, the identity's client id, the Functions host's own. */
function reservedSettingReason(key: string): string | undefined {
  if (key.startsWith("MESH_") || key === "AZURE_CLIENT_ID")
    return `${key} is written by the program from the graph`;
  if (key.startsWith("WEBSITE_RUN_FROM_PACKAGE"))
    return `${key} is written by the program from the service's deploy mode (deploy: package or zip)`;
  if (/^(AzureWebJobsStorage|FUNCTIONS_)/.test(key))
    return `${key} is written by the program for the Functions host`;
  return undefined;
}

const SECRET_LIKE =
  /(SECRET|PASSWORD|PASSWD|TOKEN|APIKEY|API_KEY|CONNECTIONSTRING|CONNECTION_STRING)/i;

export type DeployMode = "package" | "zip" | "none";

/**
 * Function apps on Elastic Premium run from a package by default: with shared keys off there is
 * no Azure Files share, so the package must be a blob the app reads with its identity (MS Learn,
 * "Storage considerations for Azure Functions", create an app without Azure Files).
 */
function defaultDeployMode(kind: ServiceKind, sku: SkuFacts): DeployMode {
  return kind === "function" && sku.elastic ? "package" : "none";
}

/** A client secret's rotation label when `secretRotation` is unset. */
export const INITIAL_SECRET_ROTATION = "initial";

/** Azure limit: access-restriction rules on one site. */
export const MAX_RULES_PER_SITE = 512;
/** Azure limit: subnets in one virtual network. */
export const MAX_SUBNETS_PER_VNET = 3000;
/** Longest App Service site / plan name. */
export const MAX_SITE_NAME = 60;

export type ServiceKind = "app" | "function";
export type IdentityKind = "managed" | "registration";

export interface ServiceNode {
  name: string;
  kind: ServiceKind;
  sku: SkuFacts;
  maxInstances: number;
  identity: IdentityKind;
  /** Registration callers only: also issue a client secret (explicit opt-in). */
  clientSecret: boolean;
  /**
   * With a client secret (and only then): its rotation label (`2026-11`, by default
   * {@link INITIAL_SECRET_ROTATION}); changing it issues a new secret.
   */
  secretRotation?: string;
  /** The integration subnet; present on every caller, optional on others. */
  subnet?: Cidr;
  /** The virtual network holding the subnet: "" for the first, else its `network.vnets` name. */
  vnet: string;
  /** App roles this service exposes; a service with roles is a callee. */
  roles: string[];
  /**
   * Roles being retired: kept on the application, disabled, with their ids, because Entra
   * refuses to delete an enabled app role. Remove them from config once that has deployed.
   */
  retiredRoles: string[];
  easyAuth: boolean;
  /** Resource group index within its webspace class (see placement.ts). */
  group: number;
  /**
   * Its resource group's label, from its SKU's webspace class and its group index: `g07`,
   * `ep-g07`, `classic-g07` (placement.ts). The resource group is `<namePrefix>-<placement>`.
   */
  placement: string;
  runtime: Runtime;
  /** The team's own app settings (never MESH_* or platform keys; secrets as Key Vault refs). */
  appSettings: Record<string, string>;
  /** Who may reach it from outside the mesh (default none: only its callers' subnets). */
  ingress: Ingress;
  /**
   * How code reaches it, so the program owns the settings deployments depend on: `package` (a
   * blob the app runs from, read with its identity), `zip` (zip deploy's
   * WEBSITE_RUN_FROM_PACKAGE=1), or `none` (nothing written: settings set by hand are lost).
   */
  deploy: DeployMode;
  /**
   * `shadow`: admits everyone on both layers and records what enforcement would refuse, until
   * `shadowUntil` (operations.ts); `enforced` by default.
   */
  enforcement: Enforcement;
  /** With enforcement shadow: its last day (YYYY-MM-DD). */
  shadowUntil?: string;
  /** Services with an edge to this one, sorted. */
  callers: string[];
  /** Services this one has an edge to, sorted. */
  callees: string[];
}

export interface RetiredService {
  name: string;
  subnet?: Cidr;
  vnet?: string;
}

export interface Edge {
  from: string;
  to: string;
  /** Sorted, distinct. */
  roles: string[];
  /** Its last day (YYYY-MM-DD), if it expires. */
  expires?: string;
}

/** A virtual network of the mesh: "" for the first (`<prefix>-vnet`), else its name. */
export interface VnetSpace {
  name: string;
  space: Cidr;
}

export interface ServiceGraph {
  location: string;
  /** Ranges allowed to reach callees' SCM (deployment) sites; empty: SCM follows the main rules. */
  scmAllowedRanges: Cidr[];
  /** Prefix of every Azure resource name (`edges-dev`). */
  namePrefix: string;
  /**
   * Azure Policy deny rules outside Pulumi, and every identity in its own resource group (default
   * true; `guardrails: false` opts out).
   */
  guardrails: boolean;
  /**
   * Entra object ids (lower case) made owners of every application and service principal, beside
   * the deployer; empty by default.
   */
  owners: string[];
  /** The first virtual network's address space. */
  addressSpace: Cidr;
  /**
   * Every virtual network: the first (`name` ""), then `network.vnets` by name. A caller's
   * subnet is in the one whose space holds it (ServiceNode.vnet).
   */
  vnets: VnetSpace[];
  /** Sorted by name. */
  services: ServiceNode[];
  /**
   * Services in step 1 of retirement (`retired: true`), sorted by name: nothing of theirs is
   * registered but their integration subnet, which stays in the VNet until the entry is removed.
   */
  retired: RetiredService[];
  /** Sorted by caller, then callee. */
  edges: Edge[];
  /** Edges past their `expires`: in config, granting nothing. Sorted like `edges`. */
  expiredEdges: DatedEdge[];
  /** Edges within EXPIRY_WARNING_DAYS of their `expires` (still granting). */
  expiringEdges: DatedEdge[];
  /** The day the graph was built as of (dates.ts `today()`). */
  asOf: string;
  /** Where every mesh site's logs go, and the mesh's queries and alerts live (unset: nowhere). */
  observability?: Observability;
  byName: ReadonlyMap<string, ServiceNode>;
  /** Edges into each service, and out of each service (so per-service work stays linear). */
  incoming: ReadonlyMap<string, readonly Edge[]>;
  outgoing: ReadonlyMap<string, readonly Edge[]>;
}

/** The stack config, as plain values: what `pulumi.Config` or a stack YAML file holds. */
export interface StackConfigInput {
  stack: string;
  location?: unknown;
  namePrefix?: unknown;
  guardrails?: unknown;
  owners?: unknown;
  network?: unknown;
  services?: unknown;
  edges?: unknown;
  observability?: unknown;
}

export function isCaller(s: ServiceNode): boolean {
  return s.callees.length > 0;
}
export function isCallee(s: ServiceNode): boolean {
  return s.roles.length > 0;
}

type Segments = Array<string | number>;

/** Maps a zod issue to a ConfigIssue with a fix. */
function zodIssue(
  keys: KeyNamer,
  base: Segments,
  issue: z.core.$ZodIssue,
  value: unknown,
): ConfigIssue {
  const segs = [...base, ...(issue.path as Array<string | number>)];
  const path = keys.at(segs);
  const key = keys.key(segs);
  const got = issue.path.reduce<unknown>(
    (v, k) =>
      v && typeof v === "object"
        ? (v as Record<PropertyKey, unknown>)[k as PropertyKey]
        : undefined,
    value,
  );
  switch (issue.code) {
    case "unrecognized_keys":
      return {
        path,
        message: `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`,
        fix: `remove ${issue.keys.length > 1 ? "them" : "it"}${base[0] === "services" ? `; a service takes ${serviceKeys.join(", ")}` : ""}`,
      };
    case "invalid_value":
      return {
        path,
        message: `${shown(got)} is not allowed`,
        fix: `use one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`,
      };
    case "invalid_type":
      return got === undefined
        ? { path, message: "is missing", fix: `set ${key} (a ${issue.expected})` }
        : {
            path,
            message: `expected a ${issue.expected}, got ${shown(got)}`,
            fix: `set ${key} to a ${issue.expected}`,
          };
    case "too_small":
      return {
        path,
        message: `is empty`,
        fix: `list at least ${String(issue.minimum)} item${Number(issue.minimum) === 1 ? "" : "s"}`,
      };
    default:
      return {
        path,
        message: `${issue.message} (got ${shown(got)})`,
        fix: FIELD_FIXES[String(segs[segs.length - 1])] ?? `correct ${key}`,
      };
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Names from `candidates` that look like `name`, for "did you mean" fixes. */
function nearest(name: string, candidates: readonly string[]): string[] {
  const close = candidates.filter(
    (c) => c.includes(name) || name.includes(c) || editDistance(c, name) <= 2,
  );
  return (close.length > 0 ? close : candidates).slice(0, 5);
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

const listed = (names: readonly string[]) => names.map((n) => JSON.stringify(n)).join(", ");

/** Where a check reports: `add` for a key path, message and fix; `push` for a built issue. */
interface Issues {
  add: (segs: Segments, message: string, fix: string) => void;
  push: (issue: ConfigIssue) => void;
  /** How issues and fixes name keys (configKeys, or a component's argKeys). */
  keys: KeyNamer;
}

function checkLocation(input: StackConfigInput, { push }: Issues): string {
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
function checkNamePrefix(input: StackConfigInput, { add }: Issues): string {
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
function checkGuardrails(input: StackConfigInput, { add, keys }: Issues): boolean {
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
function checkOwners(input: StackConfigInput, { add, keys }: Issues): string[] {
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

function checkNetwork(
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

function parseServices(
  input: StackConfigInput,
  namePrefix: string,
  { add, push, keys }: Issues,
): { raw: Map<string, RawService>; declared: Set<string> } {
  const raw = new Map<string, RawService>();
  const declared = new Set<string>();
  if (!isRecord(input.services)) {
    add(
      ["services"],
      input.services === undefined
        ? "is missing"
        : `expected a map of service name to spec, got ${shown(input.services)}`,
      "declare services as a map, e.g. services: { orders: { kind: app, sku: P1v3, maxInstances: 3 } }",
    );
  } else {
    for (const [name, spec] of Object.entries(input.services)) {
      declared.add(name);
      if (!SERVICE_NAME.test(name) || name.length > SERVICE_NAME_MAX) {
        add(
          ["services", name],
          `${shown(name)} is not a valid service name`,
          `use 1-${SERVICE_NAME_MAX} lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen`,
        );
      } else if (`${namePrefix}-${name}`.length > MAX_SITE_NAME) {
        add(
          ["services", name],
          `the site name "${namePrefix}-${name}" is longer than ${MAX_SITE_NAME} characters`,
          `shorten the service name or ${keys.key(["namePrefix"])}`,
        );
      }
      const parsed = serviceSchema.safeParse(spec ?? {});
      if (!parsed.success) {
        for (const i of parsed.error.issues) push(zodIssue(keys, ["services", name], i, spec));
        continue;
      }
      raw.set(name, parsed.data);
    }
  }

  return { raw, declared };
}

/** One service's own rules; its SKU facts and runtime when they are valid. */
function checkService(
  name: string,
  s: RawService,
  { add }: Issues,
): { sku?: SkuFacts; runtime?: Runtime; ingress: Ingress } {
  let sku: SkuFacts | undefined;
  let runtime: Runtime | undefined;
  const at = ["services", name];
  for (const key of ["sharedGroup", "identityGroup"] as const) {
    if (s[key] !== undefined) {
      add(
        [...at, key],
        "is a platform stack's registry key (a service moved from a single stack)",
        "remove it: a single stack places its services itself",
      );
    }
  }
  if (s.calls !== undefined) {
    add(
      [...at, "calls"],
      "is a team stack's key (calls into other teams' stacks)",
      "remove it: in one stack, the edges say whom each service calls",
    );
  }
  const facts = skuFacts(s.sku);
  const refused = refusedSkuReason(s.sku);
  if (refused) {
    add(
      [...at, "sku"],
      `${shown(s.sku)} cannot join the mesh: ${refused}`,
      s.kind === "function"
        ? "use Elastic Premium (EP1) or a dedicated plan (P1v3)"
        : "use B1 or above; P1v3 is a good default",
    );
  } else if (!facts) {
    add(
      [...at, "sku"],
      `${shown(s.sku)} is not a known App Service plan SKU`,
      `use one of ${acceptedSkuNames.join(", ")}`,
    );
  } else if (facts.elastic && s.kind !== "function") {
    add(
      [...at, "sku"],
      `${shown(s.sku)} is Elastic Premium, which hosts Function apps only`,
      "use a dedicated SKU such as P1v3, or set kind: function",
    );
  } else {
    sku = facts;
    if (s.maxInstances < 1) {
      add(
        [...at, "maxInstances"],
        `must be at least 1, got ${s.maxInstances}`,
        "set it to the plan's scale-out ceiling, 1 or more",
      );
    } else if (s.maxInstances > facts.maxInstances) {
      add(
        [...at, "maxInstances"],
        `${s.maxInstances} is above the ${facts.tier} ceiling of ${facts.maxInstances} instances`,
        `lower it to ${facts.maxInstances} or pick a larger tier (Standard 10, PremiumV3 30${s.kind === "function" ? ", Elastic Premium 100" : ""})`,
      );
    }
  }
  const seenRoles = new Map<string, number>();
  s.roles.forEach((role, i) => {
    if (!ROLE_NAME.test(role) || role.length > ROLE_NAME_MAX) {
      add(
        [...at, "roles", i],
        `${shown(role)} is not a valid app role value`,
        `use at most ${ROLE_NAME_MAX} letters, digits, '.', '_' or '-', no spaces (e.g. Orders.Read)`,
      );
    }
    const key = role.toLowerCase();
    const first = seenRoles.get(key);
    if (first !== undefined)
      add(
        [...at, "roles", i],
        `${shown(role)} duplicates roles[${first}]`,
        "list each role once (Entra compares role values case-insensitively)",
      );
    else seenRoles.set(key, i);
  });
  s.retiredRoles.forEach((role, i) => {
    if (seenRoles.has(role.toLowerCase()))
      add(
        [...at, "retiredRoles", i],
        `${shown(role)} is also in roles`,
        "keep a role in roles or in retiredRoles, not both",
      );
    else if (!ROLE_NAME.test(role) || role.length > ROLE_NAME_MAX)
      add(
        [...at, "retiredRoles", i],
        `${shown(role)} is not a valid app role value`,
        "list the role exactly as it was deployed",
      );
  });
  if (s.easyAuth && s.roles.length === 0) {
    add(
      [...at, "easyAuth"],
      "is on, but the service exposes no roles, so it has no Entra application to check tokens against",
      "declare its roles, or remove easyAuth",
    );
  }
  if (s.clientSecret && s.identity !== "registration") {
    add(
      [...at, "clientSecret"],
      "only applies to identity: registration",
      "remove clientSecret, or set identity: registration",
    );
  }
  if (s.secretRotation !== undefined) {
    if (!s.clientSecret)
      add(
        [...at, "secretRotation"],
        "only applies with clientSecret: true",
        "remove secretRotation, or set clientSecret: true (with identity: registration)",
      );
    else if (s.secretRotation.trim() === "")
      add(
        [...at, "secretRotation"],
        "is empty",
        "set it to a label such as 2026-11, or remove it; changing it issues a new client secret",
      );
  }
  const parsedRuntime = parseRuntime(s.kind, s.runtime);
  if (typeof parsedRuntime === "string")
    add([...at, "runtime"], `${shown(s.runtime)} ${parsedRuntime}`, runtimeFix(s.kind));
  else runtime = parsedRuntime;
  for (const key of Object.keys(s.appSettings)) {
    const reason = reservedSettingReason(key);
    if (reason)
      add([...at, "appSettings", key], reason, "remove it; the program writes it from the graph");
    else if (SECRET_LIKE.test(key) && !s.appSettings[key].startsWith("@Microsoft.KeyVault(")) {
      add(
        [...at, "appSettings", key],
        "looks like a secret, and config is committed in plain text",
        "store it in Key Vault and set the value to a reference: @Microsoft.KeyVault(SecretUri=...) (the app's managed identity reads it)",
      );
    }
  }
  if (s.group !== undefined && (s.group < 0 || s.group >= SERVICE_GROUPS)) {
    add(
      [...at, "group"],
      `${s.group} is not a resource group index`,
      `use 0..${SERVICE_GROUPS - 1}`,
    );
  }
  const { ingress, issues } = parseIngress(s.ingress, s.frontDoorId);
  for (const i of issues) add([...at, ...i.at], i.message, i.fix);
  if (ingress.kind === "public" && s.roles.length > 0) {
    add(
      [...at, "ingress"],
      "is public, but the service is a callee: its network layer would admit everyone, not only its callers",
      "split it: a public front door (ingress: public, no roles) that calls this service over an edge",
    );
  }
  return { sku, runtime, ingress };
}

function parseEdges(
  input: StackConfigInput,
  raw: ReadonlyMap<string, RawService>,
  declared: ReadonlySet<string>,
  { add, push, keys }: Issues,
): Edge[] {
  const edges: Edge[] = [];
  const edgeAt = new Map<string, number>();
  if (input.edges !== undefined && !Array.isArray(input.edges)) {
    add(
      ["edges"],
      `expected a list of edges, got ${shown(input.edges)}`,
      "write edges as a list of { from, to, roles }",
    );
  }
  const rawEdges: unknown[] = Array.isArray(input.edges) ? input.edges : [];
  const names = [...declared].sort();
  rawEdges.forEach((value, i) => {
    const at: Segments = ["edges", i];
    const parsed = edgeSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) push(zodIssue(keys, at, issue, value));
      return;
    }
    const e: RawEdge = parsed.data;
    let ok = true;
    for (const end of ["from", "to"] as const) {
      if (!declared.has(e[end])) {
        ok = false;
        add(
          [...at, end],
          `unknown service ${shown(e[end])}`,
          `use a declared service (${listed(nearest(e[end], names))}) or declare ${shown(e[end])} under ${keys.key(["services"])}`,
        );
      }
    }
    if (!ok) return;
    if (e.from === e.to) {
      add(
        at,
        `${shown(e.from)} calls itself`,
        "remove the edge; a service needs no permission to call itself",
      );
      return;
    }
    const key = `${e.from}\u0000${e.to}`;
    const first = edgeAt.get(key);
    if (first !== undefined) {
      add(
        at,
        `duplicates edges[${first}] (${e.from} -> ${e.to})`,
        `merge its roles into edges[${first}] and remove this one`,
      );
      return;
    }
    edgeAt.set(key, i);
    if (e.expires !== undefined && !checkExpires(at, e.expires, add)) return;
    const callee = raw.get(e.to);
    if (!callee) return; // its own errors are reported above
    const declaredRoles = new Set(callee.roles);
    const seen = new Set<string>();
    e.roles.forEach((role, k) => {
      if (seen.has(role))
        add([...at, "roles", k], `${shown(role)} is listed twice`, "list each role once");
      seen.add(role);
      if (!declaredRoles.has(role)) {
        add(
          [...at, "roles", k],
          `${shown(e.to)} does not expose the role ${shown(role)}`,
          callee.retiredRoles.includes(role)
            ? `${shown(role)} is being retired on ${e.to}; remove it from this edge`
            : callee.roles.length > 0
              ? `use one of ${listed(callee.roles)}, or add ${shown(role)} to ${keys.key(["services", e.to, "roles"])}`
              : `declare it under ${keys.key(["services", e.to, "roles"])}`,
        );
      }
    });
    edges.push({
      from: e.from,
      to: e.to,
      roles: [...seen].sort(),
      ...(e.expires !== undefined ? { expires: e.expires } : {}),
    });
  });

  return edges;
}

function checkRuleLimits(
  callersOf: ReadonlyMap<string, string[]>,
  ingresses: ReadonlyMap<string, Ingress>,
  { add }: Issues,
): void {
  for (const [callee, callers] of callersOf) {
    const ingress = ingressRuleCount(ingresses.get(callee) ?? NO_INGRESS);
    if (callers.length + ingress > MAX_RULES_PER_SITE) {
      add(
        ["services", callee],
        `has ${callers.length} callers${ingress ? ` and ${ingress} ingress rules` : ""}, but a site holds at most ${MAX_RULES_PER_SITE} access-restriction rules (one per caller)`,
        `split ${callee} into several services, or remove ${callers.length + ingress - MAX_RULES_PER_SITE} of its incoming edges`,
      );
    }
  }
}

/** Declared subnets (fit, inside, no overlap), and suggestions for callers without one. */
function checkSubnets(
  raw: ReadonlyMap<string, RawService>,
  skus: ReadonlyMap<string, SkuFacts>,
  calleesOf: ReadonlyMap<string, string[]>,
  addressSpace: Cidr | undefined,
  vnets: readonly VnetSpace[],
  { add, keys }: Issues,
): Map<string, Cidr> {
  const subnets = new Map<string, Cidr>();
  const spaces = vnets.length > 1 ? vnets.map((v) => v.space.text).join(", ") : addressSpace?.text;
  const withSubnet: Array<[string, Cidr]> = [];
  for (const [name, s] of raw) {
    if (s.subnet === undefined) continue;
    const at = ["services", name, "subnet"];
    const parsed = parseCidr(s.subnet);
    if (!parsed.ok) {
      add(
        at,
        `${shown(s.subnet)} ${parsed.reason}`,
        parsed.fix ?? "write it as a.b.c.d/prefix, e.g. 10.40.0.0/27",
      );
      continue;
    }
    const cidr = parsed.cidr;
    if (addressSpace && !vnets.some((v) => contains(v.space, cidr))) {
      add(
        at,
        `${cidr.text} is outside the address space ${spaces}`,
        vnets.length > 1
          ? `pick a range inside one virtual network's space (${spaces})`
          : `pick a range inside ${keys.key(["network", "addressSpace"])} (${addressSpace.text})`,
      );
      continue;
    }
    const facts = skus.get(name);
    if (facts && s.maxInstances >= 1 && instancesFitting(cidr.prefix) < s.maxInstances) {
      const need = subnetPrefixFor(s.maxInstances);
      add(
        at,
        cidr.prefix > 28
          ? `${cidr.text} is smaller than /28, the smallest integration subnet App Service accepts`
          : `${cidr.text} holds ${instancesFitting(cidr.prefix)} instances (2 addresses each during upgrades, plus 5 reserved), but maxInstances is ${s.maxInstances}`,
        `use a /${need} or larger; its size cannot change once an app is integrated`,
      );
    }
    withSubnet.push([name, cidr]);
  }
  // Overlaps: sort by start, sweep keeping the furthest end; linear after the sort.
  withSubnet.sort((a, b) =>
    a[1].start < b[1].start ? -1 : a[1].start > b[1].start ? 1 : a[0] < b[0] ? -1 : 1,
  );
  let reach: [string, Cidr] | undefined;
  for (const [name, cidr] of withSubnet) {
    if (reach && overlaps(reach[1], cidr)) {
      add(
        ["services", name, "subnet"],
        `${cidr.text} overlaps ${reach[1].text} of service ${shown(reach[0])}`,
        "give every service its own range; each plan needs its own integration subnet",
      );
      continue;
    }
    subnets.set(name, cidr);
    if (!reach || cidr.end > reach[1].end) reach = [name, cidr];
  }
  // Callers without a subnet get a suggestion that also avoids earlier suggestions.
  const taken = withSubnet.map(([, c]) => c);
  for (const [name, s] of raw) {
    if (s.subnet !== undefined || !calleesOf.has(name)) continue;
    const prefix = subnetPrefixFor(Math.max(1, s.maxInstances));
    const free = addressSpace ? nextFreeRange(addressSpace, taken, prefix) : undefined;
    if (free) taken.push(free);
    add(
      ["services", name, "subnet"],
      `is missing; ${name} calls ${listed(calleesOf.get(name)!)} and every caller needs its own integration subnet`,
      free
        ? `set it to ${free.text} (the next free /${prefix}; a /${prefix} holds ${instancesFitting(prefix)} instances): ${keys.set(["services", name, "subnet"], free.text)}`
        : addressSpace
          ? `the address space ${addressSpace.text} has no free /${prefix} left; enlarge ${keys.key(["network", "addressSpace"])}`
          : `set a valid ${keys.key(["network", "addressSpace"])} first, then a /${prefix} inside it`,
    );
  }
  for (const v of vnets) {
    const held = withSubnet.filter(([, c]) => contains(v.space, c)).length;
    if (held > MAX_SUBNETS_PER_VNET) {
      add(
        v.name ? ["network", "vnets", v.name] : ["services"],
        `${held} integration subnets are in ${v.name ? `virtual network ${v.name}` : "the address space"} (${v.space.text}), but a virtual network holds at most ${MAX_SUBNETS_PER_VNET}`,
        `add another virtual network under ${keys.key(["network", "vnets"])} (name: address space) and put new callers' subnets there (MS Learn, "Azure subscription and service limits", Networking: 3,000 subnets per virtual network)`,
      );
    }
  }

  return subnets;
}

function placeServices(
  raw: ReadonlyMap<string, RawService>,
  skus: ReadonlyMap<string, SkuFacts>,
  { add }: Issues,
): Map<string, { group: number; placement: string }> {
  const placed = new Map<string, { group: number; placement: string }>();
  const members = new Map<string, string[]>();
  for (const [name, s] of raw) {
    const sku = skus.get(name);
    if (!sku) continue; // its SKU's own error is reported
    const group = s.group ?? hashedGroupOf(name);
    const placement = placementLabel(webspaceClassOf(sku.family), group);
    placed.set(name, { group, placement });
    (members.get(placement) ?? members.set(placement, []).get(placement)!).push(name);
  }
  for (const [label, list] of members) {
    if (list.length <= PLANS_PER_RESOURCE_GROUP) continue;
    const cls = webspaceClassOf(skus.get(list[0])!.family);
    const roomy = [...Array(SERVICE_GROUPS).keys()].filter(
      (k) => (members.get(placementLabel(cls, k))?.length ?? 0) < PLANS_PER_RESOURCE_GROUP,
    );
    add(
      ["services"],
      `resource group ${label} would hold ${list.length} App Service plans; Azure allows ${PLANS_PER_RESOURCE_GROUP}`,
      `pin ${list.length - PLANS_PER_RESOURCE_GROUP} of its newest services (${list.slice(-3).join(", ")}, ...) elsewhere with group: <n>, e.g. group: ${roomy[0] ?? 0}`,
    );
  }

  return placed;
}

/** Retirement step 1: no edge may name a retired service, so its site can go. */
function checkRetiredEdges(
  input: StackConfigInput,
  retired: ReadonlySet<string>,
  edges: readonly Edge[],
  { add, keys }: Issues,
): void {
  if (retired.size === 0) return;
  const rawEdges: unknown[] = Array.isArray(input.edges) ? input.edges : [];
  const at = new Map(
    rawEdges.map((e, i) => {
      const r = e as { from?: unknown; to?: unknown };
      return [`${String(r.from)}\u0000${String(r.to)}`, i] as const;
    }),
  );
  for (const e of edges) {
    for (const end of ["from", "to"] as const) {
      if (!retired.has(e[end])) continue;
      add(
        ["edges", at.get(`${e.from}\u0000${e.to}`) ?? 0, end],
        `${shown(e[end])} is retired (${keys.key(["services", e[end], "retired"])}: true)`,
        `remove this edge (${e.from} -> ${e.to}) in the same change: a retired service keeps only its subnet`,
      );
    }
  }
}

/**
 * Validates the whole config and builds the graph, or throws one ConfigError listing every issue.
 * Nothing here depends on Pulumi: it runs before any resource is registered.
 */
export interface GraphOptions {
  /**
   * The services this stack places in resource groups (default: all). A platform stack places
   * none (it creates no plans), a team stack only its own (other teams' callers are there for
   * their subnets): the 100-plans-per-group limit counts what a stack's groups will hold.
   */
  places?: (service: string) => boolean;
  /**
   * How issues name keys (default: the `service-edges:` config keys): a component whose graph
   * came from its args names their paths (argKeys), one reading a user's namespace its keys.
   */
  keys?: KeyNamer;
}

export function buildServiceGraph(
  input: StackConfigInput,
  options: GraphOptions = {},
): ServiceGraph {
  const issues: ConfigIssue[] = [];
  const keys = options.keys ?? configKeys();
  const ctx: Issues = {
    add: (segs, message, fix) => issues.push({ path: keys.at(segs), message, fix }),
    push: (issue) => issues.push(issue),
    keys,
  };
  const asOf = today();
  const location = checkLocation(input, ctx);
  const namePrefix = checkNamePrefix(input, ctx);
  const guardrails = checkGuardrails(input, ctx);
  const owners = checkOwners(input, ctx);
  const { addressSpace, scmAllowedRanges, vnets } = checkNetwork(input, ctx);
  const { raw: declaredServices, declared } = parseServices(input, namePrefix, ctx);
  // Retirement step 1: a retired service keeps its declared subnet (validated with every other
  // subnet, so nothing new can take it) and nothing else.
  const raw = new Map([...declaredServices].filter(([, s]) => !s.retired));
  const retiredNames = new Set([...declaredServices].filter(([, s]) => s.retired).map(([n]) => n));
  const skus = new Map<string, SkuFacts>();
  const runtimes = new Map<string, Runtime>();
  const ingresses = new Map<string, Ingress>();
  const modes = new Map<string, ReturnType<typeof checkEnforcement>>();
  for (const [name, s] of raw) {
    const { sku, runtime, ingress } = checkService(name, s, ctx);
    modes.set(name, checkEnforcement(name, s, asOf, ctx.add));
    if (sku) skus.set(name, sku);
    if (runtime) runtimes.set(name, runtime);
    ingresses.set(name, ingress);
  }
  const parsedEdges = parseEdges(input, declaredServices, declared, ctx);
  checkRetiredEdges(input, retiredNames, parsedEdges, ctx);
  const observability = checkObservability(input.observability, ctx.add);
  // An edge past its last day grants nothing: it is not an edge of the graph (no access rule, no
  // app role assignment, no MESH_* entry), only listed as expired.
  const {
    live: edges,
    expired: expiredEdges,
    expiring: expiringEdges,
  } = splitByExpiry(parsedEdges, asOf);
  const callersOf = new Map<string, string[]>();
  const calleesOf = new Map<string, string[]>();
  for (const e of edges) {
    (callersOf.get(e.to) ?? callersOf.set(e.to, []).get(e.to)!).push(e.from);
    (calleesOf.get(e.from) ?? calleesOf.set(e.from, []).get(e.from)!).push(e.to);
  }
  checkRuleLimits(callersOf, ingresses, ctx);
  const subnets = checkSubnets(declaredServices, skus, calleesOf, addressSpace, vnets, ctx);
  const vnetOf = (c: Cidr) => vnets.find((v) => contains(v.space, c))?.name ?? "";
  const places = options.places;
  const placed = placeServices(
    places ? new Map([...raw].filter(([name]) => places(name))) : raw,
    skus,
    ctx,
  );

  if (issues.length > 0) throw new ConfigError(issues, keys.subject);

  const services: ServiceNode[] = [...raw.entries()]
    .map(([name, s]) => ({
      name,
      kind: s.kind,
      sku: skus.get(name)!,
      maxInstances: s.maxInstances,
      identity: s.identity,
      clientSecret: s.clientSecret,
      ...(s.clientSecret ? { secretRotation: s.secretRotation ?? INITIAL_SECRET_ROTATION } : {}),
      subnet: subnets.get(name),
      vnet: subnets.has(name) ? vnetOf(subnets.get(name)!) : "",
      roles: [...s.roles],
      retiredRoles: [...s.retiredRoles],
      easyAuth: s.easyAuth,
      ...(placed.get(name) ?? { group: 0, placement: "" }),
      runtime: runtimes.get(name)!,
      appSettings: { ...s.appSettings },
      ingress: ingresses.get(name)!,
      deploy: s.deploy ?? defaultDeployMode(s.kind, skus.get(name)!),
      ...modes.get(name)!,
      callers: [...(callersOf.get(name) ?? [])].sort(),
      callees: [...(calleesOf.get(name) ?? [])].sort(),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  edges.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : 1));
  const retired: RetiredService[] = [...retiredNames].sort().map((name) => ({
    name,
    ...(subnets.has(name) ? { subnet: subnets.get(name)!, vnet: vnetOf(subnets.get(name)!) } : {}),
  }));
  return {
    location,
    scmAllowedRanges,
    namePrefix,
    guardrails,
    owners,
    addressSpace: addressSpace!,
    vnets,
    services,
    retired,
    edges,
    expiredEdges: expiredEdges.sort(byEnds),
    expiringEdges: expiringEdges.sort(byEnds),
    asOf,
    ...(observability ? { observability } : {}),
    byName: new Map(services.map((s) => [s.name, s])),
    incoming: groupEdges(edges, (e) => e.to),
    outgoing: groupEdges(edges, (e) => e.from),
  };
}

function byEnds(a: { from: string; to: string }, b: { from: string; to: string }): number {
  return a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0;
}

function groupEdges(edges: readonly Edge[], key: (e: Edge) => string): Map<string, Edge[]> {
  const out = new Map<string, Edge[]>();
  for (const e of edges) (out.get(key(e)) ?? out.set(key(e), []).get(key(e))!).push(e);
  return out;
}
