// oidc-provider ships no type declarations; this is the small surface the local issuer uses.
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  export interface ResourceServerInfo {
    scope: string;
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat?: "opaque" | "jwt";
    jwt?: { sign?: { alg?: string; kid?: string } };
  }

  export interface IssuedToken {
    clientId: string;
    resourceServer?: { audience?: string; identifier(): string };
  }

  export interface StructuredToken {
    header: Record<string, unknown> | undefined;
    payload: Record<string, unknown>;
  }

  export interface ProviderContext {
    oidc: { params: Record<string, unknown> };
  }

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    readonly issuer: string;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }

  export const errors: {
    InvalidTarget: new (description?: string) => Error;
  };
}
