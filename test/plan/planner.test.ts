/**
 * The planner on real programs: options wherever they stand, paths from where the command ran,
 * a foreign program planned as its own project, mocks that behave like a preview, the policy
 * pack's config, and every usage error said in one line.
 */
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { stringify } from "yaml";
import { ROOT, type Values, planCliIn, smallConfig } from "../fixtures";
import { scratchDir } from "../support/scratch";

const { dir: tmp, write } = scratchDir("service-edges-planner-");
const CLI = path.join(ROOT, "packages/cli/src/bin.ts");
/** tsx by its path, so the CLI starts from any directory. */
const NODE_FLAGS = [
  "--conditions=service-edges-source",
  "--import",
  pathToFileURL(path.join(ROOT, "node_modules/tsx/dist/loader.mjs")).href,
];
const TEAM_APP = "test/programs/team-app/index.ts";
const TEAM_DATA = "test/programs/team-data/index.ts";
/** The ciphertext of team-app's `secure:` value: it must never be printed. */
const CIPHERTEXT = "c3VwZXItc2VjcmV0LWNpcGhlcnRleHQtbmV2ZXItcHJpbnRlZA";

function configFile(values: Values, name = "Pulumi.ci.yaml"): string {
  return write(name, stringify({ config: values }));
}

/**
 * The CLI started in `cwd`, as npm would with INIT_CWD (the directory npm was run from): a
 * process, for what only one shows (it starts from any directory; `plan | head`).
 */
function planProcessAt(cwd: string, initCwd: string | undefined, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, SERVICE_EDGES_DEBUG: "" };
  delete env.INIT_CWD;
  if (initCwd !== undefined) env.INIT_CWD = initCwd;
  const r = spawnSync(process.execPath, [...NODE_FLAGS, CLI, ...args], {
    cwd,
    encoding: "utf8",
    env,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same command in this process (test/fixtures.ts `planCliIn`). */
const planAt = (cwd: string, initCwd: string | undefined, ...args: string[]) =>
  planCliIn({ cwd, initCwd }, ...args);

/** From the repo root, as `npm run plan --` runs it (relative paths from the root). */
const planCli = (...args: string[]) => planAt(ROOT, undefined, ...args);

const NO_STACK_TRACE = /\n\s+at |node:internal|Error: /;

describe("planner CLI: options wherever they stand", () => {
  const small = configFile(smallConfig());

  it("uses --config given before a subcommand (check)", async () => {
    // The small config has a, b, c; the dev config has none of them.
    const r = await planCli("--config", small, "check", "a", "b");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ALLOWED: a may call b with B\.Read/);
  });

  it("merges --json before match with --config after it", async () => {
    const r = await planCli("--json", "match", "b", "--config", small);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(
      j.inbound.map((a: { caller: string }) => a.caller),
      ["a", "c"],
    );
  });

  it("refuses an option that does not apply to the subcommand, and one given twice", async () => {
    const r = await planCli("--mermaid", "check", "a", "b", "--config", small);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^error: --mermaid does not apply to check\n$/);
    const twice = await planCli("--stack", "dev", "check", "a", "b", "--stack", "ci");
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /--stack is given twice/);
  });

  it("check and match accept --program", async () => {
    const r = await planCli(
      "check",
      "web",
      "orders",
      "--program",
      "test/programs/private-endpoint.ts",
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ALLOWED: web may call orders/);
  });

  it("--version prints the package's version", async () => {
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
    const r = await planCli("--version");
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${version}\n`);
  });
});

describe("planner CLI: usage errors in one line, no stack trace", () => {
  it("--head without --base names --base", async () => {
    const r = await planCli("--head", "Pulumi.dev.yaml");
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      "error: --head needs --base (the base stack config to compare it with)\n",
    );
  });

  it("a missing or invalid base names the file and that it is the base", async () => {
    const missing = path.join(tmp, "no-such-base.yaml");
    const r = await planCli("--base", missing, "--head", "Pulumi.dev.yaml");
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, `error: cannot read the base stack config ${missing}: no such file\n`);
    const bad = write("bad-base.yaml", "config: [\n");
    const y = await planCli("--stack", "dev", "--diff", bad);
    assert.equal(y.code, 1);
    assert.match(y.stderr, new RegExp(`^error: the base stack config ${bad} is not valid YAML`));
    assert.doesNotMatch(y.stderr, NO_STACK_TRACE);
  });

  it("an unknown option, a missing program, a bad --stack-outputs: one line each", async () => {
    for (const args of [
      ["--bogus"],
      ["--program", "test/programs/nope.ts"],
      ["--stack", "prod"],
      ["--program", TEAM_DATA, "--stack-outputs", "acme/network/dev"],
    ]) {
      const r = await planCli(...args);
      assert.equal(r.code, 1, args.join(" "));
      assert.equal(r.stdout, "");
      assert.match(r.stderr, /^error: [^\n]+\n$/, args.join(" "));
      assert.doesNotMatch(r.stderr, NO_STACK_TRACE);
    }
  });

  it("refuses an unknown key of our namespace with a did-you-mean, before planning", async () => {
    const v: Values = { ...smallConfig() };
    v["service-edges:edge"] = v["service-edges:edges"];
    delete v["service-edges:edges"];
    const r = await planCli("--config", configFile(v, "Pulumi.typo.yaml"));
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /^The stack config has 1 error; nothing was planned:\n {2}- service-edges:edge: unknown key; the program never reads it\. Fix: did you mean service-edges:edges\? Rename it\.\n$/,
    );
  });

  it("refuses a location that is not an Azure region, with the nearest one", async () => {
    const v: Values = { ...smallConfig(), "azure-native:location": "westeurop" };
    const r = await planCli("--config", configFile(v, "Pulumi.region.yaml"), "--json");
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /azure-native:location: "westeurop" is not an Azure region\. Fix: did you mean westeurope\?/,
    );
  });

  it("is quiet when the reader of stdout goes away (plan | head)", async () => {
    const child = spawn(process.execPath, [...NODE_FLAGS, CLI, "--stack", "dev", "--json"], {
      cwd: ROOT,
      env: { ...process.env, SERVICE_EDGES_DEBUG: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((res) => child.on("close", res));
    assert.equal(stderr, "");
    assert.equal(code, 0);
  });
});

/**
 * A project directory whose program is this repository's (Pulumi.yaml `main:`), so the command
 * finds it from there as it finds a user's project.
 */
function projectDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(tmp, prefix));
  const main = path.relative(dir, path.join(ROOT, "index.ts"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: service-edges\nmain: ${main}\n`);
  fs.copyFileSync(path.join(ROOT, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
  return dir;
}

describe("planner CLI: paths from where the command ran", () => {
  const dir = projectDir("cwd-");
  fs.writeFileSync(path.join(dir, "Pulumi.ci.yaml"), stringify({ config: smallConfig() }));

  it("resolves --config against the working directory", () => {
    const r = planProcessAt(dir, undefined, "--config", "Pulumi.ci.yaml", "check", "a", "b");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ALLOWED: a may call b/);
  });

  it("resolves --config and --program against INIT_CWD under npm (cwd is the repo root)", async () => {
    const r = await planAt(ROOT, dir, "--config", "Pulumi.ci.yaml", "--json");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).stack, "ci");
    const programs = path.join(ROOT, "test", "programs");
    const p = await planAt(ROOT, programs, "--program", "team-app/index.ts", "--json");
    assert.equal(p.code, 0, p.stderr);
    assert.equal(JSON.parse(p.stdout).outputs.seen.project, "team-app");
  });

  it("resolves --diff against INIT_CWD too, and names the base it could not read", async () => {
    const r = await planAt(ROOT, dir, "--stack", "dev", "--diff", "missing-base.yaml");
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `error: cannot read the base stack config ${path.join(dir, "missing-base.yaml")}: no such file\n`,
    );
  });
});

describe("planner CLI: audit's files from where the command ran", () => {
  it("resolves --state against INIT_CWD", async () => {
    const dir = projectDir("audit-");
    const r = await planAt(ROOT, dir, "audit", "--state", "state.json");
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `error: cannot read the state file ${path.join(dir, "state.json")}: no such file\n`,
    );
  });
});

describe("a foreign program is planned as itself", () => {
  let json: {
    outputs: Record<string, unknown>;
    resources: { urn: string }[];
    services: unknown[];
    edges: unknown[];
  };
  let human: { code: number | null; stdout: string; stderr: string };

  before(async () => {
    const r = await planCli("--program", TEAM_APP, "--json");
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(CIPHERTEXT) && !r.stderr.includes(CIPHERTEXT));
    json = JSON.parse(r.stdout);
    human = await planCli("--program", TEAM_APP);
  });

  it("runs as its Pulumi.yaml's project with its own stack config", () => {
    const seen = json.outputs.seen as Values;
    assert.equal(seen.project, "team-app");
    assert.equal(seen.stack, "dev");
    assert.deepEqual(
      json.resources.map((r) => r.urn),
      ["urn:pulumi:dev::team-app::azure-native:resources:ResourceGroup::rg"],
    );
    assert.equal(json.outputs.groupName, "team-app-dev");
  });

  it("passes its keys, other namespaces and its project's defaults; never our dev config", () => {
    assert.deepEqual(json.outputs.seen, {
      project: "team-app",
      stack: "dev",
      owner: "payments-team",
      replicas: 2,
      tier: "standard",
      location: "westeurope",
      otherFlag: "on",
      meshServices: null,
    });
  });

  it("gives a secure: value as a secret placeholder, never its ciphertext", () => {
    assert.equal(json.outputs.passwordIsSecret, true);
    // An output computed from a secret is a secret too: shown masked, like the engine shows it.
    assert.equal(json.outputs.passwordLength, "[secret]");
    for (const s of [human.stdout, human.stderr]) assert.ok(!s.includes(CIPHERTEXT));
  });

  it("prints no mesh tables for it", () => {
    assert.equal(human.code, 0, human.stderr);
    assert.deepEqual([json.services, json.edges], [[], []]);
    assert.match(
      human.stdout,
      /^Plan of stack dev \(test\/programs\/team-app\/Pulumi\.dev\.yaml\): 1 resources\n/,
    );
    assert.doesNotMatch(human.stdout, /^(Services|Edges)$/m);
  });

  it("takes --stack from its own project and --config instead of its stack file", async () => {
    const r = await planCli("--program", TEAM_APP, "--stack", "prod");
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^error: project team-app has no stack config for stack "prod" .*its stacks: dev\n$/,
    );
    const other = configFile(
      { "team-app:owner": "other-team", "team-app:dbPassword": "plain" },
      "Pulumi.staging.yaml",
    );
    const c = await planCli("--program", TEAM_APP, "--config", other, "--json");
    assert.equal(c.code, 0, c.stderr);
    const seen = JSON.parse(c.stdout).outputs.seen;
    assert.equal(seen.stack, "staging");
    assert.equal(seen.owner, "other-team");
    assert.equal(seen.location, undefined);
  });
});

describe("mocks that behave like a preview", () => {
  const outputs = write(
    "network-outputs.json",
    JSON.stringify({ vnetId: "/subscriptions/0/resourceGroups/net/providers/x/hub" }),
  );
  const vault = configFile({ "team-data:readVaultSecret": true }, "Pulumi.vault.yaml");

  it("answers invokes, random results, stack references and reads", async () => {
    const r = await planCli(
      "--program",
      TEAM_DATA,
      "--stack-outputs",
      `acme/network/dev=${outputs}`,
      "--json",
    );
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.outputs.keyNames, ["key1", "key2"]);
    assert.equal(j.outputs.keyLength, 88);
    assert.equal(j.outputs.passwordLength, 24);
    assert.equal(j.outputs.vnetId, "/subscriptions/0/resourceGroups/net/providers/x/hub");
    assert.equal(j.outputs.sharedName, "sharedlogs");
    assert.equal(j.outputs.blobEndpoint, "https://teamdatadev.blob.core.windows.net/");
    const password = j.resources.find((x: { type: string }) => x.type.endsWith("RandomPassword"));
    assert.equal(password.outputs.result, "[secret]");
    const reads = j.resources
      .filter((x: { read?: boolean }) => x.read)
      .map((x: { urn: string }) => x.urn);
    assert.deepEqual(reads.sort(), [
      "urn:pulumi:dev::team-data::azure-native:storage:StorageAccount::shared",
      "urn:pulumi:dev::team-data::pulumi:pulumi:StackReference::acme/network/dev",
    ]);
  });

  it("names a referenced stack without outputs and how to supply them", async () => {
    const r = await planCli("--program", TEAM_DATA);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr.split("\n")[0],
      "error: the program references stack acme/network/dev, whose outputs the offline plan cannot read; supply them with --stack-outputs acme/network/dev=FILE (a JSON object of its outputs, e.g. pulumi stack output --json --stack acme/network/dev)",
    );
    assert.doesNotMatch(r.stderr, NO_STACK_TRACE);
  });

  it("names an invoke the mocks do not know, exit 1, nothing on stdout", async () => {
    const r = await planCli(
      "--program",
      TEAM_DATA,
      "--config",
      vault,
      "--stack-outputs",
      `acme/network/dev=${outputs}`,
    );
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /^error: the program calls azure-native:keyvault:getSecret, which the offline plan has no mock for; supply it with --mocks FILE/,
    );
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.doesNotMatch(r.stderr, NO_STACK_TRACE);
  });

  it("prints no partial plan when the program fails", async () => {
    const fail = configFile({ "team-data:fail": true }, "Pulumi.fail.yaml");
    const r = await planCli(
      "--program",
      TEAM_DATA,
      "--config",
      fail,
      "--stack-outputs",
      `acme/network/dev=${outputs}`,
    );
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, "error: the data team's program failed after creating teamdatadev\n");
  });

  it("names the resource, the output and the --mocks entry when a callback reads an undefined one", async () => {
    const replica = configFile({ "team-data:replicaGroup": true }, "Pulumi.replica.yaml");
    const args = ["--program", TEAM_DATA, "--config", replica];
    const r = await planCli(...args, "--stack-outputs", `acme/network/dev=${outputs}`);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      "error: the program read secondaryLocation of azure-native:storage:StorageAccount data (urn:pulumi:replica::team-data::azure-native:storage:StorageAccount::data), which the offline plan's mocks leave undefined, and failed: Cannot read properties of undefined (reading 'toLowerCase'); " +
        'supply it with --mocks FILE (a JSON file: {"resources": {"azure-native:storage:StorageAccount": {"secondaryLocation": ...its value}}})\n',
    );
    // The entry it names is the one that makes the plan go through.
    const mocks = write(
      "replica-mocks.json",
      JSON.stringify({
        resources: { "azure-native:storage:StorageAccount": { secondaryLocation: "NorthEurope" } },
        stackOutputs: { "acme/network/dev": { vnetId: "x" } },
      }),
    );
    const ok = await planCli(...args, "--mocks", mocks, "--json");
    assert.equal(ok.code, 0, ok.stderr);
    const group = JSON.parse(ok.stdout).resources.find(
      (x: { name: string }) => x.name === "replica",
    );
    assert.equal(group.inputs.location, "northeurope");
  });

  it("takes what --mocks FILE supplies: invoke results and extra resource outputs", async () => {
    const mocks = write(
      "mocks.json",
      JSON.stringify({
        invokes: { "azure-native:keyvault:getSecret": { properties: { value: "from-mocks" } } },
        resources: {
          "azure-native:storage:StorageAccount": { primaryEndpoints: { blob: "https://x/" } },
        },
        stackOutputs: { "acme/network/dev": { vnetId: "from-mocks-file" } },
      }),
    );
    const r = await planCli("--program", TEAM_DATA, "--config", vault, "--mocks", mocks, "--json");
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout).outputs;
    assert.equal(o.vaultSecret, "from-mocks");
    assert.equal(o.blobEndpoint, "https://x/");
    assert.equal(o.vnetId, "from-mocks-file");
  });
});

describe("a program whose main() is never awaited", () => {
  const PROGRAM = "test/programs/unawaited-main/index.ts";

  it("is planned with everything main() registers after its file read and timer", async () => {
    const r = await planCli("--program", PROGRAM, "--json");
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { resources: { type: string }[]; warnings?: string[] };
    // Two services' mesh: 7 guardrail definitions and 7 assignments among them (none per group).
    assert.equal(j.resources.length, 44);
    assert.equal(j.resources.filter((x) => x.type === "azure-native:web:WebApp").length, 2);
    assert.equal(j.warnings, undefined);
  });

  it("says loudly, on stderr and in --json, that a program registered nothing; exit 1", async () => {
    const empty = configFile({ "unawaited-main:empty": true }, "Pulumi.empty.yaml");
    const r = await planCli("--program", PROGRAM, "--config", empty, "--json");
    assert.equal(r.code, 1);
    const warning =
      "the program registered no resources: nothing was planned or judged by the policy pack, and `pulumi up` with it would delete everything the stack holds. Check that the entry point builds its resources (a function it defines must be called, or exported for the engine to call).";
    assert.deepEqual(JSON.parse(r.stdout).warnings, [warning]);
    assert.equal(r.stderr, `warning: ${warning}\n`);
    const text = await planCli("--program", PROGRAM, "--config", empty);
    assert.equal(text.code, 1);
    assert.equal(text.stderr, `warning: ${warning}\n`);
  });
});

describe("--policy-config", () => {
  const run = (config: unknown) =>
    planCli(
      "--program",
      "test/programs/private-endpoint.ts",
      "--policy-config",
      write(`policy-${Math.random().toString(36).slice(2)}.json`, JSON.stringify(config)),
      "--json",
    );
  const levels = (stdout: string) =>
    JSON.parse(stdout).violations.map((v: { policy: string; enforcementLevel: string }) => [
      v.policy,
      v.enforcementLevel,
    ]);

  it("re-levels a policy (a level or an object), or disables it", async () => {
    const advisory = await run({ "no-private-endpoint-callee": "advisory" });
    assert.equal(advisory.code, 0, advisory.stderr);
    assert.deepEqual(levels(advisory.stdout), [["no-private-endpoint-callee", "advisory"]]);
    const off = await run({ "no-private-endpoint-callee": { enforcementLevel: "disabled" } });
    assert.equal(off.code, 0, off.stderr);
    assert.deepEqual(levels(off.stdout), []);
    const all = await run({ all: "advisory" });
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(levels(all.stdout), [["no-private-endpoint-callee", "advisory"]]);
  });

  it("passes a policy's knobs", async () => {
    const r = await run({
      "no-private-endpoint-callee": { exemptSiteNames: ["edges-dev-billing"] },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(levels(r.stdout), []);
  });

  it("refuses unknown policies, levels and knobs as usage errors", async () => {
    for (const [config, message] of [
      [{ nope: "advisory" }, /"nope" is not a policy of the pack/],
      [{ "no-private-endpoint-callee": "loud" }, /enforcement level must be advisory, mandatory/],
      [
        { "no-private-endpoint-callee": { exempt: [] } },
        /no such setting; it takes exemptSiteNames/,
      ],
      [
        { "integration-subnet-size": { addressesPerInstance: "two" } },
        /addressesPerInstance must be integer/,
      ],
    ] as const) {
      const r = await run(config);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, /^error: --policy-config /);
      assert.match(r.stderr, message);
    }
  });
});
