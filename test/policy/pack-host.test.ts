/**
 * The pack started the way the Pulumi engine starts it, and driven over the gRPC Analyzer
 * protocol, so that `pulumi preview --policy-pack policy` and a pack published with
 * `pulumi policy publish` are proven without the CLI.
 *
 * The engine launches the `pulumi-analyzer-policy` plugin with cwd = the pack directory and args
 * `<engine address> .`; that script resolves `@pulumi/pulumi/cmd/run-policy-pack` from the pack
 * directory and runs it with node, which loads the pack's `main` (dist/index.js, the esbuild
 * bundle). We run the same script the same way, on three copies of the pack:
 *
 * - the in-repo `policy/`, on the workspace install (`npm ci` at the root builds dist/);
 * - the published pack: `npm pack` of the policy folder (what `pulumi policy publish` uploads),
 *   unpacked into an empty directory as Pulumi unpacks a required pack (`package/`), and installed
 *   there with `npm install` from the registry alone, nothing from the workspace;
 * - the package a user installs (`npm install @service-edges/policy`), run from their repository
 *   as `pulumi preview --policy-pack node_modules/@service-edges/policy` runs it: the pack
 *   directory is the installed package, its dependencies the repository's node_modules.
 *
 * The tarball and both installs are made once per test run (test/support/packages.ts).
 *
 * The host serves the Analyzer service and prints its port on stdout. It never calls the engine
 * back (run-policy-pack drops the engine address); the engine drives it: ConfigureStack, Configure
 * (policy config), GetAnalyzerInfo, Analyze per resource (inputs), AnalyzeStack at the end
 * (outputs). We play the engine here.
 */
import * as assert from "assert";
import { ChildProcess, execFile, spawn } from "child_process";
import * as fs from "fs";
import { builtinModules } from "module";
import * as path from "path";
import { promisify } from "util";
import * as grpc from "@grpc/grpc-js";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { OfflineResource, runPolicies } from "@service-edges/policy/offline";
import { policies } from "@service-edges/policy/policies";
import { installedPackages } from "../support/packages";
import {
  BILLING_APP_ID,
  ORDERS_MI_ID,
  ORDERS_PLAN_ID,
  RG,
  U,
  VNET_ID,
  appOnPlan,
  baseline,
  find,
  mutate,
  plus,
  preview,
  resource,
  withoutIds,
} from "./fixtures";
import { ALLOW_ORDERS, nsgRules, privateBaseline } from "./private-fixtures";
const OTHER_SUBNET =
  "/subscriptions/x/resourceGroups/x/providers/Microsoft.Network/virtualNetworks/v/subnets/s";

const REPO_ROOT = path.join(__dirname, "..", "..");
const POLICY_DIR = path.join(REPO_ROOT, "policy");

const execFileAsync = promisify(execFile);

/**
 * The body of the CLI's `pulumi-analyzer-policy` plugin (pulumi/pulumi,
 * sdk/nodejs/dist/pulumi-analyzer-policy), which the engine runs with cwd = the pack directory.
 */
const ANALYZER_PLUGIN = `PULUMI_RUN_SCRIPT_PATH=$(node -e "try { console.log(require.resolve('@pulumi/pulumi/cmd/run-policy-pack')) } catch (e) { console.error(e.message) }")
if [ ! -z "$PULUMI_RUN_SCRIPT_PATH" ]; then
    node "$PULUMI_RUN_SCRIPT_PATH" $@
fi`;

type Diagnostic = {
  policy: string;
  enforcementLevel: "advisory" | "mandatory";
  urn?: string;
  message: string;
};

const LEVEL: Record<number, Diagnostic["enforcementLevel"]> = {
  [analyzerPb.EnforcementLevel.ADVISORY]: "advisory",
  [analyzerPb.EnforcementLevel.MANDATORY]: "mandatory",
};

type UnaryCall = (
  request: unknown,
  callback: (err: grpc.ServiceError | null, response: unknown) => void,
) => void;

function unary<Req, Res>(client: grpc.Client, method: string, request: Req): Promise<Res> {
  const call = (client as unknown as Record<string, UnaryCall>)[method].bind(client);
  return new Promise((resolve, reject) =>
    call(request, (err, res) => (err ? reject(err) : resolve(res as Res))),
  );
}

function options(): analyzerPb.AnalyzerResourceOptions {
  return new analyzerPb.AnalyzerResourceOptions();
}

function analyzeRequest(r: OfflineResource): analyzerPb.AnalyzeRequest {
  const req = new analyzerPb.AnalyzeRequest();
  req.setType(r.type);
  req.setUrn(r.urn);
  req.setName(r.name);
  req.setProperties(Struct.fromJavaScript(r.props as Record<string, never>));
  req.setOptions(options());
  return req;
}

function stackRequest(resources: OfflineResource[]): analyzerPb.AnalyzeStackRequest {
  const req = new analyzerPb.AnalyzeStackRequest();
  req.setResourcesList(
    resources.map((r) => {
      const a = new analyzerPb.AnalyzerResource();
      a.setType(r.type);
      a.setUrn(r.urn);
      a.setName(r.name);
      a.setProperties(Struct.fromJavaScript(r.props as Record<string, never>));
      a.setOptions(options());
      if (r.parent) a.setParent(r.parent);
      a.setDependenciesList(r.dependencies);
      for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
        const d = new analyzerPb.AnalyzerPropertyDependencies();
        d.setUrnsList(urns);
        a.getPropertydependenciesMap().set(k, d);
      }
      return a;
    }),
  );
  return req;
}

function diagnostics(res: analyzerPb.AnalyzeResponse): Diagnostic[] {
  return res.getDiagnosticsList().map((d) => ({
    policy: d.getPolicyname(),
    enforcementLevel: LEVEL[d.getEnforcementlevel()],
    ...(d.getUrn() ? { urn: d.getUrn() } : {}),
    message: d.getMessage(),
  }));
}

/** What the host reports for an in-process violation: the description, a newline, the message. */
async function expectedFromOffline(
  resources: OfflineResource[],
  urnFor?: string,
  config?: Parameters<typeof runPolicies>[1],
): Promise<Diagnostic[]> {
  const byName = new Map(policies.map((p) => [p.name, p.description]));
  return (await runPolicies(resources, config))
    .filter((v) => urnFor === undefined || v.urn === urnFor)
    .map((v) => ({
      policy: v.policy,
      enforcementLevel: v.enforcementLevel,
      ...(urnFor === undefined && v.urn ? { urn: v.urn } : {}),
      message: `${byName.get(v.policy)}\n${v.message}`,
    }));
}

/** Inputs as `Analyze` sees them: no ids, no computed outputs. */
function inputs(r: OfflineResource): OfflineResource {
  const props = structuredClone(r.props);
  for (const k of ["id", "principalId", "clientId", "objectId"]) {
    if (!r.type.startsWith("azuread:") || k !== "clientId") delete props[k];
  }
  return { ...r, props };
}

/**
 * The environment of the processes we start: ours, without what would leak the workspace or this
 * mocha run into them (the tsx loader and source condition, npm's per-run workspace settings).
 */
const LEAKS =
  /^(NODE_OPTIONS|NODE_PATH|INIT_CWD|npm_package_.*|npm_lifecycle_.*|npm_config_(local_prefix|workspaces?|include_workspace_root))$/i;

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
  };
  for (const k of Object.keys(env)) if (LEAKS.test(k)) delete env[k];
  return env;
}

/** What the analyzer script resolves `run-policy-pack` to, run exactly as it runs it. */
async function analyzerScriptResolves(packDir: string): Promise<string> {
  const { stdout } = await execFileAsync(
    "node",
    ["-e", "console.log(require.resolve('@pulumi/pulumi/cmd/run-policy-pack'))"],
    { cwd: packDir, env: childEnv() },
  );
  return stdout.trim();
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(fs.realpathSync(dir), fs.realpathSync(file));
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}

/**
 * The whole protocol suite, against the pack in `packDir()` (read when the suite starts, so an
 * enclosing `before` can make it), whose SDK must come from `nodeModules()`.
 */
function describePackOverGrpc(
  label: string,
  packDir: () => string,
  nodeModules: () => string,
): void {
  describe(`policy pack over the engine's Analyzer protocol: ${label}`, function () {
    this.timeout(60_000);
    let host: ChildProcess;
    let engine: grpc.Server;
    let client: analyzerGrpc.AnalyzerClient;
    let stderr = "";
    const engineLog: string[] = [];

    before(async () => {
      // A stand-in for the engine's host server, whose address the engine passes first.
      engine = new grpc.Server();
      engine.addService(engineGrpc.EngineService, {
        log: (
          call: grpc.ServerUnaryCall<{ getMessage(): string }, unknown>,
          cb: grpc.sendUnaryData<unknown>,
        ) => {
          engineLog.push(call.request.getMessage());
          cb(null, new Empty());
        },
      } as grpc.UntypedServiceImplementation);
      const enginePort = await new Promise<number>((resolve, reject) =>
        engine.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
          e ? reject(e) : resolve(p),
        ),
      );

      // The pack runs on the dependencies it declares, resolved from its own directory.
      const dir = packDir();
      assert.ok(
        fs.existsSync(path.join(dir, "dist", "index.js")),
        `the policy pack in ${dir} is not built: \`npm ci\` builds it (npm run build -w @service-edges/policy)`,
      );
      const runPolicyPack = await analyzerScriptResolves(dir);
      assert.ok(runPolicyPack, `@pulumi/pulumi is not installed for the pack in ${dir}`);
      assert.ok(
        isInside(runPolicyPack, nodeModules()),
        `the analyzer script resolves ${runPolicyPack}, not under ${nodeModules()}`,
      );
      // Detached: the script's node child gets our process group, which `after` ends as a whole.
      host = spawn(
        "sh",
        ["-c", ANALYZER_PLUGIN, "pulumi-analyzer-policy", `127.0.0.1:${enginePort}`, "."],
        {
          cwd: dir,
          env: childEnv(),
          stdio: ["ignore", "pipe", "pipe"],
          detached: true,
        },
      );
      host.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
      const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        host.stdout!.on("data", (b: Buffer) => {
          out += b.toString();
          const m = /^(\d+)\s*$/m.exec(out);
          if (m) resolve(Number(m[1]));
        });
        host.on("exit", (code) =>
          reject(new Error(`policy pack host exited ${code}:\n${out}\n${stderr}`)),
        );
      });
      client = new analyzerGrpc.AnalyzerClient(
        `127.0.0.1:${port}`,
        grpc.credentials.createInsecure(),
      );

      // What the engine does right after starting an analyzer plugin.
      const configureStack = new analyzerPb.AnalyzerStackConfigureRequest();
      configureStack.setStack("dev");
      configureStack.setProject("service-edges");
      configureStack.setOrganization("platform");
      configureStack.setDryRun(true);
      await unary(client, "configureStack", configureStack);

      // Policy config, as `pulumi preview --policy-pack policy --policy-pack-config cfg.json` sends it.
      const configure = new analyzerPb.ConfigureAnalyzerRequest();
      const size = new analyzerPb.PolicyConfig();
      size.setEnforcementlevel(analyzerPb.EnforcementLevel.MANDATORY);
      size.setProperties(Struct.fromJavaScript({ addressesPerInstance: 3 }));
      configure.getPolicyconfigMap().set("integration-subnet-size", size);
      await unary(client, "configure", configure);
    });

    after(() => {
      client?.close();
      if (host?.pid !== undefined && host.exitCode === null) process.kill(-host.pid);
      engine?.forceShutdown();
    });

    it("GetAnalyzerInfo lists the pack and every policy with its level, type and knobs", async () => {
      const info = await unary<Empty, analyzerPb.AnalyzerInfo>(
        client,
        "getAnalyzerInfo",
        new Empty(),
      );
      assert.strictEqual(info.getName(), "service-edges");
      assert.strictEqual(info.getVersion(), "0.4.0");
      assert.strictEqual(info.getSupportsconfig(), true);
      const stack = analyzerPb.PolicyType.POLICY_TYPE_STACK;
      const resource = analyzerPb.PolicyType.POLICY_TYPE_RESOURCE;
      assert.deepStrictEqual(
        info
          .getPoliciesList()
          .map((p) => [p.getName(), LEVEL[p.getEnforcementlevel()], p.getPolicyType()]),
        [
          ["no-private-endpoint-callee", "mandatory", resource],
          ["private-endpoint-subnet-enforces-nsg", "mandatory", stack],
          ["private-endpoint-in-mesh-subnet", "mandatory", stack],
          ["private-endpoint-nsg-admits-only-callers", "mandatory", stack],
          ["private-endpoint-nsg-denies-virtual-network", "mandatory", stack],
          ["private-mesh-site-public-access-disabled", "mandatory", stack],
          ["mesh-site-default-deny", "mandatory", resource],
          ["mesh-site-changes-readable", "mandatory", stack],
          ["assignment-required", "mandatory", stack],
          ["distinguishable-callers", "mandatory", stack],
          ["no-shared-caller-identity", "mandatory", stack],
          ["integration-subnet-service-endpoint", "mandatory", stack],
          ["integration-subnet-size", "mandatory", stack],
          ["network-edge-has-identity-edge", "advisory", stack],
          ["vnet-rule-source-is-integration-subnet", "advisory", stack],
          ["shadow-enforcement", "advisory", resource],
          ["shadow-enforcement-expired", "mandatory", resource],
        ],
      );
      const size = info.getPoliciesList().find((p) => p.getName() === "integration-subnet-size")!;
      assert.deepStrictEqual(
        size.getConfigschema()!.getProperties()!.toJavaScript().addressesPerInstance,
        {
          type: "integer",
          minimum: 1,
          default: 2,
          description:
            "Addresses to keep per declared plan instance (2 covers the temporary doubling during " +
            "scale operations and platform upgrades).",
        },
      );
    });

    it("Analyze returns the exact violation for a violating resource", async () => {
      const billing = inputs(
        find(
          mutate(
            baseline(),
            "billing-app",
            (p) => (p.siteConfig.ipSecurityRestrictionsDefaultAction = "Allow"),
          ),
          "billing-app",
        ),
      );
      const got = diagnostics(await unary(client, "analyze", analyzeRequest(billing)));
      assert.deepStrictEqual(got, await expectedFromOffline([billing], billing.urn));
      assert.strictEqual(got.length, 1);
      assert.strictEqual(got[0].policy, "mesh-site-default-deny");
      assert.strictEqual(got[0].enforcementLevel, "mandatory");
      assert.match(
        got[0].message,
        /^A mesh site .*\nWebApp "billing-app" has subnet access rules but its unmatched-traffic action \(siteConfig.ipSecurityRestrictionsDefaultAction\) is "Allow"/s,
      );
    });

    it("Analyze returns nothing for the clean inputs, and nothing (not even a preview advisory) on unknowns", async () => {
      for (const r of [...baseline().map(inputs), ...preview()]) {
        const got = diagnostics(await unary(client, "analyze", analyzeRequest(r)));
        assert.deepStrictEqual(got, [], r.urn);
      }
    });

    it("AnalyzeStack returns the exact stack violation for a violating set", async () => {
      const resources = mutate(
        withoutIds(),
        "billing-sp",
        (p) => (p.appRoleAssignmentRequired = false),
      );
      const got = diagnostics(await unary(client, "analyzeStack", stackRequest(resources)));
      assert.deepStrictEqual(got, await expectedFromOffline(resources));
      assert.deepStrictEqual(
        got.map((d) => [d.policy, d.enforcementLevel, d.urn]),
        [["assignment-required", "mandatory", U.billingSp]],
      );
    });

    it("AnalyzeStack applies the policy config sent with Configure", async () => {
      const config = { config: { "integration-subnet-size": { addressesPerInstance: 3 } } };
      const ok = mutate(withoutIds(), "orders-plan", (p) => (p.sku.capacity = 9));
      assert.deepStrictEqual(
        diagnostics(await unary(client, "analyzeStack", stackRequest(ok))),
        [],
      );
      const tooSmall = mutate(withoutIds(), "orders-plan", (p) => (p.sku.capacity = 10));
      const got = diagnostics(await unary(client, "analyzeStack", stackRequest(tooSmall)));
      assert.deepStrictEqual(got, await expectedFromOffline(tooSmall, undefined, config));
      assert.match(got[0]?.message ?? "", /needs 3 × 10 = 30 addresses/);
    });

    it("AnalyzeStack returns nothing for the clean set, read back or in preview", async () => {
      for (const resources of [withoutIds(), baseline(), preview()]) {
        assert.deepStrictEqual(
          diagnostics(await unary(client, "analyzeStack", stackRequest(resources))),
          [],
        );
      }
      assert.deepStrictEqual(engineLog, []);
    });

    /** One setup per policy that it must refuse, as resources read back after an update. */
    const setups: Array<[string, () => OfflineResource[], string?]> = [
      [
        "no-private-endpoint-callee",
        () =>
          plus(
            baseline(),
            resource("azure-native:network:PrivateEndpoint", "billing-pe", {
              resourceGroupName: RG,
              privateEndpointName: "pe-billing",
              subnet: { id: `${VNET_ID}/subnets/snet-endpoints` },
              privateLinkServiceConnections: [
                { name: "billing", privateLinkServiceId: BILLING_APP_ID, groupIds: ["sites"] },
              ],
            }),
          ),
        "billing-pe",
      ],
      [
        "private-endpoint-subnet-enforces-nsg",
        () =>
          mutate(privateBaseline(), "mesh-vnet", (p) => {
            p.subnets[1].privateEndpointNetworkPolicies = "Disabled";
          }),
      ],
      [
        "private-endpoint-in-mesh-subnet",
        () =>
          mutate(privateBaseline(), "billing-pe", (p, r) => {
            p.subnet.id = OTHER_SUBNET;
            r.propertyDependencies!.subnet = [];
          }),
      ],
      [
        "private-endpoint-nsg-admits-only-callers",
        () => privateBaseline().filter((r) => r.name !== "orders-to-billing"),
      ],
      ["private-endpoint-nsg-denies-virtual-network", () => nsgRules([ALLOW_ORDERS])],
      [
        "private-mesh-site-public-access-disabled",
        () => mutate(privateBaseline(), "orders-app", (p) => (p.publicNetworkAccess = "Enabled")),
      ],
      [
        "mesh-site-default-deny",
        () =>
          mutate(
            baseline(),
            "billing-app",
            (p) => (p.siteConfig.scmIpSecurityRestrictionsUseMain = false),
          ),
        "billing-app",
      ],
      [
        "mesh-site-changes-readable",
        () =>
          plus(
            baseline(),
            resource("azure-native:resources:Deployment", "billing-template", {
              resourceGroupName: RG,
              properties: {
                mode: "Incremental",
                templateLink: { uri: "https://example.com/site.json" },
              },
            }),
          ),
      ],
      [
        "assignment-required",
        () => mutate(baseline(), "billing-sp", (p) => delete p.appRoleAssignmentRequired),
      ],
      [
        "distinguishable-callers",
        () => plus(baseline(), ...appOnPlan("shipping", { planId: ORDERS_PLAN_ID })),
      ],
      [
        "no-shared-caller-identity",
        () =>
          mutate(baseline(), "billing-app", (p) => {
            p.identity = { type: "UserAssigned", userAssignedIdentities: [ORDERS_MI_ID] };
          }),
      ],
      [
        "integration-subnet-service-endpoint",
        () => mutate(baseline(), "mesh-vnet", (p) => (p.subnets[0].serviceEndpoints = [])),
      ],
      [
        "integration-subnet-size",
        () => mutate(baseline(), "orders-plan", (p) => (p.sku.capacity = 20)),
      ],
      [
        "network-edge-has-identity-edge",
        () => baseline().filter((r) => r.name !== "orders-to-billing"),
      ],
      [
        "vnet-rule-source-is-integration-subnet",
        () =>
          plus(
            mutate(baseline(), "billing-app", (p) =>
              p.siteConfig.ipSecurityRestrictions.push({
                action: "Allow",
                priority: 200,
                vnetSubnetResourceId: `${VNET_ID}/subnets/snet-vms`,
              }),
            ),
            resource("azure-native:network:Subnet", "vms-subnet", {
              id: `${VNET_ID}/subnets/snet-vms`,
              resourceGroupName: RG,
              virtualNetworkName: "vnet-mesh",
              subnetName: "snet-vms",
              addressPrefix: "10.40.1.0/24",
              serviceEndpoints: [{ service: "Microsoft.Web" }],
            }),
          ),
      ],
      [
        "shadow-enforcement",
        () =>
          mutate(baseline(), "billing-app", (p) => {
            // The host runs with the real date: a day far ahead (advisory) or long past.
            p.tags = { "service-edges-shadow-until": "2999-12-31" };
            p.siteConfig.appSettings.push({ name: "MESH_ENFORCEMENT", value: "shadow" });
          }),
        "billing-app",
      ],
      [
        "shadow-enforcement-expired",
        () =>
          mutate(baseline(), "billing-app", (p) => {
            // The host runs with the real date: a day far ahead (advisory) or long past.
            p.tags = { "service-edges-shadow-until": "2000-01-01" };
            p.siteConfig.appSettings.push({ name: "MESH_ENFORCEMENT", value: "shadow" });
          }),
        "billing-app",
      ],
    ];

    it("every policy refuses its setup over the protocol exactly as in-process", async () => {
      assert.deepStrictEqual(
        setups.map(([name]) => name),
        policies.map((p) => p.name),
        "one setup per policy",
      );
      const stackPolicies = new Set(
        policies.filter((p) => "validateStack" in p).map((p) => p.name),
      );
      // The host was configured once, in `before`, with addressesPerInstance 3.
      const hostConfig = { config: { "integration-subnet-size": { addressesPerInstance: 3 } } };
      for (const [name, build, resourceName] of setups) {
        const resources = build();
        if (resourceName) {
          const r = inputs(find(resources, resourceName));
          const got = diagnostics(await unary(client, "analyze", analyzeRequest(r)));
          assert.deepStrictEqual(got, await expectedFromOffline([r], r.urn, hostConfig), name);
          assert.deepStrictEqual(
            got.map((d) => d.policy),
            [name],
            name,
          );
        } else {
          const got = diagnostics(await unary(client, "analyzeStack", stackRequest(resources)));
          const expected = (await expectedFromOffline(resources, undefined, hostConfig)).filter(
            (d) => stackPolicies.has(d.policy),
          );
          assert.deepStrictEqual(got, expected, name);
          assert.ok(
            got.some((d) => d.policy === name),
            `${name}: ${JSON.stringify(got)}`,
          );
        }
      }
    });
  });
}

describePackOverGrpc(
  "the in-repo policy/, on the workspace install",
  () => POLICY_DIR,
  () => path.join(REPO_ROOT, "node_modules"),
);

type Manifest = {
  main?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
};

function readManifest(dir: string): Manifest {
  return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as Manifest;
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`), or undefined. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || path.isAbsolute(specifier)) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

function isBuiltin(name: string): boolean {
  return name.startsWith("node:") || builtinModules.includes(name);
}

/** Every file under `dir` (relative paths), skipping node_modules and dist. */
function walk(dir: string, rel = ""): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "dist" ? [] : walk(dir, r);
    return [r];
  });
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

function importedPackages(source: string): string[] {
  return [...source.matchAll(IMPORT)]
    .map((m) => packageOf(m[1]))
    .filter((p): p is string => p !== undefined && !isBuiltin(p));
}

/** The bundled workspace packages: compiled into dist/ by build.mjs, never installed. */
const BUNDLED_PACKAGES = ["@service-edges/contract", "@service-edges/model"];

describe("the policy pack as published: npm pack, unpacked and installed from the registry alone", function () {
  // npm pack builds the bundle; npm install fetches @pulumi/pulumi's tree (cached after one run).
  this.timeout(600_000);
  let entries: string[];
  let packDir: string;
  let workspaceManifest: string;
  let manifestAfterPack: string;

  before(async () => {
    // What `pulumi policy publish` does in the pack folder (its prepack builds dist/), and what
    // Pulumi does with a required pack: untar, take `package/`, install its dependencies.
    const installed = await installedPackages();
    entries = installed.packed.policy.files.map((f) => `package/${f}`);
    workspaceManifest = installed.packed.policy.manifestBefore;
    manifestAfterPack = installed.packed.policy.manifestAfter;
    packDir = installed.policyPack;
  });

  it("packing leaves the workspace manifest as it was", () => {
    assert.strictEqual(manifestAfterPack, workspaceManifest);
    assert.strictEqual(
      fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8"),
      workspaceManifest,
    );
    assert.ok(!fs.existsSync(path.join(POLICY_DIR, "package.json.workspace")));
  });

  it("the tarball holds the built pack, its declarations and its metadata only: no TypeScript source, nothing outside package/", () => {
    assert.deepStrictEqual([...entries].sort(), [
      "package/PulumiPolicy.yaml",
      "package/README.md",
      "package/dist/index.d.ts",
      "package/dist/index.js",
      "package/dist/lib/types.d.ts",
      "package/dist/lib/types.js",
      "package/dist/offline.d.ts",
      "package/dist/offline.js",
      "package/dist/policies.d.ts",
      "package/dist/policies.js",
      "package/package.json",
    ]);
    for (const e of entries) {
      assert.ok(/\.d\.[cm]?ts$/.test(e) || !/\.[cm]?ts$/.test(e), e);
      assert.ok(!path.posix.isAbsolute(e) && !e.split("/").includes(".."), e);
    }
  });

  it("its manifest needs nothing but the registry: the workspace's dependencies, no devDependencies, scripts or source exports", () => {
    const published = readManifest(packDir);
    const workspace = JSON.parse(workspaceManifest) as Manifest;
    assert.deepStrictEqual(published.dependencies, workspace.dependencies);
    assert.strictEqual(published.devDependencies, undefined);
    assert.strictEqual(published.scripts, undefined);
    const targets = Object.values(published.exports ?? {}).flatMap((t) =>
      typeof t === "string" ? [t] : Object.values(t),
    );
    for (const t of [published.main!, ...targets]) {
      assert.ok(fs.existsSync(path.join(packDir, t)), `${t} is not in the tarball`);
    }
  });

  it("declares every package the pack imports; the bundle requires only its dependencies", () => {
    const { dependencies = {}, devDependencies = {} } = JSON.parse(workspaceManifest) as Manifest;
    // The engine's analyzer script resolves @pulumi/pulumi from the pack directory.
    assert.ok("@pulumi/pulumi" in dependencies);
    for (const b of BUNDLED_PACKAGES) assert.ok(b in devDependencies && !(b in dependencies), b);
    for (const file of walk(POLICY_DIR).filter((f) => f.endsWith(".ts"))) {
      for (const p of importedPackages(fs.readFileSync(path.join(POLICY_DIR, file), "utf8"))) {
        assert.ok(
          p in dependencies || BUNDLED_PACKAGES.includes(p),
          `policy/${file} imports undeclared ${p}`,
        );
      }
    }
    const published = readManifest(packDir).dependencies ?? {};
    for (const file of entries.filter((e) => e.endsWith(".js") || e.endsWith(".d.ts"))) {
      const js = fs.readFileSync(path.join(packDir, path.posix.relative("package", file)), "utf8");
      for (const p of importedPackages(js)) {
        assert.ok(p in published, `${file} requires ${p}, not a dependency of the published pack`);
      }
    }
  });

  it("installs each dependency, and a single @pulumi/pulumi, inside the unpacked copy", () => {
    const nodeModules = path.join(packDir, "node_modules");
    for (const dep of Object.keys(readManifest(packDir).dependencies ?? {})) {
      assert.ok(isInside(require.resolve(dep, { paths: [packDir] }), nodeModules), dep);
    }
    const policySdk = path.dirname(
      require.resolve("@pulumi/policy/package.json", { paths: [packDir] }),
    );
    assert.strictEqual(
      require.resolve("@pulumi/pulumi/package.json", { paths: [policySdk] }),
      require.resolve("@pulumi/pulumi/package.json", { paths: [packDir] }),
      "@pulumi/policy got its own @pulumi/pulumi",
    );
    for (const b of BUNDLED_PACKAGES) {
      assert.ok(!fs.existsSync(path.join(nodeModules, b)), `${b} was installed`);
    }
  });

  describePackOverGrpc(
    "the published pack, unpacked and installed",
    () => packDir,
    () => path.join(packDir, "node_modules"),
  );
});

describe("the policy pack as a user installs it: npm install @service-edges/policy", function () {
  this.timeout(600_000);
  let infra: string;

  before(async () => {
    infra = (await installedPackages()).infra;
  });

  it("is a public package whose manifest names its built pack", () => {
    const pack = path.join(infra, "node_modules", "@service-edges", "policy");
    const manifest = JSON.parse(fs.readFileSync(path.join(pack, "package.json"), "utf8")) as {
      private?: boolean;
      version: string;
      main: string;
    };
    assert.strictEqual(manifest.private, undefined);
    assert.strictEqual(manifest.version, "0.4.0");
    assert.ok(fs.existsSync(path.join(pack, "PulumiPolicy.yaml")));
    assert.ok(fs.existsSync(path.join(pack, manifest.main)), manifest.main);
  });

  describePackOverGrpc(
    "node_modules/@service-edges/policy of a user's repository",
    () => path.join(infra, "node_modules", "@service-edges", "policy"),
    () => path.join(infra, "node_modules"),
  );
});
