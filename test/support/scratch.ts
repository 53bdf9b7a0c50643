/**
 * A test file's own temporary directory (removed after its tests), and a writer for files in it.
 * Call at the top of a test file.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface Scratch {
  dir: string;
  /** Writes `text` to `name` under the directory (making its folders) and returns the path. */
  write(name: string, text: string): string;
}

export function scratchDir(prefix: string): Scratch {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name, text) {
      const file = path.join(dir, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      return file;
    },
  };
}
