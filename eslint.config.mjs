import js from "@eslint/js";
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";
import packageBoundaries from "./tools/lint/package-boundaries.mjs";

export default tseslint.config(
  {
    // Generated JavaScript is not linted; the hand-written build scripts and this config are.
    ignores: [
      "**/node_modules/**",
      "**/dist/**",
      "bin/**",
      // Pulumi's examples, copied as upstream has them (test/programs/examples/README.md).
      "test/programs/examples/**",
      "**/*.js",
      "**/*.mjs",
      "!eslint.config.mjs",
      "!policy/build.mjs",
      "!tools/pack-manifest.mjs",
      "!service-auth/build.mjs",
      "!tools/lint/*.mjs",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    // The build scripts run on Node.
    files: ["**/*.mjs"],
    languageOptions: { globals: { console: "readonly", process: "readonly" } },
  },
  {
    // Packages import each other by name, never by a relative path out of their own package.
    files: ["**/*.ts", "**/*.mjs"],
    plugins: { "package-boundaries": packageBoundaries },
    rules: { "package-boundaries/no-cross-package-relative-import": "error" },
  },
  {
    // Where Outputs live: no Output inside a template literal (use pulumi.interpolate or apply).
    files: ["index.ts", "components/**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@pulumi": pulumi },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
    },
  },
);
