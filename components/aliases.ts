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
