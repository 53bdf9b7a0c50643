/**
 * Whose deployment the mocks answer for: the stack, the subscription and tenant its ids name,
 * what it has registered so far, and the location a resource without one gets from the
 * provider's config, for the ids and host names Azure derives from them.
 */
import * as pulumi from "@pulumi/pulumi";
import { type Props, guidFor } from "./mock-values";

export interface MockContext {
  stack: string;
  subscriptionId: string;
  tenantId: string;
  /**
   * What the plan has registered so far: a `get<Kind>` invoke of a resource the program itself
   * creates reads it back, as it would after the deployment.
   */
  resources?: () => ReadonlyArray<{ type: string; inputs: Props; outputs: Props }>;
}

/**
 * `scope`: whose subscription and tenant the ids name (by default the stack's own); the stacks of
 * one deployment planned together share one.
 */
export function mockContext(stack: string, scope = stack): MockContext {
  return {
    stack,
    subscriptionId: guidFor(`subscription/${scope}`),
    tenantId: guidFor(`tenant/${scope}`),
  };
}

/** The runtime's config store: its serialized config is what `getConfig` parses each time. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeState = require("@pulumi/pulumi/runtime/state") as {
  getStore: () => { config?: Record<string, string | undefined> };
};
let located: { raw?: string; value?: string } = {};

/**
 * The stack's `azure-native:location`, the provider's default location (when it is set). The
 * SDK's getConfig parses the whole serialized config on every call (megabytes at 1,000
 * services), so it is read once per config.
 */
export function defaultLocation(): string | undefined {
  const raw = runtimeState.getStore().config?.PULUMI_CONFIG;
  if (located.raw !== raw || !("value" in located)) {
    located = { raw, value: pulumi.runtime.getConfig("azure-native:location") };
  }
  return located.value;
}

/** Where a resource is, for the host names Azure derives from it. */
export function locationOf(inputs: Props): string {
  const location =
    typeof inputs.location === "string" ? inputs.location : (defaultLocation() ?? "westeurope");
  return location.replace(/\s+/g, "").toLowerCase();
}
