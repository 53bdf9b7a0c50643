/**
 * A value not known yet: what a preview shows for an output of a resource that does not exist
 * yet. The decisions take it wherever an input can be unknown, and answer "unknown" only when the
 * unknown could change the answer.
 */
export const UNKNOWN: unique symbol = Symbol.for("@service-edges/model.unknown");
export type Unknown = typeof UNKNOWN;
export type Maybe<T> = T | Unknown;

export const isUnknown = (v: unknown): v is Unknown => v === UNKNOWN;

/** A decision: known, or depending on a value that is not known yet. */
export type Verdict = boolean | "unknown";

export const sameText = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
