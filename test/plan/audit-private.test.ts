/**
 * `audit` on the private-endpoint layer: the audit fixture's deployment with billing moved behind
 * a private endpoint (public access off; the endpoint's subnet enforces NSGs; its NSG admits
 * billing's declared callers, orders and reports, on TCP 443 and denies everything else), read
 * from the state export and from `az network` output (--network).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type AuditReport, audit, readNetwork, readState } from "@service-edges/cli/audit";
import { readStackConfig } from "@service-edges/cli/stack-config";
import { ROOT } from "../fixtures";
import type { StackExport } from "../fixtures/audit/stack-export";

const FIX = path.join(ROOT, "test/fixtures/audit");
const CONFIG = path.join(FIX, "Pulumi.dev.yaml");
const SUB = "/subscriptions/9aaa242e-3cc0-507a-a521-23278ab14903";
const NET = `${SUB}/resourceGroups/edges-dev-network/providers/Microsoft.Network`;
const VNET = `${NET}/virtualNetworks/edges-dev-vnet`;
const PE_SUBNET = `${VNET}/subnets/pe-10-40-1-0-25`;
const NSG_ID = `${NET}/networkSecurityGroups/edges-dev-nsg-pe-10-40-1-0-25`;
const ASG_ID = `${NET}/applicationSecurityGroups/edges-dev-billing-asg`;
const PE_ID = `${NET}/privateEndpoints/edges-dev-billing-pe`;
const BILLING = `${SUB}/resourceGroups/edges-dev-g28/providers/Microsoft.Web/sites/edges-dev-billing`;

type Obj = Record<string, unknown>;
type Resource = Obj & { urn: string; type: string; inputs?: Obj; outputs?: Obj };

const ALLOW = {
  name: "allow-billing-callers",
  priority: 1305,
  direction: "Inbound",
  access: "Allow",
  protocol: "Tcp",
  sourceAddressPrefixes: ["10.40.0.32/28", "10.40.0.48/28"],
  sourcePortRange: "*",
  destinationApplicationSecurityGroups: [{ id: ASG_ID }],
  destinationPortRange: "443",
};
const DENY = {
  name: "deny-all-else",
  priority: 4096,
  direction: "Inbound",
  access: "Deny",
  protocol: "*",
  sourceAddressPrefix: "*",
  sourcePortRange: "*",
  destinationAddressPrefix: "*",
  destinationPortRange: "*",
};

const urn = (type: string, name: string) => `urn:pulumi:dev::service-edges::${type}::${name}`;

function privateState(rules: Obj[] = [ALLOW, DENY], policies = "NetworkSecurityGroupEnabled") {
  const state = JSON.parse(fs.readFileSync(path.join(FIX, "state.json"), "utf8")) as StackExport;
  const resources = state.deployment.resources as Resource[];
  for (const r of resources) {
    if (r.type === "azure-native:web:WebApp" && r.urn.endsWith("::mesh-billing")) {
      r.outputs!.publicNetworkAccess = "Disabled";
    }
    if (r.type === "azure-native:network:VirtualNetwork") {
      (r.outputs!.subnets as Obj[]).push({
        name: "pe-10-40-1-0-25",
        id: PE_SUBNET,
        addressPrefix: "10.40.1.0/25",
        networkSecurityGroup: { id: NSG_ID },
        privateEndpointNetworkPolicies: policies,
      });
    }
  }
  const add = (type: string, name: string, id: string, outputs: Obj) =>
    resources.push({ urn: urn(type, name), type, id, custom: true, inputs: outputs, outputs });
  add("azure-native:network:NetworkSecurityGroup", "mesh-network-pe", NSG_ID, {
    name: "edges-dev-nsg-pe-10-40-1-0-25",
    securityRules: rules,
  });
  add("azure-native:network:PrivateEndpoint", "mesh-private-endpoints-billing", PE_ID, {
    name: "edges-dev-billing-pe",
    subnet: { id: PE_SUBNET },
    applicationSecurityGroups: [{ id: ASG_ID }],
    privateLinkServiceConnections: [
      {
        name: "billing",
        privateLinkServiceId: BILLING,
        groupIds: ["sites"],
        privateLinkServiceConnectionState: { status: "Approved" },
      },
    ],
    customDnsConfigs: [{ fqdn: "edges-dev-billing.azurewebsites.net", ipAddresses: ["10.40.1.4"] }],
  });
  return state;
}

let tmp: string;
let n = 0;
function write(doc: unknown): string {
  const file = path.join(tmp, `${n++}.json`);
  fs.writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

function run(state: StackExport, network?: unknown): AuditReport {
  const config = readStackConfig(CONFIG, "dev");
  return audit({
    config,
    state: readState(write(state)),
    ...(network ? { network: readNetwork(write(network)) } : {}),
  });
}
const messages = (r: AuditReport) =>
  r.findings.map((f) => `${f.kind} ${f.layer} ${f.service}: ${f.message}`);
const billingFrom = (r: AuditReport, from: string) =>
  r.access.find((a) => a.from === from && a.to === "billing")?.network;

describe("plan audit: the private-endpoint layer", () => {
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "audit-private-"));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("billing behind its endpoint, its NSG admitting exactly its callers: clean", () => {
    const report = run(privateState());
    assert.deepEqual(messages(report), []);
    assert.deepEqual(billingFrom(report, "orders"), {
      admitted: true,
      by: [
        `NSG rule "allow-billing-callers" (priority 1305) of edges-dev-nsg-pe-10-40-1-0-25, billing's private endpoint edges-dev-billing-pe`,
      ],
    });
  });

  it("an NSG source that is no caller is an extra path, named by its rule", () => {
    const report = run(
      privateState([
        { ...ALLOW, sourceAddressPrefixes: [...ALLOW.sourceAddressPrefixes, "10.40.0.0/27"] },
        DENY,
      ]),
    );
    assert.deepEqual(messages(report), [
      `extra network billing: the NSG rule "allow-billing-callers" (priority 1305) of edges-dev-nsg-pe-10-40-1-0-25 admits web's subnet snet-web to billing's private endpoint edges-dev-billing-pe, but web has no edge to billing`,
    ]);
  });

  it("no explicit Deny: the VirtualNetwork gets in by Azure's default rule", () => {
    assert.deepEqual(messages(run(privateState([ALLOW]))), [
      `extra network billing: edges-dev-nsg-pe-10-40-1-0-25 leaves billing's private endpoint edges-dev-billing-pe to Azure's default rule AllowVnetInBound (65000): every address of the VNet, its peered VNets and on-premises ranges gets in`,
    ]);
  });

  it("a subnet that does not enforce NSGs: every host with line of sight", () => {
    assert.deepEqual(messages(run(privateState([ALLOW, DENY], "Disabled"))), [
      `extra network billing: a private endpoint on billing admits every host with line of sight to the endpoint; access restrictions do not apply to it (private endpoint "edges-dev-billing-pe", Approved)`,
    ]);
  });

  it("a Deny ahead of a caller's Allow: the caller is missing, named by the rule", () => {
    const report = run(
      privateState([
        { ...DENY, name: "deny-reports", priority: 100, sourceAddressPrefix: "10.40.0.48/28" },
        ALLOW,
        DENY,
      ]),
    );
    assert.deepEqual(messages(report), [
      `missing network billing: reports cannot reach billing: the NSG rule "deny-reports" (priority 100) of edges-dev-nsg-pe-10-40-1-0-25 denies reports's subnet to billing's private endpoint edges-dev-billing-pe`,
    ]);
  });

  it("reads an out-of-band edit from az network nsg show (properties nested) over the state", () => {
    const nsgShow = {
      id: NSG_ID,
      name: "edges-dev-nsg-pe-10-40-1-0-25",
      type: "Microsoft.Network/networkSecurityGroups",
      properties: {
        securityRules: [
          {
            name: "allow-billing-callers",
            properties: {
              ...ALLOW,
              name: undefined,
              sourceAddressPrefixes: [...ALLOW.sourceAddressPrefixes, "192.168.7.0/24"],
            },
          },
          { name: "deny-all-else", properties: { ...DENY, name: undefined } },
        ],
        subnets: [{ id: PE_SUBNET }],
      },
    };
    assert.deepEqual(messages(run(privateState(), [nsgShow])), [
      `extra network billing: the NSG rule "allow-billing-callers" (priority 1305) of edges-dev-nsg-pe-10-40-1-0-25 admits addresses in 192.168.7.0/24 to billing's private endpoint edges-dev-billing-pe, which the graph does not declare`,
    ]);
  });
});
