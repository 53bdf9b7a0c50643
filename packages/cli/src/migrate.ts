/**
 * `npm run plan -- migrate`: moving a deployed single-stack mesh into a platform stack and team
 * stacks without replacing anything.
 *
 * The move is Pulumi's own: `pulumi state move` takes each resource, with its children, from the
 * single stack's state into a new stack's, changing nothing in Azure or Entra. It renames only the
 * URN's stack and project and keeps the rest of it, the parent's type chain included (pulumi/pulumi,
 * pkg/cmd/pulumi/state/state_move.go: `renameStackAndProject`, children follow their parent,
 * providers are copied). The new stacks' programs take the moved resources over through aliases
 * derived from names (components/org.ts, `movedFromSingleStack`): the same logical names, the
 * same physical names, the same resource groups (a service moved keeps its plan and app in the
 * single stack's group, `sharedGroup`), so every moved resource is the same resource.
 *
 * `--teams FILE --out DIR` writes the org's stack files from the single stack's config;
 * `--org DIR` proves the move: it plans the single stack (what is deployed), moves its state as
 * `pulumi state move` would, plans every new stack against its moved state, and reviews each one
 * as the engine would run it. Any replacement, any deletion, anything left behind in the old
 * stack, or any change in who may call whom refuses the migration (exit 1).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import {
  PROJECT,
  isRegistryKey,
  RESOURCE_TYPES,
  TEAM_NAME,
  TYPES,
  stackKindOf,
} from "@service-edges/contract";
import { type OrgStack, orgStacks, planOrgStacks } from "./org";
import type { ExistingResource } from "./recording-monitor";
import { type Review, reviewPlans } from "./review";
import { type PlanResource, type PlanResult, configInput, graphOf, runPlan } from "./run";
import {
  type StackConfig,
  UsageError,
  readProject,
  readStackConfig,
  stackNameOf,
} from "./stack-config";

const ns = (key: string) => `${PROJECT}:${key}`;
const OWN = `${PROJECT}:`;

// ---------------------------------------------------------------------------------------------
// Writing the org's stack files

/** `--teams FILE`: team name to the services its stack will deploy. */
export function readTeams(file: string): Record<string, string[]> {
  let parsed: unknown;
  try {
    parsed = YAML.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError(`--teams ${file}: ${(e as Error).message}`);
  }
  const ok =
    parsed &&
    typeof parsed === "object" &&
    !Array.isArray(parsed) &&
    Object.values(parsed).every((v) => Array.isArray(v) && v.every((x) => typeof x === "string"));
  if (!ok) {
    throw new UsageError(
      `--teams ${file}: expected each team with the services its stack deploys, e.g. orders: [orders, billing]`,
    );
  }
  return parsed as Record<string, string[]>;
}

/**
 * The single stack's Pulumi project, which every URN of its state names (and so every `pulumi
 * state move` argument): `--project NAME`, else the `name:` of the Pulumi.yaml beside its config
 * file, where the Pulumi CLI keeps a project's stack files.
 */
export function projectOfSingleStack(from: string, given?: string): string {
  if (given !== undefined) {
    // The rule readProject applies to a Pulumi.yaml name (the CLI refuses others as invalid).
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(given)) {
      throw new UsageError(
        `--project ${JSON.stringify(given)}: not a project name (at most 100 letters, digits, hyphens, underscores and periods)`,
      );
    }
    return given;
  }
  for (const name of ["Pulumi.yaml", "Pulumi.yml"]) {
    const file = path.join(path.dirname(from), name);
    if (fs.existsSync(file)) return readProject(file).name;
  }
  throw new UsageError(
    `--from ${from}: no Pulumi.yaml beside it to read the project name from. Fix: give --project NAME (the name: in the single stack's Pulumi.yaml)`,
  );
}

/** The single stack a migration starts from (`--from FILE`): refused if it is an org's stack. */
export function readSingleStack(file: string): StackConfig {
  const config = readStackConfig(file, stackNameOf(file));
  if (stackKindOf(configInput(config)) !== "single") {
    throw new UsageError(`--from ${file}: not a single-stack mesh (it is already part of an org)`);
  }
  return config;
}

export interface SplitStack {
  name: string;
  file: string;
  text: string;
}

/**
 * The org's stack files from a single stack's config: a platform stack holding the registry (each
 * service's registry keys, its team, and the group the single stack placed it in) and the
 * single stack's other settings, and one stack per team with its services' own keys and the edges
 * into them. Every other config key (the providers') goes to every stack; `secure:` values cannot
 * be copied (each stack has its own key) and are listed to set again.
 */
export function splitSingleStack(
  old: StackConfig,
  teams: Record<string, string[]>,
  platformName = "platform",
): { stacks: SplitStack[]; secretsToSet: string[] } {
  const values = old.values;
  const graph = graphOf(old);
  if (graph.retired.length > 0) {
    throw new UsageError(
      `${old.file}: ${graph.retired.map((r) => r.name).join(", ")} ${graph.retired.length === 1 ? "is" : "are"} being retired; finish the retirement (remove the entry and deploy) before moving the mesh`,
    );
  }
  const teamOf = new Map<string, string>();
  for (const [team, services] of Object.entries(teams)) {
    if (!TEAM_NAME.test(team)) {
      throw new UsageError(
        `--teams: ${JSON.stringify(team)} is not a valid team name (1-16 lowercase letters, digits or hyphens, starting with a letter)`,
      );
    }
    if (team === platformName) {
      throw new UsageError(`--teams: team ${team} would share the platform stack's name`);
    }
    for (const s of services) {
      if (!graph.byName.has(s)) {
        throw new UsageError(
          `--teams: ${team} lists ${JSON.stringify(s)}, which ${old.file} does not declare`,
        );
      }
      const other = teamOf.get(s);
      if (other) throw new UsageError(`--teams: ${s} is listed by both ${other} and ${team}`);
      teamOf.set(s, team);
    }
  }
  const missing = graph.services.filter((s) => !teamOf.has(s.name)).map((s) => s.name);
  if (missing.length > 0) {
    throw new UsageError(`--teams: no team deploys ${missing.join(", ")}; list every service once`);
  }

  const raw = (values[ns("services")] ?? {}) as Record<string, Record<string, unknown>>;
  const edges = (Array.isArray(values[ns("edges")]) ? values[ns("edges")] : []) as Array<{
    to?: unknown;
  }>;
  const secret = new Set(old.secretKeys ?? []);
  const secretsToSet = [...secret].sort();
  // Provider settings and anything else not ours: every stack deploys with them.
  const shared = Object.fromEntries(
    Object.entries(values).filter(([k]) => !k.startsWith(OWN) && !secret.has(k)),
  );
  const platformOwn = Object.fromEntries(
    Object.entries(values).filter(
      ([k]) => k.startsWith(OWN) && k !== ns("services") && k !== ns("edges") && !secret.has(k),
    ),
  );
  const registry: Record<string, Record<string, unknown>> = {};
  for (const s of graph.services) {
    const spec = raw[s.name] ?? {};
    registry[s.name] = {
      team: teamOf.get(s.name),
      ...Object.fromEntries(Object.entries(spec).filter(([k]) => isRegistryKey(k))),
      sharedGroup: s.placement,
      ...(graph.guardrails ? {} : { identityGroup: "shared" }),
    };
  }
  const header = (what: string) =>
    `# ${what}, moved from the single stack ${old.stack} (npm run plan -- migrate).\n`;
  const text = (what: string, config: Record<string, unknown>) =>
    header(what) + YAML.stringify({ config }, { lineWidth: 0 });
  const stacks: SplitStack[] = [
    {
      name: platformName,
      file: `Pulumi.${platformName}.yaml`,
      text: text("The platform stack: the registry, the address plan, the identities", {
        ...shared,
        ...platformOwn,
        [ns("namePrefix")]: graph.namePrefix,
        [ns("services")]: registry,
      }),
    },
  ];
  for (const team of Object.keys(teams).sort()) {
    const own = new Set(teams[team]);
    // A caller's calls into other teams' services: the same MESH_CALLEES as before the move.
    const callsOf = (name: string) =>
      Object.fromEntries(
        graph.edges
          .filter((e) => e.from === name && teamOf.get(e.to) !== team)
          .map((e) => [e.to, [...e.roles]]),
      );
    const services = Object.fromEntries(
      teams[team].map((name) => {
        const calls = callsOf(name);
        return [
          name,
          {
            ...Object.fromEntries(
              Object.entries(raw[name] ?? {}).filter(([k]) => !isRegistryKey(k)),
            ),
            ...(Object.keys(calls).length > 0 ? { calls } : {}),
          },
        ];
      }),
    );
    stacks.push({
      name: team,
      file: `Pulumi.${team}.yaml`,
      text: text(`Team ${team}: its services and who may call them`, {
        // A team stack takes its region from the platform's registry.
        ...Object.fromEntries(
          Object.entries(shared).filter(([k]) => k !== "azure-native:location"),
        ),
        [ns("platform")]: platformName,
        [ns("team")]: team,
        [ns("services")]: services,
        [ns("edges")]: edges.filter((e) => typeof e.to === "string" && own.has(e.to)),
      }),
    });
  }
  return { stacks, secretsToSet };
}

// ---------------------------------------------------------------------------------------------
// Proving the move

export interface MigrationStack {
  name: string;
  kind: "platform" | "team";
  /** What `pulumi state move` is given: the old stack's URNs of the top-level resources. */
  move: string[];
  /** Resources the move takes, children included. */
  moved: number;
  /** What its first deployment after the move does to cloud resources (components aside). */
  created: string[];
  updated: Array<{ urn: string; paths: string[] }>;
  replaced: string[];
  deleted: string[];
  review: Review;
}

export interface Migration {
  from: string;
  stacks: MigrationStack[];
  /** Old resources no new stack takes (would stay in the old stack). */
  leftBehind: string[];
  /** Why the migration is refused; empty when it replaces, deletes and changes nothing. */
  blocking: string[];
  /** Who may call whom: the single stack's edges against the org's. */
  access: { same: number; lost: string[]; gained: string[] };
}

/**
 * The URN with its stack renamed, as `pulumi state move` renames it (the project is the same: the
 * new stacks are the single stack's project's, `migrate --project`).
 */
function moveUrn(urn: string, dest: string): string {
  return urn.replace(/^urn:pulumi:[^:]*::/, `urn:pulumi:${dest}::`);
}

/**
 * Which new stack takes each of the mesh's direct children: the network, every group and every
 * identity to the platform, each service's compute and application to its team's stack.
 */
function destinationOf(
  r: PlanResource,
  meshName: string,
  platform: string,
  stackOfService: (service: string) => string | undefined,
): string | undefined {
  const local = r.name.startsWith(`${meshName}-`) ? r.name.slice(meshName.length + 1) : undefined;
  if (local === undefined) return undefined;
  switch (r.type) {
    case TYPES.host:
    case TYPES.callee:
      return stackOfService(local);
    case TYPES.identity:
    case TYPES.network:
    case TYPES.guardrails:
    case RESOURCE_TYPES.resourceGroup:
      return platform;
    // The first deployer's keeper (components/entra-owners.ts): the platform keeps the single
    // stack's; each team stack records its own first deployer.
    case RESOURCE_TYPES.randomUuid:
      return local === "first-deployer" ? platform : undefined;
    default:
      return undefined;
  }
}

/** The single stack's resources split by destination, with their URNs moved. */
export function moveState(
  old: PlanResult,
  stacks: readonly OrgStack[],
): { moves: Map<string, { move: string[]; state: PlanResource[] }>; leftBehind: string[] } {
  const platform = stacks.find((s) => s.kind === "platform")!;
  const registry = (platform.config.values[ns("services")] ?? {}) as Record<
    string,
    { team?: unknown }
  >;
  const stackOfTeam = new Map(stacks.filter((s) => s.team).map((s) => [s.team!, s.name]));
  const stackOfService = (service: string) => {
    const team = registry[service]?.team;
    return typeof team === "string" ? stackOfTeam.get(team) : undefined;
  };
  const mesh = old.resources.find((r) => r.type === TYPES.mesh && !r.parent);
  const moves = new Map<string, { move: string[]; state: PlanResource[] }>(
    stacks.map((s) => [s.name, { move: [], state: [] }]),
  );
  const destOf = new Map<string, string>();
  const leftBehind: string[] = [];
  for (const r of old.resources) {
    let dest: string | undefined;
    if (mesh && r.parent === mesh.urn) {
      dest = destinationOf(r, mesh.name, platform.name, stackOfService);
      if (dest) moves.get(dest)!.move.push(r.urn);
    } else if (r.parent) dest = destOf.get(r.parent);
    if (!dest) {
      if (r.urn !== mesh?.urn) leftBehind.push(r.urn);
      continue;
    }
    destOf.set(r.urn, dest);
    const parent = r.parent && destOf.has(r.parent) ? moveUrn(r.parent, dest) : null;
    moves.get(dest)!.state.push({
      ...r,
      urn: moveUrn(r.urn, dest),
      parent,
      dependencies: r.dependencies.map((d) => moveUrn(d, dest)),
    });
  }
  return { moves, leftBehind };
}

const edgeKey = (e: { from: string; to: string; roles: readonly string[] }) =>
  `${e.from} -> ${e.to} (${[...e.roles].sort().join(", ")})`;

/**
 * Plans the single stack `config` (readSingleStack) and the org in `orgDir` against the moved
 * state, and reviews each new stack, all as stacks of `project` (the user's Pulumi project: it is
 * in every URN the state moves name, and the aliases the new stacks derive). Every stack's ids name one subscription and tenant (the old
 * stack's).
 */
export async function planMigration(
  config: StackConfig,
  orgDir: string,
  jobs: number,
  project = config.project ?? PROJECT,
): Promise<Migration> {
  const old = await runPlan({ config, skipConfigChecks: true, project });
  const stacks = orgStacks(orgDir);
  const { moves, leftBehind } = moveState(old, stacks);
  const { org, plans } = await planOrgStacks(orgDir, jobs, {
    mockScope: config.stack,
    stateOf: (name) => moves.get(name)?.state as ExistingResource[] | undefined,
    project,
  });
  const blocking: string[] = [];
  const result: MigrationStack[] = [];
  for (const s of org.stacks) {
    const head = plans.get(s.name)!;
    const moved = moves.get(s.name)!;
    const base: PlanResult = { ...head, resources: moved.state, violations: [] };
    const review = reviewPlans(base, head);
    const now = new Map(head.resources.map((r) => [r.urn, r]));
    // A component, a read (a StackReference) or a random value (kept in state only, like a team
    // stack's new first-deployer keeper) changes nothing in Azure or Entra.
    const cloud = (urn: string) => {
      const r = now.get(urn);
      return !r || (r.id !== null && !r.read && !r.type.startsWith("random:"));
    };
    const ofOp = (op: string) => review.resources.filter((r) => r.op === op && cloud(r.urn));
    for (const r of review.resources) {
      if (r.op === "replace") {
        blocking.push(`${s.name}: ${r.urn} would be replaced (${r.replaceReasons.join("; ")})`);
      } else if (r.op === "delete") {
        blocking.push(
          `${s.name}: ${r.urn} is moved here but the stack does not declare it (it would be deleted)`,
        );
      }
    }
    for (const b of review.blocking) blocking.push(`${s.name}: ${b.message}`);
    result.push({
      name: s.name,
      kind: s.kind,
      move: moved.move,
      moved: moved.state.length,
      created: ofOp("create").map((r) => r.urn),
      updated: ofOp("update").map((r) => ({ urn: r.urn, paths: r.changes.map((c) => c.path) })),
      replaced: ofOp("replace").map((r) => r.urn),
      deleted: ofOp("delete").map((r) => r.urn),
      review,
    });
  }
  const custom = new Set(old.resources.filter((r) => r.id).map((r) => r.urn));
  for (const urn of leftBehind.filter((u) => custom.has(u))) {
    blocking.push(`${urn} is taken by no new stack: it would stay in ${config.stack}`);
  }
  const before = new Set(old.edges.map(edgeKey));
  const after = new Set(org.edges.map(edgeKey));
  const lost = [...before].filter((e) => !after.has(e));
  const gained = [...after].filter((e) => !before.has(e));
  for (const e of lost) blocking.push(`the org no longer grants ${e}`);
  for (const e of gained) blocking.push(`the org grants ${e}, which ${config.stack} does not`);
  return {
    from: config.stack,
    stacks: result,
    leftBehind,
    blocking,
    access: { same: [...before].filter((e) => after.has(e)).length, lost, gained },
  };
}

/** What a reader needs of a URN: its type chain's last type and its name. */
function shortName(urn: string): string {
  const [, , chain, name] = urn.split("::");
  return `${chain.slice(chain.lastIndexOf("$") + 1)}::${name}`;
}

/** The same change to many resources, said once: `owners[0]` on 12 applications. */
function grouped(updated: MigrationStack["updated"]): string[] {
  const byChange = new Map<string, string[]>();
  for (const u of updated) {
    const key = u.paths.join(", ");
    (byChange.get(key) ?? byChange.set(key, []).get(key)!).push(shortName(u.urn));
  }
  return [...byChange].map(
    ([paths, names]) =>
      `update ${paths} on ${names.length}: ${names.slice(0, 4).join(", ")}${names.length > 4 ? `, ... (${names.length - 4} more)` : ""}`,
  );
}

const q = (urn: string) => `'${urn}'`;

/** The migration as text: per stack what moves and what the first deployment does, then the steps. */
export function migrationText(m: Migration, orgDir: string): string {
  const out: string[] = [];
  out.push(
    `Moving the single stack ${m.from} into ${m.stacks.length} stacks (${m.stacks.map((s) => s.name).join(", ")})`,
    "",
  );
  const width = Math.max(...m.stacks.map((s) => s.name.length));
  for (const s of m.stacks) {
    out.push(
      `  ${s.kind.padEnd(8)} ${s.name.padEnd(width)}  ${String(s.moved).padStart(6)} moved  ${s.created.length} created  ${s.updated.length} updated  ${s.replaced.length} replaced  ${s.deleted.length} deleted`,
    );
    for (const u of s.created) out.push(`      create ${shortName(u)}`);
    for (const line of grouped(s.updated)) out.push(`      ${line}`);
  }
  out.push(
    "",
    `Access: the org grants the single stack's ${m.access.same} edge${m.access.same === 1 ? "" : "s"}${m.access.lost.length + m.access.gained.length ? `, minus ${m.access.lost.length}, plus ${m.access.gained.length}` : ", exactly"}.`,
  );
  if (m.blocking.length > 0) {
    out.push("", `The migration is refused (${m.blocking.length}):`);
    for (const b of m.blocking) out.push(`  - ${b}`);
    return out.join("\n");
  }
  out.push("", "Nothing is replaced or deleted: every deployed resource is taken over as it is.");
  if (m.stacks.some((s) => s.updated.some((u) => u.paths.some((p) => p.startsWith("owners"))))) {
    out.push(
      "Owners: each stack's deployer becomes the first owner of the Entra objects it now holds. A deployer with Application.ReadWrite.OwnedBy can only update what it already owns, so either list every new deployer in service-edges:owners and deploy the single stack once before the move, or run each stack's first pulumi up as the single stack's deployer.",
    );
  }
  const teams = m.stacks.filter((s) => s.kind === "team");
  const platform = m.stacks.find((s) => s.kind === "platform")!;
  out.push(
    "",
    "Steps (nothing in Azure or Entra changes until step 4):",
    `1. Create the stacks and their config: for each stack, pulumi stack init <stack> and copy ${path.join(orgDir, "Pulumi.<stack>.yaml")} beside Pulumi.yaml (set secrets again with pulumi config set --secret).`,
    `2. Freeze ${m.from}: no pulumi up on it from now on.`,
    "3. Move the state, the platform first (pulumi state move takes each resource's children with it):",
  );
  for (const s of [platform, ...teams]) {
    out.push(`   pulumi state move --source ${m.from} --dest ${s.name} --yes \\`);
    out.push(...s.move.map((u, i) => `     ${q(u)}${i < s.move.length - 1 ? " \\" : ""}`));
  }
  out.push(
    `4. pulumi preview -s ${platform.name} (expect no replace), then pulumi up -s ${platform.name}; then each team stack the same way: ${teams.map((t) => t.name).join(", ")}.`,
    `5. ${m.from} now holds only its mesh component: pulumi stack rm --force ${m.from} (nothing is deleted in Azure).`,
  );
  return out.join("\n");
}
