// The manifest the published pack carries. `pulumi policy publish` packs this folder with
// `npm pack`, and Pulumi installs a published pack with a plain `npm install`, which resolves
// devDependencies too: the workspace-only `@service-edges/contract` (compiled into dist/ by
// build.mjs, never published to a registry) would fail that install with a 404. So `prepack`
// swaps in a manifest without devDependencies and scripts (nothing in the tarball runs them) and
// without exports that point at sources the tarball does not hold; `postpack` puts the
// workspace's manifest back, byte for byte.
//
//   node pack-manifest.mjs strip     (prepack, after the build)
//   node pack-manifest.mjs restore   (postpack)
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

const MANIFEST = "package.json";
const SAVED = "package.json.workspace"; // outside `files`, so never packed

function restore() {
  if (existsSync(SAVED)) renameSync(SAVED, MANIFEST);
}

/** Keeps only the conditions whose targets the tarball ships (no TypeScript sources). */
function shippedExports(exports) {
  const out = {};
  for (const [subpath, target] of Object.entries(exports ?? {})) {
    if (typeof target === "string") {
      if (!target.endsWith(".ts")) out[subpath] = target;
      continue;
    }
    const conditions = Object.entries(target).filter(([, t]) => !t.endsWith(".ts"));
    if (conditions.length > 0) out[subpath] = Object.fromEntries(conditions);
  }
  return out;
}

function strip() {
  restore(); // a pack that died before its postpack left the workspace manifest aside
  const text = readFileSync(MANIFEST, "utf8");
  const manifest = JSON.parse(text);
  delete manifest.devDependencies;
  delete manifest.scripts;
  manifest.exports = shippedExports(manifest.exports);
  writeFileSync(SAVED, text);
  writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
}

const mode = process.argv[2];
if (mode === "strip") strip();
else if (mode === "restore") restore();
else throw new Error(`usage: node pack-manifest.mjs strip|restore (got ${mode})`);
