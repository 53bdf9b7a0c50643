/**
 * Why a resource is replaced and what that costs: the properties each provider cannot change in
 * place (replacement-facts.json, with its sources), whether it deletes before it creates, the
 * inputs that take a new value from a replaced dependency, and the loss a delete or replacement
 * brings beyond the resource itself (data, principals, client ids).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { RESOURCE_TYPES as R } from "@service-edges/contract";
import { type InputChange, shortUrn } from "./diff";
import type { Op, ResourceReview } from "./review-model";
import type { PlanResource } from "./run";

/** What forces a replacement, per type, as the providers decide it (see the file's sources). */
interface ReplacementFacts {
  sources: Record<string, string>;
  types: Record<string, { forceNew: string[]; deleteBeforeReplace?: boolean; source?: string }>;
}

const FACTS_FILE = path.join(__dirname, "replacement-facts.json");
let facts: ReplacementFacts | undefined;
function replacementFacts(): ReplacementFacts {
  facts ??= fs.existsSync(FACTS_FILE)
    ? (JSON.parse(fs.readFileSync(FACTS_FILE, "utf8")) as ReplacementFacts)
    : { sources: {}, types: {} };
  return facts;
}

const shown = (v: unknown) =>
  v === undefined ? "unset" : typeof v === "string" ? v : JSON.stringify(v);

/**
 * azure-native replaces by deleting first, unless the old inputs carry its create-before-delete
 * flag (pulumi-azure-native, provider/pkg/provider/provider.go, Diff: DeleteBeforeReplace); the
 * Terraform-bridged providers (azuread, random) create the replacement first.
 */
export function deletesBeforeReplace(type: string): boolean {
  return type.startsWith("azure-native:");
}

/** The replace-forcing property a change path falls under, if any. */
function forcingProperty(type: string, changePath: string): string | undefined {
  const forceNew = replacementFacts().types[type]?.forceNew ?? [];
  return forceNew.find(
    (p) => changePath === p || changePath.startsWith(`${p}.`) || changePath.startsWith(`${p}[`),
  );
}

export function replaceReasonsOf(type: string, changes: readonly InputChange[]): string[] {
  const reasons = new Map<string, string>();
  for (const c of changes) {
    const prop = forcingProperty(type, c.path);
    if (prop && !reasons.has(prop)) {
      const what =
        prop === "location"
          ? "the location"
          : prop === "resourceGroupName"
            ? "the resource group"
            : `${prop}`;
      reasons.set(
        prop,
        `${what} changes (${shown(c.before)} -> ${shown(c.after)}); the provider cannot change ${prop} in place`,
      );
    }
  }
  return [...reasons.values()];
}

/** What a delete or replacement costs beyond the resource itself. */
export function risksOf(r: PlanResource, op: Op): string[] {
  if (op !== "delete" && op !== "replace") return [];
  const gone = op === "delete" ? "Deleting" : "Replacing";
  switch (r.type) {
    case R.storageAccount:
      return [
        `${gone} a storage account loses its data (blobs, queues, tables), and a Function app's host state with it`,
      ];
    case R.userAssignedIdentity:
      return [
        `${gone} an identity gives its service a new principal: its role assignments and federated credentials are re-created, and tokens already issued (cached up to 24 h) name the old one`,
      ];
    case R.app:
      return op === "replace"
        ? [
            "The app is re-created empty: code deployed to it and settings set outside the program are gone until redeployed",
          ]
        : [];
    case R.resourceGroup:
      return [
        `${gone} a resource group deletes everything in it, resources Pulumi does not manage included`,
      ];
    case R.application:
      return [
        `${gone} an Entra application changes its client id and identifier: callers' tokens for it stop validating`,
      ];
    case R.authSettings:
      return op === "delete"
        ? [
            "authsettingsV2 has no DELETE: removing this resource leaves Easy Auth as it was on the site (pulumi-azure-native, provider/pkg/resources/defaultResourcesState.go lists only the v1 authsettings); turn it off with platform.enabled: false instead",
          ]
        : [];
    default:
      return [];
  }
}

/**
 * Outputs that a replacement gives new values (the rest, ARM ids and names, are derived from
 * names and survive it): a new identity has a new principal, a new Entra object a new object id.
 */
const NEW_ON_REPLACE: Record<string, string[]> = {
  [R.userAssignedIdentity]: ["principalId", "clientId"],
  [R.application]: ["clientId", "objectId", "id"],
  [R.servicePrincipal]: ["objectId", "id"],
  [R.randomUuid]: ["result"],
};

/**
 * Inputs that take a value from a dependency being replaced: they change when it is (unknown in
 * a preview, so the mock plan, whose ids come from names, cannot show the new value).
 */
export function recomputed(
  r: PlanResource,
  reviewed: ReadonlyMap<string, ResourceReview>,
  now: ReadonlyMap<string, PlanResource>,
): InputChange[] {
  const changes: InputChange[] = [];
  for (const dep of r.dependencies) {
    if (reviewed.get(dep)?.op !== "replace") continue;
    const source = now.get(dep)!;
    const values = new Set(
      (NEW_ON_REPLACE[source.type] ?? [])
        .map((k) => source.outputs[k])
        .filter((v) => typeof v === "string"),
    );
    if (values.size === 0) continue;
    const walk = (v: unknown, at: string) => {
      if (typeof v === "string" && values.has(v)) {
        changes.push({ path: at, before: v, after: `(new, from the replaced ${shortUrn(dep)})` });
      } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
      else if (v && typeof v === "object")
        for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
    };
    walk(r.inputs, "");
  }
  return changes;
}
