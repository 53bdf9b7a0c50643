export {
  readCalleeSettings,
  readCallerSettings,
  MeshSettingsError,
  CLIENT_SECRET_SETTING,
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
  type MeshAuthLogger,
  type MeshAuthOptions,
  type MeshMiddleware,
  type MeshRequest,
  type Refusal,
  type VerifiedCaller,
} from "./callee";
