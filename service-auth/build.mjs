// Builds the published package (`npm run build`, also run by `npm pack`/`npm publish`):
//
//   dist/esm/index.mjs    ESM bundle   (exports "import")
//   dist/cjs/index.cjs    CJS bundle   (exports "require")
//   dist/types/*.d.ts     declarations for "require" (CommonJS, like the package)
//   dist/types/*.d.mts    the same declarations for "import" (ES module, `.mjs` specifiers)
//
// The little the library uses from @service-edges/contract (setting names, issuers) is compiled
// into both bundles, and the declarations only use service-auth's own types, so the package needs
// nothing from this repository: its only runtime imports are its `dependencies` and node builtins.
// Both properties are checked below, and the build fails if either is broken.
//
// `node build.mjs samples` bundles samples/{callee,caller}.ts with everything they use into
// bin/samples/{callee,caller}.js, single files to deploy without node_modules (see README).
import fs from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import ts from "typescript";

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(fs.readFileSync(path.join(here, "package.json"), "utf8"));
const at = (...p) => path.join(here, ...p);
const SOURCE_CONDITION = "service-edges-source";

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  conditions: [SOURCE_CONDITION],
  logLevel: "warning",
  absWorkingDir: here,
};

if (process.argv[2] === "samples") {
  await build({
    ...common,
    entryPoints: [at("samples/callee.ts"), at("samples/caller.ts")],
    outdir: at("bin/samples"),
    format: "cjs",
  });
  console.log("service-auth: samples bundled into bin/samples/");
} else if (process.argv[2] === undefined) {
  fs.rmSync(at("dist"), { recursive: true, force: true });
  await bundles();
  declarations();
  console.log("service-auth: built dist/ (esm, cjs, types)");
} else {
  console.error(`usage: node build.mjs [samples]`);
  process.exit(2);
}

async function bundles() {
  const dependencies = Object.keys(pkg.dependencies ?? {});
  const isAllowedImport = (spec) =>
    spec.startsWith("node:") ||
    builtinModules.includes(spec) ||
    dependencies.some((d) => spec === d || spec.startsWith(`${d}/`));

  for (const [format, outfile] of [
    ["esm", "dist/esm/index.mjs"],
    ["cjs", "dist/cjs/index.cjs"],
  ]) {
    const { metafile } = await build({
      ...common,
      entryPoints: [at("src/index.ts")],
      outfile: at(outfile),
      format,
      external: dependencies.flatMap((d) => [d, `${d}/*`]),
      metafile: true,
    });
    for (const [out, { imports }] of Object.entries(metafile.outputs)) {
      const stray = imports.filter((i) => !i.external || !isAllowedImport(i.path));
      if (stray.length > 0) {
        throw new Error(`${out} imports ${stray.map((i) => i.path).join(", ")}`);
      }
    }
    // esbuild heads each bundled module with its path: name the contract's by package instead.
    const code = fs.readFileSync(at(outfile), "utf8");
    fs.writeFileSync(
      at(outfile),
      code.replace(
        /^\/\/ (?:\.\.\/)+packages\/contract\/src\/(.+)$/gm,
        "// @service-edges/contract: $1",
      ),
    );
  }
}

function declarations() {
  const { options, errors } = ts.convertCompilerOptionsFromJson(
    {
      target: "ES2022",
      module: "nodenext",
      moduleResolution: "nodenext",
      lib: ["ES2022"],
      types: ["node"],
      customConditions: [SOURCE_CONDITION],
      strict: true,
      noImplicitReturns: true,
      noFallthroughCasesInSwitch: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      esModuleInterop: true,
      skipLibCheck: true,
      forceConsistentCasingInFileNames: true,
      declaration: true,
      emitDeclarationOnly: true,
      rootDir: "src",
      outDir: "dist/types",
    },
    here,
  );
  const program = ts.createProgram({
    // contract-shapes.ts: the compile-time check that the published shapes match the contract's.
    rootNames: [at("src/index.ts"), at("src/contract-shapes.ts")],
    options,
  });
  const host = {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => here,
    getNewLine: () => "\n",
  };
  const diagnostics = [...errors, ...ts.getPreEmitDiagnostics(program)];
  if (diagnostics.length > 0) {
    console.error(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
    process.exit(1);
  }

  const typesDir = at("dist/types");
  const written = [];
  const emitted = program.emit(
    undefined,
    (file, text) => {
      const rel = path.relative(typesDir, file);
      if (rel.startsWith("..") || path.isAbsolute(rel)) {
        throw new Error(`declaration emitted outside dist/types: ${file}`);
      }
      if (rel === "contract-shapes.d.ts") return; // only a check, not part of the API
      // Self-contained: nothing from the contract, nothing above this folder.
      if (/@service-edges\/contract|["']\.\.\//.test(text)) {
        throw new Error(`dist/types/${rel} refers outside the package:\n${text}`);
      }
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      // The ES module flavour: relative specifiers need their extension under ESM resolution.
      const esm = text.replace(
        /((?:from|import)\s*\(?\s*)(["'])(\.\.?\/[^"']+?)\2/g,
        (_, lead, q, spec) => `${lead}${q}${spec}.mjs${q}`,
      );
      fs.writeFileSync(file.replace(/\.d\.ts$/, ".d.mts"), esm);
      written.push(rel);
    },
    undefined,
    true,
  );
  if (emitted.emitSkipped || emitted.diagnostics.length > 0) {
    console.error(ts.formatDiagnosticsWithColorAndContext(emitted.diagnostics, host));
    process.exit(1);
  }
  if (!written.includes("index.d.ts")) throw new Error("no dist/types/index.d.ts emitted");
}
