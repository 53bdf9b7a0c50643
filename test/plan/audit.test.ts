/**
 * `plan audit`: the deployed mesh (a `pulumi stack export`, Graph's `appRoleAssignedTo` pages and
 * ARM site reads) against the graph of the stack config.
 *
 * Fixtures (test/fixtures/audit/, see its README): `state.json` is the export of a deployment of
 * `Pulumi.dev.yaml` there (the planner's resources as `DeploymentV3`, with what a refresh reads
 * back); `assignments.json` is billing's `appRoleAssignedTo` collection as Microsoft Graph returns
 * it (https://learn.microsoft.com/en-us/graph/api/resources/approleassignment); `sites.json` is
 * billing as `az webapp show`, `az webapp config show` (ARM `Microsoft.Web/sites/config` `web`,
 * https://learn.microsoft.com/en-us/azure/templates/microsoft.web/sites/config-web) and
 * `az network private-endpoint-connection list` print it.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXIT_MISMATCH, type AuditReport, audit, readState } from "@service-edges/cli/audit";
import { main } from "@service-edges/cli/cli";
import { runPlan } from "@service-edges/cli/run";
import { readStackConfig } from "@service-edges/cli/stack-config";
import { ROOT, clone, planCli } from "../fixtures";
import { type StackExport, secret, toStackExport } from "../fixtures/audit/stack-export";

const FIX = path.join(ROOT, "test/fixtures/audit");
const CONFIG = path.join(FIX, "Pulumi.dev.yaml");
const STATE = path.join(FIX, "state.json");
const ASSIGNMENTS = path.join(FIX, "assignments.json");
const SITES = path.join(FIX, "sites.json");

type Obj = Record<string, unknown>;
type Resource = Obj & { urn: string; type: string; inputs?: Obj; outputs?: Obj };

const readJson = <T>(file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as T;
const baseState = () => readJson<StackExport>(STATE);

let tmp: string;
let n = 0;
/** Writes a fixture variant to a temp file and returns its path. */
function write(doc: unknown, name = "state.json"): string {
  const file = path.join(tmp, `${n++}-${name}`);
  fs.writeFileSync(file, typeof doc === "string" ? doc : JSON.stringify(doc, null, 2));
  return file;
}

function resources(state: StackExport): Resource[] {
  return state.deployment.resources as Resource[];
}

/** The one resource of a type whose URN ends with `::name`. */
function res(state: StackExport, type: string, name: string): Resource {
  const found = resources(state).filter((r) => r.type === type && r.urn.endsWith(`::${name}`));
  assert.equal(found.length, 1, `${type} ${name}`);
  return found[0];
}

const T = {
  app: "azure-native:web:WebApp",
  sp: "azuread:index/servicePrincipal:ServicePrincipal",
  assignment: "azuread:index/appRoleAssignment:AppRoleAssignment",
  mi: "azure-native:managedidentity:UserAssignedIdentity",
  application: "azuread:index/application:Application",
};

const siteConfig = (state: StackExport, service: string) =>
  res(state, T.app, `mesh-${service}`).outputs!.siteConfig as Obj & {
    ipSecurityRestrictions: Obj[];
  };
const principalOf = (state: StackExport, service: string) =>
  res(state, T.mi, `mesh-${service}`).outputs!.principalId as string;
const spOf = (state: StackExport, service: string) =>
  resources(state).find(
    (r) =>
      r.type === T.sp && r.urn.includes("CalleeApplication") && r.urn.endsWith(`::mesh-${service}`),
  )!;
const roleId = (state: StackExport, service: string, role: string) =>
  (
    resources(state).find(
      (r) =>
        r.type === T.application && r.urn.endsWith(`::mesh-${service}`) && r.outputs?.appRoleIds,
    )!.outputs!.appRoleIds as Record<string, string>
  )[role];

/** The plan CLI in-process: exit code, stdout and stderr. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    args,
    (s) => {
      out.push(s);
      return true;
    },
    (s) => {
      err.push(s);
      return true;
    },
  );
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

async function auditJson(...args: string[]): Promise<{ code: number; report: AuditReport }> {
  const r = await cli("audit", "--config", CONFIG, "--json", ...args);
  assert.equal(r.stderr, "");
  return { code: r.code, report: JSON.parse(r.stdout) as AuditReport };
}

const messages = (r: AuditReport) =>
  r.findings.map((f) => `${f.kind} ${f.layer} ${f.service}: ${f.message}`);

describe("plan audit: who can call whom right now, against the graph", () => {
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "audit-"));
  });
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("reads the fixture as a version 3 pulumi stack export with realistic ids", () => {
    const state = baseState();
    assert.equal(state.version, 3);
    assert.equal(resources(state)[0].type, "pulumi:pulumi:Stack");
    const billing = res(state, T.app, "mesh-billing");
    assert.match(
      billing.id as string,
      /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/edges-dev-g\d\d\/providers\/Microsoft\.Web\/sites\/edges-dev-billing$/,
    );
    assert.match(
      billing.provider as string,
      /^urn:pulumi:dev::service-edges::pulumi:providers:azure-native::default_\d+_\d+_\d+::[0-9a-f-]{36}$/,
    );
    assert.equal(readState(STATE).stack, "dev");
  });

  it("a deployment of the graph matches it: exit 0, every edge reachable with exactly its roles", async () => {
    const { code, report } = await auditJson("--state", STATE);
    assert.deepEqual(messages(report), []);
    assert.equal(report.matches, true);
    assert.equal(code, 0);
    assert.equal(report.stack, "dev");
    const graph = readStackConfig(CONFIG, "dev").values["service-edges:edges"] as Array<{
      from: string;
      to: string;
      roles: string[];
    }>;
    for (const e of graph) {
      const a = report.access.find((x) => x.from === e.from && x.to === e.to);
      assert.ok(a, `${e.from} -> ${e.to}`);
      assert.deepEqual(a.declared, [...e.roles].sort());
      assert.equal(a.network.admitted, true);
      assert.deepEqual(a.identity.roles, [...e.roles].sort());
      assert.equal(a.identity.token, true);
    }
    // web is the public front door: everyone reaches it, and nobody else is reached from outside.
    const everyone = report.access.filter((a) => a.from === "everyone");
    assert.deepEqual(
      everyone.map((a) => [a.to, a.network.by]),
      [["web", ['rule "public-ipv4" (0.0.0.0/0)']]],
    );
  });

  it("names every extra and missing path of a drifted deployment, and exits 4", async () => {
    const state = baseState();
    // By hand in the portal, read back by `pulumi refresh`: an Allow-all rule on orders.
    siteConfig(state, "orders").ipSecurityRestrictions.splice(2, 0, {
      ipAddress: "0.0.0.0/0",
      action: "Allow",
      tag: "Default",
      priority: 300,
      name: "vendor-test",
      description: "temporary: vendor load test",
    });
    // web's Orders.Write assignment was deleted (refresh dropped it from the state).
    state.deployment.resources = resources(state).filter(
      (r) => !r.urn.endsWith("::mesh-web.orders.Orders.Write"),
    );
    const r = await planCli(
      "audit",
      "--state",
      write(state),
      "--config",
      CONFIG,
      "--assignments",
      ASSIGNMENTS,
      "--sites",
      SITES,
      "--json",
    );
    assert.equal(r.stderr, "");
    assert.equal(r.code, EXIT_MISMATCH);
    const report = JSON.parse(r.stdout) as AuditReport;
    assert.equal(report.matches, false);
    assert.deepEqual(report.findings, [
      {
        kind: "extra",
        layer: "network",
        service: "billing",
        subject: "private endpoint pe-billing-analytics",
        message:
          'a private endpoint on billing admits every host with line of sight to the endpoint; access restrictions do not apply to it (private endpoint "pe-billing-analytics", Approved)',
      },
      {
        kind: "extra",
        layer: "identity",
        service: "billing",
        subject: "principal 5b7e0c4e-2f1a-4d8b-9c3e-71a0f2d6b845",
        message:
          'principal 5b7e0c4e-2f1a-4d8b-9c3e-71a0f2d6b845 holds Invoices.Write on billing but has no edge (service principal "legacy-ledger-sync", assigned 2025-05-28, not in the Pulumi state)',
      },
      {
        kind: "extra",
        layer: "network",
        service: "orders",
        subject: "everyone",
        message:
          'an Allow 0.0.0.0/0 rule on orders admits everyone (rule "vendor-test", priority 300)',
      },
      {
        kind: "missing",
        layer: "identity",
        service: "orders",
        subject: "web",
        message:
          "web lacks Orders.Write on orders (edge web -> orders): no app role assignment to its managed identity",
      },
    ]);
    // Effective access says the same, per pair.
    const pair = (from: string, to: string) =>
      report.access.find((a) => a.from === from && a.to === to)!;
    assert.deepEqual(pair("web", "orders").identity.roles, ["Orders.Read"]);
    assert.deepEqual(pair("everyone", "orders").network, {
      admitted: true,
      by: ['rule "vendor-test" (0.0.0.0/0)'],
    });
    const legacy = pair("principal 5b7e0c4e-2f1a-4d8b-9c3e-71a0f2d6b845", "billing");
    assert.deepEqual(legacy.identity, { roles: ["Invoices.Write"], token: true });
    assert.equal(legacy.declared, null);
    assert.equal(legacy.network.admitted, null); // depends on where it runs: billing admits no public
    assert.deepEqual(
      pair("private endpoint pe-billing-analytics", "billing").network.admitted,
      true,
    );
    const billing = report.sites.find((s) => s.service === "billing")!;
    assert.deepEqual(billing.privateEndpoints, [
      { name: "pe-billing-analytics", status: "Approved" },
    ]);
    assert.equal(billing.scm.useMain, false);
    assert.equal(billing.scm.defaultAction, "Deny");
  });

  it("prints the same findings grouped by callee as text, and as a markdown table", async () => {
    const state = baseState();
    siteConfig(state, "orders").ipSecurityRestrictions.unshift({
      ipAddress: "0.0.0.0/0",
      action: "Allow",
      priority: 300,
      name: "vendor-test",
    });
    const file = write(state);
    const text = await cli("audit", "--state", file, "--config", CONFIG, "--sites", SITES);
    assert.equal(text.code, EXIT_MISMATCH);
    const lines = text.stdout.split("\n");
    const at = (s: string) => lines.findIndex((l) => l.startsWith(s));
    assert.ok(at("billing (edges-dev-billing)") < at("orders (edges-dev-orders)"));
    assert.equal(
      lines[at("orders (edges-dev-orders)") + 1],
      "  reachable from: everyone, reports, web",
    );
    assert.ok(
      lines.includes(
        '  + network  an Allow 0.0.0.0/0 rule on orders admits everyone (rule "vendor-test", priority 300)',
      ),
    );
    assert.equal(lines[1], "The deployed mesh does not match the graph: 2 differences.");
    assert.ok(lines.includes("catalog (edges-dev-catalog)"));
    assert.equal(lines[at("catalog (edges-dev-catalog)") + 3], "  = matches the graph");

    const md = await cli("audit", "--state", file, "--config", CONFIG, "--format", "markdown");
    assert.equal(md.code, EXIT_MISMATCH);
    assert.match(md.stdout, /^### service-edges audit of `dev`: 1 difference from the graph$/m);
    assert.ok(
      md.stdout.includes(
        '| extra | network | orders | an Allow 0.0.0.0/0 rule on orders admits everyone (rule "vendor-test", priority 300) |',
      ),
    );
    assert.ok(
      md.stdout.includes(
        "| orders | everyone, reports, web | reports (Orders.Read), web (Orders.Read, Orders.Write) |",
      ),
    );
  });

  it("takes Graph as the truth for each collection it holds, as pages or as a flat list", async () => {
    const state = baseState();
    const catalogSp = spOf(state, "catalog").outputs!.objectId as string;
    const read = roleId(state, "catalog", "Catalog.Read");
    const one = (service: string, created: string) => ({
      id: `${service}-assignment-id-0000000000000000000000000`,
      deletedDateTime: null,
      appRoleId: read,
      createdDateTime: created,
      principalDisplayName: `edges-dev-${service}`,
      principalId: principalOf(state, service),
      principalType: "ServicePrincipal",
      resourceDisplayName: "edges-dev-catalog",
      resourceId: catalogSp,
    });
    // inventory's assignment was removed in Entra after the last refresh: the page lacks it.
    const page = {
      "@odata.context": `https://graph.microsoft.com/v1.0/$metadata#servicePrincipals('${catalogSp}')/appRoleAssignedTo`,
      value: [one("orders", "2025-05-12T08:41:21Z"), one("web", "2025-05-12T08:41:22Z")],
    };
    const paged = await auditJson("--state", STATE, "--assignments", write([page], "a.json"));
    assert.equal(paged.code, EXIT_MISMATCH);
    assert.deepEqual(messages(paged.report), [
      "missing identity catalog: inventory lacks Catalog.Read on catalog (edge inventory -> catalog): no app role assignment to its managed identity",
    ]);
    // A flat list carries no @odata.context: it adds to the state, it cannot take away.
    const flat = await auditJson("--state", STATE, "--assignments", write(page.value, "a.json"));
    assert.deepEqual(messages(flat.report), []);
    assert.equal(flat.code, 0);
    // Assignments on service principals that are no callee are not audited, and said so.
    const other = {
      ...one("orders", "2025-05-12T08:41:21Z"),
      resourceId: "11111111-2222-4333-8444-555555555555",
    };
    const noted = await auditJson("--state", STATE, "--assignments", write([other], "a.json"));
    assert.equal(noted.code, 0);
    assert.deepEqual(noted.report.notes, [
      "--assignments holds assignments on 1 service principal that is no callee of this graph (11111111-2222-4333-8444-555555555555); they were not audited",
    ]);
  });

  it("tells apart more roles than the edge, the wrong identity, and default access for a group", async () => {
    const state = baseState();
    const [page] = readJson<Array<{ value: Obj[] }>>(ASSIGNMENTS);
    const billingSp = spOf(state, "billing").outputs!.objectId as string;
    const grant = (principalId: string, appRoleId: string, extra: Obj = {}) => ({
      id: `assignment-${principalId.slice(0, 8)}-${appRoleId.slice(0, 8)}-0000000000000000`,
      appRoleId,
      createdDateTime: "2025-06-01T10:00:00Z",
      principalId,
      principalType: "ServicePrincipal",
      resourceDisplayName: "edges-dev-billing",
      resourceId: billingSp,
      ...extra,
    });
    page.value.push(
      // orders may write invoices; it was also given read.
      grant(principalOf(state, "orders"), roleId(state, "billing", "Invoices.Read")),
      // reports calls as its app registration, but its managed identity was granted too.
      grant(principalOf(state, "reports"), roleId(state, "billing", "Invoices.Read")),
      // A group with default access: every member can get a token for billing.
      grant("9d2f4e61-7a3b-4c5d-8e9f-0a1b2c3d4e5f", "00000000-0000-0000-0000-000000000000", {
        principalType: "Group",
        principalDisplayName: "Finance analysts",
      }),
    );
    const { code, report } = await auditJson(
      "--state",
      STATE,
      "--assignments",
      write([page], "a.json"),
    );
    assert.equal(code, EXIT_MISMATCH);
    assert.deepEqual(messages(report), [
      "extra identity billing: orders holds Invoices.Read on billing beyond its edge, which grants Invoices.Write",
      'extra identity billing: principal 5b7e0c4e-2f1a-4d8b-9c3e-71a0f2d6b845 holds Invoices.Write on billing but has no edge (service principal "legacy-ledger-sync", assigned 2025-05-28, not in the Pulumi state)',
      'extra identity billing: principal 9d2f4e61-7a3b-4c5d-8e9f-0a1b2c3d4e5f holds default access (no role) on billing but has no edge (group "Finance analysts", assigned 2025-06-01, every member of the group holds it, not in the Pulumi state)',
      "extra identity billing: reports holds Invoices.Read on billing through its managed identity, but its edge is granted to its app registration",
    ]);
    const orders = report.access.find((a) => a.from === "orders" && a.to === "billing")!;
    assert.deepEqual(orders.identity.roles, ["Invoices.Read", "Invoices.Write"]);
  });

  it("sees network drift: public access off, a stray vnet rule, an open SCM site, a subnet without its service endpoint", async () => {
    const state = baseState();
    // catalog closed its public endpoint: its vnet rules admit nobody any more.
    res(state, T.app, "mesh-catalog").outputs!.publicNetworkAccess = "Disabled";
    // inventory admits web's subnet, but web has no edge to inventory.
    const web = siteConfig(state, "catalog").ipSecurityRestrictions.find((r) => r.name === "web")!;
    siteConfig(state, "inventory").ipSecurityRestrictions.unshift({ ...web, name: "web-debug" });
    // reports' deployment site was opened for a laptop.
    Object.assign(siteConfig(state, "reports"), {
      scmIpSecurityRestrictions: [
        { ipAddress: "198.51.100.7/32", action: "Allow", priority: 100, name: "laptop" },
        { ipAddress: "Any", action: "Deny", priority: 2147483647, name: "Deny all" },
      ],
    });
    // orders' subnet lost its Microsoft.Web service endpoint.
    const vnet = resources(state).find((r) => r.type === "azure-native:network:VirtualNetwork")!;
    for (const s of vnet.outputs!.subnets as Obj[])
      if (s.name === "snet-orders") s.serviceEndpoints = [];
    const { code, report } = await auditJson("--state", write(state));
    assert.equal(code, EXIT_MISMATCH);
    assert.deepEqual(messages(report), [
      "missing network billing: orders cannot reach billing: its subnet snet-orders has no Microsoft.Web service endpoint, so the vnet rules of billing never match its calls",
      "missing network catalog: inventory cannot reach catalog: public network access on catalog is disabled, and access-restriction rules only admit traffic to its public endpoint",
      "missing network catalog: orders cannot reach catalog: public network access on catalog is disabled, and access-restriction rules only admit traffic to its public endpoint",
      "missing network catalog: web cannot reach catalog: public network access on catalog is disabled, and access-restriction rules only admit traffic to its public endpoint",
      'extra network inventory: a vnet rule on inventory admits web, which has no edge to inventory (subnet snet-web of edges-dev-vnet; rule "web-debug", priority 100)',
      "missing network inventory: orders cannot reach inventory: its subnet snet-orders has no Microsoft.Web service endpoint, so the vnet rules of inventory never match its calls",
      'extra network reports: an Allow 198.51.100.7/32 rule on the SCM (deployment) site of reports admits addresses in 198.51.100.7/32 (rule "laptop", priority 100)',
    ]);
  });

  it("reads the site as az webapp config show prints it: the platform's Allow all rule admits everyone", async () => {
    const site =
      "/subscriptions/9aaa242e-3cc0-507a-a521-23278ab14903/resourceGroups/edges-dev-g08/providers/Microsoft.Web/sites/edges-dev-reports";
    const config = {
      id: `${site}/config/web`,
      name: "edges-dev-reports",
      type: "Microsoft.Web/sites/config",
      ipSecurityRestrictions: [
        {
          ipAddress: "Any",
          action: "Allow",
          tag: "Default",
          priority: 2147483647,
          name: "Allow all",
          description: "Allow all access",
        },
      ],
      ipSecurityRestrictionsDefaultAction: null,
      scmIpSecurityRestrictions: [
        {
          ipAddress: "Any",
          action: "Allow",
          tag: "Default",
          priority: 2147483647,
          name: "Allow all",
          description: "Allow all access",
        },
      ],
      scmIpSecurityRestrictionsDefaultAction: null,
      scmIpSecurityRestrictionsUseMain: true,
    };
    // Reset by hand in the portal after the last refresh: --sites is newer than the state.
    const { code, report } = await auditJson(
      "--state",
      STATE,
      "--sites",
      write([config], "sites.json"),
    );
    assert.equal(code, EXIT_MISMATCH);
    assert.deepEqual(messages(report), [
      "extra network reports: the access restrictions of reports default to Allow, so reports admits everyone",
    ]);
  });

  it("counts what was added by hand in Pulumi: a private endpoint, a slot, an assignment, an unassigned callee", async () => {
    const state = baseState();
    const orders = res(state, T.app, "mesh-orders");
    const stackUrn = resources(state)[0].urn;
    const catalogMi = principalOf(state, "catalog");
    const ordersSp = spOf(state, "orders").outputs!.objectId as string;
    const read = roleId(state, "orders", "Orders.Read");
    resources(state).push(
      {
        urn: "urn:pulumi:dev::service-edges::azure-native:network:PrivateEndpoint::orders-pe",
        custom: true,
        id: "/subscriptions/9aaa242e-3cc0-507a-a521-23278ab14903/resourceGroups/shared-rg/providers/Microsoft.Network/privateEndpoints/orders-pe",
        type: "azure-native:network:PrivateEndpoint",
        inputs: {},
        outputs: {
          name: "orders-pe",
          privateLinkServiceConnections: [
            {
              name: "orders",
              privateLinkServiceId: orders.id,
              groupIds: ["sites"],
              privateLinkServiceConnectionState: { status: "Approved" },
            },
          ],
        },
        parent: stackUrn,
      },
      {
        urn: "urn:pulumi:dev::service-edges::azuread:index/appRoleAssignment:AppRoleAssignment::catalog-reads-orders",
        custom: true,
        id: `/servicePrincipals/${ordersSp}/appRoleAssignedTo/Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6`,
        type: "azuread:index/appRoleAssignment:AppRoleAssignment",
        inputs: { principalObjectId: catalogMi, resourceObjectId: ordersSp, appRoleId: read },
        outputs: { principalObjectId: catalogMi, resourceObjectId: ordersSp, appRoleId: read },
        parent: stackUrn,
      },
    );
    // A deployment slot of orders, left open: another way into the same app.
    resources(state).push({
      urn: "urn:pulumi:dev::service-edges::azure-native:web:WebAppSlot::orders-staging",
      custom: true,
      id: `${orders.id as string}/slots/staging`,
      type: "azure-native:web:WebAppSlot",
      inputs: {},
      outputs: {
        name: "edges-dev-orders",
        slot: "staging",
        publicNetworkAccess: "Enabled",
        siteConfig: { ipSecurityRestrictions: [], scmIpSecurityRestrictionsUseMain: true },
      },
      parent: stackUrn,
    });
    // An API-versioned type token is the same resource type.
    orders.type = "azure-native:web/v20240401:WebApp";
    // inventory's service principal no longer requires assignment.
    spOf(state, "inventory").outputs!.appRoleAssignmentRequired = false;
    const { code, report } = await auditJson("--state", write(state));
    assert.equal(code, EXIT_MISMATCH);
    assert.deepEqual(messages(report), [
      "extra identity inventory: any application in the tenant can get a token for inventory: its service principal does not require app role assignment",
      'extra network orders: a private endpoint on orders admits every host with line of sight to the endpoint; access restrictions do not apply to it (private endpoint "orders-pe", Approved)',
      "extra network orders: orders (slot staging) has no access restrictions, so it admits everyone",
      "extra identity orders: catalog holds Orders.Read on orders but has no edge (through its managed identity)",
    ]);
  });

  it("never prints a secret; restrictions encrypted in the state are reported, not guessed", async () => {
    const state = baseState();
    const orders = res(state, T.app, "mesh-orders");
    orders.outputs!.siteConfig = secret("v1:AAAAorders-site-config-ciphertext");
    orders.inputs!.siteConfig = secret("v1:AAAAorders-site-config-ciphertext");
    const file = write(state);
    for (const format of [["--json"], ["--format", "markdown"], []]) {
      const r = await cli("audit", "--state", file, "--config", CONFIG, ...format);
      assert.equal(r.code, EXIT_MISMATCH);
      assert.doesNotMatch(r.stdout, /ciphertext|v1:|4dabf18193072939515e22adb298388d/);
    }
    const { report } = await auditJson("--state", file);
    assert.deepEqual(messages(report), [
      "extra network orders: the access restrictions of orders are encrypted in the state, so extra paths cannot be ruled out; pass --sites",
    ]);
  });

  it("refuses bad usage and unreadable or malformed inputs with exit 1, naming the file", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["audit", "--config", CONFIG], /required option '--state <file>'/],
      [
        ["audit", "--state", path.join(tmp, "nope.json")],
        /cannot read the state file .*nope\.json: no such file/,
      ],
      [["audit", "--state", write("{ not json", "bad.json")], /bad\.json is not JSON: /],
      [
        ["audit", "--state", write({ resources: 3 }, "odd.json")],
        /odd\.json is not a pulumi stack export/,
      ],
      [
        ["audit", "--state", write({ version: 4, deployment: { resources: [] } }, "v4.json")],
        /v4\.json is a version 4 deployment/,
      ],
      [
        ["audit", "--state", STATE, "--assignments", write([{ principalId: "x" }], "asg.json")],
        /asg\.json\[0\] is not a Graph appRoleAssignment: principalId is not a GUID/,
      ],
      [
        [
          "audit",
          "--state",
          STATE,
          "--sites",
          write(
            [
              {
                id: "/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/z",
              },
            ],
            "sites.json",
          ),
        ],
        /sites\.json\[0\] is not a Microsoft\.Web site, site config or private endpoint connection/,
      ],
      [["audit", "--state", STATE, "--format", "html"], /--format must be markdown or text/],
    ];
    for (const [args, message] of cases) {
      const r = await planCli(...args);
      assert.equal(r.code, 1, args.join(" "));
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /^\s+at /m);
      assert.equal(r.stdout, "");
    }
  });

  it("names its inputs as the user gave them, never by absolute path, in text and markdown", async () => {
    const rel = (f: string) => path.relative(ROOT, f);
    for (const format of ["text", "markdown"]) {
      const r = await planCli(
        "audit",
        "--state",
        rel(STATE),
        "--config",
        rel(CONFIG),
        "--sites",
        rel(SITES),
        "--format",
        format,
      );
      assert.equal(r.stderr, "");
      assert.ok(
        r.stdout.includes(
          "state test/fixtures/audit/state.json, config test/fixtures/audit/Pulumi.dev.yaml, sites test/fixtures/audit/sites.json",
        ),
        r.stdout.split("\n").slice(0, 3).join("\n"),
      );
      assert.ok(!r.stdout.includes(ROOT), `${format}: no absolute path`);
    }
  });

  it("the program's own plan, exported, audits clean", async () => {
    const config = readStackConfig(CONFIG, "dev");
    const plan = await runPlan({ config });
    const state = toStackExport(plan);
    const report = audit({ config, state: readState(write(clone(state))) });
    assert.deepEqual(messages(report), []);
  });
});
