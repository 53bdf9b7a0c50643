/** `prune-expired`: the edges past their `expires` day, removed from the stack file with --write. */
import * as fs from "node:fs";
import type { Command } from "commander";
import { isDay, today } from "@service-edges/contract";
import { pruneExpiredEdges, pruneText } from "../prune-expired";
import { UsageError } from "../stack-config";
import { type Io, configFrom } from "./options";

interface PruneFlags {
  stack?: string;
  config?: string;
  now?: string;
  write?: boolean;
  json?: boolean;
}

export function addPruneCommand(program: Command, io: Io): void {
  const { out, done } = io;
  program
    .command("prune-expired")
    .description(
      "list the edges past their expires day; --write removes them from the stack file, keeping its comments",
    )
    .option("--stack <name>", "prune Pulumi.<name>.yaml (default: dev)")
    .option("--config <file>", "prune this stack config file")
    .option("--now <date>", "the day to prune as of, YYYY-MM-DD (default: today, UTC)")
    .option("--write", "remove the expired edges from the file")
    .option("--json", "print { file, now, expired: [{ index, from, to, roles, expires }] }")
    .action((flags: PruneFlags) => {
      if (flags.now !== undefined && !isDay(flags.now))
        throw new UsageError(`--now ${flags.now}: give a date as YYYY-MM-DD, e.g. 2026-12-06`);
      const file = configFrom(flags).file;
      let source: string;
      try {
        source = fs.readFileSync(file, "utf8");
      } catch {
        throw new UsageError(`cannot read the stack config ${file}: no such file`);
      }
      const result = pruneExpiredEdges(file, source, flags.now ?? today());
      const write = !!flags.write && result.expired.length > 0;
      if (write) fs.writeFileSync(file, result.text);
      if (flags.json) {
        const { file: at, now, expired } = result;
        out(JSON.stringify({ file: at, now, expired }, null, 2));
      } else out(pruneText(result, write));
      done(0);
    });
}
