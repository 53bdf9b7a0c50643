import { RG, U, UNKNOWN, VNET_ID, baseline, mutate, plus, resource, urn } from "./fixtures";
import { assertHasViolation, assertNoViolation } from "./helpers";

const POLICY = "vnet-rule-source-is-integration-subnet";
const VMS = `${VNET_ID}/subnets/snet-vms`;

function admitting(action: string, delegations: unknown) {
  return plus(
    mutate(baseline(), "billing-app", (p) =>
      p.siteConfig.ipSecurityRestrictions.push({
        action,
        priority: 200,
        vnetSubnetResourceId: VMS,
      }),
    ),
    resource("azure-native:network:Subnet", "vms-subnet", {
      id: VMS,
      resourceGroupName: RG,
      virtualNetworkName: "vnet-mesh",
      subnetName: "snet-vms",
      addressPrefix: "10.40.1.0/24",
      serviceEndpoints: [{ service: "Microsoft.Web" }],
      delegations,
    }),
  );
}

describe(POLICY, () => {
  it("passes the baseline", () => assertNoViolation(baseline(), POLICY));

  it("warns about a subnet rule admitting a general-purpose subnet", () =>
    assertHasViolation(admitting("Allow", []), {
      policy: POLICY,
      enforcementLevel: "advisory",
      urn: U.billingApp,
      message:
        `WebApp "billing-app" admits Subnet "vms-subnet", which is not delegated to ` +
        `Microsoft.Web/serverFarms, so any resource placed in it can call the site, not just one ` +
        `caller app. Fix: admit the caller's own App Service integration subnet instead ` +
        `(delegated to Microsoft.Web/serverFarms), or disable this policy for a reviewed ` +
        `non-App-Service caller.`,
    }));

  it("passes Deny rules and stays quiet on unknown delegations", async () => {
    await assertNoViolation(admitting("Deny", []), POLICY);
    await assertNoViolation(admitting("Allow", UNKNOWN), POLICY);
  });

  it("can be switched off or made mandatory through config", async () => {
    await assertNoViolation(admitting("Allow", []), POLICY, {
      config: { [POLICY]: { enforcementLevel: "disabled" } },
    });
    await assertHasViolation(
      admitting("Allow", []),
      {
        policy: POLICY,
        enforcementLevel: "mandatory",
        urn: urn("azure-native:web:WebApp", "billing-app"),
        message:
          `WebApp "billing-app" admits Subnet "vms-subnet", which is not delegated to ` +
          `Microsoft.Web/serverFarms, so any resource placed in it can call the site, not just ` +
          `one caller app. Fix: admit the caller's own App Service integration subnet instead ` +
          `(delegated to Microsoft.Web/serverFarms), or disable this policy for a reviewed ` +
          `non-App-Service caller.`,
      },
      { config: { [POLICY]: { enforcementLevel: "mandatory" } } },
    );
  });
});
