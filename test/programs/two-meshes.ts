/** A team's program with two meshes in one stack, each with its own name and name prefix. */
import { ServiceMesh, type ServiceMeshArgs } from "service-edges";

const graph = (addressSpace: string): ServiceMeshArgs => ({
  network: { addressSpace },
  services: {
    a: { kind: "app", sku: "P1v3", maxInstances: 2, subnet: addressSpace.replace("/16", "/28") },
    b: { kind: "app", sku: "P1v3", maxInstances: 2, roles: ["B.Read"] },
  },
  edges: [{ from: "a", to: "b", roles: ["B.Read"] }],
  location: "westeurope",
});

export const blue = new ServiceMesh("blue", { ...graph("10.1.0.0/16"), namePrefix: "blue" })
  .accessMatrix;
export const green = new ServiceMesh("green", { ...graph("10.2.0.0/16"), namePrefix: "green" })
  .accessMatrix;
