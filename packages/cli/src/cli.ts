/**
 * `service-edges [verb] [options]`: the command's verbs, one file each under commands/ (plan and
 * review, org, check, match, migrate, audit, usage, prune-expired), over the domain modules.
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
import { ConfigError, formatIssue } from "@service-edges/contract";
import { UnknownServiceError } from "./access";
import { addAuditCommand } from "./commands/audit";
import { addUsageCommand } from "./commands/usage";
import { addPruneCommand } from "./commands/prune-expired";
import { MissingMockError } from "./recording-monitor";
import { missingMockMessage } from "./run";
import { UsageError, cliPath } from "./stack-config";
import { addCheckCommand } from "./commands/check";
import { addMatchCommand } from "./commands/match";
import { addMigrateCommand } from "./commands/migrate";
import {
  EXIT,
  type Io,
  NONE,
  NONE_OPTIONS,
  PATH_OPTIONS,
  type PlanFlags,
  collect,
  flagName,
} from "./commands/options";
import { plan } from "./commands/plan";

export { EXIT, NONE };

/** The package's version, for `--version`. */
function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));
    return String(pkg.version);
  } catch {
    return "unknown";
  }
}

export async function main(
  argv: string[],
  out = (s: string) => process.stdout.write(`${s}\n`),
  err = (s: string) => process.stderr.write(`${s}\n`),
): Promise<number> {
  // One command per call: a failure an earlier call reported (in-process callers, the tests)
  // does not keep this one's from being said.
  reported = false;
  const program = new Command("service-edges")
    .description(
      "Offline plan of the Pulumi program of this directory's project (the nearest Pulumi.yaml) under Pulumi's mock runtime: its mesh's services and edges, reviews, queries and the policy pack.",
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
    .option(
      "--base-ref <ref>",
      "review: the base is this git ref (branch, tag, commit) of the project's repository, its program and stack config; the head is the working tree",
    )
    .option(
      "--format <format>",
      "review output: text (default) or markdown (one PR comment, fitted to GitHub's 65,536 characters)",
    )
    .option("--out <file>", "review, --format markdown: also write the full, unfitted review here")
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
  const io: Io = { out, err, done: (c) => (code = c) };
  addCheckCommand(program, io);
  addMatchCommand(program, io);
  addMigrateCommand(program, io);
  addUsageCommand(program, io);
  addPruneCommand(program, io);
  addAuditCommand(program, io);
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
