export * from "./callee-application";
export * from "./network";
export * from "./service-host";
export * from "./service-identity";
export * from "./service-mesh";
