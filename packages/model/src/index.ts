export * from "./unknown";
export * from "./addresses";
export * from "./access-restrictions";
export * from "./site-access";
export * from "./nsg";
export * from "./deployed";
export * from "./mesh";
export * from "./reach";
