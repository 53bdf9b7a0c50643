/**
 * Where the mesh's refusals and usage are recorded (`service-edges:observability`): a diagnostic
 * setting on every mesh site sending its access-restriction and HTTP logs to the workspace, the
 * mesh's queries saved in that workspace, and alert rules on them.
 *
 * - Categories: `AppServiceIPSecAuditLogs` ("IPSecurity Audit logs") and `AppServiceHTTPLogs`
 *   ("HTTP logs") are Microsoft.Web/sites log categories (MS Learn, "Supported logs for
 *   Microsoft.Web/sites", azure-monitor/reference/supported-logs/microsoft-web-sites-logs); both
 *   land in resource-specific tables of the same names.
 * - Saved searches, not a query pack: they live with the data (anyone who can read the workspace
 *   sees them under its saved queries, `az monitor log-analytics workspace saved-search list`),
 *   need no second resource group, and the alert rules read the same workspace. A query pack
 *   would suit queries shared across many workspaces; the mesh has one.
 * - Names: every resource is named from its service or its query key, never from a position, so
 *   a new service adds a diagnostic setting and rewrites the queries' text (an update).
 */
import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import {
  type Observability,
  type ServiceGraph,
  TYPES,
  defaultHostNameFor,
  isCallee,
  isCaller,
} from "@service-edges/contract";
import {
  QUERY_KEYS,
  QUERY_TITLES,
  type QueryGraph,
  type QueryKey,
  type QueryService,
  meshQuery,
} from "./mesh-queries";

/** The site log categories every mesh site sends (see above). */
export const SITE_LOG_CATEGORIES = ["AppServiceIPSecAuditLogs", "AppServiceHTTPLogs"] as const;

/** The diagnostic setting's name on each site: one per site, so a fixed name is unique. */
export const DIAGNOSTIC_SETTING_NAME = "service-edges-mesh";

/** The alert rules: which saved query, how severe (0 critical .. 4 verbose). */
export const ALERTS: ReadonlyArray<{ key: QueryKey; severity: number; description: string }> = [
  {
    key: "refused-edges",
    severity: 2,
    description:
      "A declared edge was refused (network: no rule admitted the caller's subnet; identity: the token request failed). Check the edge deployed, the caller leaves through its own subnet, and cached tokens (up to 24 h).",
  },
  {
    key: "undeclared-shadow",
    severity: 3,
    description:
      "A caller with no edge reached a callee in shadow: enforcement would refuse it. Declare the edge (npm run plan -- usage --suggest) or expect the refusal when the callee is enforced.",
  },
];

export interface ObservabilityArgs {
  observability: Observability;
  namePrefix: string;
  location: string;
  /** Where the alert rules live (the mesh's network group). */
  resourceGroupName: pulumi.Input<string>;
  /** Every mesh site's ARM id, by service name. */
  siteIds: Record<string, pulumi.Input<string>>;
  /** The services as the queries map them (client and application ids may be Outputs). */
  services: ReadonlyArray<
    Omit<QueryService, "clientId" | "applicationId"> & {
      clientId?: pulumi.Input<string>;
      applicationId?: pulumi.Input<string>;
    }
  >;
  edges: ReadonlyArray<{ from: string; to: string }>;
}

/** `/subscriptions/s/resourceGroups/g/providers/Microsoft.OperationalInsights/workspaces/w`. */
export function workspaceParts(id: string): { resourceGroupName: string; workspaceName: string } {
  const parts = id.split("/");
  return { resourceGroupName: parts[4], workspaceName: parts[8] };
}

export class MeshObservability extends pulumi.ComponentResource {
  /** The KQL of each saved query, as deployed. */
  readonly queries: Record<QueryKey, pulumi.Output<string>>;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPES.observability, name, {}, opts);
    const workspaceId = args.observability.workspaceId;
    for (const [service, resourceUri] of Object.entries(args.siteIds).sort()) {
      new monitor.DiagnosticSetting(
        `${name}-${service}`,
        {
          name: DIAGNOSTIC_SETTING_NAME,
          resourceUri,
          workspaceId,
          logs: SITE_LOG_CATEGORIES.map((category) => ({ category, enabled: true })),
        },
        { parent: this },
      );
    }
    const graph: pulumi.Output<QueryGraph> = pulumi
      .all(
        args.services.map((s) =>
          pulumi.all([s.clientId, s.applicationId]).apply(([clientId, applicationId]) => ({
            name: s.name,
            host: s.host,
            enforcement: s.enforcement,
            ...(s.subnet ? { subnet: s.subnet } : {}),
            ...(clientId ? { clientId } : {}),
            ...(applicationId ? { applicationId } : {}),
          })),
        ),
      )
      .apply((services) => ({ services, edges: args.edges }));
    const { resourceGroupName, workspaceName } = workspaceParts(workspaceId);
    const queries = {} as Record<QueryKey, pulumi.Output<string>>;
    for (const key of QUERY_KEYS) {
      const query = graph.apply((g) => meshQuery(key, g));
      queries[key] = query;
      new operationalinsights.SavedSearch(
        `${name}-${key}`,
        {
          resourceGroupName,
          workspaceName,
          savedSearchId: `${args.namePrefix}-${key}`,
          category: `service-edges ${args.namePrefix}`,
          displayName: `${QUERY_TITLES[key]} (${args.namePrefix})`,
          query,
        },
        { parent: this },
      );
    }
    for (const alert of ALERTS) {
      new monitor.ScheduledQueryRule(
        `${name}-${alert.key}`,
        {
          resourceGroupName: args.resourceGroupName,
          ruleName: `${args.namePrefix}-${alert.key}`,
          location: args.location,
          kind: "LogAlert",
          displayName: `${QUERY_TITLES[alert.key]} (${args.namePrefix})`,
          description: alert.description,
          severity: alert.severity,
          enabled: true,
          scopes: [workspaceId],
          evaluationFrequency: "PT15M",
          windowSize: "PT15M",
          criteria: {
            allOf: [
              {
                query: queries[alert.key],
                timeAggregation: "Count",
                operator: "GreaterThan",
                threshold: 0,
                dimensions: [
                  { name: "Caller", operator: "Include", values: ["*"] },
                  { name: "Callee", operator: "Include", values: ["*"] },
                ],
                failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
              },
            ],
          },
          autoMitigate: true,
          // Without an action group the alert fires only in Azure Monitor's list; with them it
          // notifies (azure-native monitor ScheduledQueryRule `actions.actionGroups`, ARM ids).
          ...(args.observability.actionGroupIds.length > 0
            ? { actions: { actionGroups: args.observability.actionGroupIds } }
            : {}),
        },
        { parent: this },
      );
    }
    this.queries = queries;
    this.registerOutputs({});
  }
}

/** The mesh's observability from its graph, when `observability` is set; nothing otherwise. */
export function observeMesh(
  graph: ServiceGraph,
  name: string,
  resourceGroupName: pulumi.Input<string>,
  opts: pulumi.ComponentResourceOptions,
  ids: {
    siteIdOf: (service: string) => pulumi.Input<string>;
    clientIdOf: (service: string) => pulumi.Input<string>;
    applicationIdOf: (service: string) => pulumi.Input<string> | undefined;
  },
): MeshObservability | undefined {
  if (!graph.observability) return undefined;
  return new MeshObservability(
    name,
    {
      observability: graph.observability,
      namePrefix: graph.namePrefix,
      location: graph.location,
      resourceGroupName,
      siteIds: Object.fromEntries(graph.services.map((s) => [s.name, ids.siteIdOf(s.name)])),
      services: graph.services.map((s) => ({
        name: s.name,
        host: defaultHostNameFor(graph.namePrefix, s.name),
        enforcement: s.enforcement,
        ...(s.subnet ? { subnet: s.subnet.text } : {}),
        ...(isCaller(s) ? { clientId: ids.clientIdOf(s.name) } : {}),
        ...(isCallee(s) ? { applicationId: ids.applicationIdOf(s.name) } : {}),
      })),
      edges: graph.edges.map((e) => ({ from: e.from, to: e.to })),
    },
    opts,
  );
}
