/**
 * `npm run plan -- audit --state FILE`: who can actually call whom, right now.
 *
 * Reads what is deployed, not what the program would register: a `pulumi stack export` (taken
 * after `pulumi refresh`), and optionally what Pulumi does not manage, as Azure CLI and Microsoft
 * Graph return it. Computes the effective access of every service at both layers and compares it
 * with the graph declared in the stack config, naming every extra and every missing path in words.
 *
 * Inputs and the documents that define their shapes:
 * - `--state`: Pulumi's `UntypedDeployment` / `DeploymentV3` / `ResourceV3` (pulumi/pulumi
 *   `sdk/go/common/apitype/core.go`): `{ version: 3, deployment: { manifest, resources: [{ urn,
 *   custom, id, type, inputs, outputs, parent, provider, dependencies, ... }] } }`. Secrets are
 *   `{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext }`
 *   (or `plaintext` with `--show-secrets`); they are never printed.
 * - `--assignments`: the `appRoleAssignedTo` collection of each callee's service principal,
 *   Microsoft Graph v1.0 `appRoleAssignment` objects (`id`, `appRoleId`, `createdDateTime`,
 *   `principalDisplayName`, `principalId`, `principalType`, `resourceDisplayName`, `resourceId`):
 *   https://learn.microsoft.com/en-us/graph/api/resources/approleassignment
 *   https://learn.microsoft.com/en-us/graph/api/serviceprincipal-list-approleassignedto
 *   Pages as `az rest` prints them (`{ "@odata.context", value: [...] }`), or a flat array.
 * - `--sites`: ARM objects as `az webapp show` / `az resource show` (`Microsoft.Web/sites`),
 *   `az webapp config show` (`Microsoft.Web/sites/config` `web`: `ipSecurityRestrictions[]` with
 *   `ipAddress`, `subnetMask`, `vnetSubnetResourceId`, `action`, `tag`, `priority`, `name`,
 *   `headers`; `ipSecurityRestrictionsDefaultAction`, `scmIpSecurityRestrictions`,
 *   `scmIpSecurityRestrictionsUseMain`, `scmIpSecurityRestrictionsDefaultAction`,
 *   `publicNetworkAccess`) and `az network private-endpoint-connection list`
 *   (`Microsoft.Web/sites/privateEndpointConnections`) return them:
 *   https://learn.microsoft.com/en-us/azure/templates/microsoft.web/sites/config-web
 *   https://learn.microsoft.com/en-us/rest/api/appservice/web-apps/get-configuration
 *   https://learn.microsoft.com/en-us/azure/app-service/app-service-ip-restrictions
 *   https://learn.microsoft.com/en-us/azure/app-service/overview-private-endpoint
 *
 * Exit codes: 0 the deployed mesh matches the graph, 4 it does not, 1 bad usage or input.
 */
import type { Command } from "commander";
import { isMeshType, readMesh } from "@service-edges/model";
import { AuditContext } from "./audit/context";
import { sitesInMeshSubnetsNotTheirOwner } from "./audit-subnet-owners";
import { auditIdentity } from "./audit/identity";
import {
  type AssignmentsFile,
  type StateFile,
  readAssignments,
  readNetwork,
  readSites,
  readState,
} from "./audit/inputs";
import { auditNetwork, settleNetwork } from "./audit/network";
import { type AuditReport, type Finding, auditMarkdown, auditText } from "./audit/report";
import { graphOf } from "./run";
import { type StackConfig, UsageError, shownPath } from "./stack-config";
import type { PrivateLinks, Sites } from "@service-edges/model";

export {
  type AssignmentsFile,
  type StateFile,
  readAssignments,
  readNetwork,
  readSites,
  readState,
} from "./audit/inputs";
export type { AccessEntry, AuditReport, Finding, SiteSummary } from "./audit/report";
export { auditMarkdown, auditText } from "./audit/report";

/** The deployed mesh differs from the graph. */
export const EXIT_MISMATCH = 4;

export interface AuditInputs {
  config: StackConfig;
  state: StateFile;
  assignments?: AssignmentsFile;
  /** Applied to the deployed sites after the state (portal edits the state does not know). */
  sites?: (sites: Sites) => void;
  /** Applied to the private endpoints, NSGs and subnets after the state (az network output). */
  network?: (links: PrivateLinks) => void;
}

/** The audit of a deployment against its stack config. */
export function audit(inputs: AuditInputs): AuditReport {
  const graph = graphOf(inputs.config);
  const model = readMesh(
    inputs.state.resources.filter((r) => isMeshType(r.type)),
    {
      namePrefix: graph.namePrefix,
      services: graph.services.map((s) => s.name),
    },
  );
  inputs.sites?.(model.deployed.sites);
  inputs.network?.(model.deployed.privateLinks);
  const notes: string[] = [];
  if (inputs.state.stack && inputs.state.stack !== inputs.config.stack) {
    notes.push(
      `the state is of stack "${inputs.state.stack}" and the config of stack "${inputs.config.stack}"`,
    );
  }
  const ctx = new AuditContext(graph, model, inputs.assignments, notes);
  for (const s of graph.services) {
    for (const e of graph.incoming.get(s.name) ?? []) ctx.entry(e.from, s.name).declared = e.roles;
  }
  for (const s of graph.services) auditNetwork(ctx, s);
  ctx.findings.push(...sitesInMeshSubnetsNotTheirOwner(graph, model.deployed.sites.all.values()));
  auditIdentity(ctx);
  settleNetwork(ctx);
  const order = (f: Finding) =>
    `${f.service}\u0000${f.layer === "network" ? 0 : 1}${f.kind === "extra" ? 0 : 1}\u0000${f.message}`;
  const findings = ctx.findings.sort((a, b) => (order(a) < order(b) ? -1 : 1));
  const access = [...ctx.access.values()].sort((a, b) =>
    a.to !== b.to ? (a.to < b.to ? -1 : 1) : a.from < b.from ? -1 : 1,
  );
  for (const a of access) a.identity.roles.sort();
  return {
    stack: inputs.config.stack,
    matches: findings.length === 0,
    findings,
    access,
    sites: ctx.summaries,
    notes: [...ctx.notes, ...(ctx.assignments?.notes ?? [])],
  };
}

// ---------------------------------------------------------------------------------------------
// CLI

export interface AuditFlags {
  state?: string;
  stack?: string;
  config?: string;
  assignments?: string;
  sites?: string;
  network?: string;
  json?: boolean;
  format?: string;
}

/** Runs `audit` with parsed flags: prints the report, returns the exit code. */
export function runAudit(flags: AuditFlags, config: StackConfig, out: (s: string) => void): number {
  if (flags.format !== undefined && flags.format !== "markdown" && flags.format !== "text") {
    throw new UsageError(`--format must be markdown or text, got "${flags.format}"`);
  }
  if (flags.json && flags.format) throw new UsageError("give --json or --format, not both");
  if (!flags.state) throw new UsageError("audit needs --state FILE (pulumi stack export)");
  // The CLI resolved the files against where it was run; the report names them from there, as
  // the user wrote them (no absolute path in the text or the markdown).
  const state = readState(flags.state);
  const assignments = flags.assignments ? readAssignments(flags.assignments) : undefined;
  const applySites = flags.sites ? readSites(flags.sites) : undefined;
  const applyNetwork = flags.network ? readNetwork(flags.network) : undefined;
  const report = audit({ config, state, assignments, sites: applySites, network: applyNetwork });
  const sources = [
    `state ${shownPath(flags.state)}`,
    `config ${shownPath(config.file)}`,
    ...(flags.assignments ? [`assignments ${shownPath(flags.assignments)}`] : []),
    ...(flags.sites ? [`sites ${shownPath(flags.sites)}`] : []),
    ...(flags.network ? [`network ${shownPath(flags.network)}`] : []),
  ].join(", ");
  if (flags.json) out(JSON.stringify(report, null, 2));
  else if (flags.format === "markdown") out(auditMarkdown(report, sources));
  else out(auditText(report, sources));
  return report.matches ? 0 : EXIT_MISMATCH;
}

/** Adds `audit` to the plan CLI. */
export function addAuditCommand(
  program: Command,
  configFrom: (flags: { stack?: string; config?: string }) => StackConfig,
  out: (s: string) => void,
  done: (code: number) => void,
): void {
  program
    .command("audit")
    .description(
      "who can call whom right now: a pulumi stack export (and Graph / ARM reads) against the graph; exit 4 on any difference",
    )
    .requiredOption(
      "--state <file>",
      "pulumi stack export of the stack, taken after pulumi refresh",
    )
    .option("--stack <name>", "the graph of Pulumi.<name>.yaml (default: dev)")
    .option("--config <file>", "the graph of this stack config file")
    .option(
      "--assignments <file>",
      "Graph appRoleAssignedTo pages of the callees' service principals",
    )
    .option(
      "--sites <file>",
      "az webapp show / config show / private-endpoint-connection list output",
    )
    .option(
      "--network <file>",
      "az network nsg show / private-endpoint list / vnet subnet show output",
    )
    .option("--json", "print { stack, matches, findings, access, sites, notes }")
    .option("--format <format>", "text (default) or markdown (a PR comment or ticket)")
    .action((flags: AuditFlags) => {
      done(runAudit(flags, configFrom(flags), out));
    });
}
