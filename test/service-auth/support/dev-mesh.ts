/**
 * The dev stack as the infrastructure would deploy it: the offline plan (the real index.ts under
 * Pulumi's mock runtime) is run once, and every service's MESH_* app settings are read from the
 * WebApp resource it registers. The callee under test therefore validates tokens with exactly the
 * allow-list the program derives from Pulumi.dev.yaml's edges, and the local issuer assigns app
 * roles from the very same edges.
 */
import { randomUUID } from "node:crypto";
import { AppSettingNames } from "@service-edges/contract/app-settings";
import { PROJECT_DIR, runPlan, type PlanResult } from "@service-edges/cli/run";
import { readStackConfig, stackFile } from "@service-edges/cli/stack-config";
import type { LocalClient, LocalEntraOptions, LocalFederatedCredential } from "./issuer";

export interface DevMesh {
  plan: PlanResult;
  tenantId: string;
  /** The app settings the program writes on a service's app. */
  envOf(service: string): Record<string, string>;
  /** The client id a service's tokens carry as `azp`/`appid` (its MI, or its app registration). */
  clientIdOf(service: string): string;
  /** A callee's app registration, from its MESH_AUDIENCES (identifier URI and client id). */
  appOf(service: string): { identifierUri: string; clientId: string };
  isCallee(service: string): boolean;
  isCaller(service: string): boolean;
  /** The principal (object) id of the user-assigned identity with that client id. */
  principalOfIdentity(clientId: string): string;
  /** Every federated identity credential the program creates, by the app's client id. */
  federatedCredentials: LocalFederatedCredential[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let cached: Promise<DevMesh> | undefined;

/** Plans the dev stack once per test run. */
export function devMesh(): Promise<DevMesh> {
  cached ??= (async () => {
    const plan = await runPlan({ config: readStackConfig(stackFile(PROJECT_DIR, "dev")) });
    const envs = new Map<string, Record<string, string>>();
    for (const r of plan.resources) {
      if (r.type !== "azure-native:web:WebApp") continue;
      const siteConfig = r.inputs.siteConfig as { appSettings?: unknown } | undefined;
      const list = (siteConfig?.appSettings ?? []) as Array<{ name?: unknown; value?: unknown }>;
      const env: Record<string, string> = {};
      for (const s of list) {
        if (typeof s.name === "string" && typeof s.value === "string") env[s.name] = s.value;
      }
      const service = env[AppSettingNames.serviceName];
      if (service) envs.set(service, env);
    }
    const envOf = (service: string) => {
      const env = envs.get(service);
      if (!env)
        throw new Error(`the dev plan has no app with ${AppSettingNames.serviceName}=${service}`);
      return env;
    };
    const tenantId = envOf(plan.services[0].name)[AppSettingNames.tenantId];
    const ofType = (type: string) => plan.resources.filter((r) => r.type === type);
    const identities = ofType("azure-native:managedidentity:UserAssignedIdentity");
    const applications = ofType("azuread:index/application:Application");
    const federatedCredentials = ofType(
      "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
    ).map((r) => {
      const objectId = String(r.inputs.applicationId).replace(/^\/applications\//, "");
      const app = applications.find((a) => a.outputs.objectId === objectId);
      return {
        appClientId: String(app?.outputs.clientId),
        issuer: String(r.inputs.issuer),
        subject: String(r.inputs.subject),
        audiences: r.inputs.audiences as string[],
      };
    });
    return {
      plan,
      tenantId,
      envOf,
      clientIdOf(service) {
        const env = envOf(service);
        return env[AppSettingNames.identityKind] === "registration"
          ? env[AppSettingNames.appClientId]
          : env[AppSettingNames.managedIdentityClientId];
      },
      appOf(service) {
        const audiences = JSON.parse(envOf(service)[AppSettingNames.audiences] ?? "[]") as string[];
        const clientId = audiences.find((a) => GUID.test(a));
        const identifierUri = audiences.find((a) => !GUID.test(a));
        if (!clientId || !identifierUri) throw new Error(`${service}: unexpected MESH_AUDIENCES`);
        return { identifierUri, clientId };
      },
      isCallee: (service) => AppSettingNames.audiences in envOf(service),
      isCaller: (service) => AppSettingNames.callees in envOf(service),
      principalOfIdentity(clientId) {
        const mi = identities.find((r) => r.outputs.clientId === clientId);
        if (!mi) throw new Error(`the dev plan has no user-assigned identity ${clientId}`);
        return String(mi.outputs.principalId);
      },
      federatedCredentials,
    };
  })();
  return cached;
}

/** The callee and callers a test needs, picked from the dev stack's edges. */
export interface Scene {
  callee: string;
  /** A caller with an edge to `callee`. */
  caller: string;
  /** A role on that edge. */
  grantedRole: string;
  /** A role `callee` exposes that the edge does not grant. */
  missingRole: string;
  /** A caller of the mesh without an edge to `callee`. */
  stranger: string;
  /** Another callee of `caller`, for a token with the wrong audience. */
  otherCallee: string;
}

/**
 * The first callee (in config order) where a caller's edge grants some but not all of the
 * callee's roles, where some other caller has no edge to it, and where the caller calls another
 * callee too. The dev stack is required to have a callee with two roles, so this exists.
 */
export function pickScene(mesh: DevMesh): Scene {
  const { services, edges } = mesh.plan;
  for (const callee of services) {
    for (const e of edges.filter((x) => x.to === callee.name)) {
      const missingRole = callee.roles.find((r) => !e.roles.includes(r));
      const stranger = services.find(
        (s) =>
          s.name !== callee.name &&
          mesh.isCaller(s.name) &&
          !edges.some((x) => x.from === s.name && x.to === callee.name),
      );
      const other = edges.find((x) => x.from === e.from && x.to !== callee.name);
      if (missingRole && stranger && other) {
        return {
          callee: callee.name,
          caller: e.from,
          grantedRole: e.roles[0],
          missingRole,
          stranger: stranger.name,
          otherCallee: other.to,
        };
      }
    }
  }
  throw new Error(
    "Pulumi.dev.yaml has no callee with a partially granted edge, an outside caller and a " +
      "caller of two callees; the service-auth e2e tests need one",
  );
}

/**
 * The local issuer's directory for the dev mesh: every callee app (identifier URI, client id,
 * v2 tokens as the program sets), every caller principal with a throwaway secret, and one role
 * assignment per edge, as the identity layer creates them.
 */
export function directoryFor(mesh: DevMesh, tenants: string[]): LocalEntraOptions {
  const names = mesh.plan.services.map((s) => s.name);
  const clients: LocalClient[] = [];
  for (const name of names.filter(mesh.isCaller)) {
    // Every caller has its user-assigned identity (a registration's federated credential trusts
    // it); its principal id is what the identity's tokens carry as `oid`/`sub`.
    const mi = mesh.envOf(name)[AppSettingNames.managedIdentityClientId];
    if (mi)
      clients.push({ clientId: mi, secret: randomUUID(), objectId: mesh.principalOfIdentity(mi) });
    if (mesh.clientIdOf(name) !== mi) {
      clients.push({
        clientId: mesh.clientIdOf(name),
        secret: randomUUID(),
        objectId: randomUUID(),
      });
    }
  }
  return {
    tenants,
    apps: names
      .filter(mesh.isCallee)
      .map((name) => ({ ...mesh.appOf(name), accessTokenVersion: 2 as const })),
    clients,
    assignments: mesh.plan.edges.map((e) => ({
      clientId: mesh.clientIdOf(e.from),
      resourceClientId: mesh.appOf(e.to).clientId,
      roles: e.roles,
    })),
    federatedCredentials: mesh.federatedCredentials,
  };
}
