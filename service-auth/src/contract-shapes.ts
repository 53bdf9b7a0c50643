/**
 * Compile-time check, no runtime code: the shapes service-auth publishes in its own types
 * (`AllowedCaller`, `CalleeTarget`) must stay assignable both ways to the contract's, which the
 * program writes into the MESH_* settings. If the contract changes a shape, this file stops
 * compiling (root typecheck and `npm run build`) until settings.ts follows.
 *
 * Not imported by index.ts: it is neither bundled nor part of the published declarations.
 */
import type * as Contract from "@service-edges/contract/app-settings";
import type { AllowedCaller, CalleeTarget, ENFORCEMENT_SETTING } from "./settings";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

/** The contract does not name MESH_ENFORCEMENT yet; once it does, it must be the same name. */
type ContractEnforcementName = typeof Contract.AppSettingNames extends { enforcement: infer N }
  ? N
  : typeof ENFORCEMENT_SETTING;

export type ContractShapesAgree = [
  Assert<Same<AllowedCaller, Contract.AllowedCaller>>,
  Assert<Same<CalleeTarget, Contract.CalleeTarget>>,
  Assert<Same<Record<string, AllowedCaller>, Contract.AllowedCallers>>,
  Assert<Same<Record<string, CalleeTarget>, Contract.CalleeTargets>>,
  Assert<Same<ContractEnforcementName, typeof ENFORCEMENT_SETTING>>,
];
