/**
 * A team's program with its own Pulumi.yaml (project team-app) and Pulumi.dev.yaml: the plan
 * runs it as team-app, with its own config (a secret, project defaults, other namespaces).
 */
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";

const config = new pulumi.Config();
const project = pulumi.getProject();
const dbPassword = config.requireSecret("dbPassword");

const group = new resources.ResourceGroup("rg", {
  resourceGroupName: `${project}-${pulumi.getStack()}`,
  tags: { owner: config.require("owner") },
});

export const seen = {
  project,
  stack: pulumi.getStack(),
  owner: config.require("owner"),
  replicas: config.getNumber("replicas"),
  tier: config.get("tier"),
  location: new pulumi.Config("azure-native").get("location"),
  otherFlag: new pulumi.Config("other-namespace").get("flag"),
  meshServices: new pulumi.Config("service-edges").get("services") ?? null,
};
export const passwordIsSecret = pulumi.isSecret(dbPassword);
export const passwordLength = dbPassword.apply((p) => p.length);
export const groupName = group.name;
