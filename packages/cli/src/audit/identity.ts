/**
 * The audit's identity layer: which principals hold which app roles on each callee (state and
 * Graph), against the roles the graph's edges grant; the extras in words. Whose principal is
 * whose, and which application is a service's, is the model's binding (`@service-edges/model`).
 */
import { isCallee, siteName } from "@service-edges/contract";
import type { AppRole, Application, Grant, ServicePrincipal } from "@service-edges/model";
import type { AuditContext } from "./context";
import { grantKey } from "./inputs";

const lower = (s: string) => s.toLowerCase();
const sameText = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && lower(a) === lower(b);

interface ServiceEntra {
  app?: Application;
  sp?: ServicePrincipal;
  /** The principal the service's edges are granted to. */
  expected?: string;
  expectedKind: "managed identity" | "app registration";
}

function entraOf(ctx: AuditContext, service: string): ServiceEntra {
  const e = ctx.model.entra(service);
  const registration = ctx.graph.byName.get(service)?.identity === "registration";
  return {
    ...(e.app ? { app: e.app } : {}),
    ...(e.sp ? { sp: e.sp } : {}),
    expected: registration ? e.registration?.objectId : e.managedIdentity,
    expectedKind: registration ? "app registration" : "managed identity",
  };
}

export function auditIdentity(ctx: AuditContext): void {
  const { graph } = ctx;
  const complete = ctx.assignments?.complete ?? new Set<string>();
  const graphGrants = ctx.assignments?.grants ?? [];
  // Graph is newer than the state: where it holds a service principal's whole collection, the
  // state's assignments on it that Graph lacks were deleted outside Pulumi.
  const grants = new Map<string, Grant>();
  const inState = new Set(ctx.model.deployed.grants.map(grantKey));
  for (const g of ctx.model.deployed.grants)
    if (!complete.has(g.resourceId)) grants.set(grantKey(g), g);
  for (const g of graphGrants) grants.set(grantKey(g), { ...grants.get(grantKey(g)), ...g });
  const bySp = new Map<string, Grant[]>();
  for (const g of grants.values()) {
    const list = bySp.get(g.resourceId) ?? [];
    list.push(g);
    bySp.set(g.resourceId, list);
  }
  const calleeSps = new Set<string>();

  for (const s of graph.services) {
    const entra = entraOf(ctx, s.name);
    const incoming = graph.incoming.get(s.name) ?? [];
    if (!isCallee(s)) continue;
    if (!entra.sp) {
      const why = `${s.name} has no service principal for ${entra.app ? `its application ${entra.app.displayName ?? entra.app.clientId}` : `an application with identifier URI api://<tenant>/${siteName(graph.namePrefix, s.name)}`} in the state`;
      for (const e of incoming) {
        ctx.entry(e.from, s.name).identity.token = false;
        ctx.add(
          "missing",
          "identity",
          s.name,
          e.from,
          `${e.from} cannot get a token for ${s.name}: ${why}`,
        );
      }
      if (incoming.length === 0) {
        ctx.add("missing", "identity", s.name, s.name, `${s.name} declares app roles, but ${why}`);
      }
      continue;
    }
    calleeSps.add(entra.sp.objectId);
    const open = entra.sp.assignmentRequired !== true;
    if (open) {
      ctx.add(
        "extra",
        "identity",
        s.name,
        "any application in the tenant",
        entra.sp.assignmentRequired === "hidden"
          ? `any application in the tenant may get a token for ${s.name}: whether its service principal requires app role assignment is encrypted in the state`
          : `any application in the tenant can get a token for ${s.name}: its service principal does not require app role assignment`,
      );
      ctx.entry("any application in the tenant", s.name).identity.token = true;
    }
    const roles = entra.app?.roles ?? new Map<string, AppRole>();
    const roleWords = (id: string) => {
      if (/^0{8}-(0{4}-){3}0{12}$/.test(id)) return "default access (no role)";
      const r = roles.get(id);
      return r ? `${r.value}${r.enabled ? "" : " (disabled)"}` : `an unknown app role ${id}`;
    };
    const edgeFrom = new Map(incoming.map((e) => [e.from, e]));
    const expected = new Set<string>();

    // Missing: every role of every edge, held by the caller's own principal.
    for (const e of incoming) {
      const caller = entraOf(ctx, e.from);
      const a = ctx.entry(e.from, s.name);
      a.identity.token = open;
      if (!caller.expected) {
        ctx.add(
          "missing",
          "identity",
          s.name,
          e.from,
          `${e.from} cannot get a token for ${s.name}: its ${caller.expectedKind} ${siteName(graph.namePrefix, e.from)} is not in the state`,
        );
        continue;
      }
      const held = (bySp.get(entra.sp.objectId) ?? []).filter(
        (g) => g.principalId === caller.expected,
      );
      const lacking: string[] = [];
      for (const role of e.roles) {
        const def = [...roles.values()].find((r) => r.value === role);
        if (!def || !def.enabled) {
          ctx.add(
            "missing",
            "identity",
            s.name,
            e.from,
            `${e.from} lacks ${role} on ${s.name}: the application of ${s.name} has no ${def ? "enabled " : ""}app role ${role}`,
          );
          continue;
        }
        expected.add(`${caller.expected}|${def.id}`);
        if (!held.some((g) => g.appRoleId === def.id)) lacking.push(role);
      }
      if (lacking.length > 0) {
        ctx.add(
          "missing",
          "identity",
          s.name,
          e.from,
          `${e.from} lacks ${lacking.join(", ")} on ${s.name} (edge ${e.from} -> ${s.name}): no app role assignment to its ${caller.expectedKind}`,
        );
      }
    }

    // Who holds what: extras are every grant the edges do not account for.
    const byPrincipal = new Map<string, Grant[]>();
    for (const g of bySp.get(entra.sp.objectId) ?? []) {
      const list = byPrincipal.get(g.principalId) ?? [];
      list.push(g);
      byPrincipal.set(g.principalId, list);
    }
    for (const [principal, held] of byPrincipal) {
      const who = ctx.model.principals.get(principal);
      const from = who ? who.service : `principal ${principal}`;
      const a = ctx.entry(from, s.name);
      a.identity.token = true;
      for (const g of held) {
        const r = roles.get(g.appRoleId);
        if (r && r.enabled && !a.identity.roles.includes(r.value)) a.identity.roles.push(r.value);
      }
      const extra = held.filter((g) => !expected.has(`${principal}|${g.appRoleId}`));
      if (extra.length === 0) continue;
      const list = extra
        .map((g) => roleWords(g.appRoleId))
        .sort()
        .join(", ");
      if (!who) {
        const g = held[0];
        const kind = g.principalType
          ? lower(g.principalType).replace("serviceprincipal", "service principal")
          : "";
        const details = [
          g.principalDisplayName ? `${kind || "principal"} "${g.principalDisplayName}"` : kind,
          g.createdDateTime ? `assigned ${g.createdDateTime.slice(0, 10)}` : "",
          sameText(g.principalType, "Group") ? "every member of the group holds it" : "",
          inState.has(grantKey(g)) ? "" : "not in the Pulumi state",
        ].filter(Boolean);
        ctx.add(
          "extra",
          "identity",
          s.name,
          from,
          `principal ${principal} holds ${list} on ${s.name} but has no edge${details.length ? ` (${details.join(", ")})` : ""}`,
        );
        continue;
      }
      const edge = edgeFrom.get(who.service);
      const caller = entraOf(ctx, who.service);
      if (!edge) {
        ctx.add(
          "extra",
          "identity",
          s.name,
          who.service,
          `${who.service} holds ${list} on ${s.name} but has no edge (through its ${who.kind})`,
        );
      } else if (caller.expected !== principal) {
        ctx.add(
          "extra",
          "identity",
          s.name,
          who.service,
          `${who.service} holds ${list} on ${s.name} through its ${who.kind}, but its edge is granted to its ${caller.expectedKind}`,
        );
      } else {
        ctx.add(
          "extra",
          "identity",
          s.name,
          who.service,
          `${who.service} holds ${list} on ${s.name} beyond its edge, which grants ${edge.roles.join(", ")}`,
        );
      }
    }
  }
  const graphSps = new Set(graphGrants.map((g) => g.resourceId));
  const fromGraph = [...bySp.keys()].filter((sp) => !calleeSps.has(sp) && graphSps.has(sp));
  if (fromGraph.length > 0) {
    ctx.notes.push(
      `--assignments holds assignments on ${fromGraph.length} service principal${fromGraph.length === 1 ? "" : "s"} that ${fromGraph.length === 1 ? "is" : "are"} no callee of this graph (${fromGraph.join(", ")}); they were not audited`,
    );
  }
}
