/**
 * service-edges: the stack's graph, from its config, built by the package's components exactly as
 * any program that installs the package would use them. Three kinds of stack, told apart by their
 * keys (contract org.ts): a single-stack mesh (the default), the platform stack of a mesh that
 * spans many stacks (its services carry `team`), and a team stack (`service-edges:platform` set).
 */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, stackKindOf } from "@service-edges/contract";
import { ServiceMesh } from "service-edges";
import { MeshPlatform, MeshTeam } from "service-edges/org";

const config = new pulumi.Config(CONFIG_NAMESPACE);
/** Errors name this stack's `service-edges:` keys, not the components' argument paths. */
const configNamespace = CONFIG_NAMESPACE;
const location = new pulumi.Config("azure-native").get("location");

/** A single-stack mesh: every service, edge, identity and subnet of the graph. */
function singleStack() {
  const mesh = new ServiceMesh("mesh", {
    network: config.getObject("network")!,
    services: config.getObject("services")!,
    edges: config.getObject("edges"),
    namePrefix: config.get("namePrefix"),
    guardrails: config.getBoolean("guardrails"),
    owners: config.getObject("owners"),
    observability: config.getObject("observability"),
    location,
    configNamespace,
  });
  return {
    tenantId: mesh.tenantId,
    vnetId: mesh.vnetId,
    /** Per service: plan, app, subnet, host name, client and principal ids, audience. */
    services: mesh.services,
    /** The access matrix as data: who may call whom, with which roles and assignments. */
    accessMatrix: mesh.accessMatrix,
    /**
     * Per service with `clientSecret: true`: its client secret, encrypted in state and outputs
     * (`pulumi stack output clientSecrets --show-secrets`).
     */
    clientSecrets: mesh.clientSecrets,
  };
}

/** The platform stack: the address plan and every identity; its outputs are what teams read. */
function platformStack() {
  return new MeshPlatform("mesh", {
    network: config.getObject("network")!,
    services: config.getObject("services")!,
    namePrefix: config.get("namePrefix"),
    guardrails: config.getBoolean("guardrails"),
    owners: config.getObject("owners"),
    location,
    configNamespace,
  }).stackOutputs;
}

/** A team stack: its services and the edges into them, with the platform's registry. */
function teamStack() {
  const team = new MeshTeam("mesh", {
    platformStack: config.require("platform"),
    team: config.require("team"),
    services: config.getObject("services") ?? {},
    edges: config.getObject("edges"),
    owners: config.getObject("owners"),
    location,
    configNamespace,
  });
  return { services: team.services, accessMatrix: team.accessMatrix };
}

export = async () => {
  switch (
    stackKindOf({ platform: config.get("platform"), services: config.getObject("services") })
  ) {
    case "platform":
      return platformStack();
    case "team":
      return teamStack();
    default:
      return singleStack();
  }
};
