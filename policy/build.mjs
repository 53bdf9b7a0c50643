// Bundles the pack for `pulumi policy publish` (which packs this folder with `npm pack`): the
// contract's and the model's code is compiled in, so the published pack needs only its declared
// dependencies.
import { build } from "esbuild";

const external = ["@pulumi/policy", "@pulumi/pulumi", "@pulumi/pulumi/*", "ip-address"];
for (const entry of ["index", "offline", "policies"]) {
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
