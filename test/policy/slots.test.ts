/**
 * A deployment slot is a second front door to its site's identity and code: a slot of a mesh site
 * is judged as a mesh site, however the slot names its site (inputs, read-back outputs, or an
 * output of the site that is unknown in preview).
 */
import { BILLING_APP_ID, RG, U, UNKNOWN, baseline, plus, resource, urn } from "./fixtures";
import { assertHasViolation, assertNoViolation } from "./helpers";

const POLICY = "mesh-site-default-deny";
const SLOT = urn("azure-native:web:WebAppSlot", "billing-staging");
const CLOSED = {
  ipSecurityRestrictionsDefaultAction: "Deny",
  scmIpSecurityRestrictionsUseMain: true,
};

/** billing's staging slot as ARM reads it back: `name` is `{site}/{slot}`, with `id`. */
function readBackSlot(siteConfig: Record<string, unknown>) {
  return resource("azure-native:web:WebAppSlot", "billing-staging", {
    id: `${BILLING_APP_ID}/slots/staging`,
    resourceGroup: RG,
    name: "app-billing/staging",
    siteConfig,
  });
}

/** The slot in a first preview: its site's name is an output, unknown; only the dependency says. */
function previewSlot(siteConfig: Record<string, unknown>) {
  return resource(
    "azure-native:web:WebAppSlot",
    "billing-staging",
    { resourceGroupName: RG, name: UNKNOWN, slot: "staging", siteConfig },
    { name: [U.billingApp] },
  );
}

const OPEN_SLOT = [
  `WebAppSlot "billing-staging" is a mesh site (a deployment slot of WebApp "billing-app") but ` +
    `its unmatched-traffic action (siteConfig.ipSecurityRestrictionsDefaultAction) is unset, so ` +
    `the platform lets every caller in: the list holds no rule. Fix: set ` +
    `siteConfig.ipSecurityRestrictionsDefaultAction to "Deny", and admit each caller with a ` +
    `subnet rule (vnetSubnetResourceId) for its integration subnet.`,
  `WebAppSlot "billing-staging" leaves its SCM (Kudu) site open: ` +
    `scmIpSecurityRestrictionsUseMain is unset and scmIpSecurityRestrictionsDefaultAction is ` +
    `unset. Fix: set siteConfig.scmIpSecurityRestrictionsUseMain to true (or give the SCM site ` +
    `its own "Deny" default).`,
].map((message) => ({
  policy: POLICY,
  enforcementLevel: "mandatory" as const,
  urn: SLOT,
  message,
}));

describe("deployment slots of mesh sites", () => {
  it("passes a closed slot read back as {site}/{slot}", () =>
    assertNoViolation(plus(baseline(), readBackSlot(CLOSED)), POLICY));

  it("refuses an unrestricted slot read back as {site}/{slot}, main and SCM", () =>
    assertHasViolation(plus(baseline(), readBackSlot({})), OPEN_SLOT));

  it("passes a closed slot whose site name is unknown (preview)", () =>
    assertNoViolation(plus(baseline(), previewSlot(CLOSED)), POLICY));

  it("refuses an unrestricted slot whose site name is unknown, through its dependency (preview)", () =>
    assertHasViolation(plus(baseline(), previewSlot({})), OPEN_SLOT));
});
