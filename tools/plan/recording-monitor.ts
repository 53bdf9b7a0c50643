/**
 * A mock resource monitor that records what the program registers, with parent and dependencies.
 *
 * `mocks.newResource` never sees a resource's parent or dependencies, but the RegisterResource
 * request does; this monitor keeps them so the plan can report the real dependency graph.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { deserializeProperties, serializeProperties } from "@pulumi/pulumi/runtime/rpc";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import type * as aliasproto from "@pulumi/pulumi/proto/alias_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import type { AliasSpec } from "./adoption";
import { type MockContext, type Props, mockCall, mockOutputs } from "./mock-outputs";

export interface RegisteredResource {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  custom: boolean;
  id?: string;
  inputs: Props;
  outputs: Props;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  /** The aliases the program gave it, as the SDK sent them. */
  aliases?: AliasSpec[];
}

/** An alias from the request: a URN, or a spec with only what differs set. */
function aliasOf(a: aliasproto.Alias): AliasSpec {
  const spec = a.getSpec();
  if (!spec) return { urn: a.getUrn() };
  const out: AliasSpec = {};
  if (spec.getName()) out.name = spec.getName();
  if (spec.getType()) out.type = spec.getType();
  if (spec.getStack()) out.stack = spec.getStack();
  if (spec.getProject()) out.project = spec.getProject();
  if (spec.getParenturn()) out.parentUrn = spec.getParenturn();
  if (spec.getNoparent()) out.noParent = true;
  return out;
}

type Callback = (err: unknown, resp?: unknown) => void;

/** Mocks whose outputs come from `mockOutputs`; used only for the invoke path of MockMonitor. */
function callMocks(ctx: MockContext): pulumi.runtime.Mocks {
  return {
    newResource: () => {
      throw new Error("newResource is handled by RecordingMonitor");
    },
    call: (args) => mockCall(ctx, args.token),
  };
}

/** Secret values come back from deserialisation wrapped; the plan shows them redacted. */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    const v = value as Props;
    if (v["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270")
      return "[secret]";
    const out: Props = {};
    for (const k of Object.keys(v)) out[k] = unwrapSecrets(v[k]);
    return out;
  }
  return value;
}

/** The URN the engine gives a resource: the parent's full qualified type chain, then its own. */
function urnFor(
  stack: string,
  project: string,
  parent: string | undefined,
  type: string,
  name: string,
): string {
  const qualified = parent ? `${parent.split("::")[2]}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** Outputs the program marked secret (additionalSecretOutputs) are never shown. */
function redact(outputs: Props, secretNames: string[]): Props {
  if (secretNames.length === 0) return outputs;
  const out = { ...outputs };
  for (const k of secretNames) if (k in out) out[k] = "[secret]";
  return out;
}

export class RecordingMonitor extends MockMonitor {
  readonly registered: RegisteredResource[] = [];
  private readonly ctx: MockContext;

  /** `project`: when it serves another process (a component provider), that process's project. */
  constructor(
    ctx: MockContext,
    private readonly project?: string,
  ) {
    super(callMocks(ctx));
    this.ctx = ctx;
  }

  registerResourceOutputs(_req: unknown, callback: Callback): void {
    callback(null, {});
  }

  async registerResource(req: resproto.RegisterResourceRequest, callback: Callback): Promise<void> {
    try {
      const type = req.getType();
      const name = req.getName();
      const parent = req.getParent() || undefined;
      const urn = urnFor(this.ctx.stack, this.project ?? pulumi.getProject(), parent, type, name);
      const inputs = deserializeProperties(req.getObject() as structproto.Struct) as Props;
      const custom = req.getCustom();
      const { id, state } = custom
        ? mockOutputs(this.ctx, { type, name, urn, inputs })
        : { id: "", state: {} as Props };
      // The SDK's monitor also keeps a serialised copy of every state for getResource invokes,
      // which the mesh never makes; not keeping it saves a copy of the whole plan.
      const serializedState = await serializeProperties("", state);
      const propertyDependencies: Record<string, string[]> = {};
      req.getPropertydependenciesMap().forEach((v, k) => {
        propertyDependencies[k] = v.getUrnsList();
      });
      const aliases = req.getAliasesList();
      this.registered.push({
        urn,
        type,
        name,
        parent,
        custom,
        id: custom ? id : undefined,
        inputs: unwrapSecrets(inputs) as Props,
        outputs: custom
          ? redact(unwrapSecrets(state) as Props, req.getAdditionalsecretoutputsList())
          : {},
        dependencies: [...new Set(req.getDependenciesList())],
        propertyDependencies,
        ...(aliases.length > 0 ? { aliases: aliases.map(aliasOf) } : {}),
      });
      const response = new resproto.RegisterResourceResponse();
      response.setUrn(urn);
      response.setId(id);
      response.setObject(
        structproto.Struct.fromJavaScript(serializedState as never) as structproto.Struct,
      );
      callback(null, response);
    } catch (err) {
      callback(err, undefined);
    }
  }
}
