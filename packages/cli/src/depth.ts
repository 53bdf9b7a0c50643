/**
 * Depth of the deployment graph: the longest chain of resources that must be created one after
 * another because each depends on the previous (through inputs or dependsOn).
 */
import type { PlanResource } from "./run";

export function dependencyDepth(resources: readonly PlanResource[]): number {
  const deps = new Map(resources.map((r) => [r.urn, r.dependencies]));
  const depth = new Map<string, number>();
  const visit = (root: string): number => {
    // Iterative post-order, so a long chain cannot overflow the stack.
    const stack: Array<[string, number]> = [[root, 0]];
    while (stack.length > 0) {
      const [urn, i] = stack[stack.length - 1];
      const ds = (deps.get(urn) ?? []).filter((d) => deps.has(d));
      if (i < ds.length) {
        stack[stack.length - 1][1]++;
        if (!depth.has(ds[i])) stack.push([ds[i], 0]);
        continue;
      }
      stack.pop();
      depth.set(urn, 1 + Math.max(0, ...ds.map((d) => depth.get(d) ?? 0)));
    }
    return depth.get(root)!;
  };
  let max = 0;
  for (const r of resources) max = Math.max(max, depth.get(r.urn) ?? visit(r.urn));
  return max;
}
