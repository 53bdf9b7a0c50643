/**
 * Every published package as a user gets it, made once per test run and shared by the package
 * tests: `npm pack` of the six workspace packages (their `prepack` builds them and swaps in the
 * manifest they ship), then three installs from those tarballs, each in an empty directory with
 * its own package.json and no way into this repository's node_modules:
 *
 * - `infra/`: a user's infrastructure repository, `npm install service-edges @service-edges/policy
 *   @service-edges/cli` (the contract and model tarballs stand in for the registry's copies the
 *   others depend on), with the TypeScript and @types/node a Pulumi TypeScript project has as its
 *   own devDependencies;
 * - `service/`: a service's repository, `npm install @service-edges/service-auth` alone;
 * - `policy-pack/package/`: the policy tarball unpacked as Pulumi Cloud unpacks a published pack,
 *   its dependencies installed there with `npm install --omit=dev`.
 *
 * The result is cached under node_modules/.cache by a hash of everything that goes into the
 * tarballs (the packages' files but their builds, the lock file, the pack script and this file), so
 * a second run on unchanged packages installs nothing. `npm test` makes it once, before its
 * parallel workers start (`packages.setup.ts`): packing rewrites the packages' manifests and
 * builds for a moment, which no other test may see. A package test run on its own makes it in its
 * `before`. Dependencies come from the registry (npm's cache first).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export const ROOT = path.resolve(__dirname, "..", "..");

/** The published packages: npm name and workspace folder. */
export const PACKAGES = {
  contract: { name: "@service-edges/contract", dir: "packages/contract" },
  model: { name: "@service-edges/model", dir: "packages/model" },
  component: { name: "service-edges", dir: "components" },
  cli: { name: "@service-edges/cli", dir: "packages/cli" },
  policy: { name: "@service-edges/policy", dir: "policy" },
  serviceAuth: { name: "@service-edges/service-auth", dir: "service-auth" },
} as const;

export type PackageKey = keyof typeof PACKAGES;

export interface PackedPackage {
  name: string;
  version: string;
  /** The tarball, as `npm pack` wrote it. */
  tarball: string;
  /** Its entries, relative to `package/`. */
  files: string[];
  /** The workspace's package.json before and after packing (prepack swaps it, postpack restores it). */
  manifestBefore: string;
  manifestAfter: string;
}

export interface InstalledPackages {
  /** The cache directory of this content hash. */
  dir: string;
  packed: Record<PackageKey, PackedPackage>;
  /** A user's infrastructure repository with service-edges and @service-edges/policy installed. */
  infra: string;
  /** A service's repository with @service-edges/service-auth installed. */
  service: string;
  /** The policy tarball unpacked and installed as Pulumi Cloud installs a published pack. */
  policyPack: string;
}

const CACHE = path.join(ROOT, "node_modules", ".cache", "service-edges-packages");
const READY = "installed.json";
/** Set by the global fixture for mocha's workers: the installed.json of this run. */
export const PINNED = "SERVICE_EDGES_INSTALLED_PACKAGES";

/**
 * The environment of the npm and node processes these tests start: without this mocha run's tsx
 * loader and source condition, and without npm's settings for the script that runs the tests (a
 * workspace, a prefix), so that nothing of this repository leaks into a consumer.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
    npm_config_fund: "false",
    npm_config_audit: "false",
    npm_config_update_notifier: "false",
  };
  for (const key of Object.keys(env)) {
    if (
      /^(NODE_OPTIONS|NODE_PATH|INIT_CWD|npm_package_.*|npm_lifecycle_.*|npm_config_(local_prefix|prefix|workspaces?|include_workspace_root|global))$/i.test(
        key,
      )
    ) {
      delete env[key];
    }
  }
  return { ...env, ...extra };
}

async function run(file: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(file, args, {
      cwd,
      env: cleanEnv(),
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    const tail = (t = "") => t.split("\n").slice(-40).join("\n");
    e.message += `\n--- stdout\n${tail(e.stdout)}\n--- stderr\n${tail(e.stderr)}`;
    throw e;
  }
}

/** Every file that goes into a package's tarball, whatever its `files` say; builds excluded. */
function inputs(dir: string, rel = ""): string[] {
  return fs
    .readdirSync(path.join(dir, rel), { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) return ["node_modules", "dist"].includes(e.name) ? [] : inputs(dir, r);
      return e.name.endsWith(".workspace") ? [] : [r];
    });
}

/** The content hash the cache is keyed by. */
export function contentHash(): string {
  const hash = createHash("sha256");
  const add = (file: string) => {
    hash.update(path.relative(ROOT, file)).update("\0");
    hash.update(fs.readFileSync(file)).update("\0");
  };
  for (const { dir } of Object.values(PACKAGES)) {
    for (const f of inputs(path.join(ROOT, dir))) add(path.join(ROOT, dir, f));
  }
  for (const f of [
    "package-lock.json",
    "tsconfig.base.json",
    "tools/pack-manifest.mjs",
    "tools/fresh-build.mjs",
  ]) {
    add(path.join(ROOT, f));
  }
  add(__filename);
  hash.update(process.version);
  return hash.digest("hex").slice(0, 16);
}

/** The version of a package this repository installed (the consumer gets the same one). */
function versionHere(name: string): string {
  const file = path.join(ROOT, "node_modules", name, "package.json");
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * The six builds `npm pack` would run one after another, two at a time (the machine's cores),
 * each after the builds it reads: the contract, then the model, then the policy pack (the CLI
 * compiles against its declarations), then the CLI; the service auth library and then the
 * component beside them (the component reads the contract's). Each is the package's own
 * `tools/fresh-build.mjs` step of its `prepack`, so that the pack finds them done; no two write
 * the same dist.
 */
async function buildAll(): Promise<void> {
  const build = (dir: string, ...scripts: string[]) =>
    run(
      process.execPath,
      [path.join(ROOT, "tools", "fresh-build.mjs"), ...scripts],
      path.join(ROOT, dir),
    );
  const contract = build(PACKAGES.contract.dir, "build");
  await Promise.all([
    contract
      .then(() => build(PACKAGES.model.dir, "build"))
      .then(() => build(PACKAGES.policy.dir, "build", "build:types"))
      .then(() => build(PACKAGES.cli.dir, "build")),
    build(PACKAGES.serviceAuth.dir, "build")
      .then(() => contract)
      .then(() => build(PACKAGES.component.dir, "build")),
  ]);
}

const INSTALL = ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];

/**
 * Packs, then starts the installs: the repository's packages must not change until the packing is
 * done (the result), the installs only write here (its `installing`).
 */
async function make(dir: string): Promise<{ installing: Promise<InstalledPackages> }> {
  const tarballs = path.join(dir, "tarballs");
  fs.mkdirSync(tarballs, { recursive: true });
  const keys = Object.keys(PACKAGES) as PackageKey[];
  const manifest = (key: PackageKey) =>
    fs.readFileSync(path.join(ROOT, PACKAGES[key].dir, "package.json"), "utf8");
  const before = Object.fromEntries(keys.map((k) => [k, manifest(k)]));

  await buildAll();
  // One `npm pack` for the six, as a release packs them together (each prepack builds first, and
  // finds the build just made).
  const out = await run(
    "npm",
    [
      "pack",
      "--json",
      "--loglevel=error",
      "--pack-destination",
      tarballs,
      ...keys.flatMap((k) => ["-w", PACKAGES[k].name]),
    ],
    ROOT,
  );
  // The report is the JSON array after whatever the prepack scripts printed.
  const report = out.slice(out.search(/^\[$/m));
  const reports = JSON.parse(report) as {
    name: string;
    version: string;
    filename: string;
    files: { path: string }[];
  }[];
  const packed = Object.fromEntries(
    keys.map((k) => {
      const report = reports.find((r) => r.name === PACKAGES[k].name);
      if (!report) throw new Error(`npm pack wrote no tarball for ${PACKAGES[k].name}: ${out}`);
      return [
        k,
        {
          name: report.name,
          version: report.version,
          tarball: path.join(tarballs, path.basename(report.filename)),
          files: report.files.map((f) => f.path).sort(),
          manifestBefore: before[k],
          manifestAfter: manifest(k),
        },
      ];
    }),
  ) as Record<PackageKey, PackedPackage>;

  const infra = path.join(dir, "infra");
  fs.mkdirSync(infra);
  writeJson(path.join(infra, "package.json"), {
    name: "acme-infra",
    version: "1.0.0",
    private: true,
    main: "index.js",
    devDependencies: {
      "@types/node": versionHere("@types/node"),
      typescript: versionHere("typescript"),
    },
  });
  fs.writeFileSync(path.join(infra, "Pulumi.yaml"), "name: acme-infra\nruntime: nodejs\n");

  const service = path.join(dir, "service");
  fs.mkdirSync(service);
  writeJson(path.join(service, "package.json"), {
    name: "acme-billing",
    version: "1.0.0",
    private: true,
  });

  const unpacked = path.join(dir, "policy-pack");
  fs.mkdirSync(unpacked);
  await run("tar", ["-xzf", packed.policy.tarball, "-C", unpacked], dir);
  const policyPack = path.join(unpacked, "package");

  const installing = Promise.all([
    run(
      "npm",
      [
        ...INSTALL,
        packed.component.tarball,
        packed.policy.tarball,
        packed.cli.tarball,
        packed.contract.tarball,
        packed.model.tarball,
      ],
      infra,
    ),
    run("npm", [...INSTALL, packed.serviceAuth.tarball], service),
    run("npm", [...INSTALL, "--omit=dev"], policyPack),
  ]).then(() => ({ dir, packed, infra, service, policyPack }));
  return { installing };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Written beside installed.json when the installs failed: what failed. */
const FAILED = "failed.txt";

interface Making {
  /** Where installed.json will be. */
  ready: string;
  /** Resolves when the packing is done: from then on nothing here changes the repository. */
  packed: Promise<void>;
  installed: Promise<InstalledPackages>;
}

let making: Making | undefined;

/**
 * Packs and installs the packages as they are now, once per process: from the cache when this
 * content was installed before, else made (other processes wait on a lock directory meanwhile).
 */
function makePackages(): Making {
  if (making) return making;
  const hash = contentHash();
  const dir = path.join(CACHE, hash);
  const ready = path.join(dir, READY);
  const lock = path.join(CACHE, `${hash}.lock`);
  const started = (async () => {
    fs.mkdirSync(CACHE, { recursive: true });
    for (;;) {
      if (fs.existsSync(ready)) {
        const cached = JSON.parse(fs.readFileSync(ready, "utf8")) as InstalledPackages;
        return { installing: Promise.resolve(cached) };
      }
      try {
        fs.mkdirSync(lock);
        break;
      } catch {
        // Another process is making it; a lock older than 15 minutes is a dead run's.
        const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0);
        if (age > 15 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
        await sleep(1000);
      }
    }
    const unlock = () => fs.rmSync(lock, { recursive: true, force: true });
    try {
      // Older contents are stale: keep one install on disk.
      for (const e of fs.readdirSync(CACHE)) {
        if (e !== hash && !e.endsWith(".lock")) {
          fs.rmSync(path.join(CACHE, e), { recursive: true, force: true });
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
      const { installing } = await make(dir);
      const installed = installing.then(
        (result) => {
          writeJson(ready, result);
          unlock();
          return result;
        },
        (e: Error) => {
          fs.writeFileSync(path.join(dir, FAILED), e.message);
          unlock();
          throw e;
        },
      );
      return { installing: installed };
    } catch (e) {
      unlock();
      throw e;
    }
  })();
  making = {
    ready,
    packed: started.then(() => undefined),
    installed: started.then((s) => s.installing),
  };
  // Whoever awaits one gets its failure; the one nobody awaits is no second, unhandled report.
  making.packed.catch(() => undefined);
  making.installed.catch(() => undefined);
  return making;
}

/**
 * `npm test`'s global fixture: packs before its workers start, and leaves the installs running
 * beside them (they write only into the cache). The workers find installed.json there, or wait
 * for it (`installedPackages`). Resolves with its path, when the packing is done.
 */
export async function packBeforeWorkers(): Promise<{
  ready: string;
  installed: Promise<InstalledPackages>;
}> {
  const { ready, packed, installed } = makePackages();
  await packed;
  return { ready, installed };
}

let pinnedInstall: Promise<InstalledPackages> | undefined;

/** What `npm test`'s global fixture installs, once it has (or why it could not). */
async function waitForPinned(ready: string): Promise<InstalledPackages> {
  const failed = path.join(path.dirname(ready), FAILED);
  for (;;) {
    if (fs.existsSync(ready))
      return JSON.parse(fs.readFileSync(ready, "utf8")) as InstalledPackages;
    if (fs.existsSync(failed)) {
      throw new Error(`installing the packed packages failed: ${fs.readFileSync(failed, "utf8")}`);
    }
    await sleep(250);
  }
}

/**
 * The packed and installed packages for the packages as they are now: from the cache when this
 * content was installed before, else made (other processes wait on a lock directory meanwhile).
 */
export function installedPackages(): Promise<InstalledPackages> {
  // `npm test`'s workers take what its global fixture made, even if a file changed meanwhile:
  // a worker must never pack while other workers run.
  const pinned = process.env[PINNED];
  if (pinned) return (pinnedInstall ??= waitForPinned(pinned));
  return makePackages().installed;
}

/**
 * A fresh directory inside one of the installed repositories for a test's own files (programs,
 * scripts, tsconfig.json): node and TypeScript resolve packages from the repository's
 * node_modules above it, and tests running in parallel do not share files.
 */
export function workDir(repository: string, name: string): string {
  const dir = path.join(repository, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  return dir;
}
