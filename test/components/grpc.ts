/** The engine's side of the provider protocol, for tests: servers, a provider process, calls. */
import { type ChildProcess, spawn } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import * as resourcePb from "@pulumi/pulumi/proto/resource_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import type { RecordingMonitor } from "@service-edges/cli/recording-monitor";
import type { PulumiSchema } from "./schema";

type Handler = (call: { request: unknown }, cb: grpc.sendUnaryData<unknown>) => void;

/** A gRPC server on a free loopback port. */
export async function serve(
  service: grpc.ServiceDefinition,
  impl: Record<string, Handler>,
): Promise<{ server: grpc.Server; address: string }> {
  const server = new grpc.Server();
  server.addService(service, impl as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { server, address: `127.0.0.1:${port}` };
}

/** The engine's resource monitor, as the recording monitor behind a gRPC server. */
export function monitorService(monitor: RecordingMonitor): Record<string, Handler> {
  const forward =
    (method: "registerResource" | "invoke") =>
    (call: { request: unknown }, cb: grpc.sendUnaryData<unknown>) =>
      void monitor[method](call.request as never, cb as never);
  return {
    registerResource: forward("registerResource"),
    invoke: forward("invoke"),
    registerResourceOutputs: (_call, cb) => cb(null, new Empty()),
    supportsFeature: (call, cb) => {
      const id = (call.request as resourcePb.SupportsFeatureRequest).getId();
      const r = new resourcePb.SupportsFeatureResponse();
      // What the engine supports, but for output values (as the SDK's own mocks).
      r.setHassupport(id !== "outputValues");
      cb(null, r);
    },
  };
}

export function unary<Req, Res>(
  client: providerGrpc.ResourceProviderClient,
  method: "getSchema" | "construct",
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) =>
    (client[method] as unknown as (r: Req, cb: (e: Error | null, v: Res) => void) => void).call(
      client,
      req,
      (e, v) => (e ? reject(e) : resolve(v)),
    ),
  );
}

export interface RunningProvider {
  provider: ChildProcess;
  client: providerGrpc.ResourceProviderClient;
  engine: grpc.Server;
}

/** Starts a provider as the engine does: `node <args> <engine address>`; it prints its port. */
export async function startProvider(nodeArgs: string[], cwd: string): Promise<RunningProvider> {
  const e = await serve(engineGrpc.EngineService as unknown as grpc.ServiceDefinition, {
    log: (_call, cb) => cb(null, new Empty()),
  });
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const provider = spawn(process.execPath, [...nodeArgs, e.address], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  provider.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    provider.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /^(\d+)\s*$/m.exec(out);
      if (m) resolve(Number(m[1]));
    });
    provider.on("exit", (code) => reject(new Error(`provider exited ${code}: ${stderr}`)));
  });
  const client = new providerGrpc.ResourceProviderClient(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  );
  return { provider, client, engine: e.server };
}

export function stopProvider(p: Partial<RunningProvider>): void {
  p.client?.close();
  p.provider?.kill();
  p.engine?.forceShutdown();
}

export async function getSchema(
  client: providerGrpc.ResourceProviderClient,
): Promise<PulumiSchema> {
  const res = await unary<providerPb.GetSchemaRequest, providerPb.GetSchemaResponse>(
    client,
    "getSchema",
    new providerPb.GetSchemaRequest(),
  );
  return JSON.parse(res.getSchema()) as PulumiSchema;
}
