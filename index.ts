/**
 * service-edges: read the stack's graph, validate it, build the mesh, export what it made.
 */
import * as pulumi from "@pulumi/pulumi";
import { ServiceMesh } from "service-edges";
import { ConfigError, buildServiceGraph, edgeName } from "@service-edges/contract";

const config = new pulumi.Config("service-edges");

function loadGraph() {
  try {
    return buildServiceGraph({
      stack: pulumi.getStack(),
      location: new pulumi.Config("azure-native").get("location"),
      namePrefix: config.get("namePrefix"),
      network: config.getObject("network"),
      services: config.getObject("services"),
      edges: config.getObject("edges"),
    });
  } catch (err) {
    // RunError: the engine prints the message alone, without a stack trace.
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

/** The program: the engine awaits it and takes what it returns as the stack outputs. */
export = async () => {
  const graph = loadGraph();
  const mesh = await ServiceMesh.create("mesh", { graph });
  return {
    tenantId: mesh.tenantId,
    services: Object.fromEntries(graph.services.map((s) => [s.name, mesh.serviceOutputs(s.name)])),
    /** The access matrix as data: who may call whom, with which roles and assignments. */
    accessMatrix: graph.edges.map((e) => ({
      from: e.from,
      to: e.to,
      roles: e.roles,
      assignmentIds: mesh.grants.get(edgeName(e.from, e.to))!.map((a) => a.id),
    })),
  };
};
