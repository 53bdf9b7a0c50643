import * as assert from "assert";
import {
  OfflineResource,
  OfflineViolation,
  RunOptions,
  runPolicies,
} from "@service-edges/policy/offline";

export async function violationsOf(
  resources: OfflineResource[],
  options?: RunOptions,
): Promise<OfflineViolation[]> {
  return runPolicies(resources, options);
}

/** No policy (or not the named one) reports anything. */
export async function assertNoViolation(
  resources: OfflineResource[],
  policy?: string,
  options?: RunOptions,
): Promise<void> {
  const all = await runPolicies(resources, options);
  const found = policy ? all.filter((v) => v.policy === policy) : all;
  assert.deepStrictEqual(found, [], `unexpected violations:\n${JSON.stringify(found, null, 2)}`);
}

/** The named policy reports exactly these violations (message, urn and level included). */
export async function assertHasViolation(
  resources: OfflineResource[],
  expected: OfflineViolation | OfflineViolation[],
  options?: RunOptions,
): Promise<void> {
  const list = Array.isArray(expected) ? expected : [expected];
  const policy = list[0].policy;
  const all = await runPolicies(resources, options);
  assert.deepStrictEqual(
    all.filter((v) => v.policy === policy),
    list,
  );
}
