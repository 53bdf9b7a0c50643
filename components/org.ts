/**
 * One mesh across many stacks (contract org.ts): the platform stack's component, which owns the
 * address plan and every service's identity and exports the registry, and a team stack's, which
 * owns its services' compute, its callees' applications and the edges into its own services.
 */
import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import * as resources from "@pulumi/azure-native/resources";
import {
  ConfigError,
  type RegistryEntry,
  TYPES,
  buildPlatformGraph,
  buildTeamGraph,
  childName,
  identitiesGroupName,
  networkGroupName,
  type PlatformFacts,
  type ServiceGraph,
  platformFacts,
  serviceGroupName,
  urnOf,
  reportPlannedMesh,
} from "@service-edges/contract";
import { MeshGuardrails, subscriptionOf } from "./guardrails";
import type { AccessEntry, Network, ServiceOutputs } from "./args";
import { meshComponentOptions } from "./aliases";
import { meshKeys } from "./mesh-args";
import { readPlatformOutputs } from "./platform-reference";
import { MeshNetwork } from "./network";
import { type IdentityRef, accessMatrixOf, batchStep, registerServices } from "./service-mesh";
import { meshOwners } from "./entra-owners";
import { ServiceIdentity } from "./service-identity";

/** What the platform exports per service: the registry's facts and the ids team stacks use. */
export interface RegistryOutput extends RegistryEntry {
  /** The integration subnet's ARM id (callers). */
  subnetId?: string;
  identityId: string;
  managedClientId: string;
  managedPrincipalId: string;
  clientId: string;
  principalObjectId: string;
  registrationClientId?: string;
}

/** A service in retirement step 1: its registry facts only (no identity any more). */
export type RetiredRegistryOutput = RegistryEntry & { retired: true };

/** The platform stack's outputs a team stack reads through its StackReference. */
export interface PlatformOutputs extends Required<PlatformFacts> {
  tenantId: string;
  vnetId: string;
  registry: Record<string, RegistryOutput | RetiredRegistryOutput>;
}

export interface MeshPlatformArgs {
  network: Network;
  /** The org's registry: every service with its team, kind, maxInstances, identity, subnet. */
  services: Record<string, Record<string, unknown>>;
  namePrefix?: string;
  location?: string;
  /** Guardrails outside Pulumi (default true): the platform holds the org's. */
  guardrails?: boolean;
  owners?: string[];
  /** The config namespace the args were read from: errors name its keys (as ServiceMesh's). */
  configNamespace?: string;
}

/**
 * What a resource moved from a single-stack mesh by `pulumi state move` is called: the move renames
 * only the URN's stack and project and keeps its type chain (pulumi/pulumi,
 * pkg/cmd/pulumi/state/state_move.go, `renameStackAndProject`), so a direct child of the single
 * stack's `ServiceMesh` named `mesh` keeps that parent's type in its URN. The alias names that
 * parent; the engine derives each grandchild's alias from it (`inheritedChildAlias`).
 */
function movedFromSingleStack(meshName: string): pulumi.Alias[] {
  return [{ parent: urnOf(pulumi.getStack(), pulumi.getProject(), [TYPES.mesh], meshName) }];
}

const asRunError = <T>(build: () => T): T => {
  try {
    return build();
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
};

/**
 * The platform stack: the mesh VNet with every caller's integration subnet inline, and every
 * service's identity (in `<prefix>-identities`), named exactly as a single-stack mesh names them.
 */
export class MeshPlatform extends pulumi.ComponentResource<{
  outputs: pulumi.Output<PlatformOutputs>;
}> {
  readonly outputs: pulumi.Output<PlatformOutputs>;
  /**
   * The outputs as the platform stack exports them, one stack output each, which is what a team
   * stack reads (`MeshTeam` with `platformStack`): `export = platform.stackOutputs`.
   */
  readonly stackOutputs: { [K in keyof PlatformOutputs]: pulumi.Output<PlatformOutputs[K]> };

  constructor(name: string, args: MeshPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before anything registers, the component itself included.
    const built = asRunError(() =>
      buildPlatformGraph(
        {
          stack: pulumi.getStack(),
          location: args.location ?? new pulumi.Config("azure-native").get("location"),
          namePrefix: args.namePrefix,
          guardrails: args.guardrails,
          owners: args.owners,
          network: args.network,
          services: args.services,
          edges: [],
        },
        { keys: meshKeys(`MeshPlatform "${name}"`, args) },
      ),
    );
    reportPlannedMesh({ type: TYPES.platform, name, graph: built.graph });
    const inputs = {};
    platformGraphs.set(inputs, built);
    super(TYPES.platform, name, inputs, meshComponentOptions(opts));
    this.outputs = pulumi.output(this.getData().then((d) => d.outputs));
    const o = this.outputs;
    this.stackOutputs = {
      namePrefix: o.namePrefix,
      location: o.location,
      addressSpace: o.addressSpace,
      vnets: o.vnets,
      tenantId: o.tenantId,
      vnetId: o.vnetId,
      registry: o.registry,
    };
  }

  /** Registers the network, then the identities a few at a time (as the single-stack mesh does). */
  protected async initialize(inputs: pulumi.Inputs, _opts: unknown, name: string) {
    const { graph, registry } = platformGraphs.get(inputs)!;
    platformGraphs.delete(inputs);
    const prefix = graph.namePrefix;
    const named = (local: string) => childName(name, local);
    const client = azuread.getClientConfigOutput({ parent: this });
    // The single stack's first deployer stays the platform's (its keeper moves with the rest).
    const owners = meshOwners(
      this,
      named("first-deployer"),
      client.objectId,
      graph.owners,
      movedFromSingleStack(name),
    );
    // Services moved from a single stack keep their groups; the platform holds those groups
    // (several teams' services share them) and adopts what the single stack created.
    const moved = Object.values(registry).some((r) => r.sharedGroup !== undefined);
    const opts = (adopted: boolean): pulumi.CustomResourceOptions => ({
      parent: this,
      ...(adopted ? { aliases: movedFromSingleStack(name) } : {}),
    });
    const networkGroup = new resources.ResourceGroup(
      named("network"),
      { resourceGroupName: networkGroupName(prefix), location: graph.location },
      opts(moved),
    );
    const identitiesGroup = new resources.ResourceGroup(
      named("identities"),
      { resourceGroupName: identitiesGroupName(prefix), location: graph.location },
      opts(moved),
    );
    const sharedGroups = new Map<string, resources.ResourceGroup>();
    for (const label of [
      ...new Set(Object.values(registry).flatMap((r) => (r.sharedGroup ? [r.sharedGroup] : []))),
    ].sort()) {
      sharedGroups.set(
        label,
        new resources.ResourceGroup(
          named(label),
          { resourceGroupName: serviceGroupName(prefix, label), location: graph.location },
          opts(true),
        ),
      );
    }
    const network = new MeshNetwork(
      named("network"),
      { graph, resourceGroupName: networkGroup.name },
      opts(moved),
    );
    if (graph.guardrails) {
      platformGuardrails(named("guardrails"), {
        graph,
        registry,
        networkGroupId: networkGroup.id,
        identitiesGroupId: identitiesGroup.id,
        sharedGroups,
        opts: opts(moved),
      });
    }
    const entries: Record<string, pulumi.Output<RegistryOutput | RetiredRegistryOutput>> = {};
    // Retirement step 1: the entry stays (team stacks refuse edges and calls naming it), and its
    // identity is deleted; its subnet stays in the VNet (MeshNetwork) until step 2.
    for (const r of graph.retired)
      entries[r.name] = pulumi.output<RetiredRegistryOutput>({
        ...registry[r.name],
        retired: true,
      });
    const step = batchStep();
    for (const s of graph.services) {
      const entry = registry[s.name];
      const identity = new ServiceIdentity(
        named(s.name),
        {
          service: s,
          namePrefix: prefix,
          location: graph.location,
          resourceGroupName:
            entry.identityGroup === "shared"
              ? sharedGroups.get(entry.sharedGroup!)!.name
              : identitiesGroup.name,
          tenantId: client.tenantId,
          owners,
        },
        opts(entry.sharedGroup !== undefined),
      );
      entries[s.name] = pulumi.output({
        ...registry[s.name],
        subnetId: s.subnet ? network.subnetId(s.name) : undefined,
        identityId: identity.managedIdentity.id,
        managedClientId: identity.managedIdentity.clientId,
        managedPrincipalId: identity.managedIdentity.principalId,
        clientId: identity.clientId,
        principalObjectId: identity.principalObjectId,
        registrationClientId: identity.registration?.clientId,
      }) as pulumi.Output<RegistryOutput>;
      await step();
    }
    const outputs = pulumi.output({
      ...platformFacts(graph),
      tenantId: client.tenantId,
      vnetId: network.vnetId,
      registry: entries,
    }) as pulumi.Output<PlatformOutputs>;
    this.registerOutputs({ outputs });
    return { outputs };
  }
}

/**
 * The guardrails of an org (components/guardrails.ts), held by the platform: the same rules as a
 * single stack's, named by the prefix and the network group (so every site a team stack places is
 * held, in whatever group, and no team's service changes them); the identities rule goes to every
 * group holding identities (the identities' group, and shared groups a single stack's services
 * were moved with).
 */
function platformGuardrails(
  name: string,
  args: {
    graph: ServiceGraph;
    registry: Readonly<Record<string, RegistryEntry>>;
    networkGroupId: pulumi.Output<string>;
    identitiesGroupId: pulumi.Output<string>;
    sharedGroups: ReadonlyMap<string, resources.ResourceGroup>;
    opts: pulumi.ComponentResourceOptions;
  },
): MeshGuardrails {
  const withIdentities = new Set(
    Object.values(args.registry).flatMap((r) =>
      r.sharedGroup && r.identityGroup === "shared" ? [r.sharedGroup] : [],
    ),
  );
  return new MeshGuardrails(
    name,
    {
      namePrefix: args.graph.namePrefix,
      subscriptionScope: subscriptionOf(args.networkGroupId),
      networkGroupId: args.networkGroupId,
      identityGroups: [
        { label: "identities", id: args.identitiesGroupId },
        ...[...args.sharedGroups]
          .filter(([label]) => withIdentities.has(label))
          .map(([label, rg]) => ({ label, id: rg.id })),
      ],
    },
    args.opts,
  );
}

const platformGraphs = new WeakMap<object, ReturnType<typeof buildPlatformGraph>>();

export interface MeshTeamArgs {
  /** The team, as the registry names it. */
  team: string;
  /** Its own services: sku, roles, easyAuth, runtime, ingress, deploy, ... (not registry keys). */
  services: Record<string, Record<string, unknown>>;
  /** Edges into its own services. */
  edges?: unknown[];
  /**
   * The platform stack, e.g. `acme/service-edges/platform`: the team stack reads its outputs
   * (`MeshPlatform.stackOutputs`) through a StackReference of that name.
   */
  platformStack?: string;
  /** Instead of platformStack: the platform's outputs as plain values (already read). */
  platform?: PlatformOutputs;
  /** The platform stack's name, for messages (default: platformStack). */
  platformName?: string;
  /** The config namespace the args were read from: errors name its keys (as ServiceMesh's). */
  configNamespace?: string;
  owners?: string[];
  /** The stack's `azure-native:location`, if set: it must be the platform's. */
  location?: string;
}

/**
 * A team stack: its services' plans and apps (in its own resource groups,
 * `<prefix>-<team>-gNN`), its callees' applications and roles, and the app role assignments of the
 * edges into its own services, naming callers by the registry's principals and subnets.
 */
export class MeshTeam extends pulumi.ComponentResource<{
  services: Record<string, pulumi.Output<ServiceOutputs>>;
  accessMatrix: pulumi.Output<AccessEntry>[];
}> {
  readonly services: pulumi.Output<{ [name: string]: ServiceOutputs }>;
  readonly accessMatrix: pulumi.Output<AccessEntry[]>;

  constructor(name: string, args: MeshTeamArgs, opts?: pulumi.ComponentResourceOptions) {
    const inputs = {};
    teamArgs.set(inputs, args);
    super(TYPES.team, name, inputs, meshComponentOptions(opts));
    const data = this.getData();
    this.services = pulumi.output(data.then((d) => d.services));
    this.accessMatrix = pulumi.output(data.then((d) => d.accessMatrix));
  }

  protected async initialize(inputs: pulumi.Inputs, _opts: unknown, name: string) {
    const args = teamArgs.get(inputs)!;
    teamArgs.delete(inputs);
    const keys = meshKeys(`MeshTeam "${name}"`, args);
    // The platform stack is the `platform` key of a team stack's config, the `platformStack` arg.
    const platformKey = keys.at([args.configNamespace ? "platform" : "platformStack"]);
    const platformName = args.platformName ?? args.platformStack ?? "";
    const p =
      args.platform ??
      (args.platformStack ? await readPlatformOutputs(args.platformStack, platformKey) : undefined);
    if (!p) {
      throw new pulumi.RunError(
        `${platformKey}: is missing. Fix: name the platform stack, e.g. acme/payments-infra/platform.`,
      );
    }
    const { graph, team, own } = asRunError(() =>
      buildTeamGraph(
        {
          stack: pulumi.getStack(),
          platform: platformName,
          team: args.team,
          owners: args.owners,
          location: args.location,
          services: args.services,
          edges: args.edges ?? [],
        },
        p.registry,
        p,
        { platformName, keys },
      ),
    );
    reportPlannedMesh({
      type: TYPES.team,
      name,
      graph,
      teamOf: Object.fromEntries(
        Object.entries(p.registry).flatMap(([s, e]) => (own.has(s) ? [] : [[s, e.team]])),
      ),
    });
    const named = (local: string) => childName(name, local);
    const client = azuread.getClientConfigOutput({ parent: this });
    const owners = meshOwners(this, named("first-deployer"), client.objectId, graph.owners);
    // The graph's services are never retired ones (buildTeamGraph refuses edges naming them).
    const registry = p.registry as Record<string, RegistryOutput>;
    // A service moved from a single stack stays in its shared group (the platform's).
    const sharedGroupOf = (service: string) => registry[service].sharedGroup;
    const groups = new Map<string, resources.ResourceGroup>();
    for (const label of [
      ...new Set(
        graph.services
          .filter((s) => own.has(s.name) && !sharedGroupOf(s.name))
          .map((s) => s.placement),
      ),
    ].sort()) {
      groups.set(
        label,
        new resources.ResourceGroup(
          named(label),
          {
            resourceGroupName: serviceGroupName(p.namePrefix, `${team}-${label}`),
            location: p.location,
          },
          { parent: this },
        ),
      );
    }
    const identityOf = (service: string): IdentityRef => {
      const r = registry[service];
      return {
        id: r.identityId,
        managedClientId: r.managedClientId,
        managedPrincipalId: r.managedPrincipalId,
        clientId: r.clientId,
        principalObjectId: r.principalObjectId,
        registrationClientId: r.registrationClientId,
      };
    };
    const { services, callees } = await registerServices({
      graph,
      parent: this,
      meshName: name,
      tenantId: pulumi.output(p.tenantId),
      owners,
      named,
      child: (service) => ({
        parent: this,
        ...(sharedGroupOf(service) ? { aliases: movedFromSingleStack(name) } : {}),
      }),
      step: batchStep(),
      groupOf: (service) => {
        const shared = sharedGroupOf(service);
        if (shared) return serviceGroupName(p.namePrefix, shared);
        return groups.get(graph.byName.get(service)!.placement)!.name;
      },
      identityOf,
      subnetIdOf: (service) => registry[service].subnetId!,
      owns: (service) => own.has(service),
    });
    const accessMatrix = accessMatrixOf(graph, callees);
    const built = { services, accessMatrix };
    this.registerOutputs(built);
    return built;
  }
}

const teamArgs = new WeakMap<object, MeshTeamArgs>();
