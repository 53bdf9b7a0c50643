/**
 * One service's own rules: its name, SKU and scale-out ceiling, app roles, identity and client
 * secret, runtime stack, app settings (none the program owns, no secret in plain text), resource
 * group pin and ingress; and the deploy mode it gets by default. Pure: no Pulumi imports.
 */
import { shown } from "./errors";
import { type Issues, isRecord, zodIssue } from "./graph-issues";
import { type Ingress, parseIngress } from "./ingress";
import { SERVICE_GROUPS } from "./placement";
import {
  ROLE_NAME,
  ROLE_NAME_MAX,
  SERVICE_NAME,
  SERVICE_NAME_MAX,
  type RawService,
  serviceSchema,
} from "./schema";
import {
  type DeployMode,
  MAX_SITE_NAME,
  type Runtime,
  type ServiceKind,
  type StackConfigInput,
} from "./service-graph";
import { acceptedSkuNames, refusedSkuReason, type SkuFacts, skuFacts } from "./skus";

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

/**
 * Function apps on Elastic Premium run from a package by default: with shared keys off there is
 * no Azure Files share, so the package must be a blob the app reads with its identity (MS Learn,
 * "Storage considerations for Azure Functions", create an app without Azure Files).
 */
export function defaultDeployMode(kind: ServiceKind, sku: SkuFacts): DeployMode {
  return kind === "function" && sku.elastic ? "package" : "none";
}

export function parseServices(
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
export function checkService(
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
