/**
 * service-edges: the stack's graph, from its config, built by the ServiceMesh component exactly as
 * any program that installs the package would use it.
 */
import * as pulumi from "@pulumi/pulumi";
import { ServiceMesh } from "service-edges";

const config = new pulumi.Config("service-edges");

const mesh = new ServiceMesh("mesh", {
  network: config.getObject("network")!,
  services: config.getObject("services")!,
  edges: config.getObject("edges"),
  namePrefix: config.get("namePrefix"),
  guardrails: config.getBoolean("guardrails"),
  owners: config.getObject("owners"),
  location: new pulumi.Config("azure-native").get("location"),
});

export const tenantId = mesh.tenantId;
export const vnetId = mesh.vnetId;
/** Per service: plan, app, subnet, host name, client and principal ids, audience. */
export const services = mesh.services;
/** The access matrix as data: who may call whom, with which roles and assignments. */
export const accessMatrix = mesh.accessMatrix;
/**
 * Per service with `clientSecret: true`: its client secret, encrypted in state and outputs
 * (`pulumi stack output clientSecrets --show-secrets`).
 */
export const clientSecrets = mesh.clientSecrets;
