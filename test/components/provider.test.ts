/**
 * The component provider, driven as the engine drives it: started as its own process with the
 * engine's address, then GetSchema and Construct over gRPC. Construct runs against a resource
 * monitor served here over gRPC (the planner's recording monitor), so the provider's SDK registers
 * the mesh's resources exactly as it would with the engine.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import Ajv from "ajv";
import { parse as parseYaml } from "yaml";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import * as resourceGrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import { deserializeProperties, isRpcSecret, unwrapRpcSecret } from "@pulumi/pulumi/runtime/rpc";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { TYPES, buildServiceGraph } from "@service-edges/contract";
import { mockContext } from "@service-edges/cli/mock-outputs";
import { RecordingMonitor } from "@service-edges/cli/recording-monitor";
import { runPlan } from "@service-edges/cli/run";
import { ROOT, SOURCE_NODE_FLAGS, devConfig } from "../fixtures";
import {
  type RunningProvider,
  getSchema,
  monitorService,
  serve,
  startProvider,
  stopProvider,
  unary,
} from "./grpc";
import { type PulumiSchema, inputsJsonSchema, meshInputsOf, pythonToSchemaNames } from "./schema";

describe("component provider over the engine's gRPC protocol", function () {
  this.timeout(120000);
  let running: RunningProvider;
  let client: providerGrpc.ResourceProviderClient;
  let schema: PulumiSchema;

  before(async () => {
    running = await startProvider(
      [...SOURCE_NODE_FLAGS, path.join(ROOT, "components", "provider.ts")],
      path.join(ROOT, "components"),
    );
    client = running.client;
    schema = await getSchema(client);
  });

  after(() => stopProvider(running ?? {}));

  it("GetSchema names the package and serves ServiceMesh from the index module", () => {
    assert.equal(schema.name, "service-edges");
    assert.deepEqual(Object.keys(schema.resources), [TYPES.mesh]);
    assert.equal(TYPES.mesh, "service-edges:index:ServiceMesh");
    assert.equal(schema.resources[TYPES.mesh].isComponent, true);
  });

  it("GetSchema types the inputs in the stack-config shape", () => {
    const mesh = schema.resources[TYPES.mesh];
    assert.deepEqual(mesh.requiredInputs.sort(), ["network", "services"]);
    assert.deepEqual(Object.keys(mesh.inputProperties).sort(), [
      "configNamespace",
      "edges",
      "guardrails",
      "location",
      "namePrefix",
      "network",
      "observability",
      "owners",
      "services",
    ]);
    const ref = (name: string) => ({ $ref: `#/types/service-edges:index:${name}` });
    assert.deepEqual(strip(mesh.inputProperties.network), ref("Network"));
    assert.deepEqual(strip(mesh.inputProperties.services), {
      type: "object",
      additionalProperties: ref("Service"),
    });
    assert.deepEqual(strip(mesh.inputProperties.edges), { type: "array", items: ref("Edge") });
    assert.deepEqual(strip(mesh.inputProperties.guardrails), { type: "boolean" });
    assert.deepEqual(strip(mesh.inputProperties.owners), {
      type: "array",
      items: { type: "string" },
    });
    // What shapes the graph is plain (validated before anything registers); what only fills in
    // a property takes an Output from another resource (args.ts).
    assert.equal(mesh.inputProperties.services.plain, true);
    assert.equal(mesh.inputProperties.edges.plain, true);
    assert.equal(mesh.inputProperties.owners.items?.plain, undefined);
    const network = schema.types["service-edges:index:Network"];
    assert.deepEqual(strip(network.properties!.vnets), {
      type: "object",
      additionalProperties: { type: "string" },
    });
    assert.equal(network.properties!.addressSpace.plain, true);
    const service = schema.types["service-edges:index:Service"];
    assert.deepEqual(service.required?.sort(), ["kind", "maxInstances", "sku"]);
    assert.deepEqual(strip(service.properties!.kind), ref("ServiceKind"));
    assert.equal(service.properties!.sku.plain, true);
    assert.equal(service.properties!.frontDoorId.plain, undefined);
    assert.deepEqual(strip(service.properties!.frontDoorId), { type: "string" });
    assert.deepEqual(
      schema.types["service-edges:index:Enforcement"].enum?.map((e) => e.value).sort(),
      ["enforced", "shadow"],
    );
    assert.deepEqual(strip(service.properties!.maxInstances), { type: "number" });
    assert.deepEqual(strip(service.properties!.roles), {
      type: "array",
      items: { type: "string" },
    });
    assert.deepEqual(
      schema.types["service-edges:index:ServiceKind"].enum?.map((e) => e.value).sort(),
      ["app", "function"],
    );
    assert.deepEqual(
      schema.types["service-edges:index:IdentityKind"].enum?.map((e) => e.value).sort(),
      ["managed", "registration"],
    );
    assert.deepEqual(schema.types["service-edges:index:Edge"].required?.sort(), [
      "from",
      "roles",
      "to",
    ]);
  });

  it("GetSchema lists the outputs", () => {
    const mesh = schema.resources[TYPES.mesh];
    assert.deepEqual(Object.keys(mesh.properties).sort(), [
      "accessMatrix",
      "clientSecrets",
      "services",
      "tenantId",
      "vnetId",
    ]);
    assert.deepEqual(
      Object.keys(schema.types["service-edges:index:ServiceOutputs"].properties!).sort(),
      [
        "appId",
        "applicationClientId",
        "audience",
        "clientId",
        "defaultHostName",
        "planId",
        "principalObjectId",
        "subnetId",
      ],
    );
  });

  describe("examples in other languages: their inputs are what the schema accepts", () => {
    const validator = () =>
      new Ajv({ strict: true }).compile(inputsJsonSchema(schema, TYPES.mesh) as object);

    it("YAML: examples/yaml/Pulumi.yaml declares the mesh with valid properties", () => {
      const program = parseYaml(
        fs.readFileSync(path.join(ROOT, "examples", "yaml", "Pulumi.yaml"), "utf8"),
      ) as { resources: Record<string, { type: string; properties: unknown }> };
      const mesh = program.resources.mesh;
      assert.equal(mesh.type, TYPES.mesh);
      const valid = validator();
      assert.ok(valid(mesh.properties), JSON.stringify(valid.errors));
      // And the graph itself holds (subnets fit, edges name declared roles, ...).
      assert.equal(graphOf(mesh.properties).edges.length, 1);
      // The schema is strict: a misspelt property or a wrong kind is refused.
      const props = JSON.parse(JSON.stringify(mesh.properties));
      props.services.payments.kind = "vm";
      props.netwrk = props.network;
      assert.equal(valid(props), false);
    });

    it("Python: examples/python/__main__.py passes valid inputs (snake_case keys mapped back)", () => {
      const literal = execFileSync(
        "python3",
        [
          "-c",
          "import ast, json, sys\n" +
            "tree = ast.parse(open(sys.argv[1]).read())\n" +
            "node = next(n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == 'MESH')\n" +
            "print(json.dumps(ast.literal_eval(node.value)))",
          path.join(ROOT, "examples", "python", "__main__.py"),
        ],
        { encoding: "utf8" },
      );
      const inputs = pythonToSchemaNames(schema, TYPES.mesh, JSON.parse(literal));
      const valid = validator();
      assert.ok(valid(inputs), JSON.stringify(valid.errors));
      assert.equal(graphOf(inputs).edges.length, 1);
      assert.deepEqual(Object.keys((inputs as { services: object }).services), [
        "storefront",
        "payments",
      ]);
    });
  });

  it("Construct registers the whole dev mesh with the engine's monitor and returns its outputs", async () => {
    const config = devConfig();
    const ctx = mockContext("dev");
    const monitor = new RecordingMonitor(ctx, "edges-consumer");
    const m = await serve(
      resourceGrpc.ResourceMonitorService as unknown as grpc.ServiceDefinition,
      monitorService(monitor),
    );
    try {
      const res = await unary<providerPb.ConstructRequest, providerPb.ConstructResponse>(
        client,
        "construct",
        constructRequest(m.address, meshInputsOf(config.values)),
      );
      assert.equal(
        res.getUrn(),
        "urn:pulumi:dev::edges-consumer::service-edges:index:ServiceMesh::mesh",
      );
      const counts: Record<string, number> = {};
      for (const r of monitor.registered) counts[r.type] = (counts[r.type] ?? 0) + 1;
      // Exactly what the program registers for the same graph in-process, resource for resource.
      const inProcess = await runPlan({ config });
      const shape = (rs: { type: string; name: string }[]) =>
        rs.map((r) => `${r.type}::${r.name}`).sort();
      assert.deepEqual(shape(monitor.registered), shape(inProcess.resources));
      assert.equal(counts[TYPES.mesh], 1);
      assert.equal(counts["azure-native:web:WebApp"], 6);
      assert.equal(counts["azuread:index/appRoleAssignment:AppRoleAssignment"], 9);
      assert.ok(
        monitor.registered.some(
          (r) => r.urn.endsWith("$azure-native:web:WebApp::mesh-orders") && r.custom,
        ),
      );
      const state = deserializeProperties(res.getState()!) as Record<string, unknown>;
      assert.equal(state.tenantId, ctx.tenantId);
      const services = state.services as Record<string, Record<string, string>>;
      assert.deepEqual(Object.keys(services).sort(), [
        "billing",
        "catalog",
        "inventory",
        "orders",
        "reports",
        "web",
      ]);
      assert.match(services.billing.audience, /^api:\/\/[0-9a-f-]{36}\/edges-dev-billing$/);
      const matrix = state.accessMatrix as { from: string; to: string; assignmentIds: string[] }[];
      assert.equal(matrix.length, 8);
      assert.equal(matrix.flatMap((e) => e.assignmentIds).length, 9);
      // Reaches the engine as a secret, so every language's SDK keeps it one (dev: none issued).
      assert.ok(isRpcSecret(state.clientSecrets));
      assert.deepEqual(unwrapRpcSecret(state.clientSecrets), {});
    } finally {
      m.server.forceShutdown();
    }
  });

  it("Construct refuses a bad graph with every error, naming the argument paths, and registers nothing", async () => {
    const monitor = new RecordingMonitor(mockContext("dev"), "edges-consumer");
    const m = await serve(
      resourceGrpc.ResourceMonitorService as unknown as grpc.ServiceDefinition,
      monitorService(monitor),
    );
    try {
      const inputs = meshInputsOf(devConfig().values) as {
        edges: { from: string; to: string; roles: string[] }[];
      };
      inputs.edges.push({ from: "web", to: "biling", roles: ["Invoices.Read"] });
      inputs.edges.push({ from: "web", to: "web", roles: ["x"] });
      await assert.rejects(
        unary(client, "construct", constructRequest(m.address, inputs)),
        (err: Error) =>
          err.message.includes(
            'ServiceMesh "mesh" has 2 errors; nothing was created:\n' +
              '  - ServiceMesh "mesh": edges[8].to: unknown service "biling". Fix: use a declared service ("billing") or declare "biling" under services.\n' +
              '  - ServiceMesh "mesh": edges[9]: "web" calls itself.',
          ),
      );
      assert.equal(monitor.registered.length, 0);
    } finally {
      m.server.forceShutdown();
    }
  });
});

/** What the engine sends to construct the mesh named "mesh" of a consumer's dev stack. */
function constructRequest(monitor: string, inputs: object): providerPb.ConstructRequest {
  const req = new providerPb.ConstructRequest();
  req.setProject("edges-consumer");
  req.setStack("dev");
  req.setMonitorendpoint(monitor);
  req.setType(TYPES.mesh);
  req.setName("mesh");
  req.setInputs(Struct.fromJavaScript(inputs as never));
  return req;
}

/** The graph ServiceMesh would build from these inputs (throws the config errors it would raise). */
function graphOf(inputs: unknown) {
  return buildServiceGraph({ stack: "example", ...(inputs as Record<string, unknown>) });
}

/** A schema property without its description and flags (required is asserted on its own). */
function strip(p: unknown): unknown {
  if (Array.isArray(p)) return p.map(strip);
  if (p && typeof p === "object") {
    return Object.fromEntries(
      Object.entries(p)
        .filter(([k]) => !["description", "plain", "optional"].includes(k))
        .map(([k, v]) => [k, strip(v)]),
    );
  }
  return p;
}
