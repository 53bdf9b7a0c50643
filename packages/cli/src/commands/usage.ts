/** `usage --logs DIR`: the graph against what really happened, per caller -> callee pair and layer. */
import type { Command } from "commander";
import { EXIT_MISMATCH } from "../audit";
import { UsageError, cliPath } from "../stack-config";
import { type UsageFlags, readLogs, usageReport, usageWindow } from "../usage/command";
import { suggestYaml, usageText } from "../usage/render";
import { type Io, queryPlan } from "./options";

export function addUsageCommand(program: Command, io: Io): void {
  const { out, err, done } = io;
  program
    .command("usage")
    .description(
      "the graph against what really happened: every caller -> callee pair in exported Log Analytics tables, per layer; exit 4 when an undeclared call got through an enforced callee",
    )
    .requiredOption(
      "--logs <dir>",
      "AppServiceIPSecAuditLogs.json, AppServiceHTTPLogs.json, AADManagedIdentitySignInLogs.json, AADServicePrincipalSignInLogs.json (az monitor log-analytics query -o json)",
    )
    .option("--stack <name>", "the graph of Pulumi.<name>.yaml (default: dev)")
    .option("--config <file>", "the graph of this stack config file")
    .option("--since <length>", "how far back from --now: 30d (default), 12h, 2w")
    .option("--now <date>", "the window's last day, YYYY-MM-DD (default: today, UTC)")
    .option(
      "--json",
      "print { stack, window, tables, pairs: [{ from, to, declared, status, network, identity, ... }], ingress, ignored, holes }",
    )
    .option(
      "--suggest",
      "print the service-edges:edges entries that would declare the undeclared calls",
    )
    .action(async (flags: UsageFlags) => {
      if (flags.json && flags.suggest) throw new UsageError("give --json or --suggest, not both");
      // Bad flags and unreadable logs are refused before the stack is planned.
      const window = usageWindow(flags.since, flags.now);
      const { logs, warnings } = readLogs(cliPath(flags.logs));
      const plan = await queryPlan(flags);
      const { report, dir } = usageReport(plan, logs, window);
      for (const w of warnings) err(`warning: ${w}`);
      if (flags.json) out(JSON.stringify(report, null, 2));
      else if (flags.suggest) out(suggestYaml(report, dir));
      else out(usageText(report));
      done(report.holes > 0 ? EXIT_MISMATCH : 0);
    });
}
