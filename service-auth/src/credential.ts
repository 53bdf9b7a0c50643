/**
 * The credential a caller uses to get tokens, chosen by MESH_IDENTITY. Only @azure/identity talks
 * to Entra (and to the App Service managed identity endpoint); it also caches tokens until shortly
 * before they expire, so asking for a token per request is cheap.
 */
import {
  ClientAssertionCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type ClientAssertionCredentialOptions,
  type TokenCredential,
} from "@azure/identity";
import type { CallerIdentity } from "./settings";

/**
 * The audience Entra requires on a managed identity token used as a federated client assertion
 * (public cloud). Sovereign clouds use their own (`api://AzureADTokenExchangeUSGov`,
 * `api://AzureADTokenExchangeChina`), hence the option.
 */
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

export interface MeshCredentialOptions {
  /**
   * The managed identity credential. Default: `ManagedIdentityCredential` for the user-assigned
   * identity in the settings. Inject one to run the registration flow outside Azure (tests).
   */
  managedIdentity?: TokenCredential;
  /** Options for the credential that talks to Entra (authority host, pipeline, tenants). */
  entra?: ClientAssertionCredentialOptions;
  /** Default {@link TOKEN_EXCHANGE_AUDIENCE}. */
  tokenExchangeAudience?: string;
}

/** The caller's own credential: managed identity, or its app registration. */
export function meshCredential(
  tenantId: string,
  identity: CallerIdentity,
  options: MeshCredentialOptions = {},
): TokenCredential {
  const managedIdentity = (clientId: string | undefined): TokenCredential => {
    if (options.managedIdentity) return options.managedIdentity;
    if (!clientId) throw new Error("a managed identity client id is required");
    // The identity is user-assigned (it outlives the app and is created before it), so it must be
    // named: without clientId the credential asks for the system-assigned identity, which has no
    // role assignments in the mesh.
    return new ManagedIdentityCredential({ clientId });
  };

  if (identity.kind === "managed") return managedIdentity(identity.managedIdentityClientId);

  if (identity.clientSecret !== undefined) {
    return new ClientSecretCredential(
      tenantId,
      identity.appClientId,
      identity.clientSecret,
      options.entra,
    );
  }

  // Secretless: the app registration's federated identity credential trusts this managed
  // identity, so the MI's token for the token-exchange audience is the client assertion. The
  // assertion is fetched only when Entra needs a new app token (MSAL caches the result), and the
  // MI credential caches its own token as well.
  const mi = managedIdentity(identity.managedIdentityClientId);
  const exchangeScope = `${options.tokenExchangeAudience ?? TOKEN_EXCHANGE_AUDIENCE}/.default`;
  return new ClientAssertionCredential(
    tenantId,
    identity.appClientId,
    async () => {
      const assertion = await mi.getToken(exchangeScope);
      if (!assertion) throw new Error("the managed identity returned no token for the assertion");
      return assertion.token;
    },
    options.entra,
  );
}
