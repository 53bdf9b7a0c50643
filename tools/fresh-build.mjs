// Runs a workspace package's build scripts unless its build is already of the workspace as it is
// now. `npm pack` builds each package in its `prepack`; the package tests (test/support/
// packages.ts) build the six first, two at a time in the order they depend on each other, and
// the pack then finds every build done instead of building them again one after another.
//
//   node ../tools/fresh-build.mjs build [build:types]               (cwd = the package)
//   node ../../tools/fresh-build.mjs --package ../../policy build:types
//
// A build is fresh when the scripts it ran include the ones asked for, every input hashes as it
// did when they ran (each workspace package's files but its builds and node_modules, the lock
// file, tsconfig.base.json and these tools), and the package's dist is byte for byte what they
// left. A clean tree has no record, and any change to an input or to the dist builds again.
// Records: node_modules/.cache/service-edges-builds/ (never packed).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RECORDS = path.join(ROOT, "node_modules", ".cache", "service-edges-builds");

function files(dir, skip) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const at = path.join(dir, e.name);
      if (e.isDirectory()) return skip(e.name) ? [] : files(at, skip);
      return e.name.endsWith(".workspace") ? [] : [at];
    });
}

function hashOf(list) {
  const hash = createHash("sha256");
  for (const f of list) {
    hash.update(path.relative(ROOT, f)).update("\0").update(readFileSync(f)).update("\0");
  }
  return hash.digest("hex");
}

/** Everything a build reads from this repository. */
function inputsHash() {
  const { workspaces } = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const list = workspaces.flatMap((w) =>
    files(path.join(ROOT, w), (name) => name === "node_modules" || name === "dist"),
  );
  list.push(path.join(ROOT, "package-lock.json"), path.join(ROOT, "tsconfig.base.json"));
  list.push(...files(path.join(ROOT, "tools"), () => false));
  return hashOf(list);
}

const args = process.argv.slice(2);
let dir = process.cwd();
if (args[0] === "--package") {
  dir = path.resolve(args[1]);
  args.splice(0, 2);
}
if (args.length === 0) throw new Error("usage: fresh-build.mjs [--package DIR] SCRIPT...");

const record = path.join(RECORDS, `${path.relative(ROOT, dir).replaceAll(path.sep, "+")}.json`);
const distHash = () => hashOf(files(path.join(dir, "dist"), () => false));
const inputs = inputsHash();
const done = existsSync(record) ? JSON.parse(readFileSync(record, "utf8")) : undefined;
const fresh =
  done !== undefined &&
  args.every((s) => done.scripts.includes(s)) &&
  done.inputs === inputs &&
  done.dist === distHash();
if (!fresh) {
  for (const script of args) {
    execFileSync("npm", ["run", "-s", script], { cwd: dir, stdio: "inherit" });
  }
  mkdirSync(RECORDS, { recursive: true });
  writeFileSync(record, JSON.stringify({ scripts: args, inputs, dist: distHash() }));
}
