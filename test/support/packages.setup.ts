/**
 * `npm test`'s global fixture (mocha `--require`): packs the published packages once, in mocha's
 * main process before its parallel workers start, so that no test sees a package's manifest or
 * build while `npm pack` rewrites it. The installs from the tarballs only write into the cache:
 * they run on beside the workers, and the package tests wait for them (`installedPackages`).
 */
import * as path from "node:path";
import { PINNED, packBeforeWorkers } from "./packages";

export async function mochaGlobalSetup(): Promise<void> {
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  const { ready, installed } = await packBeforeWorkers();
  // The workers start after this and inherit the environment: they use this very install.
  process.env[PINNED] = ready;
  const dir = path.dirname(ready);
  console.log(`packages packed in ${dir} (${seconds()} s); installing beside the tests`);
  installed.then(
    () => console.log(`packages installed (${seconds()} s after the start)`),
    // The package tests fail with what failed (packages.ts writes it beside installed.json).
    (e: Error) => console.log(`installing the packed packages failed: ${e.message}`),
  );
}
