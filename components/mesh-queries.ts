/**
 * The KQL that reads the mesh's refusals and usage, generated from the graph: datatables that map
 * integration subnets and client ids back to service names, then the queries the observability
 * component saves in the workspace and alerts on. Pure: plain values in, text out.
 *
 * Columns used, from Microsoft's Azure Monitor table reference (learn.microsoft.com/azure/
 * azure-monitor/reference/tables/...): AppServiceIPSecAuditLogs `CIp`, `CsHost`, `Result`
 * ("Allowed" or "Denied"), `Details` ("Additional information", not relied on); AppServiceHTTPLogs
 * `CIp`, `CsHost`, `ScStatus`; AADManagedIdentitySignInLogs and AADServicePrincipalSignInLogs
 * `AppId` (the client), `ResourceIdentity` (the resource application's app id), `ResultType`
 * ("0" on success, else the AADSTS code, e.g. 501051 for a caller without an assignment).
 */

/** One service as the queries know it. */
export interface QueryService {
  name: string;
  /** Its site's default host name (`<prefix>-<name>.azurewebsites.net`). */
  host: string;
  enforcement: "enforced" | "shadow";
  /** A caller's integration subnet (CIDR). */
  subnet?: string;
  /** The client id in its tokens (callers). */
  clientId?: string;
  /** A callee's application (client) id: the `ResourceIdentity` of tokens for it. */
  applicationId?: string;
}

export interface QueryGraph {
  services: readonly QueryService[];
  edges: ReadonlyArray<{ from: string; to: string }>;
}

const quoted = (v: string) => JSON.stringify(v);

function table(name: string, columns: string, rows: string[][]): string {
  const body = rows.map((r) => `  ${r.map(quoted).join(", ")}`).join(",\n");
  // An empty datatable still types its columns, so the joins below stay valid with no rows.
  return `let ${name} = datatable(${columns}) [\n${body}${rows.length ? "\n" : ""}];`;
}

/** The mesh as KQL `let` statements: sites, callers' subnets and client ids, callee apps, edges. */
export function meshTables(g: QueryGraph): string {
  const s = [...g.services].sort((a, b) => (a.name < b.name ? -1 : 1));
  return [
    table(
      "MeshSites",
      "Callee:string, Host:string, Enforcement:string",
      s.map((x) => [x.name, x.host.toLowerCase(), x.enforcement]),
    ),
    table(
      "MeshSubnets",
      "Caller:string, Subnet:string",
      s.filter((x) => x.subnet).map((x) => [x.name, x.subnet!]),
    ),
    table(
      "MeshClients",
      "Caller:string, AppId:string",
      s.filter((x) => x.clientId).map((x) => [x.name, x.clientId!.toLowerCase()]),
    ),
    table(
      "MeshApps",
      "Callee:string, ResourceIdentity:string",
      s.filter((x) => x.applicationId).map((x) => [x.name, x.applicationId!.toLowerCase()]),
    ),
    table(
      "MeshEdges",
      "Caller:string, Callee:string",
      [...g.edges].map((e) => [e.from, e.to]),
    ),
  ].join("\n");
}

/** Network layer: every access-restriction decision on a mesh site, caller named by subnet. */
const NETWORK_CALLS = `let NetworkCalls = AppServiceIPSecAuditLogs
| extend Host = tolower(CsHost)
| join kind=inner MeshSites on Host
| evaluate ipv4_lookup(MeshSubnets, CIp, Subnet, true)
| extend Caller = iff(isempty(Caller), strcat("unknown ", CIp), Caller)
| project TimeGenerated, Caller, Callee, Enforcement, Layer = "network", Result, CIp, Details;`;

/** Identity layer: token requests for a mesh callee's application, caller named by client id. */
const IDENTITY_CALLS = `let IdentityCalls = union AADManagedIdentitySignInLogs, AADServicePrincipalSignInLogs
| extend ResourceIdentity = tolower(ResourceIdentity), AppId = tolower(AppId)
| join kind=inner MeshApps on ResourceIdentity
| join kind=leftouter MeshClients on AppId
| extend Caller = iff(isempty(Caller), strcat("unknown ", AppId), Caller)
| join kind=leftouter (MeshSites | project Callee, Enforcement) on Callee
| project TimeGenerated, Caller, Callee, Enforcement, Layer = "identity",
    Result = iff(ResultType == "0", "Allowed", strcat("Denied AADSTS", ResultType)), CIp = IPAddress, Details = ResultDescription;`;

/** The queries the mesh saves, by stable key (the key names the saved search; never renamed). */
export const QUERY_KEYS = ["calls", "refused-edges", "undeclared-shadow"] as const;
export type QueryKey = (typeof QUERY_KEYS)[number];

export const QUERY_TITLES: Record<QueryKey, string> = {
  calls: "Mesh: every call per caller, callee and layer",
  "refused-edges": "Mesh: declared edges being refused",
  "undeclared-shadow": "Mesh: undeclared callers reaching shadow callees",
};

/** One query's KQL: the graph's tables, both layers' calls, then the question it answers. */
export function meshQuery(key: QueryKey, g: QueryGraph): string {
  const tail: Record<QueryKey, string> = {
    calls: `union NetworkCalls, IdentityCalls
| join kind=leftouter (MeshEdges | extend Declared = true) on Caller, Callee
| summarize Requests = count(), Refused = countif(Result != "Allowed"), Last = max(TimeGenerated)
    by Caller, Callee, Layer, Declared = coalesce(Declared, false)
| order by Callee asc, Caller asc, Layer asc`,
    // A declared edge refused: a missing rule or assignment, a token cached from before the edge
    // (up to 24 h), or a caller leaving through the wrong subnet.
    "refused-edges": `union NetworkCalls, IdentityCalls
| where Result != "Allowed"
| join kind=inner MeshEdges on Caller, Callee
| summarize Refused = count(), First = min(TimeGenerated), Last = max(TimeGenerated),
    Results = make_set(Result, 5) by Caller, Callee, Layer`,
    // In shadow everything is admitted; what enforcement would refuse is what no edge declares.
    "undeclared-shadow": `union NetworkCalls, IdentityCalls
| where Enforcement == "shadow" and Result == "Allowed"
| join kind=leftanti MeshEdges on Caller, Callee
| summarize Requests = count(), First = min(TimeGenerated), Last = max(TimeGenerated)
    by Caller, Callee, Layer`,
  };
  return [meshTables(g), NETWORK_CALLS, IDENTITY_CALLS, tail[key]].join("\n");
}
