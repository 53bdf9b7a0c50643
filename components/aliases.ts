/**
 * Aliases that let a stack deployed by service-edges 0.1 adopt this layout without replacing
 * anything. 0.1's program always named its mesh `mesh`, typed it `service-edges:mesh:ServiceMesh`
 * and gave the mesh's children bare service names; earlier still, each edge's app role assignments
 * sat under an `EdgeGrant` component.
 *
 * Only a mesh named `mesh` gets them: another name never existed in 0.1, and two meshes aliasing
 * the same old URN would be refused by the engine.
 *
 * Grandchildren need none of their own: their names start with their parent's name, and the
 * engine derives a child's aliases from its parent's by swapping that prefix (pulumi/pulumi,
 * pkg/resource/deploy/step_generator.go, `inheritedChildAlias`; the Node SDK's `allAliases` in
 * sdk/nodejs/resource.ts does the same for engines without alias specs).
 */
import * as pulumi from "@pulumi/pulumi";
import { LEGACY, assignmentName, edgeName, urnOf } from "@service-edges/contract";

export function isLegacyMesh(meshName: string): boolean {
  return meshName === LEGACY.meshName;
}

/** The mesh component itself: only its type changed (the provider serves it from `index`). */
export function meshAliases(meshName: string): pulumi.Alias[] {
  return isLegacyMesh(meshName) ? [{ type: LEGACY.meshType }] : [];
}

/** A direct child of the mesh, which 0.1 named `oldName` (a service name, `network`, `g07`). */
export function childAliases(meshName: string, oldName: string): pulumi.Alias[] {
  return isLegacyMesh(meshName) ? [{ name: oldName }] : [];
}

/** One (edge, role) assignment: named by edge and role in 0.1, first under an EdgeGrant. */
export function assignmentAliases(
  meshName: string,
  from: string,
  to: string,
  role: string,
): pulumi.Alias[] {
  if (!isLegacyMesh(meshName)) return [];
  const name = assignmentName(from, to, role);
  const edgeGrant = urnOf(
    pulumi.getStack(),
    pulumi.getProject(),
    [LEGACY.meshType, LEGACY.edgeGrantType],
    edgeName(from, to),
  );
  return [{ name }, { name, parent: edgeGrant }];
}

/**
 * Every azure-native resource carries aliases to the same type in each API-versioned module
 * (`azure-native:authorization/v20220601:PolicyAssignment`, 23 on a policy assignment; the
 * generated constructors merge them into the options, e.g. azure-native's
 * `authorization/policyAssignment.js`: `const aliasOpts = { aliases: [{ type: ... }] }`). They only
 * let a resource created from a versioned module move to the default one; the mesh has only ever
 * used the default modules, so none can match. The SDK still turns each into a URN Output in every
 * resource's constructor (`collapseAliasToUrn` in `@pulumi/pulumi/resource.js`), most of a
 * resource's Outputs. The mesh's components drop them for their children (a transformation runs
 * before the aliases are collapsed, and children inherit their parent's transformations); every
 * other alias is kept.
 */
export const withoutVersionedTypeAliases: pulumi.ResourceTransformation = ({ props, opts }) => {
  const aliases = opts.aliases;
  if (!aliases?.length) return undefined;
  const kept = aliases.filter((a) => !isVersionedTypeAlias(a));
  return kept.length === aliases.length ? undefined : { props, opts: { ...opts, aliases: kept } };
};

const VERSIONED_TYPE = /^azure-native:[^:/]+\/v\d[^:]*:[^:]+$/;

function isVersionedTypeAlias(a: pulumi.Input<string | pulumi.Alias>): boolean {
  if (typeof a !== "object" || a === null || pulumi.Output.isInstance(a)) return false;
  const keys = Object.keys(a);
  const type = (a as pulumi.Alias).type;
  return keys.length === 1 && typeof type === "string" && VERSIONED_TYPE.test(type);
}

/** A mesh component's options: its own, and the transformation its children inherit. */
export function meshComponentOptions(
  opts: pulumi.ComponentResourceOptions | undefined,
): pulumi.ComponentResourceOptions {
  return {
    ...opts,
    transformations: [...(opts?.transformations ?? []), withoutVersionedTypeAliases],
  };
}
