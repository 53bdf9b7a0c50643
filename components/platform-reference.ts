/**
 * What a team stack reads from its platform stack: the platform's outputs (MeshPlatform's
 * `stackOutputs`), through a StackReference, as plain values before the team's graph is built.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformOutputs } from "./org";

/**
 * The platform stack's outputs, read through a StackReference named after the stack (registered
 * at the top of the program, as a team stack's program always registered it, so its URN stays).
 * `where` names the argument in messages: `service-edges:platform`, `MeshTeam "mesh": platformStack`.
 */
export async function readPlatformOutputs(
  platformStack: string,
  where: string,
): Promise<PlatformOutputs> {
  const ref = new pulumi.StackReference(platformStack);
  const read = async (key: keyof PlatformOutputs) => {
    const d = await ref.getOutputDetails(key);
    const value = d.value ?? d.secretValue;
    if (value === undefined) {
      throw new pulumi.RunError(
        `${where}: the stack ${platformStack} has no output ${key}. Fix: deploy the platform stack first (pulumi up -s ${platformStack}), or check the stack name.`,
      );
    }
    return value;
  };
  return {
    namePrefix: await read("namePrefix"),
    location: await read("location"),
    addressSpace: await read("addressSpace"),
    // A platform deployed before several virtual networks existed has one, and no such output.
    vnets: (await ref.getOutputDetails("vnets")).value ?? {},
    tenantId: await read("tenantId"),
    vnetId: await read("vnetId"),
    registry: await read("registry"),
  } as PlatformOutputs;
}
