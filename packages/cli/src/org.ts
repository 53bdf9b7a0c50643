/**
 * `npm run plan -- --org DIR [--jobs N] [--json]`: one mesh across many stacks, planned offline.
 * Every `Pulumi.<stack>.yaml` in DIR is one stack. The platform stack is planned first; then every
 * team stack, in parallel worker processes (one per core by default), with the platform's planned
 * outputs as the value of its StackReference. Prints the org-wide access matrix, the policy results
 * per stack and the totals; `--json` prints
 * `{ stacks: [{ name, kind, resources, violations }], services, edges: [{ from, to, roles, stack }], resources }`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  ConfigError,
  type ConfigIssue,
  PROJECT,
  type StackKind,
  buildPlatformGraph,
  buildTeamGraph,
  platformFacts,
  stackKindOf,
} from "@service-edges/contract";
import { type PlanResource, type PlanResult, type PlanViolation, configInput } from "./run";
import { DEFAULT_JOBS, type PlanAgainst, type WorkerResult, planOnWorkers } from "./org-workers";
import { type StackConfig, UsageError, readStackConfig } from "./stack-config";

export { DEFAULT_JOBS, type PlanAgainst } from "./org-workers";

export interface OrgStack {
  name: string;
  kind: Exclude<StackKind, "single">;
  file: string;
  /** Its config, read once. */
  config: StackConfig;
  /** Team stacks: the team, and the platform stack they read. */
  team?: string;
  platform?: string;
}

export interface OrgPlan {
  stacks: Array<{
    name: string;
    kind: "platform" | "team";
    team?: string;
    resources: number;
    violations: PlanViolation[];
    /** Wall time of its plan, in its worker. */
    ms: number;
    /** Its worker's peak resident memory. */
    peakRssMiB: number;
  }>;
  /** The registry; `retired` marks a service in retirement step 1 (nothing but its subnet left). */
  services: Array<{
    name: string;
    team: string;
    kind: string;
    stack: string | null;
    retired?: true;
  }>;
  edges: Array<{ from: string; to: string; roles: string[]; stack: string }>;
  resources: Array<PlanResource & { stack: string }>;
  /** Where a caller's calls and its callee's edges disagree (not refused: see callsWarnings). */
  warnings: string[];
}

const ns = (key: string) => `${PROJECT}:${key}`;

/** The stacks in DIR, each classified by its keys; a DIR without one platform stack is refused. */
export function orgStacks(dir: string): OrgStack[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`--org ${dir}: not a directory of Pulumi.<stack>.yaml files`);
  }
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^Pulumi\.[^.]+\.ya?ml$/.test(f))
    .sort();
  const stacks: OrgStack[] = files.map((f) => {
    const name = f.replace(/^Pulumi\./, "").replace(/\.ya?ml$/, "");
    const file = path.join(dir, f);
    const config = readStackConfig(file, name);
    const v = config.values;
    const kind = stackKindOf({ platform: v[ns("platform")], services: v[ns("services")] });
    if (kind === "single") {
      throw new UsageError(
        `--org ${dir}: ${f} is a single-stack mesh; an org holds one platform stack (services with team:) and team stacks (service-edges:platform set)`,
      );
    }
    return kind === "team"
      ? {
          name,
          kind,
          file,
          config,
          team: String(v[ns("team")] ?? ""),
          platform: String(v[ns("platform")]),
        }
      : { name, kind, file, config };
  });
  const platforms = stacks.filter((s) => s.kind === "platform");
  if (platforms.length !== 1) {
    throw new UsageError(
      `--org ${dir}: ${platforms.length === 0 ? "no platform stack" : `${platforms.length} platform stacks (${platforms.map((p) => p.name).join(", ")})`}; an org has exactly one (the stack whose services carry team:)`,
    );
  }
  return stacks;
}

/** The org's own cross-stack rules: one stack per team, each service declared by one stack. */
function orgIssues(stacks: OrgStack[], platform: OrgStack): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const teamStack = new Map<string, string>();
  const declaredBy = new Map<string, string>();
  for (const s of stacks.filter((x) => x.kind === "team")) {
    const ref = s.platform!.split("/").pop();
    if (ref !== platform.name) {
      issues.push({
        path: `${s.file}: ${ns("platform")}`,
        message: `names ${JSON.stringify(s.platform)}, but the org's platform stack is ${platform.name}`,
        fix: `set it to ${platform.name} (or org/<project>/${platform.name})`,
      });
    }
    const other = teamStack.get(s.team!);
    if (other) {
      issues.push({
        path: `${s.file}: ${ns("team")}`,
        message: `team ${JSON.stringify(s.team)} already has the stack ${other}`,
        fix: "one stack per team: merge the two files, or correct the team",
      });
    }
    teamStack.set(s.team!, s.name);
    const services = s.config.values[ns("services")];
    for (const name of Object.keys((services ?? {}) as object)) {
      const first = declaredBy.get(name);
      if (first) {
        issues.push({
          path: `${s.file}: ${ns(`services.${name}`)}`,
          message: `is also declared by the stack ${first}`,
          fix: "a service is deployed by exactly one team stack: the one its registry entry's team owns",
        });
      } else declaredBy.set(name, s.name);
    }
  }
  return issues;
}

/**
 * A caller's `calls` against the edges its callees' teams grant. A disagreement is a warning, not
 * an error: the edge is the grant (a callee's team may revoke it without waiting for the caller's),
 * and `calls` only gives the caller its MESH_CALLEES. A call the callee does not grant is refused
 * at run time (no token: the callee's service principal requires assignment); a grant the caller
 * does not list is a call its service-auth library will not make.
 */
export function callsWarnings(stacks: readonly OrgStack[]): string[] {
  const teams = stacks.filter((s) => s.kind === "team");
  const ownerOf = new Map<string, OrgStack>();
  for (const s of teams) {
    for (const name of Object.keys((s.config.values[ns("services")] ?? {}) as object))
      ownerOf.set(name, s);
  }
  const key = (from: string, to: string) => `${from}\u0000${to}`;
  const roles = (r: unknown) =>
    Array.isArray(r) ? [...new Set(r.map(String))].sort().join(", ") : "";
  const granted = new Map<string, string>();
  for (const s of teams) {
    const edges = s.config.values[ns("edges")];
    for (const e of (Array.isArray(edges) ? edges : []) as Array<Record<string, unknown>>) {
      if (typeof e?.from === "string" && typeof e.to === "string")
        granted.set(key(e.from, e.to), roles(e.roles));
    }
  }
  const expected = new Map<string, string>();
  for (const s of teams) {
    const services = (s.config.values[ns("services")] ?? {}) as Record<string, { calls?: unknown }>;
    for (const [from, spec] of Object.entries(services)) {
      const calls = spec?.calls;
      if (!calls || typeof calls !== "object") continue;
      for (const [to, r] of Object.entries(calls as Record<string, unknown>))
        expected.set(key(from, to), roles(r));
    }
  }
  const out: string[] = [];
  for (const [k, want] of expected) {
    const [from, to] = k.split("\u0000");
    const callee = ownerOf.get(to);
    if (!callee || callee === ownerOf.get(from)) continue;
    const has = granted.get(k);
    if (has === undefined)
      out.push(
        `${from} calls ${to} (${want}), but team ${callee.team}'s stack ${callee.name} has no edge ${from} -> ${to}: its calls will get no token`,
      );
    else if (has !== want)
      out.push(
        `${from} calls ${to} expecting ${want}; team ${callee.team}'s stack ${callee.name} grants ${has}`,
      );
  }
  for (const [k, has] of granted) {
    const [from, to] = k.split("\u0000");
    const caller = ownerOf.get(from);
    if (!caller || caller === ownerOf.get(to) || expected.has(k)) continue;
    out.push(
      `${from} may call ${to} (${has}), but ${from}'s calls in ${caller.name} does not list ${to}: its MESH_CALLEES has no entry for it`,
    );
  }
  return out.sort();
}

/**
 * Every stack's config against the platform's registry as its file declares it, before any plan
 * runs: all errors of all stacks at once, each with its file.
 */
function validateOrg(stacks: OrgStack[], platform: OrgStack): void {
  const at = (s: OrgStack, issues: readonly ConfigIssue[]) =>
    issues.map((i) => ({ ...i, path: `${s.file}: ${i.path}` }));
  const input = (s: OrgStack) => configInput(s.config);
  let built: ReturnType<typeof buildPlatformGraph>;
  try {
    built = buildPlatformGraph(input(platform));
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(at(platform, e.issues));
    throw e;
  }
  const issues: ConfigIssue[] = [];
  for (const s of stacks.filter((x) => x.kind === "team")) {
    try {
      buildTeamGraph(input(s), built.registry, platformFacts(built.graph), {
        sameChange: true,
        platformName: platform.name,
      });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues.push(...at(s, e.issues));
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

/**
 * Plans the whole org: the platform, then every team stack in parallel. Config errors of every
 * stack are reported together, each prefixed with its file, as one ConfigError.
 */
export async function planOrg(
  dir: string,
  jobs = DEFAULT_JOBS,
  against: PlanAgainst = {},
): Promise<OrgPlan> {
  return (await planOrgStacks(dir, jobs, against)).org;
}

/** The org plan, and each stack's own plan by stack name (for reviews and queries). */
export async function planOrgStacks(
  dir: string,
  jobs = DEFAULT_JOBS,
  against: PlanAgainst = {},
): Promise<{ org: OrgPlan; plans: Map<string, PlanResult>; kinds: Map<string, OrgStack> }> {
  const stacks = orgStacks(dir);
  const platform = stacks.find((s) => s.kind === "platform")!;
  const issues = orgIssues(stacks, platform);
  if (issues.length > 0) throw new ConfigError(issues);
  validateOrg(stacks, platform);
  const fail = (s: OrgStack, r: WorkerResult) => {
    const own = r.error?.issues?.map((i) => ({ ...i, path: `${s.file}: ${i.path}` }));
    if (own?.length) return own;
    throw new Error(`${s.file}: ${r.error?.message ?? "no plan"}`);
  };
  const [base] = await planOnWorkers(1, [{ stack: platform, stackOutputs: {} }], against);
  if (!base.plan) throw new ConfigError(fail(platform, base));
  const teams = stacks.filter((s) => s.kind === "team");
  const stackOutputs = { [platform.name]: base.plan.outputs };
  const planned = await planOnWorkers(
    jobs,
    teams.map((s) => ({
      stack: s,
      stackOutputs: { [s.platform!]: base.plan!.outputs, ...stackOutputs },
    })),
    against,
  );
  const errors = teams.flatMap((s, i) => (planned[i].plan ? [] : fail(s, planned[i])));
  if (errors.length > 0) throw new ConfigError(errors);

  const registry = (base.plan.outputs.registry ?? {}) as Record<
    string,
    { team: string; kind: string; retired?: true }
  >;
  const stackOfTeam = new Map(teams.map((s) => [s.team!, s.name]));
  const all = [{ s: platform, r: base }, ...teams.map((s, i) => ({ s, r: planned[i] }))];
  const org: OrgPlan = {
    stacks: all.map(({ s, r }) => ({
      name: s.name,
      kind: s.kind as "platform" | "team",
      ...(s.team ? { team: s.team } : {}),
      resources: r.plan!.resources.length,
      violations: r.plan!.violations,
      ms: r.ms,
      peakRssMiB: r.peakRssMiB ?? 0,
    })),
    services: Object.entries(registry)
      .map(([name, e]) => ({
        name,
        team: e.team,
        kind: e.kind,
        stack: stackOfTeam.get(e.team) ?? null,
        ...(e.retired ? { retired: true as const } : {}),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
    edges: teams
      .flatMap((s, i) =>
        planned[i].plan!.edges.map((e) => ({
          from: e.from,
          to: e.to,
          roles: e.roles,
          stack: s.name,
        })),
      )
      .sort((a, b) => (a.from + "\0" + a.to < b.from + "\0" + b.to ? -1 : 1)),
    resources: all.flatMap(({ s, r }) => r.plan!.resources.map((x) => ({ ...x, stack: s.name }))),
    warnings: callsWarnings(stacks),
  };
  return {
    org,
    plans: new Map(all.map(({ s, r }) => [s.name, r.plan!])),
    kinds: new Map(stacks.map((s) => [s.name, s])),
  };
}

/** The whole org as one plan, for the access queries (check, match) across its stacks. */
export function orgAsPlan(org: OrgPlan, plans: ReadonlyMap<string, PlanResult>): PlanResult {
  return {
    stack: "org",
    services: org.services.map((s) => ({ name: s.name }) as PlanResult["services"][number]),
    edges: org.edges.map((e) => ({
      from: e.from,
      to: e.to,
      roles: e.roles,
      urns: { assignments: [] },
    })),
    resources: [...plans.values()].flatMap((p) => p.resources),
    violations: [...plans.values()].flatMap((p) => p.violations),
    outputs: {},
  };
}

/** The org plan as text: stacks, the org-wide access matrix, policy results, totals. */
export function orgText(p: OrgPlan): string {
  const out: string[] = [];
  out.push(
    `Org: ${p.stacks.length} stacks, ${p.services.length} services, ${p.edges.length} edges, ${p.resources.length} resources`,
  );
  out.push("", "Stacks (deploy the platform first, then the team stacks in any order)");
  const label = (s: OrgPlan["stacks"][number]) =>
    s.kind === "platform" ? "platform" : `team ${s.team}`;
  const width = Math.max(...p.stacks.map((s) => label(s).length));
  const nameWidth = Math.max(...p.stacks.map((s) => s.name.length));
  for (const s of p.stacks) {
    const v = s.violations.length;
    out.push(
      `  ${label(s).padEnd(width)}  ${s.name.padEnd(nameWidth)}  ${String(s.resources).padStart(6)} resources  ${v === 0 ? "no violations" : `${v} violation${v === 1 ? "" : "s"}`}  (${s.ms} ms)`,
    );
  }
  out.push("", "Access matrix (each edge is owned by its callee's team stack)");
  for (const e of p.edges) out.push(`  ${e.from} -> ${e.to}  ${e.roles.join(", ")}  [${e.stack}]`);
  const violations = p.stacks.flatMap((s) => s.violations.map((v) => ({ ...v, stack: s.name })));
  out.push(
    "",
    violations.length === 0 ? "Policy pack: no violations in any stack." : "Policy violations",
  );
  for (const v of violations)
    out.push(`  [${v.stack}] ${v.enforcementLevel} ${v.policy}: ${v.message}`);
  if (p.warnings.length > 0) {
    out.push("", "Calls and grants that disagree (warnings)");
    for (const w of p.warnings) out.push(`  ${w}`);
  }
  return out.join("\n");
}
