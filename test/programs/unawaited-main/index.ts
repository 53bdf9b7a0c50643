/**
 * main() reads its mesh from a file (a turn of the event loop before anything is registered) and
 * is called, never awaited or exported. With `unawaited-main:empty` it registers nothing at all.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ServiceMesh, type ServiceMeshArgs } from "service-edges";

const config = new pulumi.Config();

async function main() {
  if (config.getBoolean("empty")) return;
  const text = await fs.readFile(path.join(__dirname, "mesh.json"), "utf8");
  // A timer as well: the engine waits for whatever the program waits on.
  await new Promise((resolve) => setTimeout(resolve, 20));
  new ServiceMesh("mesh", { location: "westeurope", ...(JSON.parse(text) as ServiceMeshArgs) });
}

void main();
