/**
 * `npm run bench [-- --runs N --sizes dev,100,1000]`: plan time and peak memory of the dev stack
 * (end to end, as `npm start` runs it) and of generated meshes, min/median of several runs.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { parseArgs } from "node:util";
import Table from "cli-table3";

const root = path.resolve(__dirname, "..");
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    sizes: { type: "string", default: "dev,100,1000" },
  },
});
const runs = Number(values.runs);
/** The flags `npm start` and `npm run plan` use (package.json). */
const NODE_FLAGS = [
  "--max-old-space-size=1024",
  "--max-semi-space-size=64",
  "--conditions=service-edges-source",
  "--import",
  "tsx",
];

interface Sample {
  wallMs: number;
  planMs: number;
  maxRssMiB: number;
  resources: number;
  depth: number;
}

function once(which: string): Sample {
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [...NODE_FLAGS, path.join(root, "bench/plan-once.ts"), which],
    {
      cwd: root,
      encoding: "utf8",
      maxBuffer: 1 << 26,
    },
  );
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`plan of ${which} failed: ${r.stderr}`);
  const j = JSON.parse(r.stdout.trim().split("\n").pop()!) as {
    ms: number;
    maxRssMiB: number;
    resources: number;
    depth: number;
  };
  return { wallMs, planMs: j.ms, maxRssMiB: j.maxRssMiB, resources: j.resources, depth: j.depth };
}

function npmStartOnce(): number {
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [...NODE_FLAGS, path.join(root, "tools/plan/cli.ts"), "--stack", "dev"],
    {
      cwd: root,
      encoding: "utf8",
    },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const min = (xs: number[]) => Math.min(...xs);

const table = new Table({
  head: [
    "mesh",
    "resources",
    "dependency depth",
    "runs",
    "plan ms min",
    "plan ms median",
    "process ms median",
    "peak RSS MiB max",
  ],
  style: { head: [], border: [] },
});
const medians = new Map<string, number>();
for (const which of values.sizes.split(",")) {
  const n = which === "1000" ? Math.min(runs, 3) : runs;
  const samples = Array.from({ length: n }, () => once(which));
  medians.set(which, median(samples.map((s) => s.planMs)));
  table.push([
    which === "dev" ? "dev stack" : `${which} services`,
    String(samples[0].resources),
    String(samples[0].depth),
    String(n),
    String(min(samples.map((s) => s.planMs))),
    String(median(samples.map((s) => s.planMs))),
    String(Math.round(median(samples.map((s) => s.wallMs)))),
    String(Math.max(...samples.map((s) => s.maxRssMiB))),
  ]);
}
const starts = Array.from({ length: runs }, npmStartOnce);
console.log(table.toString());
console.log(
  `npm start (dev stack, end to end): min ${Math.round(min(starts))} ms, median ${Math.round(median(starts))} ms`,
);
if (medians.has("100") && medians.has("1000")) {
  console.log(`t(1000)/t(100) = ${(medians.get("1000")! / medians.get("100")!).toFixed(1)}`);
}
