/**
 * A user's program that declares its mesh with ServiceMesh, as README "Using the component in your
 * own program" shows. `test:case` picks the args: `plain` values, `computed` (the same values,
 * with the Front Door id and an owner as Outputs of other resources), `bad` (errors in the args),
 * `computed-sku` (an Output where the graph needs a value), `namespace` (read from `myinfra:`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ServiceMesh, type ServiceMeshArgs, meshArgsFromConfig } from "service-edges";

export const FRONT_DOOR_ID = "3c5e1d2a-8f4b-4c6d-9e0f-1a2b3c4d5e6f";
export const OWNER = "6c2f0a52-96ab-4c2e-9c0d-2b3f7c5c1e11";
export const OTHER_OWNER = "0b8e7f3a-1d2c-4e5f-8a9b-0c1d2e3f4a5b";

const which = new pulumi.Config("test").require("case");

/** An Output of another resource in the program, as a Front Door profile's id would be. */
function computed(value: string): pulumi.Output<string> {
  const r = new random.RandomString(`computed-${value.slice(0, 8)}`, { length: 8 });
  return r.result.apply(() => value);
}

function args(kind: string): ServiceMeshArgs {
  const out = kind === "computed";
  return {
    namePrefix: "acme-pay",
    location: "westeurope",
    network: { addressSpace: "10.40.0.0/16", vnets: { b: "10.41.0.0/16" } },
    services: {
      storefront: {
        kind: "app",
        sku: "P1v3",
        maxInstances: 4,
        subnet: "10.41.0.0/28",
        ingress: ["AzureFrontDoor.Backend"],
        frontDoorId: out ? computed(FRONT_DOOR_ID) : FRONT_DOOR_ID,
      },
      payments: {
        kind: "function",
        sku: kind === "bad" ? "F1" : "EP1",
        maxInstances: 10,
        roles: ["Payments.Charge"],
      },
    },
    edges: [
      {
        from: "storefront",
        to: kind === "bad" ? "payment" : "payments",
        roles: ["Payments.Charge"],
      },
    ],
    owners: [OWNER, out ? computed(OTHER_OWNER) : OTHER_OWNER],
  };
}

function meshArgs(): ServiceMeshArgs {
  if (which === "namespace") return meshArgsFromConfig("myinfra");
  if (which === "computed-sku") {
    const a = args("plain");
    a.services.payments.sku = computed("EP1") as unknown as string;
    return a;
  }
  return args(which);
}

const mesh = new ServiceMesh("payments-mesh", meshArgs());
export const accessMatrix = mesh.accessMatrix;
