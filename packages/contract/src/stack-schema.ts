/**
 * The JSON Schema of a whole `Pulumi.<stack>.yaml`, for editors (yaml-language-server reads it
 * from a `# yaml-language-server: $schema=...` comment) and for CI. The service, edge and network
 * shapes are emitted from the zod schemas in schema.ts, so the editor and the program cannot
 * disagree about what a key may hold; this file only adds the file's own layout and help texts.
 *
 * Draft-07: what yaml-language-server (through vscode-json-languageservice) fully supports, and
 * ajv's default draft. Pure: no Pulumi, no file system.
 */
import { z } from "zod";
import type { ConfigKey } from "./config-keys";
import { CONFIG_NAMESPACE } from "./errors";
import { SERVICE_GROUPS, PLANS_PER_RESOURCE_GROUP } from "./placement";
import { TEAM_NAME } from "./org";
import {
  GUID,
  NAME_PREFIX,
  ROLE_NAME,
  ROLE_NAME_MAX,
  SERVICE_NAME,
  SERVICE_NAME_MAX,
  edgeSchema,
  guardrailsSchema,
  networkSchema,
  observabilitySchema,
  ownersSchema,
  serviceSchema,
} from "./schema";
import { acceptedSkuNames } from "./skus";

/** A JSON Schema document or subschema, as plain JSON. */
export type JsonSchema = { [keyword: string]: unknown };

export const STACK_SCHEMA_DRAFT = "http://json-schema.org/draft-07/schema#";

/** Where the generated schema is committed, relative to the package root (scripts/write-stack-schema.ts). */
export const STACK_SCHEMA_FILE = "schema/stack.schema.json";

/** A key of this program's config namespace: `service-edges:services`. */
const own = (name: string) => `${CONFIG_NAMESPACE}:${name}`;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The one key of another namespace that the program reads. */
const LOCATION = "azure-native:location";

/**
 * Any other key of another namespace (`azure-native:clientId`, ...): Pulumi's `<namespace>:<name>`,
 * or the old `<namespace>:config:<name>`. Keys of this program's namespace are excluded, so a
 * misspelt one (`service-edges:edge`) falls to `additionalProperties: false`; so is the location,
 * which `properties` describes (ajv's strict mode refuses a key matched by both).
 */
const OTHER_NAMESPACE_KEY = `^(?!${escapeRegExp(CONFIG_NAMESPACE)}:|${escapeRegExp(LOCATION)}$)[^:]+:(?:config:)?[^:]+$`;

/**
 * The text forms of the `z.preprocess` coercions in schema.ts (`"6"`, `"true"`), which the emitted
 * JSON Schema would otherwise refuse. Each is checked against the zod schema itself when the JSON
 * Schema is built, so a change to a coercion fails the build instead of drifting.
 */
const INTEGER_TEXT = "^\\s*-?\\d+\\s*$";
const INTEGER_PROBES = ["6", " 6 ", "\t12\n", "-3", "0", "007", "+6", "6.5", "six", "", " ", "1e3"];
const BOOLEAN_WORDS = ["true", "false", "True", "False", "TRUE", "FALSE", "yes", "no", "1", "0"];

type ServiceField = keyof z.input<typeof serviceSchema>;
type EdgeField = keyof z.input<typeof edgeSchema>;
type NetworkField = keyof z.input<typeof networkSchema>;

/** Hover help on every service field (from the README's config reference). */
const SERVICE_HELP: Record<ServiceField, string> = {
  kind: "app: a web app; function: a Function app. Either runs on its own Linux App Service plan.",
  sku: "The plan's SKU: B1-B3, S1-S3, P1v2-P3v2, P0v3-P3v3, P1mv3-P5mv3, or EP1-EP3 (Elastic Premium, Function apps only). Free, Shared and Functions Consumption (Y1) plans are refused: they have no VNet integration.",
  maxInstances:
    "The plan's scale-out ceiling, from 1 up to the SKU's (Basic 3, Standard 10, PremiumV2/V3 30, Elastic Premium 100). It also sizes a caller's subnet: a /28 holds 5 instances, a /27 13, a /26 29, a /25 61.",
  identity:
    "How it calls other services: managed (default) with its user-assigned managed identity; registration also gives it an Entra app registration, which signs in through a federated credential on that identity (no secret).",
  clientSecret:
    "identity: registration only: also issue a client secret, for code that runs outside Azure without a managed identity (opt-in). It is valid for 180 days and exported as the secret stack output clientSecrets.<service> (pulumi stack output clientSecrets --show-secrets); the plan never prints it.",
  secretRotation:
    "With clientSecret: true, a label such as 2026-11 (default initial). Changing it issues a new client secret (the new one is created before the old one is deleted); rotate before the 180 days run out, then hand the new value from the clientSecrets stack output to the code that uses it.",
  subnet:
    "Its own VNet integration subnet (a.b.c.d/prefix, /28 or larger) inside service-edges:network.addressSpace. Required on every caller; its size cannot change once an app is integrated.",
  roles:
    "App roles it exposes as a callee (e.g. Orders.Read): letters, digits, '.', '_' or '-', at most 120 characters. A service with roles gets an Entra application that requires assignment, so only its callers get tokens for it.",
  retiredRoles:
    'Roles being removed (see "Retiring a role"): kept on the application, disabled, with their ids, because Entra refuses to delete an enabled app role. Move a role here from roles (and off every edge) and deploy; then delete it here and deploy again.',
  easyAuth:
    "Callee only: also check tokens in the platform (Easy Auth): the audience, and exactly this service's callers as allowed applications; 401 otherwise. It does not check roles: the code must.",
  group: `Pins its resource group index (0 to ${SERVICE_GROUPS - 1}) within its SKU's webspace class: <prefix>-gNN for PremiumV3, <prefix>-ep-gNN for Elastic Premium, <prefix>-classic-gNN for Basic, Standard and PremiumV2; by default a hash of the service's name. Only needed when a group would hold more than ${PLANS_PER_RESOURCE_GROUP} plans.`,
  team: "Platform stack only (a mesh across many stacks): the team whose stack deploys this service. A platform stack's services are the org's registry: team, kind, maxInstances, identity, clientSecret, subnet (and sharedGroup, identityGroup for services moved from a single stack), and retired, which its team stack says too; everything else is in the team's stack.",
  calls:
    "Team stacks only: services in other teams' stacks this caller calls, each with the roles it expects, e.g. { orders: [Orders.Read] }. The callee's team grants them with an edge in its own stack; this gives the caller its MESH_CALLEES entries (audience, scope, URL, roles). The org plan warns where the two disagree.",
  sharedGroup:
    "Platform stack only: a service moved from a single-stack mesh (npm run plan -- migrate) keeps its plan and app in that stack's group, <prefix>-<label> (g07, ep-g07, classic-g07), which the platform then holds; its team stack deploys it there, so the move replaces nothing.",
  identityGroup:
    "Platform stack only, with sharedGroup: shared keeps the moved service's identity in its shared group, where a single stack with guardrails: false put it (by default identities live in <prefix>-identities).",
  retired:
    "Retirement, step 1 of 2: true deletes the service's site, plan, identity and application (its VNet integration is disconnected first) and keeps its integration subnet in the VNet. No edge may name it. Deploy, then remove the entry (step 2), which frees the subnet. Removing an integrated caller in one step is refused by Azure. In a mesh across many stacks, set it in both the platform's registry entry and the team stack's entry: the team stack deletes the site, plan and application, the platform the identity, keeping the subnet; deploy the team stacks first.",
  runtime:
    "Language stack as STACK|VERSION. Web apps: NODE, PYTHON, DOTNETCORE, JAVA or PHP (default NODE|22-lts). Function apps: Node, Python, dotnet-isolated, Java or PowerShell (default Node|22).",
  deploy:
    "How code reaches it, so the program owns the settings deployments need: package (the program creates a deployments blob container and points WEBSITE_RUN_FROM_PACKAGE at <service>.zip there, read with the service's identity; the default for Function apps on Elastic Premium), zip (WEBSITE_RUN_FROM_PACKAGE=1 for zip deploy and Core Tools), or none (the default otherwise). Settings set outside the program are overwritten on the next change.",
  ingress:
    "Who may reach it from outside the mesh. Default none: every site denies inbound but for its callers' subnets. public: an internet-facing front door. Or a list of IPv4 ranges (at most a /8 each) and service tags, e.g. [AzureFrontDoor.Backend, 203.0.113.0/24].",
  frontDoorId:
    "With AzureFrontDoor.Backend in ingress: the Front Door profile's id (a GUID); its rule then also requires the X-Azure-FDID header, so only your Front Door gets in.",
  privateEndpointSubnet:
    "With network.inbound privateEndpoints (or serviceAndPrivateEndpoints), on a callee or a service with ingress: which of network.privateEndpointSubnets holds its private endpoint (default: the first listed). Pin new services to a later subnet when the first is full; changing it on a deployed service replaces its private endpoint.",
  enforcement:
    "Callee only: enforced (default) or shadow. In shadow the callee admits what it admits today plus everything else, and records what enforcement would refuse: its access restrictions let unmatched traffic through (the callers' Allow rules kept, so its AppServiceIPSecAuditLogs name the callers), its service principal stops requiring assignment (no AADSTS501051), and MESH_ENFORCEMENT=shadow puts the token library in report-only mode. Needs shadowUntil.",
  shadowUntil:
    "With enforcement: shadow, the last day of shadow (YYYY-MM-DD, UTC): the policy pack reports the callee as advisory until then and as mandatory after.",
  appSettings:
    "The team's own app settings, name to value (values become text). Not MESH_*, AZURE_CLIENT_ID or Functions host settings: the program writes those. Secrets as Key Vault references: @Microsoft.KeyVault(SecretUri=...).",
};

const EDGE_HELP: Record<EdgeField, string> = {
  from: "The caller: a declared service. Its traffic leaves through its own subnet.",
  to: "The callee: a declared service that exposes roles.",
  roles:
    "A non-empty subset of the callee's roles: the caller's identity is assigned each on the callee's application.",
  expires:
    "Optional last day (YYYY-MM-DD, UTC) the edge grants anything. After it the edge grants nothing (no access rule, no app role assignment) and the plan lists it as expired; within 14 days the plan warns. npm run plan -- prune-expired removes expired edges from the stack file.",
};

const NETWORK_HELP: Record<NetworkField, string> = {
  addressSpace:
    "The VNet's address space (a private IPv4 range, e.g. 10.40.0.0/16) that holds every caller's integration subnet.",
  scmAllowedRanges:
    "Ranges allowed to reach callees' deployment (SCM) sites, for build agents that deploy with az webapp deploy (a /8 at most each). Empty (default): the SCM sites follow the main rules.",
  vnets:
    "More virtual networks, name to address space (e.g. { b: 10.41.0.0/16 }), each <prefix>-vnet-<name>: one holds at most 3,000 subnets. A caller's subnet goes in the one whose space holds it; spaces never overlap.",
  inbound:
    "How callees are reached. serviceEndpoints (default): public network access on, access restrictions admit each callee's callers' subnets over the Microsoft.Web service endpoint. privateEndpoints: public network access off on every site; each callee has a private endpoint whose subnet's NSG admits exactly its callers' subnets (TCP 443), DNS through privatelink.azurewebsites.net. serviceAndPrivateEndpoints: both at once, the step between the two in either direction (README, Day-2 operations).",
  privateEndpointSubnets:
    "With private endpoints: the subnets (a.b.c.d/prefix, inside a mesh virtual network, overlapping nothing) that hold them, each with its own NSG. One holds at most 100 endpoints (an NSG's rules name at most 100 application security groups): a /25 each. Services go in the first unless pinned with privateEndpointSubnet.",
  privateDnsZoneId:
    "With private endpoints: the resource id of an existing privatelink.azurewebsites.net zone (a landing zone's hub zone, already linked to the mesh VNets) that the endpoints register in. Unset: the mesh creates the zone in its network group and links it to every mesh VNet.",
};

/** A preprocess coercion is a pipe whose input side is a transform. */
function isCoercion(schema: z.core.$ZodType): boolean {
  const def = schema._zod.def;
  return def.type === "pipe" && (def as z.core.$ZodPipeDef).in._zod.traits.has("$ZodTransform");
}

/** The JSON Schema of the strings a coercion turns into `out`; checked against zod. */
function textForm(schema: z.core.$ZodType, out: JsonSchema): JsonSchema {
  const accepts = (v: unknown) => z.safeParse(schema, v).success;
  if (out.type === "integer") {
    const pattern = new RegExp(INTEGER_TEXT, "u");
    const wrong = INTEGER_PROBES.filter((p) => pattern.test(p) !== accepts(p));
    if (wrong.length > 0)
      throw new Error(
        `stack-schema: the integer text pattern ${INTEGER_TEXT} disagrees with schema.ts on ${JSON.stringify(wrong)}; update INTEGER_TEXT`,
      );
    return { type: "string", pattern: INTEGER_TEXT };
  }
  if (out.type === "boolean") {
    const words = BOOLEAN_WORDS.filter(accepts);
    if (words.length === 0) throw new Error("stack-schema: a boolean coercion accepts no text");
    return { type: "string", enum: words };
  }
  throw new Error(
    `stack-schema: no text form for a coercion to ${JSON.stringify(out.type)}; extend textForm`,
  );
}

/**
 * zod's draft-07 emission of the input side, with two corrections: a coercion accepts its text
 * form too (as the zod schema does), and `.default()` values are shown (editors propose them).
 */
function emit(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, {
    target: "draft-07",
    io: "input",
    override: ({ zodSchema, jsonSchema }) => {
      const js = jsonSchema as JsonSchema;
      if (isCoercion(zodSchema)) {
        const out = { ...js };
        for (const k of Object.keys(js)) delete js[k];
        js.anyOf = [out, textForm(zodSchema, out)];
      }
      const def = zodSchema._zod.def;
      if (def.type === "default" && js.default === undefined)
        js.default = JSON.parse(JSON.stringify((def as z.core.$ZodDefaultDef).defaultValue));
    },
  }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** Sets `description` on each property, and insists that every property has one. */
function withHelp(
  what: string,
  json: JsonSchema,
  help: Record<string, string>,
): Record<string, JsonSchema> {
  const props = json.properties as Record<string, JsonSchema>;
  const emitted = Object.keys(props).sort().join(", ");
  const described = Object.keys(help).sort().join(", ");
  if (emitted !== described)
    throw new Error(`stack-schema: the ${what} fields (${emitted}) differ from the help texts`);
  for (const [k, text] of Object.entries(help)) props[k] = { description: text, ...props[k] };
  return props;
}

/** App role values: graph.ts refuses others, so editors flag them early. */
function roleItems(prop: JsonSchema): void {
  prop.items = {
    ...(prop.items as JsonSchema),
    pattern: ROLE_NAME.source,
    maxLength: ROLE_NAME_MAX,
  };
}

function serviceDefinition(): JsonSchema {
  const json = emit(serviceSchema);
  const props = withHelp("service", json, SERVICE_HELP);
  props.sku.examples = [...acceptedSkuNames];
  roleItems(props.roles);
  roleItems(props.retiredRoles);
  return {
    title: "service",
    description:
      "One service: its own App Service plan, app and user-assigned managed identity. A service with roles is a callee; one with outgoing edges is a caller (and needs a subnet); it can be both.",
    ...json,
  };
}

function edgeDefinition(): JsonSchema {
  const json = emit(edgeSchema);
  roleItems(withHelp("edge", json, EDGE_HELP).roles);
  return {
    title: "edge",
    description:
      "from may call to with these roles: to's access restrictions admit from's subnet, and from's identity holds the roles on to's Entra application.",
    ...json,
  };
}

function networkDefinition(): JsonSchema {
  const json = emit(networkSchema);
  withHelp("network", json, NETWORK_HELP);
  return {
    title: own("network"),
    description:
      "The virtual network: every caller's integration subnet lives in it. Callees deny everything but their callers' subnets.",
    ...json,
  };
}

/** The JSON Schema (draft-07) of a `Pulumi.<stack>.yaml` of this program. */
export function stackSchema(): JsonSchema {
  const required = [own("services")];
  const ownProperties = {
    namePrefix: {
      title: own("namePrefix"),
      description: `Optional prefix of every Azure resource name: 2-20 lowercase letters, digits or hyphens, starting with a letter (default edges-<stack>).`,
      ...emit(z.string().regex(NAME_PREFIX)),
    },
    guardrails: {
      title: own("guardrails"),
      description:
        "Guardrails outside Pulumi (default true): Azure Policy definitions with a deny effect, assigned to the mesh's resource groups, refuse what would open the mesh however it is written (portal, CLI, another tool): a private endpoint to a mesh site, a mesh site with public network access disabled, another site or slot in a mesh subnet, slots, basic-auth publishing and federated credentials on mesh sites and identities. Every user-assigned identity also moves to its own group, <prefix>-identities, so the right to attach it can be granted narrowly; that move replaces the identities (new principal ids). false opts out.",
      ...emit(guardrailsSchema),
    },
    owners: {
      title: own("owners"),
      description:
        "Entra object ids (users or service principals) made owners of every application and service principal the mesh creates, beside the deployer, who always is one. Without owners only tenant administrators could manage them. Each a GUID, listed once (az ad user show --id <upn> --query id). Default: the deployer alone.",
      ...emit(ownersSchema),
      items: { type: "string", pattern: GUID.source },
      uniqueItems: true,
    },
    platform: {
      title: own("platform"),
      description:
        "Team stacks only (a mesh across many stacks): the platform stack this team stack reads the registry, address plan and identities from, e.g. org/service-edges-platform/prod (with --org DIR: the bare stack name of a file in DIR).",
      type: "string",
      pattern: "\\S",
    },
    team: {
      title: own("team"),
      description:
        "Team stacks only: the team, as the platform's registry names it. The stack declares that team's services and the edges into them.",
      ...emit(z.string().regex(TEAM_NAME)),
    },
    network: { $ref: "#/definitions/network" },
    observability: {
      title: own("observability"),
      description:
        "Where refusals and usage are recorded: workspaceId, the ARM id of a Log Analytics workspace. Every mesh site then sends AppServiceIPSecAuditLogs and AppServiceHTTPLogs there (a diagnostic setting), and the program saves the mesh's queries in the workspace and alerts on refused declared edges and on undeclared callers of shadow callees. actionGroupIds: the action groups (ARM ids) those alerts notify.",
      ...emit(observabilitySchema),
    },
    services: {
      title: own("services"),
      description: `The services, by name (1-${SERVICE_NAME_MAX} lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen).`,
      type: "object",
      propertyNames: emit(z.string().max(SERVICE_NAME_MAX).regex(SERVICE_NAME)),
      additionalProperties: { $ref: "#/definitions/service" },
    },
    edges: {
      title: own("edges"),
      description:
        "Who may call whom, with which roles. Refused: unknown services, self and duplicate edges, roles the callee does not declare.",
      type: "array",
      items: { $ref: "#/definitions/edge" },
    },
  } satisfies Record<ConfigKey, JsonSchema>;
  const config: JsonSchema = {
    title: "config",
    description: `The stack's configuration: the ${CONFIG_NAMESPACE}:* keys below, ${LOCATION}, and any other namespace's keys (not checked here). An unknown ${CONFIG_NAMESPACE}: key is refused.`,
    type: "object",
    properties: {
      [LOCATION]: {
        title: LOCATION,
        description: "The Azure region of every resource, e.g. westeurope.",
        type: "string",
        pattern: "\\S",
      },
      // Every key the program reads (config-keys.ts), each once: ownProperties names them all.
      ...Object.fromEntries(
        Object.entries(ownProperties).map(([key, schema]) => [own(key), schema]),
      ),
    },
    patternProperties: { [OTHER_NAMESPACE_KEY]: { $ref: "#/definitions/otherValue" } },
    additionalProperties: false,
  };
  return {
    $schema: STACK_SCHEMA_DRAFT,
    title: `Pulumi stack settings (${CONFIG_NAMESPACE})`,
    description: `A Pulumi.<stack>.yaml of the ${CONFIG_NAMESPACE} program. Generated from the contract's zod schemas by npm run schema -w @service-edges/contract; do not edit.`,
    type: "object",
    properties: {
      config,
      secretsprovider: {
        description:
          "The secrets provider that encrypts this stack's secure values: default (Pulumi Cloud), passphrase, or a KMS URL (awskms://, azurekeyvault://, gcpkms://, hashivault://).",
        type: "string",
      },
      encryptedkey: {
        description: "The KMS-encrypted data key of a cloud secrets provider. Written by Pulumi.",
        type: "string",
      },
      encryptionsalt: {
        description: "The stack's base64 encryption salt (passphrase provider). Written by Pulumi.",
        type: "string",
      },
      environment: {
        description:
          "Pulumi ESC environments whose values this stack imports (a list of names), or an inline environment definition.",
        anyOf: [{ type: "array", items: { type: "string" } }, { type: "object" }],
      },
    },
    additionalProperties: false,
    // Without an ESC environment, the file itself must hold what the program requires. (The
    // `true` properties only name the required keys, for ajv's strictRequired.)
    if: { properties: { environment: true }, required: ["environment"] },
    else: {
      properties: {
        config: {
          type: "object",
          properties: Object.fromEntries(required.map((k) => [k, true])),
          required,
          // A team stack takes its region and network from its platform stack.
          if: { properties: { [own("platform")]: true }, required: [own("platform")] },
          else: {
            properties: { [LOCATION]: true, [own("network")]: true },
            required: [LOCATION, own("network")],
          },
        },
      },
      required: ["config"],
    },
    definitions: {
      service: serviceDefinition(),
      edge: edgeDefinition(),
      network: networkDefinition(),
      secureValue: {
        title: "secure value",
        description:
          "A secret, encrypted by the stack's secrets provider. Written by pulumi config set --secret.",
        type: "object",
        properties: { secure: { description: "The ciphertext.", type: "string" } },
        required: ["secure"],
        additionalProperties: false,
      },
      otherValue: {
        description:
          "A key of another namespace (a provider or component): any value, or a secure value.",
        anyOf: [{ $ref: "#/definitions/secureValue" }, {}],
      },
    },
  };
}
