/**
 * A ServiceMesh's args validated into its service graph before anything is registered: every
 * error at once, each naming its argument path (or config key) and the fix, as a Pulumi error
 * without a stack trace; the Outputs the args hold kept aside (mesh-args.ts); and one name
 * prefix per mesh in a deployment, so two meshes' Azure and Entra names never collide.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type ServiceGraph, buildServiceGraph } from "@service-edges/contract";
import type { ServiceMeshArgs } from "./args";
import { type ComputedArgs, meshKeys, plainMeshArgs } from "./mesh-args";

/** Physical name prefixes in use per deployment (per resource monitor): meshes must not share. */
const prefixesInUse = new WeakMap<object, Map<string, string>>();

/**
 * Validates the args as the stack config is validated: every error at once, each naming its
 * argument path (or its key, for args read from a config namespace) and the fix, raised as a
 * Pulumi error without a stack trace, before anything is registered.
 */
export function meshGraph(name: string, args: ServiceMeshArgs): BuiltMesh {
  const keys = meshKeys(`ServiceMesh "${name}"`, args);
  let graph: ServiceGraph;
  let computed: ComputedArgs;
  try {
    const split = plainMeshArgs(args, keys);
    computed = split.computed;
    const plain = split.plain;
    graph = buildServiceGraph(
      {
        stack: pulumi.getStack(),
        location: plain.location ?? new pulumi.Config("azure-native").get("location"),
        namePrefix: plain.namePrefix,
        guardrails: plain.guardrails,
        owners: plain.owners,
        network: plain.network,
        services: plain.services,
        edges: plain.edges ?? [],
        observability: plain.observability,
      },
      { keys },
    );
  } catch (err) {
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
  // The graph holds the Front Door ids known before deployment only.
  for (const service of computed.frontDoorIds.keys()) {
    const ingress = graph.byName.get(service)?.ingress;
    if (ingress?.kind === "sources")
      for (const source of ingress.sources)
        if (source.kind === "serviceTag") delete source.frontDoorId;
  }
  const monitor = pulumi.runtime.getMonitor() ?? prefixesInUse;
  const used = prefixesInUse.get(monitor) ?? new Map<string, string>();
  prefixesInUse.set(monitor, used);
  const other = used.get(graph.namePrefix);
  if (other !== undefined) {
    throw new pulumi.RunError(
      `ServiceMesh "${name}": namePrefix "${graph.namePrefix}" is already used by ServiceMesh ` +
        `"${other}" in this stack, so their Azure and Entra names would collide. Fix: give each ` +
        "mesh its own namePrefix.",
    );
  }
  used.set(graph.namePrefix, name);
  return { graph, computed };
}

/** A mesh's validated graph and the Outputs its args hold (mesh-args.ts). */
export interface BuiltMesh {
  graph: ServiceGraph;
  computed: ComputedArgs;
}
