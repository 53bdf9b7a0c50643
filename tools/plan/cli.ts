/**
 * `npm run plan -- [--stack NAME | --config FILE] [--json] [--mermaid] [--program FILE]`
 *
 * Exit codes: 0 ok; 1 invalid config or usage, or a review that Azure would refuse (errors on
 * stderr); 2 a mandatory policy violation; 3 a denied call (`check`); 4 an audit that found the
 * deployed mesh differs from the graph.
 */
import "./lazy-sdk-deps";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { ConfigError, formatIssue } from "@service-edges/contract";
import { PROJECT_DIR, planStack, runPlan } from "./run";
import { UnknownServiceError, checkAccess, describeAccess, matchAccess } from "./access";
import { EXIT_MISMATCH, addAuditCommand } from "./audit";
import { diffPlans, shortUrn } from "./diff";
import { reviewMarkdown, reviewPlans, reviewText } from "./review";
import { humanPlan, markdownReview, mermaid, programPlan, violationsText } from "./render";
import { UsageError, readStackConfig, stackFile } from "./stack-config";

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
}

function configFrom(flags: PlanFlags) {
  if (flags.stack && flags.config) throw new UsageError("give --stack or --config, not both");
  const file = flags.config
    ? path.resolve(flags.config)
    : stackFile(PROJECT_DIR, flags.stack ?? "dev");
  return readStackConfig(file, flags.config ? undefined : (flags.stack ?? "dev"));
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
  if (flags.base && !flags.head) throw new UsageError("--base needs --head");
  const baseFile = path.resolve((flags.diff ?? flags.base)!);
  const headConfig = flags.head ? readStackConfig(path.resolve(flags.head)) : configFrom(flags);
  const baseConfig = readStackConfig(baseFile, headConfig.stack);
  const program = flags.program && path.resolve(flags.program);
  const base = await runPlan({ config: baseConfig, program });
  const { plan: head, graph } = await planStack({ config: headConfig, program });
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
  const config = configFrom(flags);
  const { plan: result, graph } = await planStack({
    config,
    program: flags.program && path.resolve(flags.program),
  });
  const file = path.relative(process.cwd(), config.file) || config.file;
  if (flags.json) out(JSON.stringify(result, null, 2));
  else if (flags.mermaid) {
    if (!graph) throw new UsageError("--mermaid needs a service-edges graph in the stack config");
    out(mermaid(graph));
  } else out(graph ? humanPlan(graph, result, file) : programPlan(result, file));
  return result.violations.some((v) => v.enforcementLevel === "mandatory")
    ? EXIT.violation
    : EXIT.ok;
}

export async function main(
  argv: string[],
  out = (s: string) => process.stdout.write(`${s}\n`),
  err = (s: string) => process.stderr.write(`${s}\n`),
): Promise<number> {
  const program = new Command("plan")
    .description(
      "Offline plan of a service-edges stack: the real program under Pulumi's mock runtime.",
    )
    .option("--stack <name>", "plan Pulumi.<name>.yaml (default: dev)")
    .option("--config <file>", "plan this stack config file")
    .option("--json", "print one JSON object (services, edges, resources, violations)")
    .option("--mermaid", "print a Mermaid flowchart of the graph")
    .option("--program <file>", "plan another Pulumi program entry with the same mocks")
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
  const query = (name: string, args: string, description: string) =>
    program
      .command(name)
      .argument(args)
      .description(description)
      .option("--stack <name>", "query Pulumi.<name>.yaml (default: dev)")
      .option("--config <file>", "query this stack config file")
      .option("--json", "print the answer as JSON");
  query("check", "<caller>", "may CALLER call CALLEE? exit 0 allowed, 3 denied")
    .argument("<callee>")
    .action(async (caller: string, callee: string, flags: PlanFlags) => {
      const result = await runPlan({ config: configFrom(flags) });
      const answer = checkAccess(result, caller, callee);
      out(flags.json ? JSON.stringify(answer, null, 2) : describeAccess(answer));
      code = answer.allowed ? EXIT.ok : EXIT.denied;
    });
  query("match", "<service>", "who may call SERVICE, and whom it may call").action(
    async (service: string, flags: PlanFlags) => {
      const result = await runPlan({ config: configFrom(flags) });
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
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.invalid;
    if (e instanceof ConfigError) {
      err(
        `The stack config has ${e.issues.length} error${e.issues.length === 1 ? "" : "s"}; nothing was planned:`,
      );
      for (const issue of e.issues) err(`  - ${formatIssue(issue)}`);
      return EXIT.invalid;
    }
    if (e instanceof UsageError || e instanceof UnknownServiceError) {
      err(`error: ${e.message}`);
      return EXIT.invalid;
    }
    const message = e instanceof Error ? e.message : String(e);
    err(`error: ${message}`);
    if (process.env.SERVICE_EDGES_DEBUG && e instanceof Error) err(e.stack ?? "");
    return EXIT.invalid;
  }
}

if (require.main === module) {
  // The SDK captures a stack trace for every internal promise; the plan never shows them.
  if (!process.env.SERVICE_EDGES_DEBUG) Error.stackTraceLimit = 0;
  // An error inside the planned program's callbacks: say what it was, no stack trace.
  process.on("unhandledRejection", (e) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(EXIT.invalid);
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
