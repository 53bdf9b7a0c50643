import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/**
 * The owners of every Entra application and service principal of a mesh: the identity that first
 * deployed it, then the configured owners. Never whoever runs `pulumi up` now.
 *
 * azuread assigns no owners unless `owners` is set (DESIGN §8; its Application docs: "By default,
 * no owners are assigned"), and an ownerless application can be managed only by tenant
 * administrators (Application Administrator, Cloud Application Administrator). A deployer that
 * holds only Application.ReadWrite.OwnedBy (a CI identity) must itself be an owner to manage what
 * it created. Taking the current deployer instead would let a second deployer (a colleague, a
 * break-glass account) rewrite the owners of every application on each run, and remove the CI
 * identity that created them: from then on CI cannot update its own apps.
 *
 * So the first deployer is read once into state: a RandomUuid whose `keepers` hold its object id
 * and ignore every later change (`ignoreChanges: ["keepers"]`), so the value stays the one of the
 * run that created it, whoever deploys after. Owners therefore change only through config, which
 * a review sees. `ignoreChanges` on the applications' `owners` would not do: it would also hide a
 * change of `service-edges:owners`. To hand the first deployer's place to another identity, replace
 * the keeper on purpose (`pulumi up --replace <its URN>`), as the identity that should keep it.
 *
 * Under a test's standard mocks (`call` returns its inputs) the client config has no object id:
 * the owners are then the configured ones alone, never an undefined entry.
 */
export function meshOwners(
  parent: pulumi.Resource,
  name: string,
  /** Who runs this deployment: the client config's object id. */
  deployer: pulumi.Input<string>,
  /** The configured owners; a component's args may pass Outputs (another resource's object id). */
  configured: readonly pulumi.Input<string>[],
  aliases?: pulumi.Input<pulumi.Alias>[],
): pulumi.Output<string[]> {
  const firstDeployer = new random.RandomUuid(
    name,
    { keepers: { objectId: deployer } },
    { parent, ignoreChanges: ["keepers"], ...(aliases ? { aliases } : {}) },
  );
  return pulumi
    .all([firstDeployer.keepers, pulumi.all([...configured])])
    .apply(([k, owners]) => entraOwners(k?.objectId, owners));
}

/**
 * The first deployer (when known), then the configured owners; each object id once, compared as
 * Entra compares them (case-insensitively).
 */
export function entraOwners(
  firstDeployer: string | undefined,
  configured: readonly string[],
): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const id of [firstDeployer, ...configured]) {
    if (typeof id !== "string" || id === "" || seen.has(id.toLowerCase())) continue;
    seen.add(id.toLowerCase());
    out.push(id);
  }
  return out;
}
