/**
 * Reads a stack's config the way the Pulumi CLI hands it to a program: `Pulumi.<stack>.yaml`'s
 * `config:` map over the project's own defaults (its `Pulumi.yaml`), objects as JSON text,
 * `secure:` values marked secret.
 *
 * A `secure:` value is ciphertext only the stack's secrets provider can open; the offline plan
 * never has it and never prints it: the program sees `[secret]`, marked secret as `pulumi
 * config set --secret` would, so `config.requireSecret(...)` works and yields a secret Output.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export interface StackConfig {
  stack: string;
  file: string;
  /** Full keys (`service-edges:services`) to plain values. */
  values: Record<string, unknown>;
  /** Keys whose value (or a value inside it) was `secure:`: the runtime marks them secret. */
  secretKeys?: string[];
  /** The project the config was read for (its Pulumi.yaml `name`), when known. */
  project?: string;
}

/** A bad flag, file or value: said in one line, exit 1, no stack trace. */
export class UsageError extends Error {}

/** What a `secure:` value becomes in the offline plan. */
export const SECRET_PLACEHOLDER = "[secret]";

/**
 * The directory npm was invoked from (`INIT_CWD`), else the process's own: relative paths on the
 * command line mean what they mean in the caller's shell, even under `npm run` (which runs in
 * the package root).
 */
export function invocationDir(): string {
  return process.env.INIT_CWD || process.cwd();
}

/** A command-line path, resolved against the invocation directory. */
/** A JSON input file (a state export, a mocks file, ...): usage errors name the file and what it is. */
export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`cannot read the ${what} ${file}: no such file`);
  }
  try {
    // Windows tools (az in PowerShell) write a byte-order mark.
    return JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new UsageError(`the ${what} ${file} is not JSON: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** A path as the user would write it from where they ran the command. */
export function shownPath(file: string): string {
  return path.relative(invocationDir(), file) || file;
}

export function cliPath(file: string): string {
  return path.resolve(invocationDir(), file);
}

export function stackFile(projectDir: string, stack: string): string {
  return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

/** Stack name from a `Pulumi.<stack>.yaml` path, else the file's base name. */
export function stackNameOf(file: string): string {
  const base = path.basename(file);
  const m = /^Pulumi\.(.+)\.ya?ml$/.exec(base);
  return m ? m[1] : base.replace(/\.ya?ml$/, "");
}

/** The stacks with a config file in a project directory, sorted. */
export function stacksIn(projectDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(projectDir);
  } catch {
    return [];
  }
  return names
    .map((n) => /^Pulumi\.(.+)\.ya?ml$/.exec(n)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** The stack planned when none is named: the only stack file, else `dev` if present. */
export function defaultStack(projectDir: string): string | undefined {
  const stacks = stacksIn(projectDir);
  if (stacks.length === 1) return stacks[0];
  return stacks.includes("dev") ? "dev" : undefined;
}

export interface ProjectInfo {
  /** Pulumi.yaml `name`. */
  name: string;
  dir: string;
  file: string;
  /** Project-level config: full key to its value or default. */
  defaults: Record<string, unknown>;
  /** Keys declared with a type but no default or value: every stack must set them. */
  required: string[];
  /** Pulumi.yaml `main:`, the program's entry relative to the project, when set. */
  main?: string;
}

function readYaml(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : String(code);
    throw new UsageError(`cannot read the ${what} ${file}: ${why}`);
  }
  try {
    return parse(text);
  } catch (err) {
    throw new UsageError(yamlErrorMessage(file, what, err));
  }
}

/**
 * A YAML syntax error as one clean line: the file, where (the parser's `linePos`, 1-based), and
 * the parser's own words without the position and source excerpt it appends ("... at line 4,
 * column 3:" followed by the offending lines).
 */
export function yamlErrorMessage(file: string, what: string, err: unknown): string {
  const e = err as { message?: unknown; linePos?: { line: number; col: number }[] };
  const message = String(e.message ?? err)
    .split("\n")[0]
    .replace(/ at line \d+, column \d+:?$/, "")
    .replace(/:$/, "")
    .trim();
  const at = e.linePos?.[0];
  const where = at ? ` (line ${at.line}, column ${at.col})` : "";
  return `the ${what} ${file} is not valid YAML${where}: ${message}`;
}

/**
 * `key` in a project's namespace unless it names one (`aws:region`); the legacy
 * `ns:config:key` form is `ns:key`, as the runtime reads it.
 */
function fullKey(key: string, project: string | undefined): string {
  const legacy = /^([^:]+):config:(.+)$/.exec(key);
  if (legacy) return `${legacy[1]}:${legacy[2]}`;
  return key.includes(":") || !project ? key : `${project}:${key}`;
}

const DECLARATION_KEYS = new Set(["type", "description", "default", "value", "secret", "items"]);

function isDeclaration(v: unknown): v is Record<string, unknown> {
  return (
    !!v &&
    typeof v === "object" &&
    !Array.isArray(v) &&
    Object.keys(v).length > 0 &&
    Object.keys(v).every((k) => DECLARATION_KEYS.has(k))
  );
}

/** Reads a Pulumi.yaml: its name and its project-level config (defaults, values, declarations). */
export function readProject(file: string): ProjectInfo {
  const doc = readYaml(file, "project file");
  const d = (doc && typeof doc === "object" ? doc : {}) as Record<string, unknown>;
  if (typeof d.name !== "string" || d.name === "") {
    throw new UsageError(`the project file ${file} has no 'name:'`);
  }
  // As the CLI refuses it (`invalid project name`); a template's `${PROJECT}` is the usual case.
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(d.name)) {
    const template = /\$\{\w+\}/.test(d.name)
      ? " (a template's placeholder, which `pulumi new` fills in)"
      : "";
    throw new UsageError(
      `${shownPath(file)}: the project name "${d.name}"${template} is not a valid project name: at most 100 letters, digits, hyphens, underscores and periods. Fix: set name: in ${shownPath(file)}`,
    );
  }
  const defaults: Record<string, unknown> = {};
  const required: string[] = [];
  const config = d.config ?? {};
  if (typeof config !== "object" || Array.isArray(config)) {
    throw new UsageError(`${file}: 'config:' must be a map of keys to values`);
  }
  for (const [k, v] of Object.entries(config as Record<string, unknown>)) {
    const key = fullKey(k, d.name);
    if (isDeclaration(v)) {
      if ("value" in v) defaults[key] = v.value;
      else if ("default" in v) defaults[key] = v.default;
      else if ("type" in v) required.push(key);
    } else defaults[key] = v;
  }
  const main = typeof d.main === "string" && d.main !== "" ? d.main : undefined;
  return {
    name: d.name,
    dir: path.dirname(file),
    file,
    defaults,
    required,
    ...(main ? { main } : {}),
  };
}

/**
 * The entry point Pulumi's Node.js language host runs for a project: `main:` of its Pulumi.yaml
 * (a file, or a directory), else the project directory; a directory is entered as Node enters a
 * package, by its package.json `main`, else its index (index.ts under TypeScript, index.js).
 * (pulumi/pulumi sdk/nodejs/cmd/run: the program is `require`d from the working directory.)
 */
export function programOfProject(project: ProjectInfo): string {
  const target = path.resolve(project.dir, project.main ?? ".");
  if (fs.existsSync(target) && fs.statSync(target).isFile()) return target;
  if (!fs.existsSync(target)) {
    throw new UsageError(
      `${shownPath(project.file)}: main: ${project.main} does not exist. Fix: point main: at the program's entry file or directory`,
    );
  }
  const pkgFile = path.join(target, "package.json");
  if (fs.existsSync(pkgFile)) {
    const pkg = readJsonFile(pkgFile, "package.json") as { main?: unknown };
    if (typeof pkg?.main === "string") {
      const file = path.resolve(target, pkg.main);
      for (const f of [file, `${file}.ts`, `${file}.js`, path.join(file, "index.ts")])
        if (fs.existsSync(f) && fs.statSync(f).isFile()) return f;
    }
  }
  for (const index of ["index.ts", "index.js"]) {
    const f = path.join(target, index);
    if (fs.existsSync(f)) return f;
  }
  throw new UsageError(
    `the project ${project.name} (${shownPath(project.file)}) has no entry point: no index.ts or index.js in ${shownPath(target)} and no package.json main. Fix: add the program, or set main: in Pulumi.yaml`,
  );
}

/** The nearest Pulumi.yaml at or above `from` (a file or directory), as `pulumi` finds it. */
export function findProject(from: string): ProjectInfo | undefined {
  let dir = fs.existsSync(from) && fs.statSync(from).isDirectory() ? from : path.dirname(from);
  for (;;) {
    for (const name of ["Pulumi.yaml", "Pulumi.yml"]) {
      const file = path.join(dir, name);
      if (fs.existsSync(file)) return readProject(file);
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** `{ secure: ... }` anywhere in a value becomes the placeholder; says whether there was one. */
function hideSecure(value: unknown): { value: unknown; secret: boolean } {
  if (Array.isArray(value)) {
    let secret = false;
    const out = value.map((v) => {
      const r = hideSecure(v);
      secret ||= r.secret;
      return r.value;
    });
    return { value: out, secret };
  }
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === "secure" && typeof o.secure === "string") {
      return { value: SECRET_PLACEHOLDER, secret: true };
    }
    let secret = false;
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const r = hideSecure(o[k]);
      secret ||= r.secret;
      out[k] = r.value;
    }
    return { value: out, secret };
  }
  return { value, secret: false };
}

export interface ReadOptions {
  /** The project keys without a namespace belong to. */
  project?: string;
  /** What the file is, in messages: `stack config` (default), `base stack config`, ... */
  what?: string;
}

export function readStackConfig(
  file: string,
  stack = stackNameOf(file),
  options: ReadOptions = {},
): StackConfig {
  const what = options.what ?? "stack config";
  const doc = readYaml(file, what);
  if (doc !== null && doc !== undefined && (typeof doc !== "object" || Array.isArray(doc))) {
    throw new UsageError(`the ${what} ${file} is not a map with a 'config:' key`);
  }
  const config = (doc && (doc as Record<string, unknown>).config) ?? {};
  if (typeof config !== "object" || Array.isArray(config)) {
    throw new UsageError(`the ${what} ${file}: 'config:' must be a map of keys to values`);
  }
  const values: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(config as Record<string, unknown>)) {
    const key = fullKey(k, options.project);
    const r = hideSecure(v);
    values[key] = r.value;
    if (r.secret) secretKeys.push(key);
  }
  return {
    stack,
    file,
    values,
    ...(secretKeys.length > 0 ? { secretKeys } : {}),
    ...(options.project ? { project: options.project } : {}),
  };
}

/** The stack's values over the project's defaults; refuses a declared key left unset. */
export function withProjectDefaults(config: StackConfig, project: ProjectInfo): StackConfig {
  const values = { ...project.defaults, ...config.values };
  const missing = project.required.filter((k) => !(k in values));
  if (missing.length > 0) {
    throw new UsageError(
      `stack '${config.stack}' is missing configuration value${missing.length > 1 ? "s" : ""} ${missing
        .map((k) => `'${k}'`)
        .join(", ")} (declared in ${project.file}): pulumi config set ${missing[0]} <value>`,
    );
  }
  return { ...config, values, project: project.name };
}

/** The runtime's form: every value a string, objects and lists as JSON. */
export function runtimeConfig(values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values))
    out[k] = typeof v === "string" ? v : JSON.stringify(v);
  return out;
}

/**
 * The SDK's "Missing required configuration variable" (a `config.require*` of a key the stack
 * does not set), said for the offline plan: the key, the stack config it is missing from, and
 * how to supply it. `undefined` for any other error.
 */
export function missingConfigError(e: unknown, config: StackConfig): UsageError | undefined {
  if (!(e instanceof Error) || e.constructor.name !== "ConfigMissingError") return undefined;
  const { key, secret } = e as Error & { key?: unknown; secret?: unknown };
  if (typeof key !== "string") return undefined;
  const project = /(^|[\\/])Pulumi\.ya?ml$/.test(config.file);
  const file = project ? stackFile(path.dirname(config.file), config.stack) : config.file;
  const where = project
    ? `stack ${config.stack} has no stack config (${shownPath(file)})`
    : `${shownPath(file)} does not set it`;
  const set = `pulumi config set${secret ? " --secret" : ""} ${key} <value>`;
  const fix = project
    ? `set it in ${shownPath(file)} (${set}), or give --config FILE with it under config:`
    : `add ${key} under config: in ${shownPath(file)} (${set}, for its stack)`;
  return new UsageError(
    `the program requires the config value ${key}${secret ? " (a secret)" : ""}, and ${where}. Fix: ${fix}`,
  );
}
