import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
  type Cidr,
  contains,
  formatCidr,
  nextFreeRange,
  overlaps,
  parseCidr,
} from "@service-edges/contract";

function cidr(text: string): Cidr {
  const p = parseCidr(text);
  if (!p.ok) throw new Error(`${text}: ${p.reason}`);
  return p.cidr;
}

describe("CIDR arithmetic", () => {
  it("parses a range and its bounds", () => {
    const c = cidr("10.40.0.32/27");
    assert.equal(c.prefix, 27);
    assert.equal(formatCidr(c.start, 27), "10.40.0.32/27");
    assert.equal(c.end - c.start, 31n);
  });

  it("refuses malformed text", () => {
    for (const bad of [
      "10.40.0.0",
      "10.40.0.300/24",
      "10.40.0.0/33",
      "ten/8",
      "10.40.0.0/27 ",
      "",
    ]) {
      const p = parseCidr(bad);
      assert.equal(p.ok, false, bad);
    }
  });

  it("refuses a range off its boundary and suggests the aligned one", () => {
    const p = parseCidr("10.40.0.16/27");
    assert.equal(p.ok, false);
    if (!p.ok) {
      assert.equal(p.reason, "is not on its /27 network boundary");
      assert.equal(p.fix, "use 10.40.0.0/27 (the /27 that contains it)");
    }
  });

  it("finds the next free aligned range around used ones", () => {
    const space = cidr("10.40.0.0/24");
    const used = [cidr("10.40.0.0/28"), cidr("10.40.0.32/28")];
    assert.equal(nextFreeRange(space, used, 28)!.text, "10.40.0.16/28");
    assert.equal(nextFreeRange(space, used, 27)!.text, "10.40.0.64/27");
    assert.equal(nextFreeRange(space, [cidr("10.40.0.0/24")], 28), undefined);
  });

  it("a suggested range is inside the space, aligned, and overlaps nothing used", () => {
    const space = cidr("10.0.0.0/20");
    const arb = fc.array(
      fc.record({
        offset: fc.integer({ min: 0, max: 255 }),
        prefix: fc.integer({ min: 24, max: 29 }),
      }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(arb, fc.integer({ min: 22, max: 28 }), (blocks, prefix) => {
        const used = blocks.map(({ offset, prefix: p }) => {
          const size = 1n << BigInt(32 - p);
          const start = space.start + ((BigInt(offset) * 16n) / size) * size;
          return cidr(formatCidr(start, p));
        });
        const free = nextFreeRange(space, used, prefix);
        if (!free) return;
        assert.ok(contains(space, free));
        assert.equal(free.start % (1n << BigInt(32 - prefix)), 0n);
        for (const u of used) assert.ok(!overlaps(u, free), `${free.text} overlaps ${u.text}`);
      }),
    );
  });
});
