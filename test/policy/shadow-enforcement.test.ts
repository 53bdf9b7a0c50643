/**
 * The pack's view of a shadow callee: both markers (the site tag with a real day, and the token
 * library's report-only setting), or it is not in shadow; the day read through the contract.
 */
import { strict as assert } from "node:assert";
import { asOfDay, dayValue, daysBetween, isPast } from "@service-edges/contract";
import { shadowUntilInNote } from "@service-edges/contract/shadow";
import { type RunOptions, runPolicies } from "@service-edges/policy/offline";
import { policies } from "@service-edges/policy/policies";

const SHADOW_POLICIES = policies.filter((p) =>
  p.name.startsWith("shadow-enforcement"),
) as RunOptions["policies"];

/** The shadow policies' verdict on one site as of a day: "policy level" per violation, or none. */
async function shadowUntilOfSite(props: Record<string, unknown>, now = "2026-12-06") {
  const found = await asOfDay(now, () =>
    runPolicies(
      [
        {
          urn: "urn:site",
          type: "azure-native:web:WebApp",
          name: "orders",
          props,
          dependencies: [],
        },
      ],
      { policies: SHADOW_POLICIES },
    ),
  );
  return found.length === 0
    ? undefined
    : found.map((v) => `${v.policy} ${v.enforcementLevel}`).join(", ");
}

const site = (tags: Record<string, string> | undefined, setting?: string) => ({
  name: "edges-dev-orders",
  ...(tags ? { tags } : {}),
  siteConfig: {
    appSettings: [
      { name: "MESH_SERVICE_NAME", value: "orders" },
      ...(setting !== undefined ? [{ name: "MESH_ENFORCEMENT", value: setting }] : []),
    ],
  },
});

describe("shadow callee markers", () => {
  it("a site is in shadow only with a real day in its tag and MESH_ENFORCEMENT=shadow", async () => {
    const tag = { "service-edges-shadow-until": "2026-12-31" };
    assert.equal(await shadowUntilOfSite(site(tag, "shadow")), "shadow-enforcement advisory");
    assert.equal(
      await shadowUntilOfSite(site(tag, "shadow"), "2026-12-31"),
      "shadow-enforcement advisory",
    );
    assert.equal(
      await shadowUntilOfSite(site(tag, "shadow"), "2027-01-01"),
      "shadow-enforcement-expired mandatory",
    );
    assert.equal(await shadowUntilOfSite(site(tag)), undefined);
    assert.equal(await shadowUntilOfSite(site(tag, "enforced")), undefined);
    assert.equal(await shadowUntilOfSite(site(undefined, "shadow")), undefined);
    assert.equal(
      await shadowUntilOfSite(site({ "service-edges-shadow-until": "2026-02-30" }, "shadow")),
      undefined,
    );
  });

  it("a service principal's notes carry the day as key=value", () => {
    assert.equal(shadowUntilInNote("service-edges-shadow-until=2026-12-31"), "2026-12-31");
    assert.equal(
      shadowUntilInNote("owner: team-a service-edges-shadow-until=2026-12-31"),
      "2026-12-31",
    );
    assert.equal(shadowUntilInNote("service-edges-shadow-until=soon"), undefined);
    assert.equal(shadowUntilInNote(undefined), undefined);
  });
});

describe("days (contract dates.ts)", () => {
  it("refuses days that do not exist, counts whole days, and a day is past only after it", () => {
    assert.equal(dayValue("2026-02-30"), undefined);
    assert.equal(dayValue("2026-2-3"), undefined);
    assert.equal(dayValue("2028-02-29"), Date.UTC(2028, 1, 29));
    assert.equal(daysBetween("2026-12-06", "2026-12-31"), 25);
    assert.equal(daysBetween("2026-12-31", "2027-01-01"), 1);
    assert.equal(isPast("2026-12-06", "2026-12-06"), false);
    assert.equal(isPast("2026-12-06", "2026-12-07"), true);
  });

  it("asOfDay sets today() for its run only, and refuses a bad day", async () => {
    const { today } = await import("@service-edges/contract");
    const real = today();
    assert.equal(await asOfDay("2030-01-02", async () => today()), "2030-01-02");
    assert.equal(today(), real);
    await assert.rejects(
      asOfDay("2030-13-01", async () => 1),
      {
        message: '--now: "2030-13-01" is not a day; write it as YYYY-MM-DD',
      },
    );
  });
});
