/**
 * The planner on Pulumi's own Azure TypeScript examples (pulumi/examples' `azure-ts-*`, copied
 * into test/programs/examples; see its README): each plans as itself, or fails with one line that
 * names what is missing and how to supply it. The examples that need config are planned as is
 * (no stack config: the named failure) and with the config their READMEs ask for; the template
 * among them also as `pulumi new` would instantiate it.
 *
 * Every plan is the CLI's, as `npm run plan --` runs it, in this process (test/fixtures.ts
 * `planCli`), each example's own modules loaded afresh as in a process of its own; they run once,
 * one after another, before the assertions.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { ROOT, SOURCE_NODE_FLAGS, planCli } from "../fixtures";

const CLI = path.join(ROOT, "packages/cli/src/bin.ts");

const EXAMPLES = "test/programs/examples";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "service-edges-examples-"));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The plan CLI from the repo root, as `npm run plan --` runs it, in-process: the modules of the
 * examples (and of the instantiated template) are required afresh, as a process of its own
 * would, so that no example's module state (a config read at load) outlives its plan.
 */
function plan(args: string[]): Promise<Run> {
  for (const file of Object.keys(require.cache)) {
    if (
      file.startsWith(`${path.join(ROOT, EXAMPLES)}${path.sep}`) ||
      file.startsWith(`${tmp}${path.sep}`)
    ) {
      delete require.cache[file];
    }
  }
  return planCli(...args);
}

/** The plan CLI as its own process, as `npm run plan --` starts it. */
function planProcess(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...SOURCE_NODE_FLAGS, CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, SERVICE_EDGES_DEBUG: "", INIT_CWD: ROOT },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function write(file: string, text: string): string {
  const at = path.join(tmp, file);
  fs.mkdirSync(path.dirname(at), { recursive: true });
  fs.writeFileSync(at, text);
  return at;
}

/** A stack config as `pulumi config set` writes it (secrets as `secure:` ciphertext). */
const SECRET = { secure: "AAABAKZWeGFtcGxlLWNpcGhlcnRleHQ=" };
function stackConfig(dir: string, values: Record<string, unknown>): string {
  return write(`${dir}/Pulumi.dev.yaml`, stringify({ config: values }));
}

/**
 * The Sentinel example is a template (`name: ${PROJECT}`): instantiated as `pulumi new` does,
 * in a directory of its own whose node_modules are this repository's.
 */
function sentinelProject(): string {
  const src = path.join(ROOT, EXAMPLES, "azure-ts-sentinel-audit-logs");
  const dir = path.join(tmp, "sentinel-audit-logs");
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(src, "index.ts"), path.join(dir, "index.ts"));
  const yaml = fs
    .readFileSync(path.join(src, "Pulumi.yaml"), "utf8")
    .replace("${PROJECT}", "sentinel-audit-logs")
    .replace("${DESCRIPTION}", "Pulumi Cloud audit logs in Microsoft Sentinel");
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), yaml);
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  stackConfig("sentinel-audit-logs", {
    "azure-native:location": "eastus",
    orgName: "acme",
    accessToken: SECRET,
    workspaceName: "sentinel-ws",
    resourceGroupName: "security-rg",
  });
  return path.join(dir, "index.ts");
}

type Violation = [policy: string, level: string, urn: string];

interface Case {
  title: string;
  /** The program and any further arguments. */
  args: () => string[];
  code: number;
  /** A plan: how many resources it registers, and the violations, exactly. */
  resources?: number;
  violations?: Violation[];
  /** A plan: the names of its stack outputs (each with a value: nothing the mocks left out). */
  outputs?: string[];
  /** A failure: stderr, exactly (stdout stays empty: no partial plan). */
  error?: string;
  /**
   * Planned in a process of its own: its failure is an unhandled rejection with the program
   * still waiting on what failed, which only a process's end stops.
   */
  process?: true;
}

const program = (name: string) => `${EXAMPLES}/${name}/index.ts`;
const urn = (project: string, type: string, name: string) =>
  `urn:pulumi:dev::${project}::${type}::${name}`;
const missingConfig = (name: string, key: string) =>
  `error: the program requires the config value ${name}:${key}, and stack dev has no stack config (${EXAMPLES}/${name}/Pulumi.dev.yaml). Fix: set it in ${EXAMPLES}/${name}/Pulumi.dev.yaml (pulumi config set ${name}:${key} <value>), or give --config FILE with it under config:\n`;

const PE = "azure-ts-webapp-privateendpoint-vnet-injection";
let sentinel = "";

const CASES: Case[] = [
  {
    title: "azure-ts-aci",
    args: () => ["--program", program("azure-ts-aci")],
    code: 0,
    resources: 2,
    violations: [],
    outputs: ["containerIPv4Address"],
  },
  {
    title: "azure-ts-aks-multicluster (no stack config)",
    args: () => ["--program", program("azure-ts-aks-multicluster")],
    code: 1,
    error: missingConfig("azure-ts-aks-multicluster", "password"),
  },
  {
    // azure-native 3.x has no ContainerServiceVMSizeTypes: the program's own error, as under
    // `pulumi preview` (where TypeScript refuses it first).
    title: "azure-ts-aks-multicluster (its config)",
    args: () => [
      "--program",
      program("azure-ts-aks-multicluster"),
      "--config",
      stackConfig("aks-multicluster", {
        password: SECRET,
        sshPublicKey: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 user@example",
      }),
    ],
    code: 1,
    error: "error: Cannot read properties of undefined (reading 'Standard_D2_v2')\n",
  },
  {
    title: "azure-ts-appservice (no stack config)",
    args: () => ["--program", program("azure-ts-appservice")],
    code: 1,
    error: missingConfig("azure-ts-appservice", "sqlPassword"),
  },
  {
    title: "azure-ts-appservice (its config)",
    args: () => [
      "--program",
      program("azure-ts-appservice"),
      "--config",
      stackConfig("appservice", { "azure-native:location": "westus2", sqlPassword: SECRET }),
    ],
    code: 0,
    resources: 9,
    violations: [],
    outputs: ["endpoint"],
  },
  {
    title: "azure-ts-cosmosdb-logicapp",
    args: () => ["--program", program("azure-ts-cosmosdb-logicapp")],
    code: 0,
    resources: 7,
    violations: [],
    outputs: ["endpoint"],
  },
  {
    title: "azure-ts-functions",
    args: () => ["--program", program("azure-ts-functions")],
    code: 0,
    resources: 6,
    violations: [],
    outputs: ["endpoint"],
  },
  {
    title: "azure-ts-functions-many",
    args: () => ["--program", program("azure-ts-functions-many")],
    code: 0,
    resources: 19,
    violations: [],
    outputs: [
      "dotnetEndpoint",
      "javaEndpoint",
      "nodeEndpoint",
      "powershellEndpoint",
      "premiumEndpoint",
      "pythonEndpoint",
    ],
  },
  {
    title: "azure-ts-sentinel-audit-logs (the template itself)",
    args: () => ["--program", program("azure-ts-sentinel-audit-logs")],
    code: 1,
    error:
      'error: test/programs/examples/azure-ts-sentinel-audit-logs/Pulumi.yaml: the project name "${PROJECT}" (a template\'s placeholder, which `pulumi new` fills in) is not a valid project name: at most 100 letters, digits, hyphens, underscores and periods. Fix: set name: in test/programs/examples/azure-ts-sentinel-audit-logs/Pulumi.yaml\n',
  },
  {
    // It reads a Log Analytics workspace that exists before it: only the user knows it.
    title: "azure-ts-sentinel-audit-logs (instantiated, its config)",
    args: () => ["--program", sentinel],
    process: true,
    code: 1,
    error:
      'error: the program calls azure-native:operationalinsights:getWorkspace, which the offline plan has no mock for; supply it with --mocks FILE (a JSON file: {"invokes": {"azure-native:operationalinsights:getWorkspace": {...its result}}})\n',
  },
  {
    title: "azure-ts-sentinel-audit-logs (instantiated, its config, the workspace in --mocks)",
    args: () => [
      "--program",
      sentinel,
      "--mocks",
      write(
        "sentinel-mocks.json",
        JSON.stringify({
          invokes: {
            "azure-native:operationalinsights:getWorkspace": {
              id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/security-rg/providers/Microsoft.OperationalInsights/workspaces/sentinel-ws",
              name: "sentinel-ws",
              location: "eastus",
              customerId: "6c0f3b52-0d3b-4a8e-9d43-1f2a3b4c5d6e",
            },
          },
        }),
      ),
    ],
    code: 0,
    resources: 8,
    violations: [],
    outputs: [
      "connectorDefinitionId",
      "dataCollectionEndpointUrl",
      "dataCollectionRuleId",
      "dataConnectorId",
      "tableId",
    ],
  },
  {
    title: "azure-ts-static-website",
    args: () => ["--program", program("azure-ts-static-website")],
    code: 0,
    resources: 7,
    violations: [],
    outputs: ["cdnEndpoint", "staticEndpoint"],
  },
  {
    title: "azure-ts-synapse",
    args: () => ["--program", program("azure-ts-synapse")],
    code: 0,
    resources: 12,
    violations: [],
    outputs: [],
  },
  {
    // A private endpoint in front of an open site, and an integration subnet without the
    // Microsoft.Web service endpoint: what the pack exists to refuse.
    title: PE,
    args: () => ["--program", program(PE)],
    code: 2,
    resources: 12,
    violations: [
      [
        "no-private-endpoint-callee",
        "mandatory",
        urn(PE, "azure-native:network:PrivateEndpoint", "privateEndpointForBackend"),
      ],
      ["mesh-site-default-deny", "mandatory", urn(PE, "azure-native:web:WebApp", "backendApp")],
      ["mesh-site-default-deny", "mandatory", urn(PE, "azure-native:web:WebApp", "backendApp")],
      [
        "distinguishable-callers",
        "mandatory",
        urn(PE, "azure-native:web:AppServicePlan", "appServerFarm"),
      ],
      [
        "integration-subnet-service-endpoint",
        "mandatory",
        urn(PE, "azure-native:network:Subnet", "frontendSubnet"),
      ],
    ],
    outputs: ["backendURL", "frontEndURL", "privateEndpointURL"],
  },
  {
    title: "azure-ts-webserver (no stack config)",
    args: () => ["--program", program("azure-ts-webserver")],
    code: 1,
    error: missingConfig("azure-ts-webserver", "username"),
  },
  {
    // Its output reads its own public IP back with getPublicIPAddress once the VM exists.
    title: "azure-ts-webserver (its config)",
    args: () => [
      "--program",
      program("azure-ts-webserver"),
      "--config",
      stackConfig("webserver", {
        "azure-native:location": "westus",
        username: "pulumiuser",
        password: SECRET,
      }),
    ],
    code: 0,
    resources: 5,
    violations: [],
    outputs: ["ipAddress"],
  },
];

describe("Pulumi's Azure TypeScript examples, planned as themselves", function () {
  this.timeout(180_000);
  const runs = new Map<Case, Run>();

  before(async () => {
    sentinel = sentinelProject();
    const args = (c: Case) => [...c.args(), ...(c.error ? [] : ["--json"])];
    // The processes beside the in-process plans, which run one after another.
    const own = CASES.filter((c) => c.process).map(async (c) =>
      runs.set(c, await planProcess(args(c))),
    );
    for (const c of CASES) if (!c.process) runs.set(c, await plan(args(c)));
    await Promise.all(own);
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const c of CASES) {
    it(
      c.error
        ? `${c.title}: exit ${c.code}, names what is missing`
        : `${c.title}: exit ${c.code}, ${c.resources} resources, ${c.violations!.length} violations`,
      () => {
        const r = runs.get(c)!;
        assert.equal(r.code, c.code, r.stderr);
        if (c.error !== undefined) {
          assert.equal(r.stderr, c.error);
          assert.equal(r.stdout, "", "a failed plan prints no partial plan");
          return;
        }
        const j = JSON.parse(r.stdout) as {
          resources: unknown[];
          violations: Array<{ policy: string; enforcementLevel: string; urn: string }>;
          outputs: Record<string, unknown>;
        };
        assert.equal(j.resources.length, c.resources);
        assert.deepEqual(
          j.violations.map((v) => [v.policy, v.enforcementLevel, v.urn]),
          c.violations,
        );
        // Every stack output has the value a deployment would show: none left out or undefined.
        assert.deepEqual(Object.keys(j.outputs).sort(), c.outputs);
        for (const [k, v] of Object.entries(j.outputs)) {
          assert.ok(!/undefined/.test(JSON.stringify(v)), `${k}: ${JSON.stringify(v)}`);
        }
      },
    );
  }
});
