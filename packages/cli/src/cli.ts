/**
 * `npm run plan -- [--stack NAME | --config FILE] [--json] [--mermaid] [--program FILE]`
 *
 * Exit codes: 0 ok; 1 invalid config or usage, or a review that Azure would refuse (errors on
 * stderr); 2 a mandatory policy violation; 3 a denied call (`check`); 4 an audit that found the
 * deployed mesh differs from the graph, or a `usage` that found an undeclared call through an
 * enforced callee.
 */
import "./lazy-sdk-deps";
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { ConfigError, PROJECT, formatIssue, isDay } from "@service-edges/contract";
import type { OfflineConfig } from "@service-edges/policy/offline";
import {
  emptyPlan,
  isOurProgram,
  missingMockMessage,
  planStack,
  registeredSoFar,
  runPlan,
  type PlanOptions,
  type PlanResult,
} from "./run";
import { UnknownServiceError, checkAccess, describeAccess, matchAccess } from "./access";
import { EXIT_MISMATCH, addAuditCommand } from "./audit";
import { addUsageCommand } from "./usage/command";
import { addPruneCommand } from "./prune-expired";
import { diffPlans, shortUrn } from "./diff";
import { mockOverrides } from "./mock-file";
import { readPolicyConfig } from "./policy-config";
import { withProgress } from "./progress";
import { MissingMockError } from "./recording-monitor";
import { reviewPlans, reviewText } from "./review";
import {
  type GraphView,
  humanPlan,
  markdownReview,
  mermaid,
  programPlan,
  violationsText,
} from "./render";
import { DEFAULT_JOBS, orgAsPlan, orgText, planOrg, planOrgStacks } from "./org";
import { orgReviewText, reviewOrg } from "./org-review";
import {
  type ProjectInfo,
  type StackConfig,
  UsageError,
  cliPath,
  defaultStack,
  findProject,
  programOfProject,
  invocationDir,
  readJsonFile,
  readStackConfig,
  stackFile,
  stacksIn,
  withProjectDefaults,
} from "./stack-config";
import {
  migrationText,
  planMigration,
  projectOfSingleStack,
  readSingleStack,
  readTeams,
  splitSingleStack,
} from "./migrate";

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
  basePlan?: string;
  format?: string;
  mocks?: string;
  stackOutputs?: string[];
  policyConfig?: string;
  org?: string;
  jobs?: string;
  from?: string;
  teams?: string;
  out?: string;
  platform?: string;
  /** migrate: the single stack's Pulumi project (default: its Pulumi.yaml's name). */
  project?: string;
  now?: string;
}

/**
 * `--base none` (or `--diff none`): the stack is new, nothing is deployed yet; `--head none`: its
 * config is deleted, everything goes. Not a path: `./none` names a file called none.
 */
export const NONE = "none";
const NONE_OPTIONS = new Set(["diff", "base", "head"]);

/**
 * `--base-plan FILE`: a plan's `--json`, saved (e.g. the base planned with the base's own code,
 * in a worktree of the base commit). Checked to be one, so a review's JSON is not taken for it.
 */
function readBasePlan(file: string): PlanResult {
  const what = "base plan";
  const j = readJsonFile(file, what) as Partial<PlanResult> | null;
  const not = (why: string) =>
    new UsageError(
      `the ${what} ${file} is not a plan's --json (npm run plan -- --stack NAME --json): ${why}`,
    );
  if (!j || typeof j !== "object" || Array.isArray(j)) throw not("not an object");
  if (typeof j.stack !== "string") throw not("it has no stack");
  if (!Array.isArray(j.resources)) throw not("it has no resources list");
  j.resources.forEach((r, i) => {
    if (
      !r ||
      typeof r.urn !== "string" ||
      typeof r.type !== "string" ||
      !r.inputs ||
      typeof r.inputs !== "object" ||
      !Array.isArray(r.dependencies)
    )
      throw not(`resources[${i}] has no urn, type, inputs or dependencies`);
  });
  return {
    stack: j.stack,
    services: j.services ?? [],
    edges: j.edges ?? [],
    resources: j.resources,
    violations: j.violations ?? [],
    outputs: j.outputs ?? {},
  };
}

/** Options naming files: resolved against the directory the command was run from. */
const PATH_OPTIONS = new Set([
  "org",
  "config",
  "program",
  "diff",
  "base",
  "head",
  "basePlan",
  "state",
  "assignments",
  "sites",
  "mocks",
  "policyConfig",
  "from",
  "teams",
  "out",
]);

/**
 * The program to plan: `--program FILE` (or a project directory), else the project found from
 * where the command runs, as `pulumi` finds it: the nearest Pulumi.yaml at or above the working
 * directory (pulumi/pulumi sdk/go/common/workspace DetectProjectPath), and its entry point.
 */
function programOf(flags: PlanFlags): string {
  if (!flags.program) {
    const here = invocationDir();
    const project = findProject(here);
    if (!project)
      throw new UsageError(
        `no Pulumi.yaml in ${here} or any directory above it. Fix: run service-edges in your Pulumi project's directory, or give --program FILE`,
      );
    return programOfProject(project);
  }
  const file = cliPath(flags.program);
  if (!fs.existsSync(file)) throw new UsageError(`cannot read the program ${file}: no such file`);
  if (fs.statSync(file).isDirectory()) {
    const project = findProject(file);
    if (!project) throw new UsageError(`no Pulumi.yaml in or above the program directory ${file}`);
    return programOfProject(project);
  }
  return file;
}

/** The project a program belongs to: the nearest Pulumi.yaml above it. */
function projectOf(program: string): ProjectInfo {
  const found = findProject(program);
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
  if (flags.now !== undefined && !isDay(flags.now))
    throw new UsageError(`--now ${flags.now}: give a date as YYYY-MM-DD, e.g. 2026-12-06`);
  return {
    program,
    mocks: mockOverrides(flags.mocks, flags.stackOutputs ?? []),
    ...(policyConfig ? { policyConfig } : {}),
    ...(flags.now !== undefined ? { now: flags.now } : {}),
  };
}

/** A path as the user would write it from where they ran the command. */
function shown(file: string): string {
  return path.relative(invocationDir(), file) || file;
}

/**
 * `--diff BASE` (the planned config is the head), `--base B --head H`, or `--base-plan P` (a saved
 * plan of the base) with `--head H` or `--stack` / `--config`. `none` for a base: a new stack; for
 * the head: a deleted stack config.
 */
async function review(
  flags: PlanFlags,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  if (flags.format !== undefined && flags.format !== "markdown" && flags.format !== "text") {
    throw new UsageError(`--format must be markdown or text, got "${flags.format}"`);
  }
  if (flags.mermaid) throw new UsageError("--mermaid does not apply to a review");
  if (flags.diff && (flags.base || flags.head || flags.basePlan)) {
    throw new UsageError("give --diff BASE, or --base BASE --head HEAD, not both");
  }
  if (flags.base && flags.basePlan) {
    throw new UsageError("give --base (a stack config) or --base-plan (a saved plan), not both");
  }
  if (flags.base && !flags.head) {
    throw new UsageError("--base needs --head (the proposed stack config to compare with it)");
  }
  if (flags.head && !flags.base && !flags.basePlan) {
    throw new UsageError("--head needs --base (the base stack config to compare it with)");
  }
  if (flags.head && (flags.stack || flags.config)) {
    throw new UsageError("--head is the planned config: give it, or --stack / --config, not both");
  }
  const baseArg = flags.diff ?? flags.base;
  const newStack = baseArg === NONE;
  const deletedStack = flags.head === NONE;
  if (newStack && deletedStack) {
    throw new UsageError("--base none --head none: there is nothing to review");
  }
  const inputs = planInputs(flags);
  const program = inputs.program!;
  const project = projectOf(program);
  const name = isOurProgram(program) ? PROJECT : project.name;
  const withDefaults = (c: StackConfig) => withProjectDefaults(c, { ...project, name });
  const headConfig = deletedStack
    ? undefined
    : flags.head
      ? withDefaults(
          readStackConfig(cliPath(flags.head), undefined, {
            project: name,
            what: "head stack config",
          }),
        )
      : configFrom(flags);
  const savedBase = flags.basePlan ? readBasePlan(cliPath(flags.basePlan)) : undefined;
  if (savedBase && headConfig && savedBase.stack !== headConfig.stack) {
    // URNs name the stack: every resource would read as deleted and created again.
    throw new UsageError(
      `the base plan ${shown(cliPath(flags.basePlan!))} is of stack ${savedBase.stack}, the head of stack ${headConfig.stack}`,
    );
  }
  const baseConfig =
    savedBase || newStack
      ? undefined
      : withDefaults(
          readStackConfig(cliPath(baseArg!), headConfig?.stack, {
            project: name,
            what: "base stack config",
          }),
        );
  const stack = headConfig?.stack ?? savedBase?.stack ?? baseConfig!.stack;
  const notes: string[] = [];
  if (newStack) notes.push("A new stack: reviewed against an empty stack (nothing deployed yet).");
  if (deletedStack)
    notes.push(
      "The stack config is deleted: reviewed as the stack destroyed, everything deleted. " +
        "Deleting the file deletes nothing in Azure: the resources stay until `pulumi destroy`.",
    );
  if (savedBase)
    notes.push(
      `The base is the saved plan \`${path.basename(flags.basePlan!)}\` (${savedBase.resources.length} resources), not planned here.`,
    );
  const { base, head, graph } = await withProgress(registeredSoFar, async () => {
    // The base is what is deployed: the planner's own checks judge only the proposed config.
    const b =
      savedBase ??
      (baseConfig
        ? await runPlan({ ...inputs, config: baseConfig, skipConfigChecks: true })
        : emptyPlan(stack));
    if (!headConfig) {
      const none: GraphView = { services: [], edges: [] };
      return { base: b, head: emptyPlan(stack), graph: none };
    }
    const h = await planStack({ ...inputs, config: headConfig });
    return { base: b, head: h.plan, graph: h.graph as GraphView | undefined };
  });
  const d = diffPlans(base, head);
  const r = reviewPlans(base, head);
  if (flags.json) {
    out(JSON.stringify(r, null, 2));
  } else if (flags.format === "markdown") {
    if (!graph) throw new UsageError("--format markdown needs a service-edges stack config");
    out(markdownReview(graph, head, d, shortUrn, { review: r, notes }));
  } else {
    for (const note of notes) out(note.replace(/`/g, ""));
    if (notes.length) out("");
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

/** `--jobs N`: worker processes for an org plan (default one per core). */
function jobsOf(flags: PlanFlags): number {
  if (flags.jobs === undefined) return DEFAULT_JOBS;
  const n = Number(flags.jobs);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(
      `--jobs ${flags.jobs}: give a whole number of worker processes, 1 or more`,
    );
  return n;
}

/** `--org DIR`: every stack in DIR; with `--base DIR` (or `--diff DIR`), a review of the org PR. */
async function orgCommand(
  flags: PlanFlags,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  for (const f of [
    "stack",
    "config",
    "program",
    "head",
    "basePlan",
    "mermaid",
    "format",
  ] as const) {
    if (flags[f] !== undefined)
      throw new UsageError(
        `--org plans every stack file in its directory; ${flagName(new Command(), f)} does not apply`,
      );
  }
  // The org's team stacks plan in worker threads, which do not share the planner's day.
  if (flags.now !== undefined)
    throw new UsageError(
      "--now does not apply to --org yet: plan each stack with --stack or --config",
    );
  const jobs = jobsOf(flags);
  const baseDir = flags.diff ?? flags.base;
  if (baseDir) {
    const r = await reviewOrg(baseDir, flags.org!, jobs);
    out(flags.json ? JSON.stringify(r, null, 2) : orgReviewText(r));
    const blocking = r.stacks.flatMap((s) =>
      s.review.blocking.map((b) => ({ ...b, stack: s.name })),
    );
    for (const b of blocking) err(`blocking: [${b.stack}] ${shortUrn(b.urn)}: ${b.message}`);
    if (blocking.length > 0) return EXIT.invalid;
    return r.stacks.some((s) => s.review.violations.some((v) => v.enforcementLevel === "mandatory"))
      ? EXIT.violation
      : EXIT.ok;
  }
  const org = await planOrg(flags.org!, jobs);
  out(flags.json ? JSON.stringify(org, null, 2) : orgText(org));
  return org.stacks.some((s) => s.violations.some((v) => v.enforcementLevel === "mandatory"))
    ? EXIT.violation
    : EXIT.ok;
}

async function plan(
  flags: PlanFlags,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  if (flags.org) return orgCommand(flags, out, err);
  if (flags.jobs !== undefined) throw new UsageError("--jobs applies to --org plans");
  if (flags.diff || flags.base || flags.head || flags.basePlan) return review(flags, out, err);
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
  for (const w of result.warnings ?? []) err(`warning: ${w}`);
  // A plan of nothing fails the gate: exit 0 would pass a program the plan never saw build.
  if (result.resources.length === 0) return EXIT.invalid;
  return result.violations.some((v) => v.enforcementLevel === "mandatory")
    ? EXIT.violation
    : EXIT.ok;
}

/** `migrate --from F (--teams T --out DIR | --org DIR)`. */
async function migrateCommand(
  flags: PlanFlags,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const from = flags.from!;
  if (!fs.existsSync(from)) throw new UsageError(`--from ${from}: no such file`);
  if (!flags.org === !flags.out) {
    throw new UsageError(
      "migrate: give --teams FILE --out DIR (write the stacks), or --org DIR (stacks already written)",
    );
  }
  const old = readSingleStack(from);
  const project = projectOfSingleStack(from, flags.project);
  let dir = flags.org;
  if (flags.out) {
    if (!flags.teams) throw new UsageError("migrate --out DIR needs --teams FILE");
    const { stacks, secretsToSet } = splitSingleStack(old, readTeams(flags.teams), flags.platform);
    fs.mkdirSync(flags.out, { recursive: true });
    for (const s of stacks) fs.writeFileSync(path.join(flags.out, s.file), s.text);
    err(`wrote ${stacks.map((s) => s.file).join(", ")} to ${shown(flags.out)}`);
    for (const k of secretsToSet)
      err(
        `  ${k} was a secret: set it again in each stack that needs it (pulumi config set --secret ${k} ...)`,
      );
    dir = flags.out;
  } else if (flags.teams || flags.platform) {
    throw new UsageError("--teams and --platform apply with --out");
  }
  const m = await withProgress(registeredSoFar, () =>
    planMigration(old, dir!, jobsOf(flags), project),
  );
  out(flags.json ? JSON.stringify(m, null, 2) : migrationText(m, shown(dir!)));
  return m.blocking.length > 0 ? EXIT.violation : EXIT.ok;
}

/** The package's version, for `--version`. */
function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));
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
    .option(
      "--diff <base-config>",
      "review: what changes from this base config (none: a new stack) to the planned one",
    )
    .option("--base <file>", "review: the base stack config (with --head); none: a new stack")
    .option("--head <file>", "review: the proposed stack config (with --base); none: deleted")
    .option(
      "--base-plan <file>",
      "review: against this saved plan (--json of the base, e.g. planned with the base's code)",
    )
    .option("--format <format>", "review output: text (default) or markdown (a PR comment)")
    .option("--org <dir>", "plan every Pulumi.<stack>.yaml in DIR: one platform stack, team stacks")
    .option("--jobs <n>", "--org: worker processes planning team stacks (default: one per core)")
    .option(
      "--now <date>",
      "plan and review as of this day, YYYY-MM-DD (expiring edges, shadow deadlines in the pack; default today, UTC)",
    )
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
      if (
        PATH_OPTIONS.has(key) &&
        typeof value === "string" &&
        !(NONE_OPTIONS.has(key) && value === NONE)
      ) {
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
      .option("--org <dir>", "query across every stack in DIR (a platform and team stacks)")
      .option("--jobs <n>", "--org: worker processes (default: one per core)")
      .option("--json", "print the answer as JSON");
  const queryPlan = async (flags: PlanFlags) => {
    if (flags.org) {
      const { org, plans } = await planOrgStacks(flags.org, jobsOf(flags));
      return orgAsPlan(org, plans);
    }
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
  program
    .command("migrate")
    .description(
      "move a deployed single stack into a platform stack and team stacks, replacing nothing: write the stack files (--teams, --out) and prove the move (exit 0), or say what blocks it (exit 2)",
    )
    .requiredOption("--from <file>", "the single stack's Pulumi.<stack>.yaml")
    .option("--teams <file>", "YAML: each team with the services its stack deploys (with --out)")
    .option("--out <dir>", "write the org's Pulumi.<stack>.yaml files here, then prove the move")
    .option("--platform <name>", "the platform stack's name (with --out; default platform)")
    .option("--org <dir>", "prove the move into the stack files in DIR")
    .option(
      "--project <name>",
      "the single stack's Pulumi project, in every URN moved (default: the name in the Pulumi.yaml beside --from)",
    )
    .option("--jobs <n>", "worker processes planning team stacks (default: one per core)")
    .option("--json", "print the migration as JSON")
    .action(async (flags: PlanFlags) => {
      code = await migrateCommand(flags, out, err);
    });
  // `usage --logs DIR`: the graph against exported Log Analytics rows; exit 4 on a hole.
  addUsageCommand(program, queryPlan, out, err, (c) => (code = c));
  // `prune-expired`: the edges past their expires day, removed from the stack file with --write.
  addPruneCommand(
    program,
    (flags) => configFrom(flags).file,
    out,
    (c) => (code = c),
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

/** Whether `report` has said a failure already (the unhandled-rejection handler asks). */
export function wasReported(): boolean {
  return reported;
}

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
