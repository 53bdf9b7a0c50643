export * from "./app-settings";
export * from "./cidr";
export * from "./errors";
export * from "./graph";
export * from "./names";
export * from "./placement";
export * from "./sizing";
export * from "./skus";
