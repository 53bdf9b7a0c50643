/** `migrate`: move a deployed single stack into an org's platform and team stacks, replacing nothing. */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import {
  migrationText,
  planMigration,
  projectOfSingleStack,
  readSingleStack,
  readTeams,
  splitSingleStack,
} from "../migrate";
import { withProgress } from "../progress";
import { registeredSoFar } from "../run";
import { UsageError } from "../stack-config";
import { EXIT, type Io, type PlanFlags, jobsOf, shown } from "./options";

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

export function addMigrateCommand(program: Command, io: Io): void {
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
      io.done(await migrateCommand(flags, io.out, io.err));
    });
}
