/**
 * What one deployed site (or slot) exposes, merged from the state and `--sites`: public network
 * access, the main and SCM access restrictions with their default actions, private endpoint
 * connections, and on the caller side its integration subnet and routing; and the site's access
 * as the decision reads it (`siteAccessOf`, read once per site). Pure: no Pulumi imports.
 */
import { type RuleList, ruleListOf } from "./access-restrictions";
import { HIDDEN, type Obj, isObj, lower, str } from "./model-resource";
import type { SiteAccess } from "./site-access";
import { UNKNOWN } from "./unknown";

/** A private endpoint connection to a site. */
export interface EndpointConnection {
  /** The private endpoint's name (or the connection's, when the endpoint is not known). */
  name: string;
  key: string;
  status: string;
}

/** What one site (or slot) exposes, merged from the state and `--sites`. */
export interface Site {
  name: string;
  slot?: string;
  publicNetworkAccess?: string;
  rules?: unknown;
  defaultAction?: string;
  scmRules?: unknown;
  scmDefaultAction?: string;
  scmUseMain?: boolean;
  /** Caller side: the integration subnet. */
  subnetId?: string;
  /** Caller side: `outboundVnetRouting` sends application traffic through the integration. */
  outboundRouting?: boolean;
  /** Caller side: the legacy `vnetRouteAllEnabled` (ignored from API 2024-11-01 on). */
  routeAll?: boolean;
  endpoints: Map<string, EndpointConnection>;
}

const siteKey = (name: string, slot?: string) => lower(slot ? `${name}/${slot}` : name);

/** `/subscriptions/…/providers/Microsoft.Web/sites/{name}[/slots/{slot}][/rest]`. */
export function parseSiteId(id: string): { name: string; slot?: string; rest: string } | undefined {
  const m = /\/providers\/microsoft\.web\/sites\/([^/]+)(?:\/slots\/([^/]+))?(\/.*)?$/i.exec(
    id.replace(/\/+$/, ""),
  );
  if (!m) return undefined;
  return { name: m[1], ...(m[2] ? { slot: m[2] } : {}), rest: m[3] ?? "" };
}

export class Sites {
  readonly all = new Map<string, Site>();

  get(name: string, slot?: string): Site {
    const key = siteKey(name, slot);
    let s = this.all.get(key);
    if (!s) {
      s = { name, ...(slot ? { slot } : {}), endpoints: new Map() };
      this.all.set(key, s);
    }
    return s;
  }

  find(name: string, slot?: string): Site | undefined {
    return this.all.get(siteKey(name, slot));
  }

  /** Site-level and config/web fields; null and absent values never override known ones. */
  apply(site: Site, props: Obj, config: Obj | undefined): void {
    accessCache.delete(site);
    const set = <K extends keyof Site>(k: K, v: Site[K] | undefined) => {
      if (v !== undefined) site[k] = v;
    };
    const sc = isObj(config) ? config : undefined;
    set("publicNetworkAccess", str(props.publicNetworkAccess) ?? str(sc?.publicNetworkAccess));
    set("subnetId", str(props.virtualNetworkSubnetId));
    const routing = props.outboundVnetRouting;
    if (isObj(routing)) {
      site.outboundRouting = routing.applicationTraffic === true || routing.allTraffic === true;
    }
    const routeAll = props.vnetRouteAllEnabled ?? sc?.vnetRouteAllEnabled;
    if (typeof routeAll === "boolean") site.routeAll = routeAll;
    if (sc) {
      if (sc === HIDDEN) {
        site.rules = HIDDEN;
        site.scmRules = HIDDEN;
        return;
      }
      // Rules and their default action are one reading: a newer list comes with its own default
      // (unset: the platform's echo rule or the implied default decides, not an older value).
      if (sc.ipSecurityRestrictions != null) {
        site.rules = sc.ipSecurityRestrictions;
        site.defaultAction = str(sc.ipSecurityRestrictionsDefaultAction);
      } else set("defaultAction", str(sc.ipSecurityRestrictionsDefaultAction));
      if (sc.scmIpSecurityRestrictions != null) {
        site.scmRules = sc.scmIpSecurityRestrictions;
        site.scmDefaultAction = str(sc.scmIpSecurityRestrictionsDefaultAction);
      } else set("scmDefaultAction", str(sc.scmIpSecurityRestrictionsDefaultAction));
      if (typeof sc.scmIpSecurityRestrictionsUseMain === "boolean") {
        site.scmUseMain = sc.scmIpSecurityRestrictionsUseMain;
      }
    }
  }

  addEndpoint(site: Site, c: EndpointConnection): void {
    accessCache.delete(site);
    site.endpoints.set(c.key, c);
  }
}

/** A private endpoint connection as ARM returns it (`properties.privateEndpoint.id`, state). */
export function endpointConnection(v: Obj, fallbackStatus = "Approved"): EndpointConnection {
  const p = isObj(v.properties) ? v.properties : v;
  const peId = str(isObj(p.privateEndpoint) ? p.privateEndpoint.id : undefined);
  const state = isObj(p.privateLinkServiceConnectionState)
    ? p.privateLinkServiceConnectionState
    : {};
  const name =
    (peId && peId.split("/").pop()) ?? str(v.name) ?? str(p.privateEndpointConnectionName) ?? "?";
  return {
    name,
    key: lower(peId ?? str(v.id) ?? name),
    status: str(state.status) ?? fallbackStatus,
  };
}

/** Each site's access, read once (forgotten when the site is changed through Sites). */
const accessCache = new WeakMap<Site, SiteAccess>();

/** A list as read: encrypted rules are not known (a decision on them is "unknown"). */
function listOf(rules: unknown, defaultAction: string | undefined): RuleList {
  if (rules === HIDDEN) return { rules: UNKNOWN, defaultAction: UNKNOWN };
  return ruleListOf(rules, defaultAction);
}

/** What decides who gets into the site's public endpoint. */
export function siteAccessOf(site: Site): SiteAccess {
  let access = accessCache.get(site);
  if (!access) {
    access = readSiteAccess(site);
    accessCache.set(site, access);
  }
  return access;
}

function readSiteAccess(site: Site): SiteAccess {
  return {
    publicNetworkAccess: site.publicNetworkAccess,
    privateEndpoints: [...site.endpoints.values()],
    main: listOf(site.rules, site.defaultAction),
    scm: listOf(site.scmRules, site.scmDefaultAction),
    scmUseMain: site.scmUseMain,
  };
}

/** Whether the site's access restrictions are encrypted in the state (not readable). */
export const isHidden = (site: Site): boolean => site.rules === HIDDEN;
