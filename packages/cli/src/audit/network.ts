/**
 * The audit's network layer: what each site's public endpoint admits (extra paths the graph does
 * not declare) and whether every declared caller, ingress and deployment agent gets in (missing
 * paths). Who gets in is the model's decision (`@service-edges/model`: networkReach, the site's
 * public endpoint); this file compares it with the graph and says it in words. The extra paths'
 * findings are network-extras.ts.
 */
import { NO_INGRESS, type ServiceNode } from "@service-edges/contract";
import {
  type EndpointConnection,
  type Site,
  isHidden,
  networkReach,
  publicAccessOf,
  siteAccessOf,
} from "@service-edges/model";
import type { AuditContext } from "./context";
import { endpointExtra, extras } from "./network-extras";
import { auditPrivateEndpoints, filteredEndpointNames, privateAdmitsRange } from "./private";
import {
  type Side,
  admitsRange,
  admitsThrough,
  defaultActionOf,
  everyoneVia,
  ruleSummary,
  ruleWords,
  sameText,
  sideOf,
} from "./rules";

const SCM = (label: string) => `the SCM (deployment) site of ${label}`;

/** The main and SCM sides of a site, each with the list that decides it. */
function sidesOf(site: Site, label: string): { main: Side; scm: Side; useMain: boolean } {
  const access = siteAccessOf(site);
  const useMain = site.scmUseMain === true;
  return {
    main: sideOf(label, access.main),
    scm: sideOf(SCM(label), useMain ? access.main : access.scm),
    useMain,
  };
}

/** Whether the public endpoint takes traffic (the model's reading of publicNetworkAccess). */
const publicOpenOf = (site: Site): boolean => publicAccessOf(siteAccessOf(site)).open === true;

/** Can `caller` reach the public side of `callee`? The model decides; this says it in words. */
export function reachWords(
  ctx: AuditContext,
  caller: string,
  callee: string,
): { ok: true; by: string } | { ok: false; why: string } {
  const target = ctx.site(callee)!;
  const viaPrivate = networkReach(ctx.model, caller, callee);
  const pd = viaPrivate.decision;
  if (pd?.by.kind === "private-endpoint") {
    const at = `${callee}'s private endpoint ${pd.by.endpoint}`;
    if (pd.by.basis !== "nsg-rule") {
      return viaPrivate.allowed === false
        ? { ok: false, why: `${at} does not admit ${caller}` }
        : { ok: true, by: `${at} (not filtered by an NSG)` };
    }
    const rule = pd.by.rule!;
    const named = `${rule.isDefault ? "Azure's default rule" : "NSG rule"} "${rule.name}" (priority ${rule.priority}) of ${pd.by.nsg}`;
    return viaPrivate.allowed === false
      ? { ok: false, why: `the ${named} denies ${caller}'s subnet to ${at}` }
      : { ok: true, by: `${named}, ${at}` };
  }
  if (!publicOpenOf(target)) {
    return {
      ok: false,
      why: `public network access on ${callee} is disabled, and access-restriction rules only admit traffic to its public endpoint`,
    };
  }
  if (isHidden(target)) return { ok: true, by: "unknown (encrypted in the state)" };
  const n = networkReach(ctx.model, caller, callee);
  const d = n.decision;
  const side = sidesOf(target, callee).main;
  const viewOf = (index: number) => side.rules.find((x) => x.rule.index === index);
  const by = (): string => {
    if (d?.by.kind !== "rule") return "default action Allow";
    const view = viewOf(d.by.rule.index);
    return view?.kind === "subnet" && n.egress.kind === "subnet"
      ? `rule "${d.by.rule.name}" (subnet ${n.egress.subnetName})`
      : `rule "${d.by.rule.name}" (${view?.source ?? "?"})`;
  };
  if (n.allowed !== false) return { ok: true, by: by() };
  if (n.egress.kind === "public") {
    const physical = ctx.model.physical(caller);
    const sub = n.egress.subnetName;
    return {
      ok: false,
      why: {
        "no-site": `there is no site ${physical} for ${caller} in the state or --sites`,
        "no-integration": `${caller} has no VNet integration, so its calls leave from shared public addresses that ${callee} does not admit`,
        "routing-off": `${caller} does not route its outbound calls through ${sub} (outboundVnetRouting.applicationTraffic is off), so they arrive from public addresses`,
        "no-service-endpoint": `its subnet ${sub} has no Microsoft.Web service endpoint, so the vnet rules of ${callee} never match its calls`,
      }[n.egress.why],
    };
  }
  const subName = n.egress.subnetName;
  if (d?.by.kind === "rule") {
    const r = viewOf(d.by.rule.index);
    return {
      ok: false,
      why: `a Deny rule on ${callee} blocks ${caller}'s subnet ${subName} first (${r ? ruleWords(r) : `rule "${d.by.rule.name}"`})`,
    };
  }
  const implied =
    d?.by.kind === "default" && d.by.basis === "implicit-deny"
      ? " (no explicit unmatched-traffic action: Azure's implicit deny-all after its rules)"
      : "";
  return {
    ok: false,
    why: `${callee} denies by default${implied} and no Allow rule admits ${caller}'s subnet ${subName}`,
  };
}

/** The network layer of one service: what its site admits against what the graph declares. */
export function auditNetwork(ctx: AuditContext, s: ServiceNode): void {
  const site = ctx.site(s.name);
  const physical = ctx.model.physical(s.name);
  const callers = (ctx.graph.incoming.get(s.name) ?? []).map((e) => e.from);
  const ingress = s.ingress;
  if (!site) {
    ctx.summaries.push({
      service: s.name,
      site: physical,
      found: false,
      publicNetworkAccess: null,
      defaultAction: null,
      rules: [],
      scm: { useMain: null, defaultAction: null, rules: [] },
      privateEndpoints: [],
    });
    for (const c of callers) {
      ctx.add(
        "missing",
        "network",
        s.name,
        c,
        `${c} cannot reach ${s.name}: there is no site ${physical} in the state or --sites`,
      );
    }
    return;
  }
  const { main, scm, useMain } = sidesOf(site, s.name);
  const endpoints = [...site.endpoints.values()];
  const approved = endpoints.filter((e) => sameText(e.status, "Approved"));
  const publicOpen = publicOpenOf(site);
  ctx.mains.set(s.name, { side: main, publicOpen });
  ctx.summaries.push({
    service: s.name,
    site: physical,
    found: true,
    publicNetworkAccess: site.publicNetworkAccess ?? null,
    defaultAction: defaultActionOf(main)?.action ?? null,
    rules: main.rules.map(ruleSummary),
    scm: {
      useMain: site.scmUseMain ?? null,
      defaultAction: defaultActionOf(scm)?.action ?? null,
      rules: useMain ? [] : scm.rules.map(ruleSummary),
    },
    privateEndpoints: endpoints.map((e) => ({ name: e.name, status: e.status })),
  });

  extras(ctx, s, main, publicOpen, callers, ingress, false);
  if (!useMain && !(main.hidden && scm.hidden))
    extras(ctx, s, scm, publicOpen, [], NO_INGRESS, true);
  // Endpoints their subnet's NSG filters are judged rule by rule (private.ts).
  const filtered = filteredEndpointNames(ctx, site);
  const open = (e: EndpointConnection) => !filtered.has(e.name.toLowerCase());
  for (const e of endpoints.filter(open)) endpointExtra(ctx, s.name, s.name, e);
  auditPrivateEndpoints(ctx, s);
  for (const slot of ctx.model.slots(s.name)) {
    const label = `${s.name} (slot ${slot.slot})`;
    const sides = sidesOf(slot, label);
    const slotPublic = publicOpenOf(slot);
    extras(ctx, s, sides.main, slotPublic, callers, ingress, false);
    if (!sides.useMain) extras(ctx, s, sides.scm, slotPublic, [], NO_INGRESS, true);
    for (const e of slot.endpoints.values()) endpointExtra(ctx, s.name, label, e);
  }

  // Who gets in, for the access list.
  if (publicOpen && !main.hidden) {
    const everyone = everyoneVia(main);
    if (everyone) ctx.entry("everyone", s.name).network = { admitted: true, by: [everyone] };
    for (const r of main.rules) {
      if (r.kind === "everyone" || !admitsThrough(main, r)) continue;
      if (r.kind === "subnet") {
        const owner = ctx.model.serviceOfSubnet(r.source);
        if (!owner || owner === s.name) continue;
        const decided = reachWords(ctx, owner, s.name);
        if (decided.ok) ctx.entry(owner, s.name).network = { admitted: true, by: [decided.by] };
      } else if (!everyone) {
        const subject =
          r.kind === "tag"
            ? `service tag ${r.source}`
            : r.kind === "xff"
              ? `X-Forwarded-For ${r.source}`
              : `addresses in ${r.source}`;
        ctx.entry(subject, s.name).network = { admitted: true, by: [`rule "${r.name}"`] };
      }
    }
  }
  for (const e of approved.filter(open)) {
    ctx.entry(`private endpoint ${e.name}`, s.name).network = {
      admitted: true,
      by: [`every host with line of sight to the private endpoint ${e.name}`],
    };
  }

  // Missing: every declared caller, the declared ingress, the deployment agents.
  for (const c of callers) {
    const decided = reachWords(ctx, c, s.name);
    const a = ctx.entry(c, s.name);
    a.network = decided.ok ? { admitted: true, by: [decided.by] } : { admitted: false, by: [] };
    if (!decided.ok) {
      ctx.add("missing", "network", s.name, c, `${c} cannot reach ${s.name}: ${decided.why}`);
    }
  }
  if (main.hidden) return;
  declaredIngress(ctx, s, main, scm, useMain, publicOpen);
}

/** The declared ingress and the deployment agents' ranges: do they get in? */
function declaredIngress(
  ctx: AuditContext,
  s: ServiceNode,
  main: Side,
  scm: Side,
  useMain: boolean,
  publicOpen: boolean,
): void {
  const ingress = s.ingress;
  if (ingress.kind === "public") {
    const why = !publicOpen
      ? "its public network access is disabled"
      : everyoneVia(main)
        ? undefined
        : "its access restrictions admit neither everyone nor a 0.0.0.0/0 range";
    if (why) {
      ctx.add(
        "missing",
        "network",
        s.name,
        "everyone",
        `${s.name} declares public ingress, but ${why}`,
      );
    }
  } else if (ingress.kind === "sources") {
    for (const src of ingress.sources) {
      const text = src.kind === "cidr" ? src.text : src.tag;
      let why: string | undefined;
      if (!publicOpen) {
        if (!(src.kind === "cidr" && privateAdmitsRange(ctx, ctx.site(s.name)!, src.text)))
          why = "its public network access is disabled";
      } else if (src.kind === "cidr") {
        if (!admitsRange(main, src.text)) why = "no Allow rule covers it";
      } else if (!everyoneVia(main)) {
        // A Front Door rule without the X-Azure-FDID header still admits it (too widely: that
        // is reported as an extra path).
        const named = main.rules.some(
          (r) =>
            r.kind === "tag" &&
            r.action === "Allow" &&
            r.source.split(",").some((t) => sameText(t.trim(), src.tag)),
        );
        if (!named) why = "no Allow rule names that service tag";
      }
      if (why) {
        ctx.add(
          "missing",
          "network",
          s.name,
          `ingress ${text}`,
          `the declared ingress ${text} cannot reach ${s.name}: ${why}`,
        );
      }
    }
  }
  for (const range of ctx.graph.scmAllowedRanges) {
    let why: string | undefined;
    if (!publicOpen) {
      if (!privateAdmitsRange(ctx, ctx.site(s.name)!, range.text))
        why = "its public network access is disabled";
    } else if (useMain) {
      if (!admitsRange(main, range.text)) {
        why = `it follows the main site's rules (scmIpSecurityRestrictionsUseMain), which do not admit ${range.text}`;
      }
    } else if (!scm.hidden && !admitsRange(scm, range.text)) why = "no Allow rule covers it";
    if (why) {
      ctx.add(
        "missing",
        "network",
        s.name,
        `deployment agents in ${range.text}`,
        `deployment agents in ${range.text} cannot reach the SCM (deployment) site of ${s.name}: ${why}`,
      );
    }
  }
}

/**
 * The network answer of access entries the network pass did not visit: a service that holds a
 * role without an edge (can it reach the callee?), a principal or "any application" (only if
 * the callee admits everyone; otherwise it depends on where that principal runs).
 */
export function settleNetwork(ctx: AuditContext): void {
  const names = new Set(ctx.graph.services.map((s) => s.name));
  for (const a of ctx.access.values()) {
    if (a.network.admitted === true || a.declared) continue;
    if (a.network.by.length > 0 || a.from === "everyone") continue;
    const target = ctx.mains.get(a.to);
    if (!target) continue;
    const everyone = target.publicOpen && !target.side.hidden && everyoneVia(target.side);
    if (names.has(a.from)) {
      const decided = reachWords(ctx, a.from, a.to);
      a.network = decided.ok ? { admitted: true, by: [decided.by] } : { admitted: false, by: [] };
    } else {
      a.network = everyone ? { admitted: true, by: [everyone] } : { admitted: null, by: [] };
    }
  }
}
