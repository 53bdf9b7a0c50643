/**
 * azure-native's aliases to its API-versioned modules are dropped for the mesh's children (the
 * mesh never used those modules); every other alias stays (components/aliases.ts).
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { withoutVersionedTypeAliases } from "service-edges/aliases";
import type { PlanResult } from "@service-edges/cli/run";
import { planOf, smallConfig } from "../fixtures";

describe("azure-native's versioned type aliases", () => {
  it("are dropped; names, parents and unversioned types are kept", () => {
    const kept: pulumi.Alias[] = [
      { name: "old" },
      { type: "azure-native:web:WebAppOld" },
      { type: "azure-native:web/v20220301:WebApp", name: "renamed" },
    ];
    const opts: pulumi.ResourceOptions = {
      aliases: [
        ...kept,
        { type: "azure-native:web/v20150801:WebApp" },
        { type: "azure-native:authorization/v20251201preview:PolicyAssignment" },
      ],
    };
    const r = withoutVersionedTypeAliases({
      resource: undefined as unknown as pulumi.Resource,
      type: "azure-native:web:WebApp",
      name: "x",
      props: {},
      opts,
    });
    assert.deepEqual(r?.opts.aliases, kept);
    assert.equal(
      withoutVersionedTypeAliases({
        resource: undefined as unknown as pulumi.Resource,
        type: "t",
        name: "x",
        props: {},
        opts: { aliases: kept },
      }),
      undefined,
    );
  });

  it("no resource of the mesh registers one; the mesh's own aliases are still sent", async () => {
    const plan: PlanResult = await planOf(smallConfig());
    const types = plan.resources.flatMap((r) => (r.aliases ?? []).map((a) => a.type ?? ""));
    assert.ok(!types.some((t) => /\/v\d/.test(t)), types.join("\n"));
    // The mesh named `mesh` keeps its alias to 0.1's type.
    assert.deepEqual(plan.resources.find((r) => r.name === "mesh")!.aliases, [
      { type: "service-edges:mesh:ServiceMesh" },
    ]);
  });
});
