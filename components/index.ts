/**
 * The service-edges component package: ServiceMesh and the types of its inputs and outputs, and
 * meshArgsFromConfig for a program that keeps its graph in its own config namespace.
 * Its parts (network, identities, callee applications, hosts) are internal to it.
 */
export * from "./args";
export { ServiceMesh } from "./service-mesh";
export { MESH_CONFIG_KEYS, meshArgsFromConfig } from "./mesh-args";
