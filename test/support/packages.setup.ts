/**
 * `npm test`'s global fixture (mocha `--require`): packs and installs the published packages once,
 * in mocha's main process before its parallel workers start, so that no test sees a package's
 * manifest or build while `npm pack` rewrites it. The package tests then find it in the cache.
 */
import { installedPackages } from "./packages";

export async function mochaGlobalSetup(): Promise<void> {
  const started = Date.now();
  const { dir } = await installedPackages();
  console.log(
    `packages packed and installed in ${dir} (${Math.round((Date.now() - started) / 1000)} s)`,
  );
}
