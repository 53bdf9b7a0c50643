/**
 * service-edges: the stack's graph, from its config, built by the package's components exactly as
 * any program that installs the package would use them. Three kinds of stack, told apart by their
 * keys (contract org.ts): a single-stack mesh (the default), the platform stack of a mesh that
 * spans many stacks (its services carry `team`), and a team stack (`service-edges:platform` set).
 */
import * as pulumi from "@pulumi/pulumi";
import { stackKindOf } from "@service-edges/contract";
import { ServiceMesh } from "service-edges";
import { MeshPlatform, MeshTeam, type PlatformOutputs } from "service-edges/org";

const config = new pulumi.Config("service-edges");
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
  const platform = new MeshPlatform("mesh", {
    network: config.getObject("network")!,
    services: config.getObject("services")!,
    namePrefix: config.get("namePrefix"),
    guardrails: config.getBoolean("guardrails"),
    owners: config.getObject("owners"),
    location,
  });
  const o = platform.outputs;
  return {
    namePrefix: o.namePrefix,
    location: o.location,
    addressSpace: o.addressSpace,
    vnets: o.vnets,
    tenantId: o.tenantId,
    vnetId: o.vnetId,
    registry: o.registry,
  };
}

/** A team stack: its services and the edges into them, with the platform's registry. */
async function teamStack() {
  const platformName = config.require("platform");
  const ref = new pulumi.StackReference(platformName);
  const read = async (key: keyof PlatformOutputs) => {
    const d = await ref.getOutputDetails(key);
    const value = d.value ?? d.secretValue;
    if (value === undefined) {
      throw new pulumi.RunError(
        `service-edges:platform: the stack ${platformName} has no output ${key}. Fix: deploy the platform stack first (pulumi up -s ${platformName}), or check the stack name.`,
      );
    }
    return value;
  };
  const platform = {
    namePrefix: await read("namePrefix"),
    location: await read("location"),
    addressSpace: await read("addressSpace"),
    // A platform deployed before several virtual networks existed has one, and no such output.
    vnets: (await ref.getOutputDetails("vnets")).value ?? {},
    tenantId: await read("tenantId"),
    vnetId: await read("vnetId"),
    registry: await read("registry"),
  } as PlatformOutputs;
  const team = new MeshTeam("mesh", {
    team: config.require("team"),
    services: config.getObject("services") ?? {},
    edges: config.getObject("edges"),
    owners: config.getObject("owners"),
    location,
    platform,
    platformName,
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
