/**
 * The mesh as the stack policies see it: sites, plans, subnets, identities and Entra objects of
 * one stack, and the references between them, resolved without guessing.
 *
 * A reference (an ARM id, an object id, a client id) resolves to a resource of the stack by, in
 * order: its full value (when the target's props carry it), its value without the subscription
 * (rebuilt from the target's own known names), then the Pulumi property dependencies of the
 * referencing property (the engine sends them with `AnalyzeStack`). A reference that matches
 * nothing is `external` (kept as its normalized value, so that two references to the same
 * out-of-stack thing still compare equal); one that is unknown during preview and has no single
 * dependency of the right kind is `unknown`, and every policy stays quiet on it.
 *
 * Pure: no Pulumi imports. Works on `PolicyResource`s of `AnalyzeStack` and on the offline
 * runner's resources alike. This module is the one the policies import; the work lives in
 * mesh-nodes.ts (the nodes and how a reference resolves), mesh-node-readers.ts (a resource's
 * props as a node), stack-mesh.ts (`Mesh`, the stack's nodes and the lookups across them) and
 * mesh-sites.ts (which sites are mesh sites).
 */
export {
  type AppRoleInfo,
  type AppRoleNode,
  type ApplicationNode,
  type AssignmentNode,
  type FederatedCredentialNode,
  type IdentityNode,
  Index,
  type Node,
  type PlanNode,
  type PrivateEndpointConnection,
  type Ref,
  type Resolution,
  type Rule,
  type ServicePrincipalNode,
  type SiteChildNode,
  type SiteNode,
  type StackResourceLike,
  type SubnetNode,
  depsOf,
  describe,
  keyOf,
} from "./mesh-nodes";
export { rulesOf } from "./mesh-node-readers";
export { Mesh, sitesAlone } from "./stack-mesh";
export {
  CALLEE_SETTINGS,
  type MeshReason,
  type MeshSiteVerdict,
  appSettingValues,
  hasAppSetting,
  isMeshSite,
  isSiteGroup,
  meshRole,
  meshSite,
  meshSites,
} from "./mesh-sites";
