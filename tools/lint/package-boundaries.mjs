// Local ESLint plugin: packages import each other by package name, never by a relative path that
// climbs out of the importing file's package.
//
// A file's package root is the nearest ancestor directory holding a package.json (the walk stops
// at the repository root, the directory holding `.git`). A relative specifier is resolved
// lexically against the importing file's directory; the target's package root is found the same
// way, walking up from the resolved path (which need not exist: `../x` may be `../x.ts`). When the
// two roots differ, the import is reported with the name to import instead.
import fs from "node:fs";
import path from "node:path";

/** Directory -> its package root (null: none below the repository root). One per process. */
const packageRootOf = new Map();
/** Package root -> the `name` in its package.json (null when it has none). */
const packageNameOf = new Map();

function findPackageRoot(start) {
  const visited = [];
  let dir = start;
  let root = null;
  for (;;) {
    const cached = packageRootOf.get(dir);
    if (cached !== undefined) {
      root = cached;
      break;
    }
    visited.push(dir);
    if (fs.existsSync(path.join(dir, "package.json"))) {
      root = dir;
      break;
    }
    const parent = path.dirname(dir);
    if (parent === dir || fs.existsSync(path.join(dir, ".git"))) break; // repository root
    dir = parent;
  }
  for (const d of visited) packageRootOf.set(d, root);
  return root;
}

function packageName(root) {
  let name = packageNameOf.get(root);
  if (name === undefined) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
      name = typeof manifest.name === "string" ? manifest.name : null;
    } catch {
      name = null;
    }
    packageNameOf.set(root, name);
  }
  return name;
}

const isRelative = (spec) =>
  spec === "." || spec === ".." || spec.startsWith("./") || spec.startsWith("../");

/** The string a module-reference node holds, or undefined when it is not a plain string. */
function specifierOf(node) {
  if (!node) return undefined;
  if (node.type === "Literal" && typeof node.value === "string") return node.value;
  if (node.type === "TemplateLiteral" && node.expressions.length === 0) {
    return node.quasis[0].value.cooked ?? undefined;
  }
  return undefined;
}

/** @type {import("eslint").Rule.RuleModule} */
const noCrossPackageRelativeImport = {
  meta: {
    type: "problem",
    docs: {
      description:
        "Disallow relative imports, exports and requires that climb out of the importing file's package; import other packages by name.",
    },
    messages: {
      crossPackage:
        '"{{spec}}" climbs out of package "{{from}}" into "{{to}}": import it by name ("{{to}}/...") and export what you need from that package.',
      outsidePackages:
        '"{{spec}}" climbs out of package "{{from}}" to a path outside every package of the repository.',
    },
    schema: [],
  },
  create(context) {
    const filename = context.physicalFilename ?? context.filename;
    if (!path.isAbsolute(filename)) return {}; // lintText without a filePath
    const dir = path.dirname(filename);
    const fromRoot = findPackageRoot(dir);
    if (fromRoot === null) return {};

    const label = (root) => packageName(root) ?? (path.relative(context.cwd, root) || root);

    function check(sourceNode) {
      const spec = specifierOf(sourceNode);
      if (spec === undefined || !isRelative(spec)) return;
      const target = path.resolve(dir, spec);
      const toRoot = findPackageRoot(target);
      if (toRoot === fromRoot) return;
      if (toRoot === null) {
        context.report({
          node: sourceNode,
          messageId: "outsidePackages",
          data: { spec, from: label(fromRoot) },
        });
        return;
      }
      context.report({
        node: sourceNode,
        messageId: "crossPackage",
        data: { spec, from: label(fromRoot), to: label(toRoot) },
      });
    }

    const isRequire = (callee) =>
      (callee.type === "Identifier" && callee.name === "require") ||
      (callee.type === "MemberExpression" &&
        !callee.computed &&
        callee.object.type === "Identifier" &&
        callee.object.name === "require" &&
        callee.property.type === "Identifier" &&
        callee.property.name === "resolve");

    return {
      ImportDeclaration: (node) => check(node.source), // also `import type`
      ExportAllDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      CallExpression(node) {
        if (isRequire(node.callee) && node.arguments.length > 0) check(node.arguments[0]);
      },
      // `import x = require("...")`
      TSExternalModuleReference: (node) => check(node.expression),
      // `typeof import("...")` in a type (`source` since typescript-eslint 8.x, `argument` before)
      TSImportType(node) {
        const source = node.source ?? node.argument?.literal;
        check(source);
      },
    };
  },
};

export default {
  meta: { name: "package-boundaries" },
  rules: { "no-cross-package-relative-import": noCrossPackageRelativeImport },
};
