/**
 * A git ref of the user's repository, checked out for planning: `review --base-ref REF` plans the
 * base with the ref's own program and stack config, as the base's deployment ran them.
 *
 * The ref's tree is extracted with `git archive` into a temporary directory (the user's worktree,
 * index and refs are never touched), and each `node_modules` between the project and the
 * repository root is linked into it: the base runs against the dependencies installed now (a
 * changed lock file is reviewed with today's packages; the review says so).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { UsageError } from "./stack-config";

export interface RefCheckout {
  /** The project directory inside the checkout (the same path relative to the repository). */
  projectDir: string;
  /** The commit the ref named. */
  commit: string;
  /** Removes the checkout. */
  remove: () => void;
}

function git(cwd: string, args: string[], input?: Buffer): Buffer {
  try {
    return execFileSync("git", args, {
      cwd,
      input,
      maxBuffer: 1024 * 1024 * 1024,
      stdio: ["pipe", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as { stderr?: Buffer; code?: string };
    if (err.code === "ENOENT") throw new UsageError("git is not installed: --base-ref needs git");
    const why = err.stderr?.toString().trim().split("\n")[0] ?? String(e);
    throw new UsageError(`git ${args[0]}: ${why}`);
  }
}

/**
 * Links the installed dependencies into the checkout: each node_modules between the project and
 * the repository root at the same place, and the nearest one above the root (a monorepo's
 * install outside this repository) at the checkout's root, so modules resolve as they do here.
 */
function linkDependencies(root: string, rel: string, dir: string): void {
  const link = (installed: string, at: string) => {
    if (fs.existsSync(installed) && fs.existsSync(path.dirname(at)) && !fs.existsSync(at))
      fs.symlinkSync(installed, at, "junction");
  };
  for (let d = rel; ; d = path.dirname(d)) {
    link(path.join(root, d, "node_modules"), path.join(dir, d, "node_modules"));
    if (d === "." || d === "" || d === path.dirname(d)) break;
  }
  for (let up = path.dirname(root); ; up = path.dirname(up)) {
    const installed = path.join(up, "node_modules");
    if (fs.existsSync(installed)) {
      link(installed, path.join(dir, "node_modules"));
      break;
    }
    if (up === path.dirname(up)) break;
  }
}

/** Extracts `ref` of the repository holding `projectDir`. */
export function checkoutRef(projectDir: string, ref: string): RefCheckout {
  const root = git(projectDir, ["rev-parse", "--show-toplevel"]).toString().trim();
  let commit: string;
  try {
    commit = git(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`])
      .toString()
      .trim();
  } catch {
    throw new UsageError(
      `--base-ref ${ref}: no such commit in ${root}. Fix: fetch it first (in CI: actions/checkout with fetch-depth: 0, or git fetch origin ${ref})`,
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "service-edges-ref-"));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const tar = git(root, ["archive", "--format=tar", commit]);
    execFileSync("tar", ["-x", "-C", dir], { input: tar, maxBuffer: 1024 * 1024 * 1024 });
    const rel = path.relative(root, fs.realpathSync(projectDir));
    linkDependencies(root, rel, dir);
    return { projectDir: path.join(dir, rel), commit, remove };
  } catch (e) {
    remove();
    throw e;
  }
}
