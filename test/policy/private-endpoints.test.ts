/**
 * The private-endpoint layer (network.inbound: privateEndpoints, or the same written by hand): a
 * good baseline (billing reached only through its endpoint, whose subnet's NSG admits orders'
 * integration subnet and denies everything else), then one mutation per rule, with the exact
 * message. The service-endpoint rules keep holding for endpoints that are not NSG-filtered
 * (no-private-endpoint-callee.test.ts).
 */
import { BILLING_APP_ID, RG, SUB, U, mutate, plus, resource, urn } from "./fixtures";
import {
  ALLOW_ORDERS,
  DENY_ALL,
  NSG_TYPE,
  PE_TYPE,
  nsgRules,
  privateBaseline,
} from "./private-fixtures";
import { assertHasViolation, assertNoViolation } from "./helpers";

const PE = 'PrivateEndpoint "billing-pe"';
const SITE = 'WebApp "billing-app"';
const NSG = 'NetworkSecurityGroup "endpoints-nsg"';
const SUBNET = 'VirtualNetwork "mesh-vnet" subnet "snet-endpoints"';
const TO = `${PE} (${SITE})`;

describe("private-endpoint layer", () => {
  it("passes the baseline: every policy of the pack", () => assertNoViolation(privateBaseline()));

  it("passes the step between the modes: endpoints while the sites are still public", () =>
    assertNoViolation(
      mutate(
        mutate(privateBaseline(), "billing-app", (p) => (p.publicNetworkAccess = "Enabled")),
        "orders-app",
        (p) => (p.publicNetworkAccess = "Enabled"),
      ),
    ));

  it("passes NSG rules written as separate SecurityRule resources", () =>
    assertNoViolation(
      plus(
        nsgRules([]),
        ...[ALLOW_ORDERS, DENY_ALL].map((r) =>
          resource(
            "azure-native:network:SecurityRule",
            r.name,
            { ...r, resourceGroupName: RG, networkSecurityGroupName: "nsg-endpoints" },
            { networkSecurityGroupName: [urn(NSG_TYPE, "endpoints-nsg")] },
          ),
        ),
      ),
    ));

  it("reads separate SecurityRule resources: without the separate Deny, the VNet gets in", () =>
    assertHasViolation(
      plus(
        nsgRules([]),
        resource(
          "azure-native:network:SecurityRule",
          ALLOW_ORDERS.name,
          { ...ALLOW_ORDERS, resourceGroupName: RG, networkSecurityGroupName: "nsg-endpoints" },
          { networkSecurityGroupName: [urn(NSG_TYPE, "endpoints-nsg")] },
        ),
      ),
      {
        policy: "private-endpoint-nsg-denies-virtual-network",
        enforcementLevel: "mandatory",
        urn: urn(NSG_TYPE, "endpoints-nsg"),
        message:
          `${NSG} leaves VirtualNetwork traffic to ${TO} to Azure's default rule ` +
          `AllowVnetInBound (65000), which admits every address of the VNet, its peered VNets ` +
          `and on-premises ranges. Fix: add an inbound Deny rule for every source ("*", any ` +
          `protocol and port) with a priority after the callers' Allow rules and before 65000 ` +
          `(e.g. 4096).`,
      },
    ));

  it("passes a range the site declares (an IP rule of its access restrictions)", () =>
    assertNoViolation(
      mutate(
        nsgRules([
          { ...ALLOW_ORDERS, sourceAddressPrefixes: ["10.40.0.0/27", "10.50.0.0/24"] },
          DENY_ALL,
        ]),
        "billing-app",
        (p) =>
          p.siteConfig.ipSecurityRestrictions.push({
            name: "gateway",
            action: "Allow",
            priority: 300,
            ipAddress: "10.50.0.0/24",
          }),
      ),
    ));

  describe("private-endpoint-subnet-enforces-nsg", () => {
    const POLICY = "private-endpoint-subnet-enforces-nsg";
    it("refuses an endpoint whose subnet does not enforce NSGs", () =>
      assertHasViolation(
        mutate(
          privateBaseline(),
          "mesh-vnet",
          (p) => delete p.subnets[1].privateEndpointNetworkPolicies,
        ),
        {
          policy: POLICY,
          enforcementLevel: "mandatory",
          urn: urn(PE_TYPE, "billing-pe"),
          message:
            `${PE} reaches mesh site ${SITE} from ${SUBNET}, whose privateEndpointNetworkPolicies ` +
            `is unset (Disabled), so NSG rules do not apply to the endpoint and every host with ` +
            `line of sight to it can call the site. Fix: set privateEndpointNetworkPolicies to ` +
            `"NetworkSecurityGroupEnabled" on that subnet, and give it an NSG that admits to the ` +
            `endpoint only the site's callers' integration subnets (TCP 443) and denies ` +
            `everything else ahead of 65000.`,
        },
      ));
    it("refuses an endpoint whose subnet has no NSG", () =>
      assertHasViolation(
        mutate(privateBaseline(), "mesh-vnet", (p) => delete p.subnets[1].networkSecurityGroup),
        {
          policy: POLICY,
          enforcementLevel: "mandatory",
          urn: urn(PE_TYPE, "billing-pe"),
          message:
            `${PE} reaches mesh site ${SITE} from ${SUBNET}, which enforces NSGs on private ` +
            `endpoints but has no network security group, so every host with line of sight to ` +
            `the endpoint can call the site. Fix: attach an NSG to the subnet ` +
            `(networkSecurityGroup.id) that admits to the endpoint only the site's callers' ` +
            `integration subnets (TCP 443) and denies everything else ahead of 65000.`,
        },
      ));
  });

  describe("private-endpoint-nsg-denies-virtual-network", () => {
    it("refuses an NSG that leaves the VirtualNetwork to AllowVnetInBound", () =>
      assertHasViolation(nsgRules([ALLOW_ORDERS]), {
        policy: "private-endpoint-nsg-denies-virtual-network",
        enforcementLevel: "mandatory",
        urn: urn(NSG_TYPE, "endpoints-nsg"),
        message:
          `${NSG} leaves VirtualNetwork traffic to ${TO} to Azure's default rule ` +
          `AllowVnetInBound (65000), which admits every address of the VNet, its peered VNets ` +
          `and on-premises ranges. Fix: add an inbound Deny rule for every source ("*", any ` +
          `protocol and port) with a priority after the callers' Allow rules and before 65000 ` +
          `(e.g. 4096).`,
      }));
    it("a Deny for the VNet's own range only still leaves peered VNets in", () =>
      assertHasViolation(
        nsgRules([ALLOW_ORDERS, { ...DENY_ALL, sourceAddressPrefix: "10.40.0.0/16" }]),
        {
          policy: "private-endpoint-nsg-denies-virtual-network",
          enforcementLevel: "mandatory",
          urn: urn(NSG_TYPE, "endpoints-nsg"),
          message:
            `${NSG} leaves VirtualNetwork traffic to ${TO} to Azure's default rule ` +
            `AllowVnetInBound (65000), which admits every address of the VNet, its peered VNets ` +
            `and on-premises ranges. Fix: add an inbound Deny rule for every source ("*", any ` +
            `protocol and port) with a priority after the callers' Allow rules and before 65000 ` +
            `(e.g. 4096).`,
        },
      ));
  });

  describe("private-endpoint-nsg-admits-only-callers", () => {
    const POLICY = "private-endpoint-nsg-admits-only-callers";
    const violation = (message: string) => ({
      policy: POLICY,
      enforcementLevel: "mandatory" as const,
      urn: urn(NSG_TYPE, "endpoints-nsg"),
      message,
    });
    /** orders' integration subnet, admitted by `rule` while orders holds no grant on billing. */
    const orders = (rule: string) =>
      violation(
        `${NSG} admits VirtualNetwork "mesh-vnet" subnet "snet-orders" (10.40.0.0/27), the ` +
          `integration subnet of WebApp "orders-app", to ${TO} by rule ${rule}, but WebApp ` +
          `"orders-app" is no declared caller of ${SITE}: none of its identities ` +
          `(UserAssignedIdentity "orders-identity") holds an app role assignment on ` +
          `ServicePrincipal "billing-sp". Fix: remove 10.40.0.0/27 from that rule's sources, or ` +
          `declare the edge (an app role assignment of the caller's identity on the callee's ` +
          `service principal).`,
      );
    const range = (prefix: string) =>
      violation(
        `${NSG} admits ${prefix} to ${TO} by rule "allow-billing-callers" (priority 200), but ` +
          `${prefix} is neither a declared caller's integration subnet nor a range ${SITE} ` +
          `declares (an IP rule of its access restrictions, its service-edges-ingress tag). Fix: ` +
          `remove it from that rule's sources; admit to each endpoint only its callers' ` +
          `integration subnets and its declared ingress ranges.`,
      );
    const vnetTag = (priority: number) =>
      violation(
        `${NSG} admits "VirtualNetwork" to ${TO} by rule "allow-vnet" (priority ${priority}): ` +
          `that source takes in every address of the VNet, its peered VNets and on-premises ` +
          `ranges (or more). Fix: name the callers' integration subnets instead, and deny ` +
          `everything else ahead of 65000.`,
      );
    /** The baseline without orders' grant on billing, its NSG holding `rules`. */
    const undeclared = (rules: unknown[]) =>
      mutate(
        privateBaseline().filter((r) => r.name !== "orders-to-billing"),
        "endpoints-nsg",
        (p) => (p.securityRules = rules),
      );
    const allowVnet = {
      ...ALLOW_ORDERS,
      name: "allow-vnet",
      sourceAddressPrefixes: ["VirtualNetwork"],
    };

    it("refuses the integration subnet of a site that is no declared caller", () =>
      assertHasViolation(
        privateBaseline().filter((r) => r.name !== "orders-to-billing"),
        orders(`"allow-billing-callers" (priority 200)`),
      ));
    it("refuses a range the site does not declare", () =>
      assertHasViolation(
        nsgRules([
          { ...ALLOW_ORDERS, sourceAddressPrefixes: ["10.40.0.0/27", "192.168.0.0/24"] },
          DENY_ALL,
        ]),
        range("192.168.0.0/24"),
      ));
    it("refuses the VirtualNetwork tag as a source (ahead of the Deny)", () =>
      assertHasViolation(
        nsgRules([ALLOW_ORDERS, { ...allowVnet, priority: 300 }, DENY_ALL]),
        vnetTag(300),
      ));
    // Which integration subnets the policy asks about: those an Allow source overlaps, whether
    // the source covers the subnet, lies inside it, or is a tag that takes in the whole VNet.
    it("refuses an undeclared caller's subnet inside a wider range the rule names", () =>
      assertHasViolation(
        undeclared([{ ...ALLOW_ORDERS, sourceAddressPrefixes: ["10.40.0.0/16"] }, DENY_ALL]),
        [orders(`"allow-billing-callers" (priority 200)`), range("10.40.0.0/16")],
      ));
    it("refuses an undeclared caller's subnet that a VirtualNetwork source takes in", () =>
      assertHasViolation(undeclared([allowVnet, DENY_ALL]), [
        orders(`"allow-vnet" (priority 200)`),
        vnetTag(200),
      ]));
    it("passes a range inside a declared caller's subnet", () =>
      assertNoViolation(
        nsgRules([{ ...ALLOW_ORDERS, sourceAddressPrefixes: ["10.40.0.8/29"] }, DENY_ALL]),
      ));
    it("refuses a range inside an undeclared caller's subnet as a range", () =>
      assertHasViolation(
        undeclared([{ ...ALLOW_ORDERS, sourceAddressPrefixes: ["10.40.0.8/29"] }, DENY_ALL]),
        range("10.40.0.8/29"),
      ));
    it("an Allow that comes after the Deny admits nothing", () =>
      assertNoViolation(
        nsgRules([
          ALLOW_ORDERS,
          DENY_ALL,
          { ...ALLOW_ORDERS, name: "late", priority: 4095 + 2, sourceAddressPrefixes: ["*"] },
        ]),
      ));
  });

  describe("private-endpoint-in-mesh-subnet", () => {
    it("refuses a second endpoint from a subnet the stack does not hold", () => {
      const other = `${SUB}/resourceGroups/rg-other/providers/Microsoft.Network/virtualNetworks/vnet-other/subnets/snet-pe`;
      return assertHasViolation(
        plus(
          privateBaseline(),
          resource(PE_TYPE, "billing-pe-2", {
            resourceGroupName: "rg-other",
            privateEndpointName: "pe-billing-2",
            subnet: { id: other, privateEndpointNetworkPolicies: "NetworkSecurityGroupEnabled" },
            privateLinkServiceConnections: [
              { name: "billing", privateLinkServiceId: BILLING_APP_ID, groupIds: ["sites"] },
            ],
          }),
        ),
        {
          policy: "private-endpoint-in-mesh-subnet",
          enforcementLevel: "mandatory",
          urn: urn(PE_TYPE, "billing-pe-2"),
          message:
            `PrivateEndpoint "billing-pe-2" reaches mesh site ${SITE} from subnet ` +
            `"${other.toLowerCase()}", which is not one of the mesh's private-endpoint subnets (a ` +
            `subnet of this stack), so an NSG the mesh does not control decides who calls the ` +
            `site through it. Fix: remove that private endpoint; callers reach the site through ` +
            `its endpoint in the mesh's private-endpoint subnet, whose NSG admits only its callers.`,
        },
      );
    });
  });

  describe("private-mesh-site-public-access-disabled", () => {
    it("refuses a caller that keeps public access on in private mode", () =>
      assertHasViolation(
        mutate(privateBaseline(), "orders-app", (p) => (p.publicNetworkAccess = "Enabled")),
        {
          policy: "private-mesh-site-public-access-disabled",
          enforcementLevel: "mandatory",
          urn: U.ordersApp,
          message:
            `WebApp "orders-app" is a caller of a mesh on private endpoints but sets ` +
            `publicNetworkAccess "Enabled", so its public endpoint is a way in that the ` +
            `private-endpoint NSG does not filter (and landing zones deny it). Fix: set ` +
            `publicNetworkAccess to "Disabled".`,
        },
      ));
  });

  describe("no-private-endpoint-callee, in private mode", () => {
    it("still refuses an endpoint whose subnet reference states no NSG enforcement", () =>
      assertHasViolation(
        mutate(
          privateBaseline(),
          "billing-pe",
          (p) => delete p.subnet.privateEndpointNetworkPolicies,
        ),
        {
          policy: "no-private-endpoint-callee",
          enforcementLevel: "mandatory",
          urn: urn(PE_TYPE, "billing-pe"),
          message:
            `${PE} connects to App Service site "app-billing" through ` +
            `privateLinkServiceConnections. App Service access restrictions and NSGs never ` +
            `filter traffic that arrives through a private endpoint, so every host with network ` +
            `line of sight to the endpoint could call the site. Fix: remove the private ` +
            `endpoint, and let callers reach the site on its public endpoint only once that ` +
            `endpoint is closed: ipSecurityRestrictionsDefaultAction "Deny", the SCM site ` +
            `restricted too, and subnet (vnetSubnetResourceId) rules that admit only the ` +
            `callers' integration subnets.`,
        },
      ));
  });
});
