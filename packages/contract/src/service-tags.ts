/**
 * Azure service tags that admit other customers. Shared by the program's config validation
 * (`ingress`, ingress.ts) and the policy pack (policy/lib/cidr.ts), so that a config the program
 * accepts never fails the pack. Pure: no dependencies.
 */

/**
 * Service tags whose addresses send traffic on behalf of any Azure customer: the shared outbound
 * addresses of a multi-tenant service that runs customers' code or calls the URLs customers
 * configure. As a source on a mesh site, such a tag admits every other tenant's apps, workflows,
 * webhooks or tests, not a service of your own. Microsoft says as much: "Service Tags alone aren't
 * sufficient to secure traffic without considering the nature of the service and the traffic it
 * sends" (learn.microsoft.com/azure/virtual-network/service-tags-overview, "Available service
 * tags": AppService, ApiManagement, LogicApps, AzureConnectors, ActionGroup,
 * ApplicationInsightsAvailability, DataFactory, EventGrid, AzureCognitiveSearch,
 * PowerPlatformInfra, PowerQueryOnline). Regional variants (`AppService.WestEurope`) are the same
 * addresses of one region: still every tenant there.
 */
export const MULTI_TENANT_TAGS: Readonly<Record<string, string>> = {
  appservice:
    "every Azure customer's App Service and Function apps (the tag holds the shared outbound addresses of every tenant's apps)",
  apimanagement:
    "every Azure customer's API Management instances (the tag holds addresses API Management shares among tenants)",
  logicapps:
    "every Azure customer's Logic Apps workflows (the tag holds the shared addresses their HTTP actions call from)",
  azureconnectors:
    "every Azure customer's Logic Apps and Power Platform connectors (the tag holds the connectors' shared outbound addresses)",
  actiongroup:
    "every Azure customer's Azure Monitor action groups (any tenant's alert webhook calls from these addresses)",
  applicationinsightsavailability:
    "every Azure customer's availability tests (any tenant can point a test at any URL)",
  datafactory:
    "every Azure customer's Data Factory pipelines (any tenant's Web activity calls from these addresses)",
  eventgrid:
    "every Azure customer's Event Grid subscriptions (any tenant's webhook delivery comes from these addresses)",
  azurecognitivesearch:
    "every Azure customer's search indexers and skills (any tenant's indexer calls from these addresses)",
  powerplatforminfra:
    "every Power Platform tenant's flows and apps (the tag holds their shared outbound addresses)",
  powerqueryonline:
    "every Power Query Online tenant's queries (the tag holds their shared outbound addresses)",
};

/** The fix for a multi-tenant tag: a source only your own caller has. */
export const MULTI_TENANT_FIX =
  "admit your caller by its integration subnet (vnetSubnetResourceId), or put Front Door in " +
  'front of the site and admit AzureFrontDoor.Backend with headers: { "X-Azure-FDID": ' +
  '["<your profile\'s frontDoorId>"] }';

/** Whom a multi-tenant tag (or its regional variant) admits; undefined for any other tag. */
export function multiTenantTag(tag: string): string | undefined {
  const t = tag.trim().toLowerCase();
  const base = t.includes(".") ? t.slice(0, t.indexOf(".")) : t;
  return Object.prototype.hasOwnProperty.call(MULTI_TENANT_TAGS, base)
    ? MULTI_TENANT_TAGS[base]
    : undefined;
}
