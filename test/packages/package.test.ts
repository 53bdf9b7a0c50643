/**
 * Every package a user installs, as installed from its tarball (test/support/packages.ts): each
 * entry of its `exports` resolves to built JavaScript with declarations beside it, loads under
 * plain `node` (require and import, no tsx, no source condition), and resolves to those
 * declarations for a TypeScript consumer. The two entries that start a server when loaded (the
 * component provider and the policy pack) are started and must print their port, as their hosts
 * expect; their protocols are tested in test/components/package.test.ts and
 * test/policy/pack-host.test.ts.
 */
import { strict as assert } from "node:assert";
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import {
  PACKAGES,
  cleanEnv,
  installedPackages,
  workDir,
  type InstalledPackages,
  type PackageKey,
} from "../support/packages";

const execFileAsync = promisify(execFile);

type Target = string | { [condition: string]: Target };

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  main?: string;
  types?: string;
  exports: Record<string, Target>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
}

/** An export subpath, spelled out (wildcards expanded from the files the package ships). */
interface Entry {
  specifier: string;
  /** Every file its conditions point at. */
  targets: string[];
}

/** Entries that start a server when loaded: the engine's hosts run them. */
const SERVERS = ["service-edges/provider", "@service-edges/policy"];

function leaves(target: Target): string[] {
  return typeof target === "string" ? [target] : Object.values(target).flatMap(leaves);
}

function entriesOf(pkgDir: string, manifest: Manifest): Entry[] {
  const out: Entry[] = [];
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (subpath === "./package.json") continue;
    const files = leaves(target);
    if (!subpath.includes("*")) {
      out.push({ specifier: path.posix.join(manifest.name, subpath), targets: files });
      continue;
    }
    // `./*` -> `./dist/*.js`: one entry per file the package ships there.
    const js = files.find((f) => /\.[cm]?js$/.test(f))!;
    const [dir, ext] = [path.posix.dirname(js), path.posix.basename(js).replace("*", "")];
    for (const f of fs.readdirSync(path.join(pkgDir, dir)).filter((f) => f.endsWith(ext))) {
      const stem = f.slice(0, -ext.length);
      out.push({
        specifier: path.posix.join(manifest.name, subpath.replace("*", stem)),
        targets: files.map((t) => t.replace("*", stem)),
      });
    }
  }
  return out;
}

/** A plain-node script that requires and imports each specifier and reports where it resolved. */
const LOADER = `const specifiers = JSON.parse(process.argv[2]);
(async () => {
  const report = {};
  for (const s of specifiers) {
    const r = { resolved: require.resolve(s), required: Object.keys(require(s)).length };
    r.imported = Object.keys(await import(s)).length;
    report[s] = r;
  }
  process.stdout.write(JSON.stringify(report));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
`;

/** Starts a server entry with plain node and resolves with the port it prints. */
function startsAndPrintsPort(specifier: string, cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["-e", "require(process.argv[1])", specifier, "127.0.0.1:1"],
      { cwd, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    let out = "";
    let err = "";
    let settled = false;
    const finish = (e?: Error, port?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid);
        } catch {
          // already gone
        }
      }
      if (e) reject(e);
      else resolve(port!);
    };
    const timer = setTimeout(
      () => finish(new Error(`${specifier}: no port in 60 s\n${err}`)),
      60_000,
    );
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /^(\d+)\s*$/m.exec(out);
      if (m) finish(undefined, Number(m[1]));
    });
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    child.on("exit", (code) => finish(new Error(`${specifier} exited ${code}:\n${out}\n${err}`)));
  });
}

describe("every published package, installed from its tarball", function () {
  this.timeout(600_000);
  let installed: InstalledPackages;
  const repositoryOf = (key: PackageKey) =>
    key === "serviceAuth" ? installed.service : installed.infra;
  const manifests = {} as Record<PackageKey, Manifest>;
  const entries = {} as Record<PackageKey, Entry[]>;
  const KEYS = Object.keys(PACKAGES) as PackageKey[];

  before(async () => {
    installed = await installedPackages();
    for (const key of KEYS) {
      const dir = path.join(repositoryOf(key), "node_modules", ...PACKAGES[key].name.split("/"));
      manifests[key] = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
      entries[key] = entriesOf(dir, manifests[key]);
    }
  });

  it("are published together: one version, public, no workspace-only fields", () => {
    for (const key of KEYS) {
      const m = manifests[key];
      assert.equal(m.version, "0.4.0", m.name);
      assert.equal(m.private, undefined, `${m.name} is private`);
      assert.equal(m.devDependencies, undefined, m.name);
      assert.equal(m.scripts, undefined, m.name);
      for (const [dep, range] of Object.entries(m.dependencies ?? {})) {
        if (dep === "service-edges" || dep.startsWith("@service-edges/")) {
          assert.equal(range, "^0.4.0", `${m.name} -> ${dep}`);
        }
      }
      assert.ok(!("typescript" in (m.dependencies ?? {})), `${m.name} depends on typescript`);
    }
  });

  it("point every export at built JavaScript with its declarations, never at TypeScript source", () => {
    for (const key of KEYS) {
      const dir = path.join(repositoryOf(key), "node_modules", ...PACKAGES[key].name.split("/"));
      const m = manifests[key];
      assert.ok(entries[key].length > 0, m.name);
      for (const t of [m.main!, m.types!]) {
        assert.ok(fs.existsSync(path.join(dir, t)), `${m.name}: ${t}`);
      }
      for (const { specifier, targets } of entries[key]) {
        assert.ok(
          targets.some((t) => /\.[cm]?js$/.test(t)),
          `${specifier}: no JavaScript in ${targets}`,
        );
        assert.ok(
          targets.some((t) => /\.d\.[cm]?ts$/.test(t)),
          `${specifier}: no declarations in ${targets}`,
        );
        for (const t of targets) {
          assert.ok(/\.[cm]?js$|\.d\.[cm]?ts$/.test(t), `${specifier}: ${t} is source`);
          assert.ok(fs.existsSync(path.join(dir, t)), `${specifier}: ${t} is not installed`);
        }
      }
    }
  });

  it("load under plain node, required and imported", async () => {
    for (const repository of [installed.infra, installed.service]) {
      const specifiers = KEYS.filter((k) => repositoryOf(k) === repository)
        .flatMap((k) => entries[k].map((e) => e.specifier))
        .filter((s) => !SERVERS.includes(s));
      const dir = workDir(repository, "exports-check");
      fs.writeFileSync(path.join(dir, "load.cjs"), LOADER);
      const { stdout } = await execFileAsync(
        process.execPath,
        ["load.cjs", JSON.stringify(specifiers)],
        { cwd: dir, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 },
      );
      const report = JSON.parse(stdout) as Record<
        string,
        { resolved: string; required: number; imported: number }
      >;
      assert.deepEqual(Object.keys(report).sort(), [...specifiers].sort());
      for (const [specifier, r] of Object.entries(report)) {
        assert.ok(
          r.resolved.startsWith(path.join(repository, "node_modules") + path.sep),
          `${specifier} resolved to ${r.resolved}`,
        );
        assert.match(r.resolved, /\.[cm]?js$/, specifier);
        assert.ok(r.required > 0 && r.imported > 0, `${specifier} exports nothing`);
      }
    }
  });

  it("start the component provider and the policy pack from their exports: each prints its port", async () => {
    const ports = await Promise.all(SERVERS.map((s) => startsAndPrintsPort(s, installed.infra)));
    for (const port of ports) assert.ok(port > 0);
  });

  it("resolve to their own declarations for a TypeScript consumer, as ESM and as CommonJS", async () => {
    const tsc = path.join(installed.infra, "node_modules", "typescript", "bin", "tsc");
    for (const repository of [installed.infra, installed.service]) {
      const keys = KEYS.filter((k) => repositoryOf(k) === repository);
      const specifiers = keys.flatMap((k) => entries[k].map((e) => e.specifier));
      const dir = workDir(repository, "types-check");
      const source = specifiers
        .map((s, i) => `import * as m${i} from "${s}";\nexport const e${i} = m${i};\n`)
        .join("");
      fs.writeFileSync(path.join(dir, "consumer.mts"), source);
      fs.writeFileSync(path.join(dir, "consumer.cts"), source);
      fs.writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            module: "nodenext",
            moduleResolution: "nodenext",
            lib: ["ES2022", "DOM"],
            strict: true, // an import without declarations is an error (implicit any)
            noEmit: true,
            skipLibCheck: true,
            typeRoots: [path.join(installed.infra, "node_modules", "@types")],
            types: ["node"],
            listFiles: true,
          },
          files: ["consumer.mts", "consumer.cts"],
        }),
      );
      const { stdout } = await execFileAsync(process.execPath, [tsc, "-p", "tsconfig.json"], {
        cwd: dir,
        env: cleanEnv(),
        maxBuffer: 64 * 1024 * 1024,
      }).catch((err: Error & { stdout?: string }) => {
        throw new Error(
          `${err.message}\n${err.stdout
            ?.split("\n")
            .filter((l) => /error/.test(l))
            .join("\n")}`,
        );
      });
      const listed = new Set(stdout.split("\n").map((f) => path.resolve(f.trim())));
      for (const key of keys) {
        const pkgDir = path.join(repository, "node_modules", ...PACKAGES[key].name.split("/"));
        for (const { specifier, targets } of entries[key]) {
          const declarations = targets.filter((t) => /\.d\.[cm]?ts$/.test(t));
          assert.ok(
            declarations.some((d) => listed.has(path.join(pkgDir, d))),
            `${specifier}: none of ${declarations} was read`,
          );
        }
      }
    }
  });
});
