/**
 * Which existing resource each registered resource takes over, decided the way the engine decides
 * it: first by URN, then by each alias in turn, where a resource's aliases include its parent's
 * matched alias with the parent-name prefix of its own name swapped (pulumi/pulumi,
 * pkg/resource/deploy/step_generator.go: `generateSteps`, `generateAliases`,
 * `collapseAliasToUrn`, `inheritedChildAlias`).
 *
 * The review uses it to pair a base plan's resources with the head's, so a rename under an alias
 * reads as the same resource and a rename without one as a delete and a create.
 */

/** One alias as the SDK sends it: a whole URN, or a spec of what changed. */
export interface AliasSpec {
  urn?: string;
  name?: string;
  type?: string;
  stack?: string;
  project?: string;
  parentUrn?: string;
  noParent?: boolean;
}

export interface Goal {
  urn: string;
  type: string;
  name: string;
  parent?: string | null;
  aliases?: readonly AliasSpec[];
}

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

function stackAndProject(urn: string): { stack: string; project: string } {
  const m = /^urn:pulumi:(.*?)::(.*?)::/.exec(urn);
  return { stack: m?.[1] ?? "", project: m?.[2] ?? "" };
}

function qualifiedTypeOf(urn: string): string {
  const m = /^urn:pulumi:.*?::.*?::(.*?)::/.exec(urn);
  return m ? m[1] : "";
}

function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

function typeOf(urn: string): string {
  const q = qualifiedTypeOf(urn);
  return q.slice(q.lastIndexOf("$") + 1);
}

function newUrn(stack: string, project: string, parentType: string, type: string, name: string) {
  const qualified = parentType ? `${parentType}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/**
 * The engine's matching, one registration at a time (in registration order): which of `olds` each
 * goal takes over, if any. A plan run against existing state uses it as resources register.
 */
export class Adopter {
  /** `sg.aliases`: the alias a resource was actually matched through, for its children. */
  private readonly matchedAlias = new Map<string, string>();
  private readonly claimed = new Set<string>();

  constructor(private readonly olds: ReadonlySet<string>) {}

  /** The old URN `goal` takes over, or undefined (a create). */
  claim(goal: Goal): string | undefined {
    const { stack, project } = stackAndProject(goal.urn);
    const collapse = (a: AliasSpec): string => {
      if (a.urn) return a.urn;
      let parent = a.parentUrn || goal.parent || "";
      if (a.noParent) parent = "";
      const parentType =
        parent && qualifiedTypeOf(parent) !== ROOT_STACK_TYPE ? qualifiedTypeOf(parent) : "";
      return newUrn(
        a.stack || stack,
        a.project || project,
        parentType,
        a.type || goal.type,
        a.name || goal.name,
      );
    };
    const inherited = (childType: string, childName: string, parentName: string, alias: string) =>
      newUrn(
        stack,
        project,
        qualifiedTypeOf(alias),
        childType,
        childName.startsWith(parentName)
          ? nameOf(alias) + childName.slice(parentName.length)
          : childName,
      );
    const candidates: string[] = [];
    for (const a of goal.aliases ?? []) candidates.push(collapse(a));
    const parentAlias = goal.parent ? this.matchedAlias.get(goal.parent) : undefined;
    if (goal.parent && parentAlias) {
      const parentName = nameOf(goal.parent);
      candidates.push(inherited(goal.type, goal.name, parentName, parentAlias));
      for (const a of goal.aliases ?? []) {
        const c = collapse(a);
        candidates.push(inherited(typeOf(c), nameOf(c), parentName, parentAlias));
      }
    }
    for (const urn of [goal.urn, ...new Set(candidates)]) {
      if (!this.olds.has(urn) || this.claimed.has(urn)) continue;
      this.claimed.add(urn);
      if (urn !== goal.urn) this.matchedAlias.set(goal.urn, urn);
      return urn;
    }
    return undefined;
  }
}

/** Adopts `olds` for `goals` (in registration order). Returns new URN -> the old URN it takes. */
export function adopt(goals: readonly Goal[], olds: ReadonlySet<string>): Map<string, string> {
  const adopted = new Map<string, string>();
  const adopter = new Adopter(olds);
  for (const goal of goals) {
    const old = adopter.claim(goal);
    if (old !== undefined) adopted.set(goal.urn, old);
  }
  return adopted;
}
