/**
 * Which Entra principals a site calls as, and which service principal stands for a site as a
 * callee, from what a stack declares:
 *
 * - a caller calls as its managed identities (system-assigned `identity.principalId`, user-assigned
 *   identities it attaches), as any application whose federated identity credential trusts one of
 *   those identities (subject = the identity's principal id), and as the application named by its
 *   `MESH_APP_CLIENT_ID` app setting;
 * - a callee is represented by the application its Easy Auth (authsettingsV2) registration names,
 *   or whose client id / identifier URI its `MESH_AUDIENCES` app setting lists.
 *
 * Each answer says whether it is complete: an unknown identity, subject or setting makes it
 * incomplete, and callers of these helpers then stay quiet rather than guess.
 *
 * Pure: no Pulumi imports.
 */
import {
  ApplicationNode,
  AssignmentNode,
  Mesh,
  Node,
  Ref,
  ServicePrincipalNode,
  SiteNode,
  appSettingValues,
  depsOf,
} from "./mesh";
import { MESH_SETTINGS } from "./types";
import { Tri, UNKNOWN, asArray, asObject, asString, at, isUnknown } from "./values";

export { appSettingValues };

export interface Principals {
  /** Known principal (object) ids. */
  ids: string[];
  /** URNs of resources whose outputs are these principals (identities, sites, SPs). */
  urns: string[];
  /** Human names for messages. */
  names: string[];
  /** False when some identity of the site could not be established. */
  complete: boolean;
}

/** Service principals whose client id resolves to this application (or registration). */
export function servicePrincipalsOfApplication(
  mesh: Mesh,
  application: ApplicationNode,
): ServicePrincipalNode[] {
  return mesh.servicePrincipalsOf(application);
}

/** Service principals of the application (or registration) with this client id. */
export function servicePrincipalsForClientId(mesh: Mesh, clientId: string): ServicePrincipalNode[] {
  const out = new Map<string, ServicePrincipalNode>();
  const direct = mesh.servicePrincipalsByClientId.resolve({ value: clientId, deps: [] });
  if (direct.kind === "node") out.set(direct.node.key, direct.node);
  const app = mesh.applicationsByClientId.resolve({ value: clientId, deps: [] });
  if (app.kind === "node") {
    for (const sp of servicePrincipalsOfApplication(mesh, app.node)) out.set(sp.key, sp);
  }
  return [...out.values()];
}

function addSp(into: Principals, sp: ServicePrincipalNode): void {
  if (typeof sp.objectId === "string") into.ids.push(sp.objectId);
  into.urns.push(sp.res.urn);
  into.names.push(sp.label);
}

/** The site's managed identities: system-assigned and attached user-assigned ones. */
export function managedPrincipals(mesh: Mesh, site: SiteNode): Principals {
  const out: Principals = { ids: [], urns: [], names: [], complete: true };
  const identity = asObject(site.p["identity"]);
  if (isUnknown(identity)) return { ...out, complete: false };
  const type = asString(identity?.["type"]);
  if (isUnknown(type)) out.complete = false;
  const typeText = typeof type === "string" ? type.toLowerCase() : "";

  if (typeText.includes("systemassigned")) {
    const pid = asString(identity?.["principalId"]);
    if (typeof pid === "string") out.ids.push(pid);
    else out.complete = false;
    out.urns.push(site.res.urn);
    out.names.push(`${site.label} (system-assigned identity)`);
  }
  if (typeText.includes("userassigned") || isUnknown(type)) {
    const raw = identity?.["userAssignedIdentities"];
    const deps = depsOf(site.res, "identity");
    const entries: { id: Tri<string>; principalId: Tri<string> }[] = [];
    const arr = asArray(raw);
    const map = asObject(raw);
    if (isUnknown(arr) || isUnknown(map)) out.complete = false;
    else if (Array.isArray(arr))
      for (const e of arr) entries.push({ id: asString(e), principalId: undefined });
    else if (map) {
      for (const [id, v] of Object.entries(map)) {
        entries.push({ id, principalId: asString(at(v, "principalId")) });
      }
    }
    for (const e of entries) {
      const target = mesh.identities.resolve({ value: e.id, deps } as Ref);
      let pid: Tri<string> = e.principalId;
      if (target.kind === "node") {
        out.urns.push(target.node.res.urn);
        out.names.push(target.node.label);
        if (typeof pid !== "string") pid = target.node.principalId;
      } else if (typeof e.id === "string") {
        out.names.push(`identity "${e.id}"`);
      }
      // Without its principal id, an assignment that names this identity by id cannot be matched.
      if (typeof pid === "string") out.ids.push(pid);
      else out.complete = false;
    }
  }

  return out;
}

/** The principals a site calls as (see the module comment). */
export function callerPrincipals(mesh: Mesh, site: SiteNode): Principals {
  const managed = managedPrincipals(mesh, site);
  const out: Principals = {
    ids: [...managed.ids],
    urns: [...managed.urns],
    names: [...managed.names],
    complete: managed.complete,
  };
  // Applications that trust one of these managed identities through a federated credential.
  for (const fic of mesh.federatedCredentials) {
    const m = Mesh.principalMatches(fic.subject, managed);
    if (isUnknown(m)) {
      out.complete = false;
      continue;
    }
    if (!m) continue;
    const app = mesh.applicationsById.resolve(fic.application);
    if (app.kind !== "node") {
      out.complete = false;
      continue;
    }
    const sps = servicePrincipalsOfApplication(mesh, app.node);
    if (sps.length === 0) out.complete = false;
    for (const sp of sps) addSp(out, sp);
  }

  for (const v of appSettingValues(mesh, site, MESH_SETTINGS.appClientId)) {
    if (typeof v !== "string") {
      if (isUnknown(v)) out.complete = false;
      continue;
    }
    const sps = servicePrincipalsForClientId(mesh, v);
    if (sps.length === 0) out.complete = false;
    for (const sp of sps) addSp(out, sp);
  }
  return out;
}

export interface CalleePrincipals {
  sps: ServicePrincipalNode[];
  complete: boolean;
}

/** The service principals that stand for a site as a callee (see the module comment). */
export function calleeServicePrincipals(mesh: Mesh, site: SiteNode): CalleePrincipals {
  const found = new Map<string, ServicePrincipalNode>();
  let complete = true;
  // Each audience must lead to a service principal of the stack; one that does not may be the
  // callee's real identity, held (with its assignments) elsewhere.
  const add = (audience: Tri<string>) => {
    if (typeof audience !== "string" || audience === "") {
      if (isUnknown(audience)) complete = false;
      return;
    }
    const sps = servicePrincipalsForClientId(mesh, audience);
    for (const app of mesh.applicationsWithIdentifierUri(audience)) {
      sps.push(...mesh.servicePrincipalsOf(app));
    }
    if (sps.length === 0) complete = false;
    for (const sp of sps) found.set(sp.key, sp);
  };
  for (const auth of mesh.childrenOf(site, mesh.authSettings)) {
    add(
      asString(at(auth.p, "identityProviders", "azureActiveDirectory", "registration", "clientId")),
    );
  }
  for (const v of appSettingValues(mesh, site, MESH_SETTINGS.audiences)) {
    if (typeof v !== "string") {
      if (isUnknown(v)) complete = false;
      continue;
    }
    let audiences: unknown;
    try {
      audiences = JSON.parse(v);
    } catch {
      audiences = [v];
    }
    for (const a of Array.isArray(audiences) ? audiences : [audiences]) {
      if (typeof a === "string") add(a);
    }
  }
  return { sps: [...found.values()], complete };
}

/** Whether some assignment grants one of `caller`'s principals a role on one of `sps`. */
export function hasAssignment(mesh: Mesh, caller: Principals, sps: readonly Node[]): Tri<boolean> {
  let undecided = false;
  const seen = new Set<AssignmentNode>();
  for (const sp of sps) {
    const { on, maybe } = mesh.assignmentsOn(sp);
    for (const [list, onCallee] of [
      [on, true],
      [maybe, UNKNOWN],
    ] as const) {
      for (const a of list) {
        if (seen.has(a)) continue;
        seen.add(a);
        let byCaller = Mesh.principalMatches(a.principal, caller);
        if (byCaller === false && !caller.complete && typeof a.principal.value === "string") {
          byCaller = UNKNOWN;
        }
        if (onCallee === true && byCaller === true) return true;
        if (byCaller !== false) undecided = true;
      }
    }
  }
  return undecided ? UNKNOWN : false;
}
