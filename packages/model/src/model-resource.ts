/**
 * One resource as the model reads it, from the planner's planned resources (inputs, with the
 * mocks' outputs) or a `pulumi stack export` (outputs over inputs): its type without the API
 * version, its logical name and id, and its props; with the small readers of plain values every
 * part of the model uses. Pure: no Pulumi imports.
 */

export type Obj = Record<string, unknown>;

/** Stands for an encrypted value of a state export: known to exist, never read, never printed. */
export const HIDDEN: Readonly<Obj> = Object.freeze({ "<secret>": true });

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export const str = (v: unknown): string | undefined =>
  typeof v === "string" && v !== "" ? v : undefined;
export const lower = (s: string) => s.toLowerCase();

/** One resource: its type without API version, its outputs (what Azure returned) over inputs. */
export interface ModelResource {
  urn: string;
  type: string;
  /** The last segment of the URN (the logical name). */
  name: string;
  id?: string;
  p: Obj;
}

/** `azure-native:web/v20240401:WebApp` -> `azure-native:web:WebApp`. */
export function baseType(type: string): string {
  return type.replace(/^(azure-native:[A-Za-z0-9]+)\/v[0-9a-z]+:/, "$1:");
}

/** Outputs over inputs; null and absent outputs never hide an input. */
export function overlay(inputs: unknown, outputs: unknown): Obj {
  const out: Obj = isObj(inputs) ? { ...inputs } : {};
  if (isObj(outputs)) for (const [k, v] of Object.entries(outputs)) if (v != null) out[k] = v;
  return out;
}

/** A resource as the planner or a state export holds it. */
export function modelResource(r: {
  urn: string;
  type: string;
  id?: string | null;
  inputs?: unknown;
  outputs?: unknown;
}): ModelResource {
  return {
    urn: r.urn,
    type: baseType(r.type),
    name: r.urn.split("::").pop() ?? r.urn,
    ...(str(r.id) ? { id: r.id as string } : {}),
    p: overlay(r.inputs, r.outputs),
  };
}
