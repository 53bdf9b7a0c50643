/**
 * Writes schema/stack.schema.json, the editor schema of Pulumi.<stack>.yaml, from the contract's
 * zod schemas: `npm run schema -w @service-edges/contract`. Formatted as the repository's Prettier
 * config would, so `prettier --check` passes. test/contract/stack-schema.test.ts fails when the
 * committed file differs from what this writes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import { STACK_SCHEMA_FILE, stackSchema } from "../src/stack-schema";

export const STACK_SCHEMA_PATH = path.resolve(__dirname, "..", STACK_SCHEMA_FILE);

/** The command that regenerates the committed file, from the repository root. */
export const REGENERATE_COMMAND = "npm run schema -w @service-edges/contract";

/** The file's text: pretty JSON with a trailing newline. */
export async function renderStackSchema(): Promise<string> {
  const options = await prettier.resolveConfig(STACK_SCHEMA_PATH, { editorconfig: true });
  return prettier.format(JSON.stringify(stackSchema(), null, 2), {
    ...options,
    filepath: STACK_SCHEMA_PATH,
  });
}

async function main(): Promise<void> {
  const text = await renderStackSchema();
  fs.mkdirSync(path.dirname(STACK_SCHEMA_PATH), { recursive: true });
  fs.writeFileSync(STACK_SCHEMA_PATH, text);
  console.log(`wrote ${path.relative(process.cwd(), STACK_SCHEMA_PATH)}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
