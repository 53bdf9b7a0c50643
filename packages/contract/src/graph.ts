/**
 * Stack config -> validated ServiceGraph, in one pass that reports every error together.
 * Pure: no Pulumi imports, so the program, the policy pack and the plan tool share it.
 *
 * The graph's shape is in service-graph.ts (re-exported here); the checks are by concern:
 * graph-settings.ts (region, prefix, guardrails, owners, network), graph-services.ts (each
 * service), graph-edges.ts (edges and their limits), graph-layout.ts (subnets and resource
 * groups), all reporting through graph-issues.ts.
 */
import { type Cidr, contains } from "./cidr";
import { ConfigError, type ConfigIssue, type KeyNamer, configKeys } from "./errors";
import { checkRetiredEdges, checkRuleLimits, parseEdges } from "./graph-edges";
import type { Issues } from "./graph-issues";
import { checkSubnets, placeServices } from "./graph-layout";
import { checkService, defaultDeployMode, parseServices } from "./graph-services";
import {
  checkGuardrails,
  checkLocation,
  checkNamePrefix,
  checkNetwork,
  checkOwners,
} from "./graph-settings";
import type { Ingress } from "./ingress";
import { type InboundMode, planPrivateEndpoints } from "./private-endpoints";
import { networkSchema } from "./schema";
import {
  type Edge,
  INITIAL_SECRET_ROTATION,
  type RetiredService,
  type Runtime,
  type ServiceGraph,
  type ServiceNode,
  type StackConfigInput,
} from "./service-graph";
import type { SkuFacts } from "./skus";
import { today } from "./dates";
import { checkEnforcement, checkObservability, splitByExpiry } from "./operations";

export * from "./service-graph";

/**
 * Validates the whole config and builds the graph, or throws one ConfigError listing every issue.
 * Nothing here depends on Pulumi: it runs before any resource is registered.
 */
export interface GraphOptions {
  /**
   * The services this stack places in resource groups (default: all). A platform stack places
   * none (it creates no plans), a team stack only its own (other teams' callers are there for
   * their subnets): the 100-plans-per-group limit counts what a stack's groups will hold.
   */
  places?: (service: string) => boolean;
  /**
   * How issues name keys (default: the `service-edges:` config keys): a component whose graph
   * came from its args names their paths (argKeys), one reading a user's namespace its keys.
   */
  keys?: KeyNamer;
}

export function buildServiceGraph(
  input: StackConfigInput,
  options: GraphOptions = {},
): ServiceGraph {
  const issues: ConfigIssue[] = [];
  const keys = options.keys ?? configKeys();
  const ctx: Issues = {
    add: (segs, message, fix) => issues.push({ path: keys.at(segs), message, fix }),
    push: (issue) => issues.push(issue),
    keys,
  };
  const asOf = today();
  const location = checkLocation(input, ctx);
  const namePrefix = checkNamePrefix(input, ctx);
  const guardrails = checkGuardrails(input, ctx);
  const owners = checkOwners(input, ctx);
  const { addressSpace, scmAllowedRanges, vnets } = checkNetwork(input, ctx);
  const { raw: declaredServices, declared } = parseServices(input, namePrefix, ctx);
  // Retirement step 1: a retired service keeps its declared subnet (validated with every other
  // subnet, so nothing new can take it) and nothing else.
  const raw = new Map([...declaredServices].filter(([, s]) => !s.retired));
  const retiredNames = new Set([...declaredServices].filter(([, s]) => s.retired).map(([n]) => n));
  const skus = new Map<string, SkuFacts>();
  const runtimes = new Map<string, Runtime>();
  const ingresses = new Map<string, Ingress>();
  const modes = new Map<string, ReturnType<typeof checkEnforcement>>();
  for (const [name, s] of raw) {
    const { sku, runtime, ingress } = checkService(name, s, ctx);
    modes.set(name, checkEnforcement(name, s, asOf, ctx.add));
    if (sku) skus.set(name, sku);
    if (runtime) runtimes.set(name, runtime);
    ingresses.set(name, ingress);
  }
  const parsedEdges = parseEdges(input, declaredServices, declared, ctx);
  checkRetiredEdges(input, retiredNames, parsedEdges, ctx);
  const observability = checkObservability(input.observability, ctx.add);
  // An edge past its last day grants nothing: it is not an edge of the graph (no access rule, no
  // app role assignment, no MESH_* entry), only listed as expired.
  const {
    live: edges,
    expired: expiredEdges,
    expiring: expiringEdges,
  } = splitByExpiry(parsedEdges, asOf);
  const callersOf = new Map<string, string[]>();
  const calleesOf = new Map<string, string[]>();
  for (const e of edges) {
    (callersOf.get(e.to) ?? callersOf.set(e.to, []).get(e.to)!).push(e.from);
    (calleesOf.get(e.from) ?? calleesOf.set(e.from, []).get(e.from)!).push(e.to);
  }
  checkRuleLimits(callersOf, ingresses, ctx);
  const subnets = checkSubnets(declaredServices, skus, calleesOf, addressSpace, vnets, ctx);
  const vnetOf = (c: Cidr) => vnets.find((v) => contains(v.space, c))?.name ?? "";
  const net = networkSchema.safeParse(input.network);
  const inbound: InboundMode = net.success ? net.data.inbound : "serviceEndpoints";
  // Shadow is observed where access restrictions are evaluated, the public endpoint (App Service
  // writes AppServiceIPSecAuditLogs there). Traffic through a private endpoint is not subject to
  // access restrictions (MS Learn, "App Service access restrictions": private endpoint traffic
  // bypasses them), and an NSG drops an undeclared caller without a log the mesh reads, so in
  // privateEndpoints mode shadow would refuse silently instead of recording.
  if (inbound === "privateEndpoints")
    for (const [name, m] of modes)
      if (m.enforcement === "shadow")
        ctx.add(
          ["services", name, "enforcement"],
          "shadow cannot be observed with network.inbound: privateEndpoints: the NSG of the private endpoint drops undeclared callers without a record, and access restrictions (which log them) do not apply to private endpoint traffic",
          `roll ${name} out in shadow while network.inbound is serviceEndpoints (or serviceAndPrivateEndpoints), then enforce it and move to privateEndpoints; or remove enforcement: shadow`,
        );
  const privateEndpoints = planPrivateEndpoints(
    {
      inbound,
      subnetTexts: net.success ? net.data.privateEndpointSubnets : [],
      services: new Map(
        [...raw].map(([name, s]) => [
          name,
          {
            roles: s.roles,
            ingress: ingresses.get(name)!,
            callers: [...(callersOf.get(name) ?? [])].sort(),
            pin: s.privateEndpointSubnet,
          },
        ]),
      ),
      callerSubnets: subnets,
      vnets,
      scmAllowedRanges,
      privateDnsZoneId: net.success ? net.data.privateDnsZoneId : undefined,
    },
    ctx.add,
  );
  const places = options.places;
  const placed = placeServices(
    places ? new Map([...raw].filter(([name]) => places(name))) : raw,
    skus,
    ctx,
  );

  if (issues.length > 0) throw new ConfigError(issues, keys.subject);

  const services: ServiceNode[] = [...raw.entries()]
    .map(([name, s]) => ({
      name,
      kind: s.kind,
      sku: skus.get(name)!,
      maxInstances: s.maxInstances,
      identity: s.identity,
      clientSecret: s.clientSecret,
      ...(s.clientSecret ? { secretRotation: s.secretRotation ?? INITIAL_SECRET_ROTATION } : {}),
      subnet: subnets.get(name),
      vnet: subnets.has(name) ? vnetOf(subnets.get(name)!) : "",
      roles: [...s.roles],
      retiredRoles: [...s.retiredRoles],
      easyAuth: s.easyAuth,
      ...(placed.get(name) ?? { group: 0, placement: "" }),
      runtime: runtimes.get(name)!,
      appSettings: { ...s.appSettings },
      ingress: ingresses.get(name)!,
      deploy: s.deploy ?? defaultDeployMode(s.kind, skus.get(name)!),
      ...modes.get(name)!,
      callers: [...(callersOf.get(name) ?? [])].sort(),
      callees: [...(calleesOf.get(name) ?? [])].sort(),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  edges.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : 1));
  const retired: RetiredService[] = [...retiredNames].sort().map((name) => ({
    name,
    ...(subnets.has(name) ? { subnet: subnets.get(name)!, vnet: vnetOf(subnets.get(name)!) } : {}),
  }));
  return {
    location,
    scmAllowedRanges,
    namePrefix,
    guardrails,
    owners,
    inbound,
    ...(privateEndpoints ? { privateEndpoints } : {}),
    ...(net.success && net.data.privateDnsZoneId
      ? { privateDnsZoneId: net.data.privateDnsZoneId }
      : {}),
    addressSpace: addressSpace!,
    vnets,
    services,
    retired,
    edges,
    expiredEdges: expiredEdges.sort(byEnds),
    expiringEdges: expiringEdges.sort(byEnds),
    asOf,
    ...(observability ? { observability } : {}),
    byName: new Map(services.map((s) => [s.name, s])),
    incoming: groupEdges(edges, (e) => e.to),
    outgoing: groupEdges(edges, (e) => e.from),
  };
}

function byEnds(a: { from: string; to: string }, b: { from: string; to: string }): number {
  return a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0;
}

function groupEdges(edges: readonly Edge[], key: (e: Edge) => string): Map<string, Edge[]> {
  const out = new Map<string, Edge[]>();
  for (const e of edges) (out.get(key(e)) ?? out.set(key(e), []).get(key(e))!).push(e);
  return out;
}
