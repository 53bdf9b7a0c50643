/**
 * `npm run bench:org [-- --services 5000 --teams 50 --jobs 1,2,4]`: a generated org (one platform
 * stack, one stack per team; bench/generate.ts) planned with `--org` at each worker count. Prints
 * the org plan's wall time per job count (the speed-up measured, not assumed), per-stack plan
 * time and each worker's peak memory, the platform stack's plan time per service, and the
 * largest Azure Policy request body the org would send (the platform holds the guardrails).
 *
 * One VNet holds at most 3,000 subnets (MS Learn, "Azure subscription and service limits":
 * subnets per virtual network), so the generated org gives every other service a subnet: 5,000
 * services need 2,500 /28s, inside one /12.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import Table from "cli-table3";
import { stringify } from "yaml";
import { type OrgPlan, planOrg } from "@service-edges/cli/org";
import { POLICY_REQUEST_LIMIT, policyRequestSizes } from "@service-edges/cli/policy-request-size";
import { generatedOrg } from "./generate";

const { values } = parseArgs({
  options: {
    services: { type: "string", default: "5000" },
    teams: { type: "string", default: "50" },
    jobs: { type: "string", default: `1,${os.availableParallelism()}` },
  },
});
const n = Number(values.services);
const teams = Number(values.teams);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "service-edges-org-bench-"));
for (const [file, doc] of Object.entries(generatedOrg(n, teams))) {
  fs.writeFileSync(path.join(dir, file), stringify(doc));
}

const wall = new Table({
  head: ["jobs", "org plan s", "speed-up", "resources", "sum of stack plans s"],
  style: { head: [], border: [] },
});
let serial: number | undefined;
let last: OrgPlan | undefined;
(async () => {
  for (const jobs of values.jobs.split(",").map(Number)) {
    const t0 = performance.now();
    last = await planOrg(dir, jobs);
    const s = (performance.now() - t0) / 1000;
    serial ??= s;
    wall.push([
      String(jobs),
      s.toFixed(1),
      `${(serial / s).toFixed(2)}×`,
      String(last.resources.length),
      (last.stacks.reduce((a, x) => a + x.ms, 0) / 1000).toFixed(1),
    ]);
  }
  report();
})().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});

function report(): void {
  console.log(`${n} services in ${teams} team stacks + a platform stack (${dir})`);
  console.log(wall.toString());
  const stacks = last!.stacks;
  const teamStacks = stacks.filter((s) => s.kind === "team");
  const platform = stacks.find((s) => s.kind === "platform")!;
  const ms = teamStacks.map((s) => s.ms).sort((a, b) => a - b);
  const rss = teamStacks.map((s) => s.peakRssMiB).sort((a, b) => a - b);
  const per = new Table({
    head: ["stack", "resources", "plan ms", "worker peak RSS MiB"],
    style: { head: [], border: [] },
  });
  per.push([
    "platform",
    String(platform.resources),
    String(platform.ms),
    String(platform.peakRssMiB),
  ]);
  per.push([
    `team (median of ${teamStacks.length})`,
    String(teamStacks[Math.floor(teamStacks.length / 2)].resources),
    String(ms[Math.floor(ms.length / 2)]),
    String(rss[Math.floor(rss.length / 2)]),
  ]);
  per.push(["team (max)", "", String(ms[ms.length - 1]), String(rss[rss.length - 1])]);
  console.log(per.toString());
  console.log(`platform: ${((platform.ms * 1000) / n).toFixed(0)} µs per service`);
  const largest = policyRequestSizes(last!.resources)[0];
  console.log(
    largest
      ? `largest Azure Policy request: ${largest.name}, ${largest.bytes.toLocaleString("en-US")} bytes (${((largest.bytes / POLICY_REQUEST_LIMIT) * 100).toFixed(2)} % of ${POLICY_REQUEST_LIMIT.toLocaleString("en-US")})`
      : "no Azure Policy request (guardrails off)",
  );
  fs.rmSync(dir, { recursive: true, force: true });
}
