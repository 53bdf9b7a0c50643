/**
 * The service-edges component package: ServiceMesh and the types of its inputs and outputs.
 * Its parts (network, identities, callee applications, hosts) are internal to it.
 */
export * from "./args";
export { ServiceMesh } from "./service-mesh";
