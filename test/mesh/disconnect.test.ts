/**
 * The disconnect step's script, as the planned program registers it, run by /bin/sh with a fake
 * `az` on PATH that answers as Azure Resource Manager would: only the site (or its integration)
 * being gone counts as done.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { T, one, planOf, smallConfig } from "../fixtures";

const SITE_ID =
  "/subscriptions/9aaa242e-3cc0-507a-a521-23278ab14903/resourceGroups/edges-dev-p1/providers/Microsoft.Web/sites/edges-dev-web";

/** Caller a's disconnect step's delete script, from the plan. */
let script: string;

/** Runs the script with an `az` that prints `output` and exits `code`; what it saw and did. */
function disconnect(output: string, code: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "service-edges-az-"));
  const calls = path.join(dir, "calls");
  const az = path.join(dir, "az");
  fs.writeFileSync(
    az,
    `#!/bin/sh\nprintf '%s\\n' "$*" >> "${calls}"\ncat <<'OUT' >&2\n${output}\nOUT\nexit ${code}\n`,
  );
  fs.chmodSync(az, 0o755);
  const r = spawnSync("/bin/sh", ["-c", script], {
    encoding: "utf8",
    env: { PATH: `${dir}:/usr/bin:/bin`, SITE_ID },
  });
  return {
    code: r.status,
    stderr: r.stderr,
    calls: fs.existsSync(calls) ? fs.readFileSync(calls, "utf8") : "",
  };
}

/** What `az rest` prints for an ARM error: its reason, then the response body. */
const armError = (code: string, message: string) =>
  `ERROR: Not Found({"error":{"code":"${code}","message":"${message}"}})`;

describe("the disconnect step's script against ARM's answers", () => {
  before(async () => {
    const command = one(await planOf(smallConfig()), T.command, "a.disconnect");
    assert.deepEqual(command.inputs.interpreter, ["/bin/sh", "-c"]);
    script = command.inputs.delete as string;
  });

  it("deletes the site's VNet integration and is done", () => {
    const r = disconnect("", 0);
    assert.equal(r.code, 0);
    assert.equal(
      r.calls,
      `rest --method delete --url ${SITE_ID}/networkConfig/virtualNetwork?api-version=2024-04-01\n`,
    );
  });

  it("a site that is gone (ResourceNotFound) or has no integration (NotFound) counts as done", () => {
    const site = armError(
      "ResourceNotFound",
      "The Resource 'Microsoft.Web/sites/edges-dev-web' under resource group 'edges-dev-p1' was not found.",
    );
    assert.equal(disconnect(site, 1).code, 0);
    const none = `ERROR: Not Found({"Code":"NotFound","Message":"Cannot find VirtualNetworkConnection.","Target":null})`;
    assert.equal(disconnect(none, 1).code, 0);
  });

  it("a missing resource group or subscription is a failure that says so, never done", () => {
    for (const [code, message] of [
      ["ResourceGroupNotFound", "Resource group 'edges-dev-p1' could not be found."],
      [
        "SubscriptionNotFound",
        "The subscription '9aaa242e-3cc0-507a-a521-23278ab14903' could not be found.",
      ],
    ]) {
      const out = armError(code, message);
      const r = disconnect(out, 1);
      assert.equal(r.code, 1, code);
      assert.equal(r.stderr, `${out}\n`);
    }
  });

  it("any other failure (no permission) fails the step", () => {
    const denied = `ERROR: Forbidden({"error":{"code":"AuthorizationFailed","message":"The client does not have authorization to perform action 'Microsoft.Web/sites/networkConfig/delete'."}})`;
    assert.equal(disconnect(denied, 1).code, 1);
    // A message that mentions a missing resource is not its code.
    const mentioned = armError("Conflict", "NotFound was not expected here");
    assert.equal(disconnect(mentioned, 1).code, 1);
  });
});
