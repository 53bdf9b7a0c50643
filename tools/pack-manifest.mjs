// The manifest each published package carries. In the workspace, every package resolves its
// siblings to their TypeScript sources through the `service-edges-source` export condition, and
// some export subpaths exist only for the workspace's tests (`./scripts/*`, `./samples/*`). A
// published package must not point at sources it does not ship, and its devDependencies and
// scripts mean nothing to an install (Pulumi installs a published policy pack with a plain
// `npm install`, which would resolve its devDependencies too). So each package's `prepack` swaps
// in the manifest its tarball ships and `postpack` puts the workspace's manifest back, byte for
// byte:
//
//   node ../tools/pack-manifest.mjs strip     (prepack, after the build; cwd = the package)
//   node ../tools/pack-manifest.mjs restore   (postpack)
//
// Stripped: `devDependencies`, `scripts`, the `service-edges-source` condition, every export
// target that is TypeScript source (not a `.d.ts`), and subpaths left with no target. A `main`
// or `types` that is TypeScript source fails the pack: an installed package runs compiled code.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

const MANIFEST = "package.json";
const SAVED = "package.json.workspace"; // outside every package's `files`, so never packed
const SOURCE_CONDITION = "service-edges-source";

const isSource = (target) => /\.[cm]?ts$/.test(target) && !/\.d\.[cm]?ts$/.test(target);

function restore() {
  if (existsSync(SAVED)) renameSync(SAVED, MANIFEST);
}

/** An export target without the workspace condition and source targets; undefined if none is left. */
function shipped(target) {
  if (typeof target === "string") return isSource(target) ? undefined : target;
  if (target === null || typeof target !== "object") return target;
  const out = {};
  for (const [condition, sub] of Object.entries(target)) {
    if (condition === SOURCE_CONDITION) continue;
    const kept = shipped(sub);
    if (kept !== undefined) out[condition] = kept;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function strip() {
  restore(); // a pack that died before its postpack left the workspace manifest aside
  const text = readFileSync(MANIFEST, "utf8");
  const manifest = JSON.parse(text);
  for (const field of ["main", "types"]) {
    if (manifest[field] && isSource(manifest[field])) {
      throw new Error(`${manifest.name}: "${field}" is TypeScript source (${manifest[field]})`);
    }
  }
  delete manifest.devDependencies;
  delete manifest.scripts;
  if (manifest.exports) {
    const exports = {};
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      const kept = shipped(target);
      if (kept !== undefined) exports[subpath] = kept;
    }
    manifest.exports = exports;
  }
  writeFileSync(SAVED, text);
  writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
}

const mode = process.argv[2];
if (mode === "strip") strip();
else if (mode === "restore") restore();
else throw new Error(`usage: node pack-manifest.mjs strip|restore (got ${mode})`);
