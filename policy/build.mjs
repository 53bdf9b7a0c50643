// Bundles the pack for `pulumi policy publish` (which packs this folder with `npm pack`): the
// contract's and the model's code is compiled in, so the published pack needs only its declared
// dependencies.
import { build } from "esbuild";

const external = ["@pulumi/policy", "@pulumi/pulumi", "@pulumi/pulumi/*", "ip-address"];
// `lib/types` is exported too: the resource-type tokens and the mesh's app-setting names.
for (const entry of ["index", "offline", "policies", "lib/types"]) {
  await build({
    entryPoints: [`${entry}.ts`],
    outfile: `dist/${entry}.js`,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    conditions: ["service-edges-source"],
    external,
    logLevel: "warning",
  });
}
