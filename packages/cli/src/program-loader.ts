/**
 * How a user's TypeScript program is loaded: Pulumi's Node.js language host compiles
 * `index.ts` on require (`runtime.options.typescript`, on by default); the installed command does
 * the same with tsx's CommonJS hook (esbuild, no type-check, as Pulumi's transpile-only mode).
 * Under `npm start` tsx is loaded already (`--import tsx`), and nothing is registered twice.
 */
import Module from "node:module";

export function registerTypeScript(): void {
  const extensions = (Module as unknown as { _extensions: Record<string, unknown> })._extensions;
  if (extensions[".ts"]) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { register } = require("tsx/cjs/api") as { register: () => unknown };
  register();
}
