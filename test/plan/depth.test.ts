import { strict as assert } from "node:assert";
import { generatedMesh } from "../../bench/generate";
import { dependencyDepth } from "@service-edges/cli/depth";
import type { PlanResource } from "@service-edges/cli/run";
import { planOf } from "../fixtures";

const r = (urn: string, ...dependencies: string[]) => ({ urn, dependencies }) as PlanResource;

describe("deployment dependency depth", () => {
  it("is the longest dependency chain", () => {
    assert.equal(dependencyDepth([r("a"), r("b", "a"), r("c", "b", "a"), r("d", "a")]), 3);
    assert.equal(dependencyDepth([r("x", "not-registered")]), 1);
  });

  it("does not grow with the number of callers (ring meshes of 10 and 60 services)", async () => {
    const small = dependencyDepth((await planOf(generatedMesh(10, 3))).resources);
    const large = dependencyDepth((await planOf(generatedMesh(60, 10))).resources);
    // resource group -> storage account -> storage role assignment -> site (a Function app's host
    // starts only once it may read its storage) -> site children (auth settings, publishing).
    assert.equal(small, 5);
    assert.equal(large, small);
  });
});
