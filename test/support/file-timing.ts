/**
 * What each test file costs, for the order in test/parallel.mocharc.js (costliest first). A mocha
 * root-hook plugin for `npm test`'s parallel mode, where root hooks run once per file (run
 * serially, mocha runs them once for all the files): every worker appends one line per file (its
 * wall time from the end of the file before, and the CPU of the worker and of the processes it
 * started and waited for), then the summary sorts them:
 *
 *   SERVICE_EDGES_TEST_TIMING=/tmp/t.jsonl npm test -- --require test/support/file-timing.ts
 *   node --import tsx test/support/file-timing.ts /tmp/t.jsonl
 *
 * CPU rather than wall time: on a shared machine the wall time of a file is the machine's load.
 */
import * as fs from "node:fs";

interface Mark {
  wall: number;
  /** CPU seconds of this process. */
  self: number;
  /** CPU seconds of its children it waited for (/proc/self/stat cutime + cstime). */
  children: number;
}

interface Line {
  pid: number;
  file: string;
  start: Mark;
  end: Mark;
}

function mark(): Mark {
  const { user, system } = process.cpuUsage();
  const stat = fs.readFileSync("/proc/self/stat", "utf8");
  // Fields after the command's closing parenthesis start at field 3 (state); cutime and cstime
  // are fields 16 and 17, in clock ticks (100 a second on Linux).
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return {
    wall: Date.now(),
    self: (user + system) / 1e6,
    children: (Number(f[13]) + Number(f[14])) / 100,
  };
}

const OUT = process.env.SERVICE_EDGES_TEST_TIMING;
let started: Mark | undefined;

export const mochaHooks = {
  beforeAll(): void {
    started = mark();
  },
  afterAll(this: Mocha.Context): void {
    if (!OUT || !started) return;
    const root = this.test?.parent;
    const file = root?.suites[0]?.file ?? root?.file ?? "?";
    const line: Line = { pid: process.pid, file, start: started, end: mark() };
    fs.appendFileSync(OUT, `${JSON.stringify(line)}\n`);
  },
};

/** Per file, costliest first: CPU since the end of the worker's previous file (its load too). */
function summary(file: string): void {
  const lines = fs
    .readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Line);
  const rows: { file: string; wall: number; cpu: number }[] = [];
  const byWorker = new Map<number, Line[]>();
  for (const l of lines) byWorker.set(l.pid, [...(byWorker.get(l.pid) ?? []), l]);
  for (const worker of byWorker.values()) {
    worker.sort((a, b) => a.end.wall - b.end.wall);
    worker.forEach((l, i) => {
      const from = i > 0 ? worker[i - 1].end : l.start;
      rows.push({
        file: l.file.replace(/^.*?\/test\//, "test/"),
        wall: (l.end.wall - from.wall) / 1000,
        cpu: l.end.self + l.end.children - from.self - from.children,
      });
    });
  }
  rows.sort((a, b) => b.cpu - a.cpu);
  for (const r of rows) {
    console.log(
      `${r.cpu.toFixed(1).padStart(7)} s CPU ${r.wall.toFixed(1).padStart(7)} s  ${r.file}`,
    );
  }
  const cpu = rows.reduce((t, r) => t + r.cpu, 0);
  console.log(`${cpu.toFixed(1).padStart(7)} s CPU in all, ${rows.length} files`);
}

if (require.main === module) summary(process.argv[2]);
