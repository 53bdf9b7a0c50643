/**
 * `npm run plan -- [--stack NAME | --config FILE] [--json] [--mermaid] [--program FILE]`
 *
 * Exit codes: 0 ok; 1 invalid config or usage, or a review that Azure would refuse (errors on
 * stderr); 2 a mandatory policy violation; 3 a denied call (`check`); 4 an audit that found the
 * deployed mesh differs from the graph.
 */
import "./lazy-sdk-deps";
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { ConfigError, PROJECT, formatIssue } from "@service-edges/contract";
import type { OfflineConfig } from "@service-edges/policy/offline";
import {
  DEFAULT_PROGRAM,
  PROJECT_DIR,
  isOurProgram,
  missingMockMessage,
  planStack,
  registeredSoFar,
  runPlan,
  type PlanOptions,
} from "./run";
import { UnknownServiceError, checkAccess, describeAccess, matchAccess } from "./access";
import { EXIT_MISMATCH, addAuditCommand } from "./audit";
import { diffPlans, shortUrn } from "./diff";
import { mockOverrides } from "./mock-file";
import { readPolicyConfig } from "./policy-config";
import { withProgress } from "./progress";
import { MissingMockError } from "./recording-monitor";
import { reviewMarkdown, reviewPlans, reviewText } from "./review";
import { humanPlan, markdownReview, mermaid, programPlan, violationsText } from "./render";
import {
  type ProjectInfo,
  type StackConfig,
  UsageError,
  cliPath,
  defaultStack,
  findProject,
  invocationDir,
  readStackConfig,
  stackFile,
  stacksIn,
  withProjectDefaults,
} from "./stack-config";

export const EXIT = { ok: 0, invalid: 1, violation: 2, denied: 3, drift: EXIT_MISMATCH } as const;

interface PlanFlags {
  stack?: string;
  config?: string;
  json?: boolean;
  mermaid?: boolean;
  program?: string;
  diff?: string;
  base?: string;
  head?: string;
  format?: string;
  mocks?: string;
  stackOutputs?: string[];
  policyConfig?: string;
}

/** Options naming files: resolved against the directory the command was run from. */
const PATH_OPTIONS = new Set([
  "config",
  "program",
  "diff",
  "base",
  "head",
  "state",
  "assignments",
  "sites",
  "mocks",
  "policyConfig",
]);

/** The program to plan: `--program`, else this project's index.ts. */
function programOf(flags: PlanFlags): string {
  if (!flags.program) return DEFAULT_PROGRAM;
  const file = cliPath(flags.program);
  if (!fs.existsSync(file)) throw new UsageError(`cannot read the program ${file}: no such file`);
  return file;
}

/** The project a program belongs to: the nearest Pulumi.yaml above it (this one for ours). */
function projectOf(program: string): ProjectInfo {
  const found = findProject(program === DEFAULT_PROGRAM ? PROJECT_DIR : program);
  if (found) return found;
  throw new UsageError(
    `no Pulumi.yaml at or above ${program}: a Pulumi program is planned as its project (its Pulumi.yaml name and stack configs)`,
  );
}

/**
 * The stack config a program is planned with: `--config FILE`, else `Pulumi.<--stack>.yaml` in
 * the program's project, else that project's only stack (or `dev`), else none; over the
 * project's own config defaults. Never this project's config for another project's program.
 */
function configFrom(flags: PlanFlags): StackConfig {
  if (flags.stack && flags.config) throw new UsageError("give --stack or --config, not both");
  const program = programOf(flags);
  const project = projectOf(program);
  const ours = isOurProgram(program);
  const name = ours ? PROJECT : project.name;
  let config: StackConfig;
  if (flags.config) {
    config = readStackConfig(cliPath(flags.config), undefined, { project: name });
  } else {
    const stack = flags.stack ?? defaultStack(project.dir);
    const file = stack === undefined ? undefined : stackFile(project.dir, stack);
    if (stack === undefined || file === undefined) {
      config = { stack: "dev", file: project.file, values: {}, project: name };
    } else if (!fs.existsSync(file)) {
      const stacks = stacksIn(project.dir);
      throw new UsageError(
        `project ${project.name} has no stack config for stack "${stack}" (${file})${stacks.length > 0 ? `; its stacks: ${stacks.join(", ")}` : ""}`,
      );
    } else {
      config = readStackConfig(file, stack, { project: name });
    }
  }
  return withProjectDefaults(config, { ...project, name });
}

/** Everything but the config that goes into a plan: the program, the mocks, the policy config. */
function planInputs(flags: PlanFlags): Omit<PlanOptions, "config"> {
  const program = programOf(flags);
  let policyConfig: OfflineConfig | undefined;
  if (flags.policyConfig) policyConfig = readPolicyConfig(cliPath(flags.policyConfig));
  return {
    program,
    mocks: mockOverrides(flags.mocks, flags.stackOutputs ?? []),
    ...(policyConfig ? { policyConfig } : {}),
  };
}

/** A path as the user would write it from where they ran the command. */
function shown(file: string): string {
  return path.relative(invocationDir(), file) || file;
}

/** `--diff BASE` (the planned config is the head) or `--base B --head H`. */
async function review(
  flags: PlanFlags,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  if (flags.format !== undefined && flags.format !== "markdown" && flags.format !== "text") {
    throw new UsageError(`--format must be markdown or text, got "${flags.format}"`);
  }
  if (flags.mermaid) throw new UsageError("--mermaid does not apply to a review");
  if (flags.diff && (flags.base || flags.head)) {
    throw new UsageError("give --diff BASE, or --base BASE --head HEAD, not both");
  }
  if (flags.base && !flags.head) {
    throw new UsageError("--base needs --head (the proposed stack config to compare with it)");
  }
  if (flags.head && !flags.base) {
    throw new UsageError("--head needs --base (the base stack config to compare it with)");
  }
  if (flags.head && (flags.stack || flags.config)) {
    throw new UsageError("--head is the planned config: give it, or --stack / --config, not both");
  }
  const inputs = planInputs(flags);
  const program = inputs.program!;
  const project = projectOf(program);
  const name = isOurProgram(program) ? PROJECT : project.name;
  const withDefaults = (c: StackConfig) => withProjectDefaults(c, { ...project, name });
  const headConfig = flags.head
    ? withDefaults(
        readStackConfig(cliPath(flags.head), undefined, {
          project: name,
          what: "head stack config",
        }),
      )
    : configFrom(flags);
  const baseConfig = withDefaults(
    readStackConfig(cliPath((flags.diff ?? flags.base)!), headConfig.stack, {
      project: name,
      what: "base stack config",
    }),
  );
  const { base, head, graph } = await withProgress(registeredSoFar, async () => {
    // The base is what is deployed: the planner's own checks judge only the proposed config.
    const b = await runPlan({ ...inputs, config: baseConfig, skipConfigChecks: true });
    const h = await planStack({ ...inputs, config: headConfig });
    return { base: b, head: h.plan, graph: h.graph };
  });
  const d = diffPlans(base, head);
  const r = reviewPlans(base, head);
  if (flags.json) {
    out(JSON.stringify(r, null, 2));
  } else if (flags.format === "markdown") {
    if (!graph) throw new UsageError("--format markdown needs a service-edges stack config");
    out(markdownReview(graph, head, d, shortUrn));
    out("");
    out("#### Resources, as the engine will run them");
    out("");
    out(reviewMarkdown(r));
  } else {
    out(reviewText(r));
    out("");
    out(violationsText(head));
  }
  if (r.blocking.length > 0) {
    // Azure would refuse the deployment as ordered: say what and how to split it, and fail.
    for (const b of r.blocking) err(`blocking: ${shortUrn(b.urn)}: ${b.message}`);
    return EXIT.invalid;
  }
  return head.violations.some((v) => v.enforcementLevel === "mandatory") ? EXIT.violation : EXIT.ok;
}

async function plan(
  flags: PlanFlags,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  if (flags.diff || flags.base || flags.head) return review(flags, out, err);
  if (flags.format) throw new UsageError("--format applies to --diff / --base --head reviews");
  if (flags.json && flags.mermaid) throw new UsageError("give --json or --mermaid, not both");
  const config = configFrom(flags);
  const inputs = planInputs(flags);
  const { plan: result, graph } = await withProgress(registeredSoFar, () =>
    planStack({ ...inputs, config }),
  );
  // With no stack config, the file is the project's Pulumi.yaml (its defaults).
  const file = /(^|[\\/])Pulumi\.ya?ml$/.test(config.file)
    ? `no stack config; ${shown(config.file)}`
    : shown(config.file);
  if (flags.json) out(JSON.stringify(result, null, 2));
  else if (flags.mermaid) {
    if (!graph) throw new UsageError("--mermaid needs a service-edges graph in the stack config");
    out(mermaid(graph));
  } else out(graph ? humanPlan(graph, result, file) : programPlan(result, file));
  return result.violations.some((v) => v.enforcementLevel === "mandatory")
    ? EXIT.violation
    : EXIT.ok;
}

/** The package's version, for `--version`. */
function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8"));
    return String(pkg.version);
  } catch {
    return "unknown";
  }
}

/** `--flag` as the user typed it, from commander's attribute name (`policyConfig`). */
function flagName(command: Command, key: string): string {
  const o = command.options.find((x) => x.attributeName() === key);
  return o?.long ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export async function main(
  argv: string[],
  out = (s: string) => process.stdout.write(`${s}\n`),
  err = (s: string) => process.stderr.write(`${s}\n`),
): Promise<number> {
  const program = new Command("plan")
    .description(
      "Offline plan of a Pulumi program (by default service-edges' own) under Pulumi's mock runtime.",
    )
    .version(version(), "-V, --version", "print the version")
    .option(
      "--stack <name>",
      "plan Pulumi.<name>.yaml of the program's project (default: its only stack, else dev)",
    )
    .option("--config <file>", "plan this stack config file")
    .option("--json", "print one JSON object (services, edges, resources, violations)")
    .option("--mermaid", "print a Mermaid flowchart of the graph")
    .option(
      "--program <file>",
      "plan another Pulumi program, as its own project (nearest Pulumi.yaml) with its stack config",
    )
    .option("--mocks <file>", 'JSON: { "invokes": {token: result}, "resources": {type: outputs} }')
    .option(
      "--stack-outputs <name=file>",
      "outputs of a stack a StackReference names (repeatable)",
      collect,
    )
    .option("--policy-config <file>", "policy pack config JSON, as pulumi --policy-pack-config")
    .option("--diff <base-config>", "review: what changes from this base config to the planned one")
    .option("--base <file>", "review: the base stack config (with --head)")
    .option("--head <file>", "review: the proposed stack config (with --base)")
    .option("--format <format>", "review output: text (default) or markdown (a PR comment)")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => out(s.trimEnd()), writeErr: (s) => err(s.trimEnd()) });
  let code: number = EXIT.ok;
  program.action(async (flags: PlanFlags) => {
    code = await plan(flags, out, err);
  });
  // Options mean the same wherever they stand: `--config F check a b` is `check a b --config F`.
  // File options resolve against the directory the command was run from (INIT_CWD under npm).
  program.hook("preAction", (_root, action) => {
    if (action !== program) {
      const parent = program.opts() as Record<string, unknown>;
      for (const [key, value] of Object.entries(parent)) {
        if (value === undefined) continue;
        const own = action.options.some((o) => o.attributeName() === key);
        if (!own) {
          throw new UsageError(`${flagName(program, key)} does not apply to ${action.name()}`);
        }
        const mine = action.getOptionValue(key);
        if (mine !== undefined && JSON.stringify(mine) !== JSON.stringify(value)) {
          throw new UsageError(`${flagName(program, key)} is given twice, with different values`);
        }
        action.setOptionValueWithSource(key, value, "cli");
      }
    }
    for (const [key, value] of Object.entries(action.opts())) {
      if (PATH_OPTIONS.has(key) && typeof value === "string") {
        action.setOptionValueWithSource(key, cliPath(value), "cli");
      }
    }
  });
  const query = (name: string, args: string, description: string) =>
    program
      .command(name)
      .argument(args)
      .description(description)
      .option("--stack <name>", "query Pulumi.<name>.yaml (default: dev)")
      .option("--config <file>", "query this stack config file")
      .option("--program <file>", "query another program of this project (one using the mesh)")
      .option("--mocks <file>", "JSON results for invokes the mocks do not know")
      .option("--stack-outputs <name=file>", "outputs of a referenced stack (repeatable)", collect)
      .option("--json", "print the answer as JSON");
  const queryPlan = (flags: PlanFlags) => {
    const config = configFrom(flags);
    const inputs = planInputs(flags);
    return withProgress(registeredSoFar, () => runPlan({ ...inputs, config }));
  };
  query("check", "<caller>", "may CALLER call CALLEE? exit 0 allowed, 3 denied")
    .argument("<callee>")
    .action(async (caller: string, callee: string, flags: PlanFlags) => {
      const result = await queryPlan(flags);
      const answer = checkAccess(result, caller, callee);
      out(flags.json ? JSON.stringify(answer, null, 2) : describeAccess(answer));
      code = answer.allowed ? EXIT.ok : EXIT.denied;
    });
  query("match", "<service>", "who may call SERVICE, and whom it may call").action(
    async (service: string, flags: PlanFlags) => {
      const result = await queryPlan(flags);
      const m = matchAccess(result, service);
      if (flags.json) out(JSON.stringify(m, null, 2));
      else {
        out(`${service} may be called by:${m.inbound.length ? "" : " nobody"}`);
        for (const a of m.inbound)
          out(
            `  ${a.caller} (${a.identity.roles.join(", ") || "no roles"})${a.allowed ? "" : " - BROKEN: " + (a.network.allowed ? a.identity.reason : a.network.reason)}`,
          );
        out(`${service} may call:${m.outbound.length ? "" : " nobody"}`);
        for (const a of m.outbound)
          out(
            `  ${a.callee} (${a.identity.roles.join(", ") || "no roles"})${a.allowed ? "" : " - BROKEN: " + (a.network.allowed ? a.identity.reason : a.network.reason)}`,
          );
      }
    },
  );
  // `audit --state FILE`: the deployed mesh against the graph; exit 4 when they differ.
  addAuditCommand(program, configFrom, out, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    return report(e, err);
  }
}

/** Whether a failure has been said already (one failure can also reject elsewhere). */
let reported = false;

/** Says what went wrong on stderr, in one line or one list, never with a stack trace. */
export function report(e: unknown, err: (s: string) => void): number {
  if (!(e instanceof CommanderError)) reported = true;
  if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.invalid;
  if (e instanceof ConfigError) {
    err(
      `The stack config has ${e.issues.length} error${e.issues.length === 1 ? "" : "s"}; nothing was planned:`,
    );
    for (const issue of e.issues) err(`  - ${formatIssue(issue)}`);
    return EXIT.invalid;
  }
  if (
    e instanceof UsageError ||
    e instanceof UnknownServiceError ||
    e instanceof MissingMockError
  ) {
    err(`error: ${e.message}`);
    return EXIT.invalid;
  }
  // A failure the mocks caused (an invoke they do not know) says how to supply it instead.
  const missing = missingMockMessage();
  const message = missing ?? (e instanceof Error ? e.message : String(e));
  err(`error: ${message}`);
  if (process.env.SERVICE_EDGES_DEBUG && e instanceof Error) err(e.stack ?? "");
  return EXIT.invalid;
}

if (require.main === module) {
  // The SDK captures a stack trace for every internal promise; the plan never shows them.
  if (!process.env.SERVICE_EDGES_DEBUG) Error.stackTraceLimit = 0;
  // `npm run plan | head`: the reader went away; stop quietly, as other CLIs do.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED")
        process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  // What the planned program prints is its diagnostics, as under `pulumi preview`: on stderr,
  // so that stdout holds only the plan (one JSON object with --json).
  console.log = console.info = (...args: unknown[]) => console.error(...args);
  // An error inside the planned program's callbacks: say what it was, no stack trace.
  process.on("unhandledRejection", (e) => {
    if (!reported) process.exitCode = report(e, (s) => process.stderr.write(`${s}\n`));
    process.exit(process.exitCode || EXIT.invalid);
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
