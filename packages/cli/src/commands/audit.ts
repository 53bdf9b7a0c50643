/** `audit --state FILE`: who can call whom right now, the deployed mesh against its graph. */
import type { Command } from "commander";
import type { ServiceGraph } from "@service-edges/contract";
import { EXIT_MISMATCH, audit, auditMarkdown, auditText } from "../audit";
import { readAssignments, readNetwork, readSites, readState } from "../audit/inputs";
import { withProgress } from "../progress";
import { graphOf, isOurProgram, planStack, registeredSoFar } from "../run";
import { type StackConfig, UsageError, shownPath } from "../stack-config";
import { type Io, configFrom, planInputs } from "./options";

export interface AuditFlags {
  program?: string;
  mocks?: string;
  state?: string;
  stack?: string;
  config?: string;
  assignments?: string;
  sites?: string;
  network?: string;
  json?: boolean;
  format?: string;
}

/** Runs `audit` with parsed flags: prints the report, returns the exit code. */
export function runAudit(
  flags: AuditFlags,
  config: StackConfig,
  out: (s: string) => void,
  graph?: ServiceGraph,
): number {
  if (flags.format !== undefined && flags.format !== "markdown" && flags.format !== "text") {
    throw new UsageError(`--format must be markdown or text, got "${flags.format}"`);
  }
  if (flags.json && flags.format) throw new UsageError("give --json or --format, not both");
  if (!flags.state) throw new UsageError("audit needs --state FILE (pulumi stack export)");
  // The CLI resolved the files against where it was run; the report names them from there, as
  // the user wrote them (no absolute path in the text or the markdown).
  const state = readState(flags.state);
  const assignments = flags.assignments ? readAssignments(flags.assignments) : undefined;
  const applySites = flags.sites ? readSites(flags.sites) : undefined;
  const applyNetwork = flags.network ? readNetwork(flags.network) : undefined;
  const report = audit({
    config,
    graph,
    state,
    assignments,
    sites: applySites,
    network: applyNetwork,
  });
  const sources = [
    `state ${shownPath(flags.state)}`,
    `config ${shownPath(config.file)}`,
    ...(flags.assignments ? [`assignments ${shownPath(flags.assignments)}`] : []),
    ...(flags.sites ? [`sites ${shownPath(flags.sites)}`] : []),
    ...(flags.network ? [`network ${shownPath(flags.network)}`] : []),
  ].join(", ");
  if (flags.json) out(JSON.stringify(report, null, 2));
  else if (flags.format === "markdown") out(auditMarkdown(report, sources));
  else out(auditText(report, sources));
  return report.matches ? 0 : EXIT_MISMATCH;
}

/**
 * The graph the program's mesh declares: read from the config for this repository's program,
 * else from the mesh component(s) the program registers when planned under the mocks.
 */
async function graphFor(flags: AuditFlags, config: StackConfig): Promise<ServiceGraph> {
  const inputs = planInputs(flags);
  if (isOurProgram(inputs.program!)) return graphOf(config);
  const { graph } = await withProgress(registeredSoFar, () => planStack({ ...inputs, config }));
  if (!graph)
    throw new UsageError(
      "the program registered no mesh component: audit compares a deployed mesh with the graph its ServiceMesh (or MeshPlatform / MeshTeam) declares",
    );
  return graph;
}

/** Adds `audit` to the command. */
export function addAuditCommand(program: Command, io: Io): void {
  program
    .command("audit")
    .description(
      "who can call whom right now: a pulumi stack export (and Graph / ARM reads) against the graph; exit 4 on any difference",
    )
    .requiredOption(
      "--state <file>",
      "pulumi stack export of the stack, taken after pulumi refresh",
    )
    .option("--stack <name>", "the graph of Pulumi.<name>.yaml (default: dev)")
    .option(
      "--program <file>",
      "the program whose mesh declares the graph (default: the project's)",
    )
    .option("--mocks <file>", "JSON results for invokes the mocks do not know")
    .option("--config <file>", "the graph of this stack config file")
    .option(
      "--assignments <file>",
      "Graph appRoleAssignedTo pages of the callees' service principals",
    )
    .option(
      "--sites <file>",
      "az webapp show / config show / private-endpoint-connection list output",
    )
    .option(
      "--network <file>",
      "az network nsg show / private-endpoint list / vnet subnet show output",
    )
    .option("--json", "print { stack, matches, findings, access, sites, notes }")
    .option("--format <format>", "text (default) or markdown (a PR comment or ticket)")
    .action(async (flags: AuditFlags) => {
      // Unreadable inputs are refused before the program is planned.
      if (!flags.state) throw new UsageError("audit needs --state FILE (pulumi stack export)");
      readState(flags.state);
      const config = configFrom(flags);
      io.done(runAudit(flags, config, io.out, await graphFor(flags, config)));
    });
}
