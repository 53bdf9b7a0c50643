/**
 * The review: what a change does to a stack, planned on both sides (`--diff BASE`, `--base B
 * --head H`, `--base-plan P`): access granted and revoked, resources, the engine's steps, what
 * Azure would refuse, and the pack's verdict; as text, JSON or a PR comment.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fitComment } from "../comment-fit";
import { diffPlans, shortUrn } from "../diff";
import { type RefCheckout, checkoutRef } from "../git-ref";
import { withProgress } from "../progress";
import { type GraphView, markdownReview, violationsText } from "../render";
import { reviewPlans, reviewText } from "../review";
import { type PlanResult, emptyPlan, planStack, registeredSoFar, runPlan } from "../run";
import {
  type StackConfig,
  UsageError,
  cliPath,
  findProject,
  readJsonFile,
  readStackConfig,
  withProjectDefaults,
} from "../stack-config";
import {
  EXIT,
  NONE,
  type PlanFlags,
  configFrom,
  planInputs,
  projectName,
  projectOf,
  shown,
} from "./options";

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

/**
 * `--diff BASE` (the planned config is the head), `--base B --head H`, or `--base-plan P` (a saved
 * plan of the base) with `--head H` or `--stack` / `--config`. `none` for a base: a new stack; for
 * the head: a deleted stack config.
 */
export async function review(
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
  if (flags.baseRef && (flags.diff || flags.base || flags.basePlan || flags.head)) {
    throw new UsageError(
      "--base-ref REF reviews the working tree against REF: give it alone, with --stack or --config for the head",
    );
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
  const project = projectOf(program, flags);
  const name = projectName(program, project);
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
  const ref = flags.baseRef ? checkoutRef(project.dir, flags.baseRef) : undefined;
  try {
    return await reviewPlanned();
  } finally {
    ref?.remove();
  }

  async function reviewPlanned(): Promise<number> {
    if (savedBase && headConfig && savedBase.stack !== headConfig.stack) {
      // URNs name the stack: every resource would read as deleted and created again.
      throw new UsageError(
        `the base plan ${shown(cliPath(flags.basePlan!))} is of stack ${savedBase.stack}, the head of stack ${headConfig.stack}`,
      );
    }
    // At a git ref: the same stack file and program, as the ref's commit has them.
    const atRef = ref ? refSide(ref, project.dir, program, headConfig!) : undefined;
    const baseConfig = atRef
      ? atRef.config
      : savedBase || newStack
        ? undefined
        : withDefaults(
            readStackConfig(cliPath(baseArg!), headConfig?.stack, {
              project: name,
              what: "base stack config",
            }),
          );
    const stack = headConfig?.stack ?? savedBase?.stack ?? baseConfig!.stack;
    const notes: string[] = [...(atRef?.notes ?? [])];
    if (newStack)
      notes.push("A new stack: reviewed against an empty stack (nothing deployed yet).");
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
          ? await runPlan({
              ...inputs,
              ...(atRef ? { program: atRef.program } : {}),
              config: baseConfig,
              skipConfigChecks: true,
            })
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
      const full = markdownReview(graph, head, d, shortUrn, { review: r, notes });
      // The whole review to --out (the artifact); the output is one PR comment, fitted.
      if (flags.out) writeFull(flags.out, full);
      const run = runPage();
      // In a workflow run the artifact holds the file by its name; elsewhere, where it is.
      const file = flags.out && (run.url ? path.basename(flags.out) : shown(flags.out));
      out(fitComment(full, { ...(file ? { file } : {}), ...run }).replace(/\n$/, ""));
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
    return head.violations.some((v) => v.enforcementLevel === "mandatory")
      ? EXIT.violation
      : EXIT.ok;
  }
}

/** `--out FILE`: the full review, written before the comment is printed; a failed write fails the review. */
function writeFull(file: string, markdown: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${markdown}\n`);
  } catch (e) {
    throw new UsageError(
      `cannot write the full review to --out ${shown(file)}: ${(e as Error).message}`,
    );
  }
}

/**
 * In a GitHub Actions job, the run's page (its artifacts hold the full review); GitHub sets these
 * variables in every job (docs.github.com/actions/reference/variables-reference).
 */
function runPage(): { url?: string } {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = process.env;
  return server && repo && run ? { url: `${server}/${repo}/actions/runs/${run}` } : {};
}

/**
 * The base of `--base-ref`: the head's program and stack file at the ref (a stack file the ref
 * does not have: a new stack, reviewed against nothing deployed).
 */
function refSide(
  ref: RefCheckout,
  projectDir: string,
  program: string,
  head: StackConfig,
): { program: string; config: StackConfig | undefined; notes: string[] } {
  const at = (file: string) => path.join(ref.projectDir, path.relative(projectDir, file));
  const baseProgram = at(program);
  const short = ref.commit.slice(0, 12);
  if (!fs.existsSync(baseProgram))
    throw new UsageError(
      `the program ${path.relative(projectDir, program)} does not exist at ${short}: review the change against a commit that has it`,
    );
  const file = at(head.file);
  const notes = [
    `The base is commit ${short}: its program and \`${path.relative(projectDir, head.file)}\`, planned with the dependencies installed now.`,
  ];
  if (!fs.existsSync(file))
    return {
      program: baseProgram,
      config: undefined,
      notes: [...notes, "A new stack: reviewed against an empty stack (nothing deployed yet)."],
    };
  const baseProject = findProject(ref.projectDir);
  // No stack file (the head plans the project's defaults): the base is the ref's defaults.
  const config: StackConfig = /(^|[\\/])Pulumi\.ya?ml$/.test(file)
    ? { stack: head.stack, file, values: {}, project: head.project }
    : readStackConfig(file, head.stack, { project: head.project, what: "base stack config" });
  return {
    program: baseProgram,
    config: baseProject
      ? withProjectDefaults(config, { ...baseProject, name: head.project ?? baseProject.name })
      : config,
    notes,
  };
}
