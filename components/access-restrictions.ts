/**
 * A site's access restrictions, as a pure function of its place in the graph: closed by default.
 * Every site (callee or not) denies inbound by default and admits exactly its callers' integration
 * subnets and the sources its `ingress` declares; every SCM (deployment) site denies by default
 * and admits only the network's `scmAllowedRanges`, never the main site's rules.
 */
import type * as pulumi from "@pulumi/pulumi";
import { type Ingress, type ServiceNode } from "@service-edges/contract";

/** All allow rules share one priority: they are all Allow, so their order cannot matter. */
export const ALLOW_RULE_PRIORITY = 100;
/** Access-restriction rule names hold at most 32 characters. */
const RULE_NAME_MAX = 32;

export interface CallerSubnet {
  caller: string;
  subnetId: pulumi.Input<string>;
}

export interface RestrictionRule {
  name: string;
  description: string;
  action: "Allow";
  priority: number;
  vnetSubnetResourceId?: pulumi.Input<string>;
  ipAddress?: string;
  tag?: "ServiceTag";
  headers?: Record<string, pulumi.Input<string>[]>;
}

export interface AccessRestrictions {
  ipSecurityRestrictions: RestrictionRule[];
  ipSecurityRestrictionsDefaultAction: "Deny" | "Allow";
  scmIpSecurityRestrictions: RestrictionRule[];
  scmIpSecurityRestrictionsDefaultAction: "Deny";
  scmIpSecurityRestrictionsUseMain: false;
}

const rule = (name: string, description: string, source: Partial<RestrictionRule>) => ({
  name: name.slice(0, RULE_NAME_MAX),
  description,
  action: "Allow" as const,
  priority: ALLOW_RULE_PRIORITY,
  ...source,
});

/**
 * The Allow rules that `ingress` declares, after the callers' rules. `frontDoorId`: the Front Door
 * profile's id when it is an Output (the graph holds only ids known before deployment).
 */
export function ingressRules(
  service: string,
  ingress: Ingress,
  frontDoorId?: pulumi.Input<string>,
): RestrictionRule[] {
  if (ingress.kind === "public") {
    const why = `ingress: public on ${service} (an internet-facing front door)`;
    return [
      rule("public-ipv4", why, { ipAddress: "0.0.0.0/0" }),
      rule("public-ipv6", why, { ipAddress: "::/0" }),
    ];
  }
  if (ingress.kind === "none") return [];
  return ingress.sources.map((s) =>
    s.kind === "cidr"
      ? rule(`ingress-${s.text.replace("/", "-")}`, `ingress ${s.text} -> ${service}`, {
          ipAddress: s.text,
        })
      : rule(`ingress-${s.tag}`, `ingress ${s.tag} -> ${service}`, {
          tag: "ServiceTag",
          ipAddress: s.tag,
          // Front Door stamps its profile id on every request it forwards (X-Azure-FDID): without
          // this check, any Front Door profile in Azure could reach the site through the tag.
          ...((frontDoorId ?? s.frontDoorId)
            ? { headers: { "x-azure-fdid": [(frontDoorId ?? s.frontDoorId)!] } }
            : {}),
        }),
  );
}

export function accessRestrictionsOf(
  service: ServiceNode,
  callers: readonly CallerSubnet[],
  scmAllowedRanges: readonly string[],
  frontDoorId?: pulumi.Input<string>,
): AccessRestrictions {
  return {
    ipSecurityRestrictions: [
      ...callers.map((c) =>
        rule(c.caller, `edge ${c.caller} -> ${service.name}`, {
          vnetSubnetResourceId: c.subnetId,
        }),
      ),
      ...ingressRules(service.name, service.ingress, frontDoorId),
    ],
    // Shadow (enforcement: shadow): unmatched requests are let through instead of refused, and the
    // callers' Allow rules stay, so the site admits what it admits today plus everything else.
    // "Default action for main access restriction if no rules are matched" (ARM SiteConfig,
    // ipSecurityRestrictionsDefaultAction: Allow | Deny); every request on a site with rules is
    // recorded in AppServiceIPSecAuditLogs with its client address (CIp), Host (CsHost) and
    // Result (MS Learn, Azure Monitor table reference, AppServiceIPSecAuditLogs), so the mesh's
    // queries find the refusals enforcement would make by matching CIp against the callers'
    // subnets. The SCM site is not part of the rollout: it stays closed.
    ipSecurityRestrictionsDefaultAction: service.enforcement === "shadow" ? "Allow" : "Deny",
    // The deployment (SCM) site has its own rules: build agents, never the callers or the public.
    scmIpSecurityRestrictions: scmAllowedRanges.map((range) =>
      rule(`deploy-${range.replace("/", "-")}`, `deployment agents ${range}`, {
        ipAddress: range,
      }),
    ),
    scmIpSecurityRestrictionsDefaultAction: "Deny",
    scmIpSecurityRestrictionsUseMain: false,
  };
}
