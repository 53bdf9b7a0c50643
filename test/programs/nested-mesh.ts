/**
 * A program that keeps its mesh inside a component of its own: the mesh's URN, and every child's,
 * carry the outer component's type (`acme:index:Platform$service-edges:index:ServiceMesh`).
 */
import * as pulumi from "@pulumi/pulumi";
import { ServiceMesh } from "service-edges";

class Platform extends pulumi.ComponentResource {
  readonly accessMatrix: ServiceMesh["accessMatrix"];
  constructor(name: string) {
    super("acme:index:Platform", name);
    const mesh = new ServiceMesh(
      "mesh",
      {
        namePrefix: "acme",
        location: "westeurope",
        network: { addressSpace: "10.5.0.0/16" },
        services: {
          a: { kind: "app", sku: "P1v3", maxInstances: 2, subnet: "10.5.0.0/28" },
          b: { kind: "app", sku: "P1v3", maxInstances: 2, roles: ["B.Read"] },
        },
        edges: [{ from: "a", to: "b", roles: ["B.Read"] }],
      },
      { parent: this },
    );
    this.accessMatrix = mesh.accessMatrix;
    this.registerOutputs({});
  }
}

export const accessMatrix = new Platform("platform").accessMatrix;
