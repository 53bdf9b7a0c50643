/**
 * The review of a config PR as the engine will execute it: per resource the operation, the
 * changed inputs (old -> new), why a resource is replaced (from the providers' own replacement
 * facts), the steps in the engine's order, and Azure's known refusals of that order as blocking.
 *
 * The engine's order (pulumi/pulumi, pkg/resource/deploy/step_generator.go and
 * step_executor.go; pulumi/pulumi#9979): creates, updates and replacement creates run in
 * dependency order; deletes, and deletes of replaced resources, run last, in reverse dependency
 * order. A replacement creates the new resource before deleting the old one unless the provider
 * asks for delete-before-replace.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { RESOURCE_TYPES as R } from "@service-edges/contract";
import { planPairs, planReach } from "./access";
import { adopt } from "./adoption";
import { changeLines } from "./change-text";
import { type InputChange, inputChanges, shortUrn } from "./diff";
import { inboundModeBlocking } from "./review-inbound";
import type { PlanResource, PlanResult, PlanViolation } from "./run";

import {
  type EnforcementChange,
  enforcementChanges,
  enforcementLine,
  enforcementSummary,
} from "./enforcement-review";

export type Op = "create" | "update" | "replace" | "delete";
export type StepOp = "create" | "update" | "create-replacement" | "delete-replaced" | "delete";

export interface AccessChange {
  change: "added" | "removed" | "roles-changed";
  from: string;
  to: string;
  rolesBefore: string[];
  rolesAfter: string[];
}

export interface ResourceReview {
  urn: string;
  type: string;
  op: Op;
  changes: InputChange[];
  replaceReasons: string[];
  risks: string[];
}

export interface Review {
  access: AccessChange[];
  resources: ResourceReview[];
  steps: { urn: string; op: StepOp }[];
  blocking: { urn: string; message: string }[];
  violations: PlanViolation[];
  /** Callees leaving or entering shadow (enforcement-review.ts). */
  enforcement: EnforcementChange[];
}

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
function deletesBeforeReplace(type: string): boolean {
  return type.startsWith("azure-native:");
}

/** The replace-forcing property a change path falls under, if any. */
function forcingProperty(type: string, changePath: string): string | undefined {
  const forceNew = replacementFacts().types[type]?.forceNew ?? [];
  return forceNew.find(
    (p) => changePath === p || changePath.startsWith(`${p}.`) || changePath.startsWith(`${p}[`),
  );
}

function replaceReasonsOf(type: string, changes: readonly InputChange[]): string[] {
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
function risksOf(r: PlanResource, op: Op): string[] {
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
function recomputed(
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

/** Topological order of `urns` by `deps`, keeping the given order among independent ones. */
function dependencyOrder(urns: string[], deps: (urn: string) => readonly string[]): string[] {
  const wanted = new Set(urns);
  const done = new Set<string>();
  const out: string[] = [];
  const visit = (u: string, stack: Set<string>) => {
    if (done.has(u) || stack.has(u)) return;
    stack.add(u);
    for (const d of deps(u)) if (wanted.has(d)) visit(d, stack);
    stack.delete(u);
    done.add(u);
    out.push(u);
  };
  for (const u of urns) visit(u, new Set());
  return out;
}

export function reviewPlans(base: PlanResult, head: PlanResult): Review {
  const before = new Map(base.resources.map((r) => [r.urn, r]));
  const now = new Map(head.resources.map((r) => [r.urn, r]));
  const adopted = adopt(head.resources, new Set(before.keys()));
  const taken = new Set(adopted.values());
  const resources: ResourceReview[] = [];
  const opOf = new Map<string, Op>();

  // Head resources in registration order, so a replaced resource is known before its dependents.
  const reviewed = new Map<string, ResourceReview>();
  for (const r of head.resources) {
    const was = adopted.get(r.urn);
    const old = was === undefined ? undefined : before.get(was);
    if (!old) {
      reviewed.set(r.urn, {
        urn: r.urn,
        type: r.type,
        op: "create",
        changes: [],
        replaceReasons: [],
        risks: [],
      });
      opOf.set(r.urn, "create");
      continue;
    }
    const changes = [...inputChanges(old.inputs, r.inputs), ...recomputed(r, reviewed, now)];
    if (changes.length === 0) continue;
    const replaceReasons = replaceReasonsOf(r.type, changes);
    const op: Op = replaceReasons.length > 0 ? "replace" : "update";
    opOf.set(r.urn, op);
    reviewed.set(r.urn, {
      urn: r.urn,
      type: r.type,
      op,
      changes,
      replaceReasons,
      risks: risksOf(r, op),
    });
  }
  resources.push(...reviewed.values());
  for (const r of base.resources) {
    if (taken.has(r.urn)) continue;
    resources.push({
      urn: r.urn,
      type: r.type,
      op: "delete",
      changes: [],
      replaceReasons: [],
      risks: risksOf(r, "delete"),
    });
    opOf.set(r.urn, "delete");
  }

  // Steps: creates, updates and replacement creates in dependency order; deletes last, reversed.
  const headDeps = new Map(
    head.resources.map((r) => [r.urn, r.dependencies.concat(r.parent ? [r.parent] : [])]),
  );
  const baseDeps = new Map(
    base.resources.map((r) => [r.urn, r.dependencies.concat(r.parent ? [r.parent] : [])]),
  );
  const forward = head.resources
    .map((r) => r.urn)
    .filter((u) => ["create", "update", "replace"].includes(opOf.get(u) ?? ""));
  const steps: Review["steps"] = [];
  for (const urn of dependencyOrder(forward, (u) => headDeps.get(u) ?? [])) {
    const op = opOf.get(urn)!;
    if (op === "replace" && deletesBeforeReplace(now.get(urn)!.type)) {
      steps.push({ urn, op: "delete-replaced" });
    }
    steps.push({ urn, op: op === "replace" ? "create-replacement" : (op as StepOp) });
  }
  const backward = dependencyOrder(
    [
      ...base.resources.map((r) => r.urn).filter((u) => !taken.has(u)),
      ...[...adopted]
        .filter(([u]) => opOf.get(u) === "replace" && !deletesBeforeReplace(now.get(u)!.type))
        .map(([, old]) => old),
    ],
    (u) => baseDeps.get(u) ?? [],
  ).reverse();
  const replacedBy = new Map([...adopted].map(([now, old]) => [old, now]));
  for (const urn of backward) {
    const now = replacedBy.get(urn);
    steps.push(
      now && opOf.get(now) === "replace"
        ? { urn: now, op: "delete-replaced" }
        : { urn, op: "delete" },
    );
  }

  return {
    access: accessChanges(base, head),
    resources: resources.sort((a, b) => (a.urn < b.urn ? -1 : 1)),
    steps,
    blocking: blockingOf(base, head, adopted, opOf, steps),
    violations: head.violations,
    enforcement: enforcementChanges(base, head),
  };
}

/**
 * Who may newly call whom, who no longer may, and whose roles change — asked of the model
 * (`@service-edges/model`, as `check` asks it) for the resources each side registers: every
 * declared edge of either side and every pair a rule or a grant names, both layers allowed.
 */
function accessChanges(base: PlanResult, head: PlanResult): AccessChange[] {
  const key = (caller: string, callee: string) => `${caller}\u0000${callee}`;
  const pairs = new Map<string, { caller: string; callee: string }>();
  for (const p of [base, head]) {
    for (const e of p.edges) pairs.set(key(e.from, e.to), { caller: e.from, callee: e.to });
    for (const n of planPairs(p)) pairs.set(key(n.caller, n.callee), n);
  }
  const granted = (p: PlanResult, caller: string, callee: string): string[] | undefined => {
    const r = planReach(p, caller, callee);
    return r.allowed === true ? r.identity.roles : undefined;
  };
  const out: AccessChange[] = [];
  for (const { caller: from, callee: to } of pairs.values()) {
    const before = granted(base, from, to);
    const after = granted(head, from, to);
    if (!before && after) {
      out.push({ change: "added", from, to, rolesBefore: [], rolesAfter: after });
    } else if (before && !after) {
      out.push({ change: "removed", from, to, rolesBefore: before, rolesAfter: [] });
    } else if (before && after && before.join() !== after.join()) {
      out.push({ change: "roles-changed", from, to, rolesBefore: before, rolesAfter: after });
    }
  }
  // Added and roles changed in the head's order, then removed (as the edges were listed).
  const rank = { added: 0, "roles-changed": 0, removed: 1 } as const;
  return out.sort((a, b) => rank[a.change] - rank[b.change]);
}

type Obj = Record<string, unknown>;
/** The service an integration subnet belongs to (contract names.ts: `snet-<service>`). */
const serviceOfSubnet = (subnet: string) => subnet.replace(/^snet-/, "");
const subnetsOf = (vnet: PlanResource | undefined) =>
  new Map(
    ((vnet?.inputs.subnets ?? []) as Obj[])
      .filter((s) => typeof s.name === "string")
      .map((s) => [s.name as string, s]),
  );

/**
 * Azure's refusals of this order, each with its source:
 * - a subnet removed or resized while a site is still integrated in it: "Subnet … is in use by
 *   …/serviceAssociationLinks/AppServiceLink" (Azure/deployment-stacks#150). The VNet update runs
 *   before the site's delete (deletes run last), and azure-native deletes a site with a plain
 *   DELETE, never disconnecting it first (provider/pkg/resources/customresources/custom_webapp.go);
 * - an enabled app role removed: Entra refuses to delete an app role that is not disabled first
 *   (Microsoft Graph, application resource type: appRoles; DESIGN §3);
 * - an app role assignment to a role id its resource application does not have.
 */
function blockingOf(
  base: PlanResult,
  head: PlanResult,
  adopted: ReadonlyMap<string, string>,
  opOf: ReadonlyMap<string, Op>,
  steps: Review["steps"],
): Review["blocking"] {
  const blocking: Review["blocking"] = [];
  const now = new Map(head.resources.map((r) => [r.urn, r]));
  const nowOf = new Map([...adopted].map(([n, o]) => [o, n]));
  const stepIndex = new Map(steps.map((s, i) => [`${s.op}:${s.urn}`, i]));

  // Integrated subnets removed or resized.
  for (const vnet of base.resources.filter((r) => r.type === R.vnet && r.id)) {
    const headVnet = nowOf.has(vnet.urn) ? now.get(nowOf.get(vnet.urn)!) : undefined;
    const oldSubnets = subnetsOf(vnet);
    const newSubnets = subnetsOf(headVnet);
    for (const site of base.resources.filter((r) => r.type === R.app)) {
      const subnetId = site.inputs.virtualNetworkSubnetId;
      if (
        typeof subnetId !== "string" ||
        !subnetId.toLowerCase().startsWith(`${vnet.id!.toLowerCase()}/subnets/`)
      )
        continue;
      const name = subnetId.slice(subnetId.lastIndexOf("/") + 1);
      const old = oldSubnets.get(name);
      const kept = newSubnets.get(name);
      const removed = !kept;
      const resized = kept && old && kept.addressPrefix !== old.addressPrefix;
      if (!removed && !resized) continue;
      // Still integrated when the VNet changes: the site survives the deploy integrated, or it
      // is disconnected (deleted, replaced or updated) in a step not ordered before the VNet's.
      const siteNow = nowOf.has(site.urn) ? now.get(nowOf.get(site.urn)!) : undefined;
      const stillIntegrated = siteNow?.inputs.virtualNetworkSubnetId === subnetId;
      const vnetStep = headVnet
        ? (stepIndex.get(`update:${headVnet.urn}`) ??
          stepIndex.get(`create-replacement:${headVnet.urn}`))
        : stepIndex.get(`delete:${vnet.urn}`);
      const siteStep = siteNow
        ? (stepIndex.get(`update:${siteNow.urn}`) ??
          stepIndex.get(`create-replacement:${siteNow.urn}`))
        : stepIndex.get(`delete:${site.urn}`);
      // The VNet deleted too (pulumi destroy): deletes run in reverse dependency order, so the
      // site's delete (with its disconnect before it, checked below) precedes the VNet's.
      const dependsOnSite = headVnet
        ? headVnet.dependencies.includes(siteNow?.urn ?? site.urn)
        : !siteNow;
      if (
        !stillIntegrated &&
        dependsOnSite &&
        siteStep !== undefined &&
        vnetStep !== undefined &&
        siteStep < vnetStep
      )
        continue;
      blocking.push({
        urn: headVnet?.urn ?? vnet.urn,
        message:
          `subnet ${name} is ${removed ? "removed" : `resized (${String(old?.addressPrefix)} -> ${String(kept!.addressPrefix)})`} while ${site.inputs.name ?? site.name} is integrated in it: ` +
          (stillIntegrated
            ? "the site stays integrated in it, and Azure refuses it"
            : `the VNet update runs before the site is ${siteNow ? "disconnected" : "deleted"} (deletes run last), and Azure refuses it`) +
          ` ("Subnet ${name} is in use by .../serviceAssociationLinks/AppServiceLink", Azure/deployment-stacks#150). ` +
          (resized
            ? "Fix: a subnet's size cannot change while an app is integrated; give the service a new subnet (a new service name) and retire the old one in two deployments."
            : `Fix: retire in two deployments: first set service-edges:services.${serviceOfSubnet(name)}.retired: true (and remove its edges) and deploy: its site is disconnected, then deleted, and the subnet stays; then remove the entry and deploy again.`),
      });
    }
  }

  // Integrated sites deleted with nothing disconnecting them first.
  const deleted = new Set(steps.filter((s) => s.op === "delete").map((s) => s.urn));
  for (const site of base.resources.filter((r) => r.type === R.app && deleted.has(r.urn))) {
    const subnetId = site.inputs.virtualNetworkSubnetId;
    if (typeof subnetId !== "string" || subnetId === "") continue;
    const disconnect = base.resources.find(
      (c) =>
        c.type === R.command &&
        c.dependencies.includes(site.urn) &&
        String(c.inputs.delete ?? "").includes("/networkConfig/virtualNetwork"),
    );
    const disconnectStep = disconnect ? stepIndex.get(`delete:${disconnect.urn}`) : undefined;
    const siteStep = stepIndex.get(`delete:${site.urn}`)!;
    if (disconnectStep !== undefined && disconnectStep < siteStep) continue;
    blocking.push({
      urn: site.urn,
      message:
        `${String(site.inputs.name ?? site.name)} is deleted while integrated in ${subnetId.slice(subnetId.lastIndexOf("/") + 1)}, and nothing disconnects it first: azure-native deletes a site with a plain DELETE (provider/pkg/resources/customresources/custom_webapp_delete.go), and an app deleted before its integration is disconnected can leave the subnet locked until an app of the same name is re-created, integrated and disconnected (MS Learn, "Integrate your app with an Azure virtual network"). ` +
        (disconnect
          ? "Fix: keep its disconnect step until the site is gone (it is deleted before the site only while it depends on it)."
          : "Fix: deploy the config without this removal first, with service-edges 0.3 or later: every caller gains a disconnect step that runs before its site is deleted. Then retire the service."),
    });
  }

  // Replacements Azure refuses: the new resource is created before the old one is deleted, under
  // the same globally unique name (a site's <name>.azurewebsites.net; a storage account's
  // <name>.blob.core.windows.net: MS Learn, "Naming rules and restrictions for Azure resources").
  const globalNames: Record<string, string> = {
    [R.app]: "name",
    [R.storageAccount]: "accountName",
  };
  for (const s of steps.filter((s) => s.op === "create-replacement")) {
    const r = now.get(s.urn)!;
    const key = globalNames[r.type];
    const old =
      adopted.get(s.urn) !== undefined
        ? base.resources.find((b) => b.urn === adopted.get(s.urn))
        : undefined;
    if (!key || !old || old.inputs[key] !== r.inputs[key]) continue;
    blocking.push({
      urn: r.urn,
      message:
        `${String(r.inputs[key])} is replaced by a new ${r.type === R.app ? "site" : "storage account"} of the same name, created before the old one is deleted, and its name is global: Azure refuses the create (Conflict). ` +
        "A SKU change across webspace classes (Elastic Premium, PremiumV3, Basic/Standard/PremiumV2) moves the service to another resource group. " +
        "Fix: add the service again under a new name on the new SKU, move its edges to it, and retire the old one (retired: true, then remove it).",
    });
  }

  // Enabled app roles deleted.
  for (const app of base.resources.filter((r) => r.type === R.application)) {
    const headApp = nowOf.has(app.urn) ? now.get(nowOf.get(app.urn)!) : undefined;
    if (!headApp) continue;
    const roles = (a: PlanResource) =>
      ((a.inputs.appRoles ?? []) as Obj[]).map((r) => ({
        value: String(r.value),
        id: r.id,
        enabled: r.enabled !== false,
      }));
    const kept = new Set(roles(headApp).map((r) => String(r.id ?? r.value)));
    for (const role of roles(app)) {
      if (role.enabled && !kept.has(String(role.id ?? role.value))) {
        blocking.push({
          urn: headApp.urn,
          message:
            `the enabled app role ${role.value} is deleted from ${String(headApp.inputs.displayName ?? headApp.name)}: Entra refuses to delete an app role that is not disabled first. ` +
            "Fix: move it to retiredRoles (it stays, disabled) and deploy; remove it in a later deployment.",
        });
      }
    }
  }

  // Assignments to roles their application does not have.
  const spToApp = new Map<string, PlanResource>();
  const appsByClientId = new Map(
    head.resources
      .filter((r) => r.type === R.application)
      .map((a) => [String(a.outputs.clientId), a]),
  );
  for (const sp of head.resources.filter((r) => r.type === R.servicePrincipal)) {
    const app = appsByClientId.get(String(sp.inputs.clientId));
    if (app && sp.outputs.objectId) spToApp.set(String(sp.outputs.objectId), app);
  }
  for (const a of head.resources.filter((r) => r.type === R.appRoleAssignment)) {
    if (opOf.get(a.urn) === undefined) continue; // unchanged
    const app = spToApp.get(String(a.inputs.resourceObjectId));
    if (!app || typeof a.inputs.appRoleId !== "string") continue;
    const ids = new Set(
      ((app.inputs.appRoles ?? []) as Obj[])
        .filter((r) => r.enabled !== false)
        .map((r) => String(r.id)),
    );
    const unknownId = [...ids].some((id) => id === "undefined" || id.startsWith("["));
    if (!unknownId && !ids.has(a.inputs.appRoleId)) {
      blocking.push({
        urn: a.urn,
        message: `the assignment names app role ${a.inputs.appRoleId}, which ${String(app.inputs.displayName ?? app.name)} does not expose (or has disabled): Graph refuses it. Fix: grant a role the callee declares.`,
      });
    }
  }
  // Moving between network.inbound modes in an order that refuses declared calls.
  blocking.push(...inboundModeBlocking(base, head, adopted, steps));
  return blocking;
}

/** One line that cannot be misread: replacements and deletes first, and loud. */
export function reviewSummary(r: Review): string {
  const count = (op: Op) => r.resources.filter((x) => x.op === op).length;
  const parts = [
    count("replace") ? `REPLACES ${count("replace")}` : "",
    count("delete") ? `DELETES ${count("delete")}` : "",
    `${count("create")} to create`,
    `${count("update")} to update`,
  ].filter(Boolean);
  const loud = enforcementSummary(r.enforcement ?? []);
  return `${parts.join(", ")}${r.blocking.length ? ` · BLOCKED (${r.blocking.length})` : ""}${loud ? ` · ${loud}` : ""}`;
}

function accessLine(a: AccessChange): string {
  if (a.change === "added") return `${a.from} may now call ${a.to} with ${a.rolesAfter.join(", ")}`;
  if (a.change === "removed") return `${a.from} may no longer call ${a.to}`;
  const gained = a.rolesAfter.filter((x) => !a.rolesBefore.includes(x));
  const lost = a.rolesBefore.filter((x) => !a.rolesAfter.includes(x));
  return [
    gained.length ? `${a.from} gains ${gained.join(", ")} on ${a.to}` : "",
    lost.length ? `${a.from} loses ${lost.join(", ")} on ${a.to}` : "",
  ]
    .filter(Boolean)
    .join("; ");
}

/** The review as text: blocking first, then replacements and deletes, then the steps in order. */
export function reviewText(r: Review): string {
  const out: string[] = [`Review: ${reviewSummary(r)}`, ""];
  if (r.blocking.length) {
    out.push("BLOCKING (Azure will refuse this deployment as ordered):");
    for (const b of r.blocking) out.push(`  ! ${shortUrn(b.urn)}`, `    ${b.message}`);
    out.push("");
  }
  if (r.enforcement?.length) {
    out.push("Enforcement:");
    for (const c of r.enforcement)
      out.push(`  ${c.change === "on" || c.change === "off" ? "!" : "-"} ${enforcementLine(c)}`);
    out.push("");
  }
  out.push(`Access changes:${r.access.length ? "" : " none"}`);
  for (const a of r.access) out.push(`  - ${accessLine(a)}`);
  out.push("");
  const mark: Record<Op, string> = { create: "+", update: "~", replace: "+-", delete: "-" };
  for (const op of ["replace", "delete", "create", "update"] as const) {
    const rs = r.resources.filter((x) => x.op === op);
    if (rs.length === 0) continue;
    out.push(
      `${op === "replace" ? "REPLACE" : op === "delete" ? "DELETE" : op[0].toUpperCase() + op.slice(1)} (${rs.length}):`,
    );
    for (const x of rs) {
      out.push(`  ${mark[op]} ${shortUrn(x.urn)}`);
      for (const why of x.replaceReasons) out.push(`      replaced because ${why}`);
      for (const c of x.changes) for (const line of changeLines(c)) out.push(`      ${line}`);
      for (const risk of x.risks) out.push(`      WARNING: ${risk}`);
    }
    out.push("");
  }
  if (r.steps.length) {
    out.push("Steps, in the order the engine runs them:");
    r.steps.forEach((s, i) =>
      out.push(`  ${String(i + 1).padStart(3)}. ${s.op.padEnd(18)} ${shortUrn(s.urn)}`),
    );
  }
  return out.join("\n");
}

/** The review's resource section for a PR comment (blocking and destructive steps first). */
export function reviewMarkdown(r: Review): string {
  const out: string[] = [`**${reviewSummary(r)}**`, ""];
  if (r.blocking.length) {
    out.push("> [!CAUTION]", "> **Blocking: Azure will refuse this deployment as ordered.**");
    for (const b of r.blocking) out.push(`> - \`${shortUrn(b.urn)}\`: ${b.message}`);
    out.push("");
  }
  const loud = (r.enforcement ?? []).filter((c) => c.change === "on" || c.change === "off");
  if (loud.length) {
    out.push("> [!WARNING]");
    for (const c of loud) out.push(`> **${enforcementLine(c)}**`);
    out.push("");
  }
  const destructive = r.resources.filter((x) => x.op === "replace" || x.op === "delete");
  if (destructive.length) {
    out.push("| op | resource | why / risk |", "|---|---|---|");
    for (const x of destructive) {
      const why = [...x.replaceReasons, ...x.risks.map((w) => `⚠️ ${w}`)].join("<br>");
      out.push(`| **${x.op}** | \`${shortUrn(x.urn)}\` | ${why.replace(/\|/g, "\\|")} |`);
    }
    out.push("");
  }
  out.push(
    "<details><summary>Changes and steps</summary>",
    "",
    "```",
    reviewText({ ...r, blocking: [] }),
    "```",
    "",
    "</details>",
  );
  return out.join("\n");
}
