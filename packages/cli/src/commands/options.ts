/**
 * What every verb shares: the exit codes, the flags, how a program, its project and its stack
 * config are found from the command line, and how a query plans what it asks about.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { PROJECT, isDay } from "@service-edges/contract";
import type { OfflineConfig } from "@service-edges/policy/offline";
import { EXIT_MISMATCH } from "../audit";
import { mockOverrides } from "../mock-file";
import { readPolicyConfig } from "../policy-config";
import { withProgress } from "../progress";
import { DEFAULT_JOBS, orgAsPlan, planOrgStacks } from "../org";
import { type PlanOptions, type PlanResult, isOurProgram, registeredSoFar, runPlan } from "../run";
import {
  type ProjectInfo,
  type StackConfig,
  UsageError,
  cliPath,
  defaultStack,
  findProject,
  invocationDir,
  programOfProject,
  readStackConfig,
  stackFile,
  stacksIn,
  withProjectDefaults,
} from "../stack-config";

export const EXIT = { ok: 0, invalid: 1, violation: 2, denied: 3, drift: EXIT_MISMATCH } as const;

export interface PlanFlags {
  stack?: string;
  config?: string;
  json?: boolean;
  mermaid?: boolean;
  program?: string;
  diff?: string;
  base?: string;
  head?: string;
  basePlan?: string;
  /** review: the base is this git ref of the project's repository (program and stack config). */
  baseRef?: string;
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
export const NONE_OPTIONS = new Set(["diff", "base", "head"]);

/** Options naming files: resolved against the directory the command was run from. */
export const PATH_OPTIONS = new Set([
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
export function programOf(flags: PlanFlags): string {
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

/**
 * The project name a program runs as: its Pulumi.yaml's, except this repository's programs,
 * which run as `service-edges` (their config namespace) wherever their Pulumi.yaml is.
 */
export function projectName(program: string, project: ProjectInfo): string {
  return isOurProgram(program) ? PROJECT : project.name;
}

/**
 * The project a program runs as: the one it was found from (the working directory's, or the
 * directory `--program` names: its Pulumi.yaml may point `main:` anywhere), else the nearest
 * Pulumi.yaml above the program file.
 */
export function projectOf(program: string, flags: PlanFlags = {}): ProjectInfo {
  const from =
    flags.program === undefined
      ? invocationDir()
      : fs.statSync(cliPath(flags.program)).isDirectory()
        ? cliPath(flags.program)
        : program;
  const found = findProject(from);
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
export function configFrom(flags: PlanFlags): StackConfig {
  if (flags.stack && flags.config) throw new UsageError("give --stack or --config, not both");
  const program = programOf(flags);
  const project = projectOf(program, flags);
  const name = projectName(program, project);
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
export function planInputs(flags: PlanFlags): Omit<PlanOptions, "config"> {
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
export function shown(file: string): string {
  return path.relative(invocationDir(), file) || file;
}

/** `--jobs N`: worker processes for an org plan (default one per core). */
export function jobsOf(flags: PlanFlags): number {
  if (flags.jobs === undefined) return DEFAULT_JOBS;
  const n = Number(flags.jobs);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(
      `--jobs ${flags.jobs}: give a whole number of worker processes, 1 or more`,
    );
  return n;
}

/** `--flag` as the user typed it, from commander's attribute name (`policyConfig`). */
export function flagName(command: Command, key: string): string {
  const o = command.options.find((x) => x.attributeName() === key);
  return o?.long ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export const collect = (value: string, previous: string[] | undefined) => [
  ...(previous ?? []),
  value,
];

/** Where a verb writes: stdout (the result) and stderr (progress, warnings, refusals). */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** The exit code of the verb that ran. */
  done: (code: number) => void;
}

/** The plan a query asks: one stack's, or with `--org DIR` every stack's as one plan. */
export async function queryPlan(flags: PlanFlags): Promise<PlanResult> {
  if (flags.org) {
    const { org, plans } = await planOrgStacks(flags.org, jobsOf(flags), {
      program: programOf(flags),
    });
    return orgAsPlan(org, plans);
  }
  const config = configFrom(flags);
  const inputs = planInputs(flags);
  return withProgress(registeredSoFar, () => runPlan({ ...inputs, config }));
}

/** A query verb (`check`, `match`) with the options that say what to plan. */
export function queryCommand(program: Command, name: string, args: string, description: string) {
  return program
    .command(name)
    .argument(args)
    .description(description)
    .option(
      "--stack <name>",
      "query Pulumi.<name>.yaml (default: the project's only stack, else dev)",
    )
    .option("--config <file>", "query this stack config file")
    .option("--program <file>", "query another program (a file, or a project directory)")
    .option("--mocks <file>", "JSON results for invokes the mocks do not know")
    .option("--stack-outputs <name=file>", "outputs of a referenced stack (repeatable)", collect)
    .option("--org <dir>", "query across every stack in DIR (a platform and team stacks)")
    .option("--jobs <n>", "--org: worker processes (default: one per core)")
    .option("--json", "print the answer as JSON");
}
