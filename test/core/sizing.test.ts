import { strict as assert } from "node:assert";
import fc from "fast-check";
import { headroomOf, instancesFitting, subnetPrefixFor } from "@service-edges/contract";

describe("integration subnet sizing", () => {
  it("matches the published table: /28 -> 5, /27 -> 13, /26 -> 29, /25 -> 61, /24 -> 125", () => {
    assert.deepEqual([28, 27, 26, 25, 24].map(instancesFitting), [5, 13, 29, 61, 125]);
  });

  it("never goes smaller than /28, even for one instance", () => {
    assert.equal(subnetPrefixFor(1), 28);
    assert.equal(instancesFitting(29), 0);
  });

  it("picks the smallest prefix that fits at the boundaries", () => {
    assert.deepEqual(
      [5, 6, 13, 14, 29, 30, 100].map(subnetPrefixFor),
      [28, 27, 27, 26, 26, 25, 24],
    );
  });

  it("a chosen subnet always fits 2 * maxInstances + 5 and the next smaller one does not", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), (n) => {
        const p = subnetPrefixFor(n);
        assert.ok(2 ** (32 - p) - 5 >= 2 * n);
        assert.ok(headroomOf(p, n) >= 0);
        if (p < 28) assert.ok(2 ** (32 - (p + 1)) - 5 < 2 * n);
      }),
    );
  });
});
