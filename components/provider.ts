/**
 * The component provider: serves ServiceMesh as `service-edges:index:ServiceMesh` to programs in
 * any Pulumi language. The schema is inferred from the TypeScript declarations of its args and
 * outputs (components/args.ts), so this package ships its sources and tsconfig.json beside `dist`.
 *
 * `pulumi package add <this folder>` runs the package's `main` (dist/index.js), which exports the
 * component, and the Node host serves it the same way; this entry starts the same provider on its
 * own, e.g. from the compiled package: `node dist/provider.js <engine address>`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { PACKAGE } from "@service-edges/contract";
import { ServiceMesh } from "./service-mesh";

/** The package root (package.json, tsconfig.json, sources), from here or from `dist/`. */
function packageRoot(dir: string): string {
  return fs.existsSync(path.join(dir, "tsconfig.json")) ? dir : path.dirname(dir);
}

componentProviderHost({
  name: PACKAGE,
  components: [ServiceMesh],
  dirname: packageRoot(__dirname),
}).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
