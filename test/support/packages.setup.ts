/**
 * `npm test`'s global fixture (mocha `--require`): packs and installs the published packages once,
 * in mocha's main process before its parallel workers start, so that no test sees a package's
 * manifest or build while `npm pack` rewrites it. The package tests then find it in the cache.
 */
import * as path from "node:path";
import { PINNED, installedPackages } from "./packages";

export async function mochaGlobalSetup(): Promise<void> {
  const started = Date.now();
  const { dir } = await installedPackages();
  // The workers start after this and inherit the environment: they use this very install.
  process.env[PINNED] = path.join(dir, "installed.json");
  console.log(
    `packages packed and installed in ${dir} (${Math.round((Date.now() - started) / 1000)} s)`,
  );
}
