/**
 * The mesh as the logs name it: which address, host, site and Entra id belongs to which service,
 * read from the planned resources (not the config), so the names are the ones the program would
 * deploy. Pure: no Pulumi runtime.
 */
import {
  type Cidr,
  RESOURCE_TYPES as R,
  TYPES,
  childName,
  parseCidr,
  subnetName,
} from "@service-edges/contract";
import { type AccessAnswer, checkAccess } from "../access";
import { MESH_NAME, type PlanResource, type PlanResult } from "../run";

type Obj = Record<string, unknown>;

/** Rule addresses that admit every address (ARM writes the implicit all-rule as `Any`). */
const EVERYONE = new Set(["Any", "0.0.0.0/0", "::/0", "*"]);

export interface CalleeFacts {
  /** The roles it exposes (a service with roles has an Entra application: the identity layer). */
  roles: string[];
  /** Shadow enforcement: admits everyone, records what it would refuse (issue 23, item 1). */
  shadow: boolean;
  /** The planned site's access restrictions deny what no rule admits. */
  deniesByDefault: boolean;
  /** Its service principal requires an app role assignment for a token. */
  assignmentRequired: boolean;
  /** Address ranges its ingress rules admit (public: everything). */
  ingressRanges: Cidr[];
  /** Its ingress names service tags, which cannot be resolved to addresses offline. */
  ingressTags: boolean;
  /** Ranges the scm (Kudu) site admits: deployment agents, not callers. */
  scmRanges: Cidr[];
}

export interface MeshDirectory {
  services: string[];
  identityKind: Map<string, "managed" | "registration">;
  /** `from>to` → the edge's roles. */
  edges: Map<string, string[]>;
  callees: Map<string, CalleeFacts>;
  /** The integration subnets, `snet-<service>`, with their service. */
  subnets: Array<{ service: string; cidr: Cidr }>;
  /** The virtual networks' address spaces: an address inside is never ingress. */
  addressSpaces: Cidr[];
  /** Lower-case host name (site and scm) → service and whether it is the scm site. */
  hosts: Map<string, { service: string; scm: boolean }>;
  /** Lower-case site name → service, for `_ResourceId` (…/providers/Microsoft.Web/sites/<name>). */
  sites: Map<string, string>;
  /** Lower-case client id, principal id or object id of a caller's identity → service. */
  callerIds: Map<string, string>;
  /** Lower-case app id or service principal object id of a callee's application → service. */
  calleeIds: Map<string, string>;
  /** What the plan says each layer does for a caller → callee (access.ts). */
  expected(from: string, to: string): AccessAnswer | undefined;
}

export const pairKey = (from: string, to: string) => `${from}>${to}`;

function cidrs(values: unknown[]): Cidr[] {
  const out: Cidr[] = [];
  for (const v of values) {
    const s = String(v);
    if (EVERYONE.has(s)) {
      if (s === "::/0") continue;
      out.push(parseCidrOrThrow("0.0.0.0/0"));
      continue;
    }
    const single = /^\d{1,3}(\.\d{1,3}){3}$/.test(s) ? `${s}/32` : s;
    const p = parseCidr(single);
    if (p.ok) out.push(p.cidr);
  }
  return out;
}

function parseCidrOrThrow(text: string): Cidr {
  const p = parseCidr(text);
  if (!p.ok) throw new Error(`${text} ${p.reason}`);
  return p.cidr;
}

/** An IPv4 address as a one-address range; undefined for IPv6 or text that is no address. */
export function addressOf(ip: string): Cidr | undefined {
  // IPv4 with or without a port (`10.40.0.5:52311`); IPv6 is left to the caller as text.
  const bare = ip.trim().replace(/^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/, "$1");
  const p = parseCidr(`${bare}/32`);
  return p.ok ? { ...p.cidr, text: bare } : undefined;
}

export const inside = (range: Cidr, address: Cidr) =>
  address.start >= range.start && address.end <= range.end;

export function buildDirectory(plan: PlanResult): MeshDirectory {
  const tail = (component: keyof typeof TYPES, type: string, service: string) =>
    `${TYPES[component]}$${type}::${childName(MESH_NAME, service)}`;
  const byTail = new Map<string, PlanResource>();
  for (const r of plan.resources) {
    const i = r.urn.lastIndexOf("$", r.urn.lastIndexOf("::"));
    const j = r.urn.lastIndexOf("$", i - 1);
    if (j >= 0) byTail.set(r.urn.slice(j + 1), r);
  }
  const find = (component: keyof typeof TYPES, type: string, service: string) =>
    byTail.get(tail(component, type, service));

  const services = plan.services.map((s) => s.name);
  const identityKind = new Map(
    plan.services.map(
      (s) => [s.name, s.identity === "registration" ? "registration" : "managed"] as const,
    ),
  );
  const edges = new Map(plan.edges.map((e) => [pairKey(e.from, e.to), e.roles]));
  const hosts = new Map<string, { service: string; scm: boolean }>();
  const sites = new Map<string, string>();
  const callerIds = new Map<string, string>();
  const calleeIds = new Map<string, string>();
  const callees = new Map<string, CalleeFacts>();
  const subnets: MeshDirectory["subnets"] = [];
  const addressSpaces: Cidr[] = [];

  const subnetOwner = new Map(services.map((s) => [subnetName(s), s]));
  for (const vnet of plan.resources.filter((r) => r.type === R.vnet)) {
    const space = (vnet.inputs.addressSpace ?? {}) as Obj;
    addressSpaces.push(...cidrs((space.addressPrefixes ?? []) as unknown[]));
    for (const s of (vnet.inputs.subnets ?? []) as Obj[]) {
      const service = subnetOwner.get(String(s.name));
      const [cidr] = cidrs([s.addressPrefix]);
      if (service && cidr) subnets.push({ service, cidr });
    }
  }
  // A team stack holds no VNet: its callers' subnets are in the plan's services.
  for (const s of plan.services) {
    if (s.subnet && !subnets.some((x) => x.service === s.name)) {
      const [cidr] = cidrs([s.subnet]);
      if (cidr) subnets.push({ service: s.name, cidr });
    }
  }

  for (const svc of plan.services) {
    const name = svc.name;
    const app = find("host", R.app, name);
    if (app) {
      const site = String(app.inputs.name ?? app.outputs.name ?? "");
      if (site) sites.set(site.toLowerCase(), name);
      const names = [
        app.outputs.defaultHostName,
        ...((app.outputs.hostNames ?? []) as unknown[]),
      ].filter((h): h is string => typeof h === "string");
      for (const h of names) {
        hosts.set(h.toLowerCase(), { service: name, scm: false });
        // Kudu answers on `<site>.scm.azurewebsites.net` beside `<site>.azurewebsites.net`.
        const scm = h.toLowerCase().replace(/\.azurewebsites\.net$/, ".scm.azurewebsites.net");
        if (scm !== h.toLowerCase()) hosts.set(scm, { service: name, scm: true });
      }
    }
    const uami = find("identity", R.userAssignedIdentity, name);
    const reg = find("identity", R.application, name);
    const regSp = find("identity", R.servicePrincipal, name);
    for (const id of [
      uami?.outputs.clientId,
      uami?.outputs.principalId,
      reg?.outputs.clientId,
      regSp?.outputs.objectId,
    ])
      if (typeof id === "string") callerIds.set(id.toLowerCase(), name);

    const application = find("callee", R.application, name);
    const sp = find("callee", R.servicePrincipal, name);
    for (const id of [application?.outputs.clientId, sp?.outputs.objectId])
      if (typeof id === "string") calleeIds.set(id.toLowerCase(), name);
    if (app || application) {
      const cfg = (app?.inputs.siteConfig ?? {}) as Obj;
      const allow = ((cfg.ipSecurityRestrictions ?? []) as Obj[]).filter(
        (r) => r.action === "Allow" && !r.vnetSubnetResourceId,
      );
      const scmAllow = ((cfg.scmIpSecurityRestrictions ?? []) as Obj[]).filter(
        (r) => r.action === "Allow" && !r.vnetSubnetResourceId,
      );
      callees.set(name, {
        roles: svc.roles,
        shadow: (svc as { enforcement?: string }).enforcement === "shadow",
        deniesByDefault: cfg.ipSecurityRestrictionsDefaultAction === "Deny",
        assignmentRequired: sp ? sp.inputs.appRoleAssignmentRequired !== false : false,
        ingressRanges: cidrs(allow.filter((r) => r.ipAddress).map((r) => r.ipAddress)),
        ingressTags: allow.some((r) => r.tag === "ServiceTag"),
        scmRanges: cidrs(scmAllow.filter((r) => r.ipAddress).map((r) => r.ipAddress)),
      });
    }
  }

  const answers = new Map<string, AccessAnswer | undefined>();
  return {
    services,
    identityKind,
    edges,
    callees,
    subnets,
    addressSpaces,
    hosts,
    sites,
    callerIds,
    calleeIds,
    expected(from, to) {
      const key = pairKey(from, to);
      if (!answers.has(key)) {
        let a: AccessAnswer | undefined;
        try {
          a = checkAccess(plan, from, to);
        } catch {
          // A team stack's caller of another team has no site here: nothing to compare with.
          a = undefined;
        }
        answers.set(key, a);
      }
      return answers.get(key);
    },
  };
}
