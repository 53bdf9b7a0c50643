/**
 * The mesh: the deployed resources (deployed.ts) bound to service names through the mesh's
 * naming (`@service-edges/contract`): a service's site, plan and user-assigned identity share its
 * physical name `<prefix>-<service>` (siteName); its callee application has the identifier URI
 * `api://<tenant>/<prefix>-<service>` (identifierUriFor); its app registration, when it has one,
 * is the other application named `<prefix>-<service>`. Pure: no Pulumi imports.
 */
import { identifierUriFor, siteName } from "@service-edges/contract";
import {
  type Application,
  type Deployed,
  type Grant,
  type ModelResource,
  type ServicePrincipal,
  type Site,
  readDeployed,
} from "./deployed";

export type PrincipalKind = "managed identity" | "app registration" | "callee application";

/** A service's Entra side: its callee application and its caller principals. */
export interface ServiceEntra {
  /** The callee application (with its app roles), if the service is called with tokens. */
  app?: Application;
  /** The callee application's service principal. */
  sp?: ServicePrincipal;
  /** The user-assigned managed identity's principal id. */
  managedIdentity?: string;
  /** The service principal of the service's app registration (a caller that is no Azure app). */
  registration?: ServicePrincipal;
}

export interface MeshOptions {
  /** The stack's name prefix (`namePrefix`): site `<prefix>-<service>`; empty: site = service. */
  namePrefix: string;
  services: readonly string[];
}

export class MeshModel {
  /** Principal id (lower-cased) -> the service it belongs to. */
  readonly principals = new Map<string, { service: string; kind: PrincipalKind }>();
  private readonly entraByService = new Map<string, ServiceEntra>();

  constructor(
    readonly deployed: Deployed,
    readonly namePrefix: string,
    readonly services: readonly string[],
  ) {
    for (const s of services) {
      const e = this.bindEntra(s);
      this.entraByService.set(s, e);
      if (e.managedIdentity) {
        this.principals.set(e.managedIdentity, { service: s, kind: "managed identity" });
      }
      if (e.registration) {
        this.principals.set(e.registration.objectId, { service: s, kind: "app registration" });
      }
      if (e.sp) this.principals.set(e.sp.objectId, { service: s, kind: "callee application" });
    }
  }

  /**
   * The service's physical name: its site's, plan's and identity's. With no name prefix (sites
   * that no mesh component built), a service is its Azure site name.
   */
  physical(service: string): string {
    return this.namePrefix ? siteName(this.namePrefix, service) : service;
  }

  site(service: string, slot?: string): Site | undefined {
    return this.deployed.sites.find(this.physical(service), slot);
  }

  /** The slots of the service's site. */
  slots(service: string): Site[] {
    const name = this.physical(service).toLowerCase();
    return [...this.deployed.sites.all.values()].filter(
      (s) => s.slot !== undefined && s.name.toLowerCase() === name,
    );
  }

  private subnetOwners?: Map<string, string>;

  /** The service whose site is integrated into this subnet. */
  serviceOfSubnet(subnetId: string): string | undefined {
    if (!this.subnetOwners) {
      this.subnetOwners = new Map();
      for (const s of this.services) {
        const id = this.site(s)?.subnetId ?? this.deployed.registry.get(s)?.subnetId;
        if (id && !this.subnetOwners.has(id.toLowerCase()))
          this.subnetOwners.set(id.toLowerCase(), s);
      }
    }
    return this.subnetOwners.get(subnetId.toLowerCase());
  }

  private grantsBySp?: Map<string, Grant[]>;

  /** The app role assignments on one service principal (its `appRoleAssignedTo`). */
  grantsOn(spObjectId: string): readonly Grant[] {
    if (!this.grantsBySp) {
      this.grantsBySp = new Map();
      for (const g of this.deployed.grants) {
        const key = g.resourceId.toLowerCase();
        const list = this.grantsBySp.get(key);
        if (list) list.push(g);
        else this.grantsBySp.set(key, [g]);
      }
    }
    return this.grantsBySp.get(spObjectId.toLowerCase()) ?? [];
  }

  entra(service: string): ServiceEntra {
    return this.entraByService.get(service) ?? {};
  }

  get grants(): readonly Grant[] {
    return this.deployed.grants;
  }

  private appIndex?: {
    /** Identifier URI (lower-cased) -> application. */
    byUri: Map<string, Application>;
    /** The site name an `api://<tenant>/<name>` URI ends with (lower-cased) -> application. */
    byUriName: Map<string, Application>;
    /** Display name (lower-cased) -> applications. */
    byName: Map<string, Application[]>;
    /** Client id (lower-cased) -> service principal. */
    spByClient: Map<string, ServicePrincipal>;
  };

  /** The Entra objects by the keys the mesh's naming gives (one pass, not one per service). */
  private apps() {
    if (this.appIndex) return this.appIndex;
    const byUri = new Map<string, Application>();
    const byUriName = new Map<string, Application>();
    const byName = new Map<string, Application[]>();
    for (const a of this.deployed.applications) {
      for (const u of a.identifierUris) {
        const key = u.toLowerCase();
        if (!byUri.has(key)) byUri.set(key, a);
        const m = /^api:\/\/[^/]+\/([^/]+)$/.exec(key);
        if (m && !byUriName.has(m[1])) byUriName.set(m[1], a);
      }
      if (a.displayName) {
        const key = a.displayName.toLowerCase();
        byName.set(key, [...(byName.get(key) ?? []), a]);
      }
    }
    const spByClient = new Map<string, ServicePrincipal>();
    for (const p of this.deployed.servicePrincipals) {
      if (p.clientId && !spByClient.has(p.clientId.toLowerCase())) {
        spByClient.set(p.clientId.toLowerCase(), p);
      }
    }
    this.appIndex = { byUri, byUriName, byName, spByClient };
    return this.appIndex;
  }

  private bindEntra(service: string): ServiceEntra {
    const physical = this.physical(service);
    const index = this.apps();
    const named = index.byName.get(physical.toLowerCase()) ?? [];
    const app =
      [...this.deployed.tenants]
        .map((t) => index.byUri.get(identifierUriFor(t, this.namePrefix, service).toLowerCase()))
        .find((a) => a !== undefined) ??
      index.byUriName.get(physical.toLowerCase()) ??
      named.find((a) => a.roles.size > 0);
    const spOf = (a: Application | undefined) =>
      a?.clientId ? index.spByClient.get(a.clientId.toLowerCase()) : undefined;
    const registrationApp = named.find((a) => a !== app);
    const mi = this.deployed.identities.get(physical.toLowerCase());
    const sp = spOf(app);
    // A service of another stack: its principals as the platform's registry names them.
    const entry = this.deployed.registry.get(service);
    const managedIdentity = mi?.principalId ?? entry?.managedPrincipalId;
    const registration =
      spOf(registrationApp) ??
      (entry?.principalObjectId && entry.principalObjectId !== managedIdentity
        ? { objectId: entry.principalObjectId }
        : undefined);
    return {
      ...(app ? { app } : {}),
      ...(sp ? { sp } : {}),
      ...(managedIdentity ? { managedIdentity } : {}),
      ...(registration ? { registration } : {}),
    };
  }
}

/** The mesh from a list of resources (planned, or a state export's). */
export function readMesh(resources: readonly ModelResource[], options: MeshOptions): MeshModel {
  return new MeshModel(readDeployed(resources), options.namePrefix, options.services);
}
