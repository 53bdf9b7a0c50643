/**
 * A small, clean mesh written by hand (not this program's output): one caller ("orders", on its
 * own plan, integrated into an inline delegated subnet with the Microsoft.Web endpoint, calling
 * with a user-assigned identity) and one callee ("billing": one subnet rule for orders, default
 * Deny, SCM uses the main rules; an Entra application exposing an app role to applications, its
 * service principal requiring assignment, and the assignment of orders' identity).
 *
 * Props are what a deployment reads back (inputs plus `id` and computed outputs such as
 * `principalId`), the shape the offline plan hands to the pack. Each test clones the mesh and
 * changes one thing.
 */
import type { OfflineResource } from "@service-edges/policy/offline";

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const SUB = "/subscriptions/00000000-0000-0000-0000-00000000a0a0";
export const RG = "rg-mesh";
const RG_ID = `${SUB}/resourceGroups/${RG}`;
export const VNET_ID = `${RG_ID}/providers/Microsoft.Network/virtualNetworks/vnet-mesh`;
export const ORDERS_SUBNET_ID = `${VNET_ID}/subnets/snet-orders`;
export const ORDERS_PLAN_ID = `${RG_ID}/providers/Microsoft.Web/serverfarms/plan-orders`;
export const BILLING_PLAN_ID = `${RG_ID}/providers/Microsoft.Web/serverfarms/plan-billing`;
export const ORDERS_APP_ID = `${RG_ID}/providers/Microsoft.Web/sites/app-orders`;
export const BILLING_APP_ID = `${RG_ID}/providers/Microsoft.Web/sites/app-billing`;
export const ORDERS_MI_ID = `${RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-orders`;
export const ORDERS_PRINCIPAL = "11111111-1111-4111-8111-111111111111";
export const ORDERS_MI_CLIENT = "11111111-2222-4222-8222-222222222222";
export const BILLING_CLIENT_ID = "22222222-1111-4111-8111-111111111111";
export const BILLING_APP_OBJECT = "22222222-3333-4333-8333-333333333333";
export const BILLING_SP_OBJECT = "22222222-4444-4444-8444-444444444444";
export const INVOICES_READ = "33333333-1111-4111-8111-111111111111";

export function urn(type: string, name: string): string {
  return `urn:pulumi:dev::service-edges::${type}::${name}`;
}

export const U = {
  vnet: urn("azure-native:network:VirtualNetwork", "mesh-vnet"),
  ordersPlan: urn("azure-native:web:AppServicePlan", "orders-plan"),
  ordersIdentity: urn("azure-native:managedidentity:UserAssignedIdentity", "orders-identity"),
  ordersApp: urn("azure-native:web:WebApp", "orders-app"),
  billingPlan: urn("azure-native:web:AppServicePlan", "billing-plan"),
  billingApp: urn("azure-native:web:WebApp", "billing-app"),
  billingApplication: urn("azuread:index/application:Application", "billing-application"),
  billingSp: urn("azuread:index/servicePrincipal:ServicePrincipal", "billing-sp"),
  grant: urn("azuread:index/appRoleAssignment:AppRoleAssignment", "orders-to-billing"),
  ordersSubnet: urn("azure-native:network:Subnet", "orders-subnet"),
};

function res(
  type: string,
  name: string,
  props: Record<string, unknown>,
  propertyDependencies: Record<string, string[]> = {},
): OfflineResource {
  const dependencies = [...new Set(Object.values(propertyDependencies).flat())];
  return { urn: urn(type, name), type, name, props, dependencies, propertyDependencies };
}

/** The clean baseline mesh. */
export function baseline(): OfflineResource[] {
  return [
    res("azure-native:network:VirtualNetwork", "mesh-vnet", {
      id: VNET_ID,
      resourceGroupName: RG,
      virtualNetworkName: "vnet-mesh",
      addressSpace: { addressPrefixes: ["10.40.0.0/16"] },
      subnets: [
        {
          id: ORDERS_SUBNET_ID,
          name: "snet-orders",
          addressPrefix: "10.40.0.0/27",
          delegations: [{ name: "web", serviceName: "Microsoft.Web/serverFarms" }],
          serviceEndpoints: [{ service: "Microsoft.Web", locations: ["*"] }],
        },
      ],
    }),
    res("azure-native:web:AppServicePlan", "orders-plan", {
      id: ORDERS_PLAN_ID,
      resourceGroupName: RG,
      name: "plan-orders",
      kind: "linux",
      reserved: true,
      sku: { name: "P1v3", tier: "PremiumV3", capacity: 4 },
    }),
    res("azure-native:managedidentity:UserAssignedIdentity", "orders-identity", {
      id: ORDERS_MI_ID,
      resourceGroupName: RG,
      resourceName: "id-orders",
      principalId: ORDERS_PRINCIPAL,
      clientId: ORDERS_MI_CLIENT,
    }),
    res(
      "azure-native:web:WebApp",
      "orders-app",
      {
        id: ORDERS_APP_ID,
        resourceGroupName: RG,
        name: "app-orders",
        kind: "app,linux",
        serverFarmId: ORDERS_PLAN_ID,
        virtualNetworkSubnetId: ORDERS_SUBNET_ID,
        outboundVnetRouting: { allTraffic: true },
        httpsOnly: true,
        identity: { type: "UserAssigned", userAssignedIdentities: [ORDERS_MI_ID] },
        siteConfig: {
          ipSecurityRestrictionsDefaultAction: "Deny",
          scmIpSecurityRestrictionsUseMain: true,
          appSettings: [{ name: "MESH_MANAGED_IDENTITY_CLIENT_ID", value: ORDERS_MI_CLIENT }],
        },
      },
      {
        serverFarmId: [U.ordersPlan],
        virtualNetworkSubnetId: [U.vnet],
        identity: [U.ordersIdentity],
        siteConfig: [U.ordersIdentity],
      },
    ),
    res("azure-native:web:AppServicePlan", "billing-plan", {
      id: BILLING_PLAN_ID,
      resourceGroupName: RG,
      name: "plan-billing",
      kind: "linux",
      reserved: true,
      sku: { name: "P1v3", tier: "PremiumV3", capacity: 2 },
    }),
    res(
      "azure-native:web:WebApp",
      "billing-app",
      {
        id: BILLING_APP_ID,
        resourceGroupName: RG,
        name: "app-billing",
        kind: "app,linux",
        serverFarmId: BILLING_PLAN_ID,
        httpsOnly: true,
        publicNetworkAccess: "Enabled",
        siteConfig: {
          ipSecurityRestrictions: [
            {
              name: "from-orders",
              action: "Allow",
              priority: 100,
              vnetSubnetResourceId: ORDERS_SUBNET_ID,
            },
          ],
          ipSecurityRestrictionsDefaultAction: "Deny",
          scmIpSecurityRestrictionsUseMain: true,
          appSettings: [
            { name: "MESH_AUDIENCES", value: JSON.stringify(["api://billing", BILLING_CLIENT_ID]) },
          ],
        },
      },
      { serverFarmId: [U.billingPlan], siteConfig: [U.vnet, U.billingApplication] },
    ),
    res("azuread:index/application:Application", "billing-application", {
      id: `/applications/${BILLING_APP_OBJECT}`,
      objectId: BILLING_APP_OBJECT,
      clientId: BILLING_CLIENT_ID,
      displayName: "billing",
      identifierUris: ["api://billing"],
      api: { requestedAccessTokenVersion: 2 },
      appRoles: [
        {
          id: INVOICES_READ,
          value: "Invoices.Read",
          displayName: "Invoices.Read",
          description: "Read invoices",
          allowedMemberTypes: ["Application"],
          enabled: true,
        },
      ],
    }),
    res(
      "azuread:index/servicePrincipal:ServicePrincipal",
      "billing-sp",
      {
        id: `/servicePrincipals/${BILLING_SP_OBJECT}`,
        objectId: BILLING_SP_OBJECT,
        clientId: BILLING_CLIENT_ID,
        appRoleAssignmentRequired: true,
      },
      { clientId: [U.billingApplication] },
    ),
    res(
      "azuread:index/appRoleAssignment:AppRoleAssignment",
      "orders-to-billing",
      {
        id: `${BILLING_SP_OBJECT}/appRoleAssignment/aaaa`,
        appRoleId: INVOICES_READ,
        principalObjectId: ORDERS_PRINCIPAL,
        resourceObjectId: BILLING_SP_OBJECT,
      },
      {
        appRoleId: [U.billingApplication],
        principalObjectId: [U.ordersIdentity],
        resourceObjectId: [U.billingSp],
      },
    ),
  ];
}

/** The baseline with the integration subnet declared as its own Subnet resource. */
export function separateSubnet(): OfflineResource[] {
  const out = baseline();
  const vnet = find(out, "mesh-vnet");
  vnet.props.subnets = [];
  out.splice(
    1,
    0,
    res(
      "azure-native:network:Subnet",
      "orders-subnet",
      {
        id: ORDERS_SUBNET_ID,
        resourceGroupName: RG,
        virtualNetworkName: "vnet-mesh",
        subnetName: "snet-orders",
        addressPrefix: "10.40.0.0/27",
        delegations: [{ name: "web", serviceName: "Microsoft.Web/serverFarms" }],
        serviceEndpoints: [{ service: "Microsoft.Web" }],
      },
      { virtualNetworkName: [U.vnet] },
    ),
  );
  for (const name of ["orders-app", "billing-app"]) {
    const r = find(out, name);
    for (const deps of Object.values(r.propertyDependencies ?? {})) {
      const i = deps.indexOf(U.vnet);
      if (i >= 0) deps[i] = U.ordersSubnet;
    }
    r.dependencies = [...new Set(Object.values(r.propertyDependencies ?? {}).flat())];
  }
  return out;
}

/** The baseline with orders calling as its system-assigned identity. */
export function systemAssigned(): OfflineResource[] {
  const out = baseline().filter((r) => r.name !== "orders-identity");
  const app = find(out, "orders-app");
  app.props.identity = { type: "SystemAssigned", principalId: ORDERS_PRINCIPAL };
  delete app.propertyDependencies!.identity;
  app.propertyDependencies!.siteConfig = [];
  app.dependencies = [U.ordersPlan, U.vnet];
  const grant = find(out, "orders-to-billing");
  grant.propertyDependencies!.principalObjectId = [U.ordersApp];
  grant.dependencies = [U.billingApplication, U.ordersApp, U.billingSp];
  return out;
}

/**
 * The baseline as the engine's `AnalyzeStack` sees it after a deployment: azure-native puts no
 * `id` into props, so references resolve by resource group and name, or by dependencies.
 */
export function withoutIds(resources = baseline()): OfflineResource[] {
  for (const r of resources) {
    if (r.type.startsWith("azure-native:")) {
      delete r.props.id;
      for (const s of (r.props.subnets as Record<string, unknown>[] | undefined) ?? []) delete s.id;
    }
  }
  return resources;
}

/**
 * The mesh as `AnalyzeStack` receives it after a deployment: provider outputs, not inputs.
 * azure-native outputs carry no `id` and no `resourceGroupName` (sites and plans have
 * `resourceGroup`), a VNet's inline subnets and a subnet's delegations carry their ids, a site's
 * `identity.userAssignedIdentities` is a map keyed by identity id, and its restrictions end with
 * the platform's own "Deny all" rule.
 */
export function readBack(resources = baseline()): OfflineResource[] {
  const out = structuredClone(resources);
  for (const r of out) {
    const p = r.props as Props;
    if (!r.type.startsWith("azure-native:")) continue;
    const id = p.id as string;
    delete p.id;
    if (r.type === "azure-native:web:WebApp" || r.type === "azure-native:web:AppServicePlan") {
      p.resourceGroup = p.resourceGroupName;
    }
    if (r.type === "azure-native:network:Subnet") {
      p.name = p.subnetName;
      for (const d of p.delegations ?? []) d.id = `${id}/delegations/${d.name}`;
      delete p.subnetName;
      delete p.virtualNetworkName;
    }
    if (r.type === "azure-native:network:VirtualNetwork") {
      p.name = p.virtualNetworkName;
      delete p.virtualNetworkName;
    }
    if (r.type === "azure-native:managedidentity:UserAssignedIdentity") {
      p.name = p.resourceName;
      delete p.resourceName;
    }
    delete p.resourceGroupName;
    if (r.type === "azure-native:web:WebApp") {
      const ids = p.identity?.userAssignedIdentities;
      if (Array.isArray(ids)) {
        p.identity.userAssignedIdentities = Object.fromEntries(
          ids.map((i: string) => [
            i,
            { principalId: ORDERS_PRINCIPAL, clientId: ORDERS_MI_CLIENT },
          ]),
        );
      }
      p.siteConfig.ipSecurityRestrictions = [
        ...(p.siteConfig.ipSecurityRestrictions ?? []),
        {
          ipAddress: "Any",
          action: p.siteConfig.ipSecurityRestrictionsDefaultAction ?? "Allow",
          priority: 2147483647,
          name: "Deny all",
        },
      ];
      delete p.siteConfig.appSettings;
    }
  }
  return out;
}

/**
 * The baseline as a first preview sees it: every id, principal, object and client id that Azure
 * or Entra assigns is unknown.
 */
export function preview(): OfflineResource[] {
  const out = withoutIds();
  const unknownIds = (o: unknown): unknown => {
    if (Array.isArray(o)) return o.map(unknownIds);
    if (o && typeof o === "object") {
      return Object.fromEntries(
        Object.entries(o).map(([k, v]) => [
          k,
          [
            "virtualNetworkSubnetId",
            "serverFarmId",
            "vnetSubnetResourceId",
            "principalId",
            "clientId",
            "objectId",
            "principalObjectId",
            "resourceObjectId",
            "id",
          ].includes(k)
            ? UNKNOWN
            : unknownIds(v),
        ]),
      );
    }
    return o;
  };
  for (const r of out) {
    r.props = unknownIds(r.props) as Record<string, unknown>;
    if (r.type === "azure-native:web:WebApp") {
      const identity = r.props.identity as { userAssignedIdentities?: unknown[] } | undefined;
      if (identity?.userAssignedIdentities) identity.userAssignedIdentities = [UNKNOWN];
      const sc = r.props.siteConfig as { appSettings?: unknown } | undefined;
      if (sc?.appSettings) sc.appSettings = UNKNOWN;
    }
  }
  return out;
}

export function find(resources: OfflineResource[], name: string): OfflineResource {
  const r = resources.find((x) => x.name === name);
  if (!r) throw new Error(`no resource named ${name}`);
  return r;
}

/**
 * Hand-written props, reached into freely by one-line mutations (`p.siteConfig.x = ...`): typing
 * every provider shape here would only restate the providers' SDKs.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Props = Record<string, any>;

/** A deep copy of `resources` with `change` applied to the props of the resource `name`. */
export function mutate(
  resources: OfflineResource[],
  name: string,
  change: (props: Props, r: OfflineResource) => void,
): OfflineResource[] {
  const copy = structuredClone(resources);
  const r = find(copy, name);
  change(r.props as Props, r);
  return copy;
}

/** Adds resources (deep copy). */
export function plus(resources: OfflineResource[], ...more: OfflineResource[]): OfflineResource[] {
  return [...structuredClone(resources), ...structuredClone(more)];
}

export { res as resource };

/**
 * A web app `{app}-app` ("app-{app}"), on its own new plan `{app}-plan` ("plan-{app}", P1v3,
 * 1 instance) unless `planId` names an existing one, optionally integrated into `subnetId`.
 */
export function appOnPlan(
  app: string,
  options: { planId?: string; subnetId?: string; subnetUrn?: string } = {},
): OfflineResource[] {
  const newPlan = options.planId === undefined;
  const planId = options.planId ?? `${RG_ID}/providers/Microsoft.Web/serverfarms/plan-${app}`;
  const planUrn = urn("azure-native:web:AppServicePlan", `${app}-plan`);
  const out: OfflineResource[] = [];
  if (newPlan) {
    out.push(
      res("azure-native:web:AppServicePlan", `${app}-plan`, {
        id: planId,
        resourceGroupName: RG,
        name: `plan-${app}`,
        sku: { name: "P1v3", tier: "PremiumV3", capacity: 1 },
      }),
    );
  }
  out.push(
    res(
      "azure-native:web:WebApp",
      `${app}-app`,
      {
        id: `${RG_ID}/providers/Microsoft.Web/sites/app-${app}`,
        resourceGroupName: RG,
        name: `app-${app}`,
        serverFarmId: planId,
        ...(options.subnetId ? { virtualNetworkSubnetId: options.subnetId } : {}),
        siteConfig: {
          ipSecurityRestrictionsDefaultAction: "Deny",
          scmIpSecurityRestrictionsUseMain: true,
        },
      },
      {
        serverFarmId: newPlan ? [planUrn] : [],
        ...(options.subnetId
          ? {
              virtualNetworkSubnetId: options.subnetUrn
                ? [options.subnetUrn]
                : options.subnetId.startsWith(VNET_ID)
                  ? [U.vnet]
                  : [],
            }
          : {}),
      },
    ),
  );
  return out;
}
