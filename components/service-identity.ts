import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import {
  INITIAL_SECRET_ROTATION,
  TYPES,
  type ServiceNode,
  siteName,
} from "@service-edges/contract";

export interface ServiceIdentityArgs {
  service: ServiceNode;
  namePrefix: string;
  location: string;
  resourceGroupName: pulumi.Input<string>;
  tenantId: pulumi.Input<string>;
  /** Owners of the registration and its service principal: the first deployer, then the configured. */
  owners: pulumi.Input<string[]>;
}

/** Audience Entra expects on a managed identity's token used as a federated client assertion. */
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

/**
 * How long a client secret is valid: 180 days (4320h), the lifetime the Entra admin center
 * proposes as recommended; Microsoft recommends less than 12 months, and the portal allows at most
 * 24 (MS Learn, "Register an application", add a client secret). Relative, so the end date is
 * fixed when the secret is created and kept in state: an `endDate` of now + 180 days would move on
 * every deployment, and any change of it issues a new secret. Rotate with `secretRotation` before
 * it runs out. azuread 6.x marks `endDateRelative` deprecated in favour of Terraform's
 * `timeadd()`, which a Pulumi program does not have.
 */
export const CLIENT_SECRET_LIFETIME = "4320h";

/**
 * Who a service is when it calls others.
 *
 * Every service gets a user-assigned managed identity: its principal exists before the app and
 * survives app re-creation, so role assignments never dangle. A caller with `identity: registration`
 * also gets an app registration and service principal; it authenticates without a stored secret
 * through a federated identity credential that trusts its own managed identity. A client secret is
 * an explicit opt-in, expires, rotates when `secretRotation` changes, and only ever lives in
 * Pulumi state and the mesh's `clientSecrets` output as a secret.
 */
export class ServiceIdentity extends pulumi.ComponentResource {
  readonly managedIdentity: managedidentity.UserAssignedIdentity;
  readonly registration?: azuread.Application;
  readonly registrationPrincipal?: azuread.ServicePrincipal;
  readonly clientSecret?: pulumi.Output<string>;
  /** The principal that role assignments name: the registration's SP, else the managed identity. */
  readonly principalObjectId: pulumi.Output<string>;
  /** The client id that appears as `azp`/`appid` in this service's tokens. */
  readonly clientId: pulumi.Output<string>;

  constructor(name: string, args: ServiceIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPES.identity, name, {}, opts);
    const { service, namePrefix } = args;
    const physical = siteName(namePrefix, service.name);
    this.managedIdentity = new managedidentity.UserAssignedIdentity(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        resourceName: physical,
        location: args.location,
      },
      { parent: this },
    );
    if (service.identity === "registration") {
      this.registration = new azuread.Application(
        name,
        { displayName: physical, signInAudience: "AzureADMyOrg", owners: args.owners },
        { parent: this },
      );
      this.registrationPrincipal = new azuread.ServicePrincipal(
        name,
        {
          clientId: this.registration.clientId,
          appRoleAssignmentRequired: false,
          owners: args.owners,
        },
        { parent: this },
      );
      new azuread.ApplicationFederatedIdentityCredential(
        name,
        {
          applicationId: this.registration.id,
          displayName: `${physical}-managed-identity`,
          description: `Lets ${service.name}'s own managed identity sign in as this registration.`,
          audiences: [TOKEN_EXCHANGE_AUDIENCE],
          issuer: pulumi.interpolate`https://login.microsoftonline.com/${args.tenantId}/v2.0`,
          subject: this.managedIdentity.principalId,
        },
        { parent: this },
      );
      if (service.clientSecret) {
        const password = new azuread.ApplicationPassword(
          name,
          {
            applicationId: this.registration.id,
            displayName: `${physical}-secret`,
            endDateRelative: CLIENT_SECRET_LIFETIME,
            // A change of the label replaces the password: azuread creates the new secret first,
            // then deletes the old one (it is ForceNew, and not deleteBeforeReplace).
            rotateWhenChanged: {
              rotation: service.secretRotation ?? INITIAL_SECRET_ROTATION,
            },
          },
          { parent: this, additionalSecretOutputs: ["value"] },
        );
        this.clientSecret = pulumi.secret(password.value);
      }
      this.principalObjectId = this.registrationPrincipal.objectId;
      this.clientId = this.registration.clientId;
    } else {
      this.principalObjectId = this.managedIdentity.principalId;
      this.clientId = this.managedIdentity.clientId;
    }
    this.registerOutputs({ principalObjectId: this.principalObjectId, clientId: this.clientId });
  }
}
