/**
 * How Pulumi marks a secret when it serializes property values (a `pulumi stack export`, the
 * properties of an `AnalyzeStack` request, the mock monitor's RPC): an object whose
 * SECRET_SIG_KEY member is SECRET_SIG, holding the secret in `value` (in a state export,
 * `ciphertext` or `plaintext`). Both strings are Pulumi's wire protocol and never change:
 * @pulumi/pulumi 3.248 `runtime/rpc.ts` exports them as `specialSigKey` and `specialSecretSig`.
 * Written here once, so the pack, the planner and `audit` read secrets the same way without
 * loading the Pulumi SDK. Pure: no Pulumi imports.
 */

/** The member that says what a serialized special value is. */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
/** Its value on a secret. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
