/**
 * How a shadow callee's last day reaches the policy pack, which sees resources, not the graph: a
 * tag on its site, and `key=value` in its service principal's notes (azuread ServicePrincipal
 * `notes`: free text "typically used for operational purposes"). Pure: no Pulumi imports, no zod
 * (the pack bundles this file).
 */
import { isDay } from "./dates";

/** The site tag (and the notes key on the service principal) holding the last day of shadow. */
export const SHADOW_UNTIL_TAG = "service-edges-shadow-until";

/** The service principal's notes for a callee in shadow until `day`. */
export function shadowNote(day: string): string {
  return `${SHADOW_UNTIL_TAG}=${day}`;
}

/** The last day of shadow in a service principal's notes, if they carry a valid one. */
export function shadowUntilInNote(notes: unknown): string | undefined {
  if (typeof notes !== "string") return undefined;
  const m = new RegExp(`(?:^|\\s)${SHADOW_UNTIL_TAG}=(\\S+)`).exec(notes);
  return m && isDay(m[1]) ? m[1] : undefined;
}
