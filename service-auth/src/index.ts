export {
  readCalleeSettings,
  readCallerSettings,
  MeshSettingsError,
  CLIENT_SECRET_SETTING,
  ENFORCEMENT_SETTING,
  type Enforcement,
  type CalleeSettings,
  type CallerSettings,
  type CallerIdentity,
  type AllowedCaller,
  type CalleeTarget,
  type Env,
} from "./settings";
export { meshCredential, TOKEN_EXCHANGE_AUDIENCE, type MeshCredentialOptions } from "./credential";
export {
  createMeshCaller,
  UnknownCalleeError,
  type MeshCaller,
  type MeshCallerOptions,
} from "./caller";
export {
  createMeshAuth,
  meshCallerOf,
  type AuthOutcome,
  type MeshAuth,
  type MeshAuthOptions,
  type MeshMiddleware,
  type MeshRequest,
  type Refusal,
  type VerifiedCaller,
} from "./callee";
export {
  REFUSAL_REASONS,
  TOKEN_CACHE_HINT,
  jsonLineLogger,
  type MeshAuthLogger,
  type NoticeLine,
  type RefusalLine,
  type RefusalReason,
  type RefusedOutcome,
} from "./refusals";
