import {
  ORDERS_SUBNET_ID,
  RG,
  U,
  UNKNOWN,
  VNET_ID,
  baseline,
  mutate,
  plus,
  resource,
  separateSubnet,
  urn,
} from "./fixtures";
import { assertHasViolation, assertNoViolation } from "./helpers";

const POLICY = "integration-subnet-service-endpoint";
const TAIL =
  "but has no Microsoft.Web service endpoint, so its calls reach App Service from public " +
  'addresses and subnet access rules never match them. Fix: add { service: "Microsoft.Web" } ' +
  "to the subnet's serviceEndpoints.";

function violation(subject: string, at: string) {
  return {
    policy: POLICY,
    enforcementLevel: "mandatory" as const,
    urn: at,
    message: `${subject} ${TAIL}`,
  };
}

const INLINE = `VirtualNetwork "mesh-vnet" subnet "snet-orders"`;

describe(POLICY, () => {
  it("passes the baseline", () => assertNoViolation(baseline(), POLICY));

  it("refuses a delegated inline subnet without the endpoint", () =>
    assertHasViolation(
      mutate(baseline(), "mesh-vnet", (p) => (p.subnets[0].serviceEndpoints = [])),
      violation(`${INLINE} is delegated to Microsoft.Web/serverFarms`, U.vnet),
    ));

  it("refuses a delegated Subnet resource with only other endpoints", () =>
    assertHasViolation(
      mutate(
        separateSubnet(),
        "orders-subnet",
        (p) => (p.serviceEndpoints = [{ service: "Microsoft.Storage" }]),
      ),
      violation(`Subnet "orders-subnet" is delegated to Microsoft.Web/serverFarms`, U.ordersSubnet),
    ));

  it("refuses a subnet an app integrates into, even when not (yet) delegated", () =>
    assertHasViolation(
      mutate(baseline(), "mesh-vnet", (p) => {
        p.subnets[0].serviceEndpoints = undefined;
        p.subnets[0].delegations = [];
      }),
      violation(`${INLINE} is the integration subnet of WebApp "orders-app"`, U.vnet),
    ));

  it("refuses a subnet admitted by an access rule", () => {
    const vms = `${VNET_ID}/subnets/snet-vms`;
    return assertHasViolation(
      plus(
        mutate(baseline(), "billing-app", (p) =>
          p.siteConfig.ipSecurityRestrictions.push({
            action: "Allow",
            priority: 200,
            vnetSubnetResourceId: vms,
          }),
        ),
        resource("azure-native:network:Subnet", "vms-subnet", {
          id: vms,
          resourceGroupName: RG,
          virtualNetworkName: "vnet-mesh",
          subnetName: "snet-vms",
          addressPrefix: "10.40.1.0/24",
        }),
      ),
      violation(
        `Subnet "vms-subnet" is admitted by an access rule of WebApp "billing-app"`,
        urn("azure-native:network:Subnet", "vms-subnet"),
      ),
    );
  });

  it("does not judge an unrelated subnet", () =>
    assertNoViolation(
      mutate(baseline(), "mesh-vnet", (p) =>
        p.subnets.push({ name: "snet-vms", addressPrefix: "10.40.1.0/24" }),
      ),
      POLICY,
    ));

  it("stays quiet while the endpoints are unknown", async () => {
    await assertNoViolation(
      mutate(baseline(), "mesh-vnet", (p) => (p.subnets[0].serviceEndpoints = UNKNOWN)),
      POLICY,
    );
    await assertNoViolation(
      mutate(
        baseline(),
        "mesh-vnet",
        (p) => (p.subnets[0].serviceEndpoints = [{ service: UNKNOWN }]),
      ),
      POLICY,
    );
  });

  it("finds a subnet referenced through a swift connection", () =>
    assertHasViolation(
      plus(
        mutate(
          mutate(baseline(), "mesh-vnet", (p) => {
            p.subnets[0].serviceEndpoints = [];
            p.subnets[0].delegations = [];
          }),
          "orders-app",
          (p) => delete p.virtualNetworkSubnetId,
        ),
        resource("azure-native:web:WebAppSwiftVirtualNetworkConnection", "orders-swift", {
          resourceGroupName: RG,
          name: "app-orders",
          subnetResourceId: ORDERS_SUBNET_ID,
        }),
      ),
      violation(`${INLINE} is the integration subnet of WebApp "orders-app"`, U.vnet),
    ));
});
