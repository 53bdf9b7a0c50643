/**
 * Who may reach a service from outside the mesh: `ingress` in config. Every site denies inbound by
 * default; callers reach callees through their edges, and nothing else gets in unless the service
 * declares it here. Pure: no Pulumi imports.
 */
import { parseCidr } from "./cidr";
import { GUID } from "./schema";
import { multiTenantTag } from "./service-tags";

/** The tag on a site that says what its `ingress` declares (absent: none). */
export const INGRESS_TAG = "service-edges-ingress";

/** Front Door's service tag; with `frontDoorId`, its rule also checks the X-Azure-FDID header. */
export const FRONT_DOOR_TAG = "AzureFrontDoor.Backend";

/**
 * Service tags that stand for (nearly) everyone: all of Azure, or the internet. Declaring them is
 * declaring the service public, which `ingress: public` says plainly.
 */
const BROAD_TAGS = /^(Internet|AzureCloud(\..+)?|VirtualNetwork|AzureLoadBalancer|\*|Any)$/i;
/** The widest range a list may name: a /8. Wider is "public" in all but name. */
export const NARROWEST_BROAD_PREFIX = 8;
/**
 * The most addresses a list may admit in all: fewer than 2^25 (two /8s), the policy pack's bound
 * for "nearly everyone" (policy/lib/restrictions.ts), so a config the program accepts never
 * fails the pack.
 */
export const MAX_INGRESS_ADDRESSES = 2n ** 25n;
/** Azure service tags: dotted words (`AzureFrontDoor.Backend`, `AzureTrafficManager`). */
const SERVICE_TAG = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$/;

export type IngressSource =
  { kind: "cidr"; text: string } | { kind: "serviceTag"; tag: string; frontDoorId?: string };

export type Ingress =
  | { kind: "none" }
  /** An internet-facing front door: everyone may call it. */
  | { kind: "public" }
  | { kind: "sources"; sources: IngressSource[] };

export const NO_INGRESS: Ingress = { kind: "none" };

export interface IngressIssue {
  /** Key segments below the service: `["ingress", 2]`, `["frontDoorId"]`. */
  at: Array<string | number>;
  message: string;
  fix: string;
}

/** The service's ingress from its config values, or the issues that refuse them. */
export function parseIngress(
  raw: unknown,
  frontDoorId: string | undefined,
): { ingress: Ingress; issues: IngressIssue[] } {
  const issues: IngressIssue[] = [];
  let ingress: Ingress = NO_INGRESS;
  // `[public]` is the list form of `public`, for args typed as a list (the component's schema).
  const isPublic =
    raw === "public" || (Array.isArray(raw) && raw.length === 1 && raw[0] === "public");
  if (raw === undefined || raw === "none") ingress = NO_INGRESS;
  else if (isPublic) ingress = { kind: "public" };
  else if (Array.isArray(raw) && raw.includes("public")) {
    issues.push({
      at: ["ingress", raw.indexOf("public")],
      message: "public admits everyone, so nothing else belongs beside it",
      fix: "write ingress: public alone, or list only the sources that may call in",
    });
  } else if (Array.isArray(raw)) {
    const sources: IngressSource[] = [];
    const seen = new Set<string>();
    raw.forEach((entry: unknown, i) => {
      const text = String(entry).trim();
      if (seen.has(text.toLowerCase())) {
        issues.push({
          at: ["ingress", i],
          message: `"${text}" is listed twice`,
          fix: "list each source once",
        });
        return;
      }
      seen.add(text.toLowerCase());
      if (/^[\d.]+\/\d+$/.test(text)) {
        const parsed = parseCidr(text);
        if (!parsed.ok) {
          issues.push({
            at: ["ingress", i],
            message: `"${text}" ${parsed.reason}`,
            fix: parsed.fix ?? "write an IPv4 range like 203.0.113.0/24",
          });
        } else if (parsed.cidr.prefix < NARROWEST_BROAD_PREFIX) {
          issues.push({
            at: ["ingress", i],
            message: `"${text}" admits ${2 ** (32 - parsed.cidr.prefix)} addresses, which is public in all but name`,
            fix: `name the callers' ranges (at most a /${NARROWEST_BROAD_PREFIX} each), or declare the service public: ingress: public`,
          });
        } else sources.push({ kind: "cidr", text });
      } else if (BROAD_TAGS.test(text)) {
        issues.push({
          at: ["ingress", i],
          message: `"${text}" admits (nearly) everyone`,
          fix: `declare the service public (ingress: public) if it is an internet-facing front door, or name a narrower service tag such as ${FRONT_DOOR_TAG}`,
        });
      } else if (SERVICE_TAG.test(text) && multiTenantTag(text)) {
        // A multi-tenant service's shared addresses: other customers' apps call from them too.
        issues.push({
          at: ["ingress", i],
          message: `"${text}" admits ${multiTenantTag(text)}, not only yours`,
          fix: `put Front Door in front (${FRONT_DOOR_TAG} with frontDoorId, so that its rule checks the X-Azure-FDID header), or, for a caller of your own on Azure, make it a caller in the mesh (an edge: it is admitted by its integration subnet)`,
        });
      } else if (SERVICE_TAG.test(text)) {
        sources.push({ kind: "serviceTag", tag: text });
      } else {
        issues.push({
          at: ["ingress", i],
          message: `"${text}" is neither an IPv4 range nor a service tag`,
          fix: `write a range like 203.0.113.0/24 or a service tag like ${FRONT_DOOR_TAG}`,
        });
      }
    });
    // What the accepted ranges admit together (a too-wide range is already refused on its own).
    const ranges = sources
      .flatMap((src) => (src.kind === "cidr" ? [parseCidr(src.text)] : []))
      .flatMap((r) => (r.ok ? [r.cidr] : []))
      .sort((a, b) => (a.start < b.start ? -1 : 1));
    let total = 0n;
    let end = -1n;
    for (const r of ranges) {
      const from = r.start > end ? r.start : end + 1n;
      if (r.end >= from) total += r.end - from + 1n;
      if (r.end > end) end = r.end;
    }
    if (total >= MAX_INGRESS_ADDRESSES) {
      issues.push({
        at: ["ingress"],
        message: `its ranges admit ${total} addresses together, which is public in all but name`,
        fix: "name fewer or narrower ranges (under 2^25 addresses in all), or declare the service public: ingress: public",
      });
    }
    if (raw.length === 0) {
      issues.push({
        at: ["ingress"],
        message: "is an empty list",
        fix: "remove ingress (nothing from outside the mesh), or list the sources",
      });
    }
    ingress = { kind: "sources", sources };
  } else {
    issues.push({
      at: ["ingress"],
      message: `expected public, none or a list of ranges and service tags, got ${JSON.stringify(raw)}`,
      fix: `write ingress: public, or ingress: [${FRONT_DOOR_TAG}, 203.0.113.0/24]`,
    });
  }
  const frontDoor =
    ingress.kind === "sources"
      ? ingress.sources.find((s) => s.kind === "serviceTag" && s.tag === FRONT_DOOR_TAG)
      : undefined;
  if (frontDoor && frontDoorId === undefined) {
    issues.push({
      at: ["frontDoorId"],
      message: `is missing: ${FRONT_DOOR_TAG} admits every Front Door profile in Azure, not only yours`,
      fix: "set it to your profile's id (az afd profile show --query frontDoorId); the rule then checks the X-Azure-FDID header",
    });
  }
  if (frontDoorId !== undefined) {
    if (!GUID.test(frontDoorId)) {
      issues.push({
        at: ["frontDoorId"],
        message: `"${frontDoorId}" is not a Front Door id`,
        fix: "use the profile's frontDoorId (a GUID): az afd profile show --query frontDoorId",
      });
    } else if (!frontDoor || frontDoor.kind !== "serviceTag") {
      issues.push({
        at: ["frontDoorId"],
        message: `only applies with ${FRONT_DOOR_TAG} in ingress`,
        fix: `add ${FRONT_DOOR_TAG} to ingress, or remove frontDoorId`,
      });
    } else frontDoor.frontDoorId = frontDoorId.toLowerCase();
  }
  return { ingress, issues };
}

/** How many access-restriction rules the ingress adds to the site (public: one per family). */
export function ingressRuleCount(ingress: Ingress): number {
  return ingress.kind === "public" ? 2 : ingress.kind === "sources" ? ingress.sources.length : 0;
}

/** The ingress in words, for tables and answers: `none`, `public`, `AzureFrontDoor.Backend, …`. */
export function describeIngress(ingress: Ingress): string {
  if (ingress.kind !== "sources") return ingress.kind;
  return ingress.sources
    .map((s) =>
      s.kind === "cidr" ? s.text : s.frontDoorId ? `${s.tag} (front door ${s.frontDoorId})` : s.tag,
    )
    .join(", ");
}
