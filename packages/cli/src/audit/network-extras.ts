/**
 * The audit's extra network paths: what a site's public endpoint or private endpoints admit
 * beyond what the graph declares (an Allow rule or default wider than the declared callers and
 * ingress, a service tag without its Front Door id, an approved or pending private endpoint),
 * each reported with the rule or endpoint that admits it.
 */
import { type Ingress, type ServiceNode } from "@service-edges/contract";
import { type EndpointConnection, covers, rangesOf } from "@service-edges/model";
import type { AuditContext } from "./context";
import {
  type RuleView,
  type Side,
  admitsThrough,
  defaultActionOf,
  ruleWords,
  sameText,
  subnetShort,
} from "./rules";

const lower = (s: string) => s.toLowerCase();

/** Every Allow rule (and an Allow default) that lets in more than the graph declares. */
export function extras(
  ctx: AuditContext,
  s: ServiceNode,
  side: Side,
  publicOpen: boolean,
  callers: readonly string[],
  ingress: Ingress,
  scm: boolean,
): void {
  if (!publicOpen) return;
  if (side.hidden) {
    ctx.add(
      "extra",
      "network",
      s.name,
      "unknown",
      `the access restrictions of ${side.label} are encrypted in the state, so extra paths cannot be ruled out; pass --sites`,
    );
    return;
  }
  const isPublic = ingress.kind === "public";
  const sources = ingress.kind === "sources" ? ingress.sources : [];
  const scmRanges = scm ? ctx.graph.scmAllowedRanges.map((r) => r.text) : [];
  const covered = (outer: string, inner: string) => {
    const o = rangesOf(outer);
    const i = rangesOf(inner);
    return !!o && !!i && i.every((x) => o.some((y) => covers(y, x)));
  };
  const on = `on ${side.label}`;
  for (const r of side.rules) {
    if (!admitsThrough(side, r)) continue;
    if (r.kind === "everyone") {
      if (!isPublic) {
        ctx.add(
          "extra",
          "network",
          s.name,
          "everyone",
          `an Allow ${r.source} rule ${on} admits everyone (${ruleWords(r)})`,
        );
      }
    } else if (r.kind === "cidr" || r.kind === "xff") {
      const declared =
        isPublic ||
        scmRanges.some((x) => covered(x, r.source)) ||
        sources.some((x) => x.kind === "cidr" && covered(x.text, r.source));
      if (!declared) {
        ctx.add(
          "extra",
          "network",
          s.name,
          `addresses in ${r.source}`,
          r.kind === "xff"
            ? `an Allow X-Forwarded-For ${r.source} rule ${on} admits clients that present an address in ${r.source} (${ruleWords(r)})`
            : `an Allow ${r.source} rule ${on} admits addresses in ${r.source} (${ruleWords(r)})`,
        );
      }
    } else if (r.kind === "tag") {
      tagExtras(ctx, s, r, on, isPublic, sources);
    } else if (r.kind === "subnet") {
      const owner = ctx.model.serviceOfSubnet(r.source);
      if (owner && callers.includes(owner)) continue;
      if (owner) {
        ctx.add(
          "extra",
          "network",
          s.name,
          owner,
          `a vnet rule ${on} admits ${owner}, which has no edge to ${s.name} (subnet ${subnetShort(r.source)}; ${ruleWords(r)})`,
        );
      } else {
        ctx.add(
          "extra",
          "network",
          s.name,
          `subnet ${subnetShort(r.source)}`,
          `a vnet rule ${on} admits every host in subnet ${subnetShort(r.source)}, which is no caller's integration subnet (${ruleWords(r)})`,
        );
      }
    } else {
      ctx.add(
        "extra",
        "network",
        s.name,
        r.source || "unknown",
        `an Allow rule ${on} admits "${r.source}" (${ruleWords(r)})`,
      );
    }
  }
  const d = defaultActionOf(side);
  // A rule for every address (Allow or Deny) decides all traffic before the default does.
  const reachesDefault = !side.rules.some((r) => r.kind === "everyone");
  if (d?.action === "Allow" && reachesDefault && !isPublic) {
    ctx.add(
      "extra",
      "network",
      s.name,
      "everyone",
      d.basis === "no-rules"
        ? scm
          ? `${side.label} has no access restrictions of its own and does not follow the main site's, so it admits everyone`
          : `${side.label} has no access restrictions, so it admits everyone`
        : `the access restrictions of ${side.label} default to Allow, so ${scm ? "it" : side.label} admits everyone`,
    );
  }
}

function tagExtras(
  ctx: AuditContext,
  s: ServiceNode,
  r: RuleView,
  on: string,
  isPublic: boolean,
  sources: readonly Extract<Ingress, { kind: "sources" }>["sources"][number][],
): void {
  for (const tag of r.source
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean)) {
    const src = sources.find((x) => x.kind === "serviceTag" && sameText(x.tag, tag));
    if (isPublic) continue;
    if (!src) {
      ctx.add(
        "extra",
        "network",
        s.name,
        `service tag ${tag}`,
        `an Allow rule for the service tag ${tag} ${on} admits every address in that tag (${ruleWords(r)})`,
      );
    } else if (
      src.kind === "serviceTag" &&
      src.frontDoorId &&
      !r.headers.some(
        (h) => lower(h).startsWith("x-azure-fdid:") && lower(h).includes(lower(src.frontDoorId!)),
      )
    ) {
      ctx.add(
        "extra",
        "network",
        s.name,
        `service tag ${tag}`,
        `an Allow rule for the service tag ${tag} ${on} admits every Front Door profile, not only ${src.frontDoorId} (${ruleWords(r)})`,
      );
    }
  }
}

export function endpointExtra(
  ctx: AuditContext,
  service: string,
  label: string,
  e: EndpointConnection,
): void {
  if (sameText(e.status, "Approved")) {
    ctx.add(
      "extra",
      "network",
      service,
      `private endpoint ${e.name}`,
      `a private endpoint on ${label} admits every host with line of sight to the endpoint; access restrictions do not apply to it (private endpoint "${e.name}", Approved)`,
    );
  } else if (sameText(e.status, "Pending")) {
    ctx.add(
      "extra",
      "network",
      service,
      `private endpoint ${e.name}`,
      `a private endpoint on ${label} will admit every host with line of sight to the endpoint once its pending connection is approved (private endpoint "${e.name}")`,
    );
  }
}
