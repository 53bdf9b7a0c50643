/**
 * A mock resource monitor that records what the program registers, with parent and dependencies.
 *
 * `mocks.newResource` never sees a resource's parent or dependencies, but the RegisterResource
 * request does; this monitor keeps them so the plan can report the real dependency graph.
 */
import * as pulumi from "@pulumi/pulumi";
import { RESOURCE_TYPES, SECRET_SIG, SECRET_SIG_KEY } from "@service-edges/contract";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { deserializeProperties, serializeProperties } from "@pulumi/pulumi/runtime/rpc";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import type * as aliasproto from "@pulumi/pulumi/proto/alias_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import { Adopter, type AliasSpec } from "./adoption";
import { type MockContext, type Props, mockCall, mockOutputs } from "./mock-outputs";

/** What the user supplied for what the mocks cannot know (`--mocks`, `--stack-outputs`). */
export interface MockOverrides {
  /** Invoke token to its result; wins over the built-in mocks. */
  invokes?: Record<string, Props>;
  /** Resource type to outputs added over the computed ones. */
  resources?: Record<string, Props>;
  /** Referenced stack name (`org/project/stack`) to its outputs. */
  stackOutputs?: Record<string, Props>;
}

/**
 * The plan cannot go on without something only the user can supply: says what and how. The
 * monitor records it, so the plan reports it rather than the SDK's wrapped error.
 */
export class MissingMockError extends Error {
  /** The gRPC-style detail the SDK turns into its own error message. */
  readonly details: string;
  constructor(message: string) {
    super(message);
    this.details = message;
  }
}

export const STACK_REFERENCE = RESOURCE_TYPES.stackReference;

export interface RegisteredResource {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  custom: boolean;
  /** Read, not created: `Resource.get` or a `StackReference`. */
  read?: boolean;
  id?: string;
  inputs: Props;
  outputs: Props;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  /** The aliases the program gave it, as the SDK sent them. */
  aliases?: AliasSpec[];
  /** The properties whose changes the engine ignores once it exists (`ignoreChanges`). */
  ignoreChanges?: string[];
}

/** Inputs with each ignored top-level property set back to its value in state, as the engine does. */
function keepIgnored(inputs: Props, state: Props, ignored: readonly string[]): Props {
  const out = { ...inputs };
  for (const path of ignored) {
    const key = path.split(/[.[]/)[0];
    if (key in state) out[key] = state[key];
  }
  return out;
}

/** A resource in a stack's state: what a deployment would start from. */
export interface ExistingResource {
  urn: string;
  id?: string | null;
  outputs: Props;
}

/**
 * The state a stack's plan runs against (a migration's moved resources): a registration that takes
 * one of them over, by URN or alias as the engine matches them, gets its id and outputs back (its
 * new inputs over them) instead of freshly mocked ones, as a preview of an update shows them.
 */
export class ExistingState {
  private readonly byUrn: Map<string, ExistingResource>;
  private readonly adopter: Adopter;

  constructor(resources: readonly ExistingResource[]) {
    this.byUrn = new Map(resources.map((r) => [r.urn, r]));
    this.adopter = new Adopter(new Set(this.byUrn.keys()));
  }

  claim(goal: {
    urn: string;
    type: string;
    name: string;
    parent?: string;
    aliases?: readonly AliasSpec[];
  }): ExistingResource | undefined {
    const old = this.adopter.claim(goal);
    return old === undefined ? undefined : this.byUrn.get(old);
  }
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
function callMocks(
  ctx: MockContext,
  overrides: MockOverrides,
  missing: (e: MissingMockError) => never,
): pulumi.runtime.Mocks {
  return {
    newResource: () => {
      throw new Error("newResource is handled by RecordingMonitor");
    },
    call: (args) => {
      const given = overrides.invokes?.[args.token];
      if (given !== undefined) return given;
      const known = mockCall(ctx, args.token, args.inputs as Props);
      if (known !== undefined) return known;
      return missing(
        new MissingMockError(
          `the program calls ${args.token}, which the offline plan has no mock for; supply it with --mocks FILE ` +
            `(a JSON file: {"invokes": {"${args.token}": {...its result}}})`,
        ),
      );
    },
  };
}

/** Secret values come back from deserialisation wrapped; the plan shows them redacted. */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    const v = value as Props;
    if (v[SECRET_SIG_KEY] === SECRET_SIG) return "[secret]";
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

/** The resource group and name an ARM id names (`.../resourceGroups/rg/.../kind/name`). */
function armParts(id: string): Props {
  const segs = id.split("/");
  const at = segs.findIndex((s) => s.toLowerCase() === "resourcegroups");
  const out: Props = {};
  if (at >= 0 && segs[at + 1]) out.resourceGroupName = segs[at + 1];
  const last = segs[segs.length - 1];
  if (last) out.name = last;
  return out;
}

export class RecordingMonitor extends MockMonitor {
  readonly registered: RegisteredResource[] = [];
  /** What the plan needed and nobody supplied, in the order it was asked for. */
  readonly missing: MissingMockError[] = [];
  private readonly ctx: MockContext;
  private readonly overrides: MockOverrides;
  /** The state the plan runs against, if any (a migration). */
  existing?: ExistingState;

  /** `project`: when it serves another process (a component provider), that process's project. */
  constructor(
    ctx: MockContext,
    private readonly project?: string,
    overrides: MockOverrides = {},
  ) {
    const missing = (e: MissingMockError): never => {
      this.missing.push(e);
      throw e;
    };
    super(callMocks(ctx, overrides, missing));
    this.ctx = ctx;
    this.overrides = overrides;
  }

  private extras(type: string): Props {
    return this.overrides.resources?.[type] ?? {};
  }

  /**
   * `Resource.get` and `StackReference`: the engine reads an existing resource by id. A stack
   * reference's outputs come from `--stack-outputs NAME=FILE`; any other resource's from the
   * mocks, as if it had been created with what its id names.
   */
  async readResource(req: resproto.ReadResourceRequest, callback: Callback): Promise<void> {
    try {
      const type = req.getType();
      const name = req.getName();
      const id = req.getId();
      const parent = req.getParent() || undefined;
      const urn = urnFor(this.ctx.stack, this.project ?? pulumi.getProject(), parent, type, name);
      const props = deserializeProperties(req.getProperties() as structproto.Struct) as Props;
      let state: Props;
      if (type === STACK_REFERENCE) {
        const stackName = typeof props.name === "string" ? props.name : id;
        const outputs = this.overrides.stackOutputs?.[stackName];
        if (outputs === undefined) {
          const e = new MissingMockError(
            `the program references stack ${stackName}, whose outputs the offline plan cannot read; supply them with --stack-outputs ${stackName}=FILE (a JSON object of its outputs, e.g. pulumi stack output --json --stack ${stackName})`,
          );
          this.missing.push(e);
          throw e;
        }
        state = { name: stackName, outputs, secretOutputNames: [] };
      } else {
        const inputs = { ...armParts(id), ...props };
        state = { ...mockOutputs(this.ctx, { type, name, urn, inputs }).state, id };
        state = { ...state, ...this.extras(type) };
      }
      const serializedState = await serializeProperties("", state);
      this.registered.push({
        urn,
        type,
        name,
        parent,
        custom: true,
        read: true,
        id,
        inputs: unwrapSecrets(props) as Props,
        outputs: unwrapSecrets(state) as Props,
        dependencies: [...new Set(req.getDependenciesList())],
        propertyDependencies: {},
      });
      const response = new resproto.ReadResourceResponse();
      response.setUrn(urn);
      response.setProperties(
        structproto.Struct.fromJavaScript(serializedState as never) as structproto.Struct,
      );
      callback(null, response);
    } catch (err) {
      callback(err, undefined);
    }
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
      let inputs = deserializeProperties(req.getObject() as structproto.Struct) as Props;
      const custom = req.getCustom();
      const list = req.getAliasesList();
      const aliases = list.length > 0 ? list.map(aliasOf) : undefined;
      const old = this.existing?.claim({ urn, type, name, parent, aliases });
      const ignoreChanges = req.getIgnorechangesList();
      // `ignoreChanges`: the engine diffs (and keeps) the old value of an ignored property of a
      // resource it already has, whatever the program passes now.
      if (old && ignoreChanges.length > 0) inputs = keepIgnored(inputs, old.outputs, ignoreChanges);
      const computed =
        custom && old
          ? { id: old.id ?? "", state: { ...old.outputs, ...inputs, id: old.id ?? "" } }
          : custom
            ? mockOutputs(this.ctx, { type, name, urn, inputs })
            : { id: "", state: {} as Props };
      const id = computed.id;
      const state = custom ? { ...computed.state, ...this.extras(type) } : computed.state;
      // The SDK's monitor also keeps a serialised copy of every state for getResource invokes,
      // which the mesh never makes; not keeping it saves a copy of the whole plan.
      const serializedState = await serializeProperties("", state);
      const propertyDependencies: Record<string, string[]> = {};
      req.getPropertydependenciesMap().forEach((v, k) => {
        propertyDependencies[k] = v.getUrnsList();
      });
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
        ...(aliases ? { aliases } : {}),
        ...(ignoreChanges.length > 0 ? { ignoreChanges } : {}),
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
