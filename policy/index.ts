import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("service-edges", {
  description:
    "Keeps a service-to-service mesh on Azure App Service closed: no private endpoints on mesh " +
    "sites, default-deny access restrictions, one plan and subnet per caller, service endpoints " +
    "and room to scale on integration subnets, and Entra app role assignment required.",
  displayName: "service-edges mesh guardrails",
  policies,
});
