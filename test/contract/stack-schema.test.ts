import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { parse } from "yaml";
import { serviceSchema } from "@service-edges/contract/schema";
import { STACK_SCHEMA_DRAFT, stackSchema } from "@service-edges/contract/stack-schema";
import {
  REGENERATE_COMMAND,
  STACK_SCHEMA_PATH,
  renderStackSchema,
} from "@service-edges/contract/scripts/write-stack-schema";
import { DEV_FILE, type Values, clone, smallConfig } from "../fixtures";

type Doc = { config: Values } & Values;
type Services = Record<string, Record<string, unknown>>;
type Edges = Array<Record<string, unknown>>;

/** Strict mode, all of it but union types (`type: [string, number, boolean]` is zod's emission). */
function compile(): ValidateFunction {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
  return ajv.compile(JSON.parse(fs.readFileSync(STACK_SCHEMA_PATH, "utf8")) as object);
}

const shown = (errors: readonly ErrorObject[] | null | undefined) =>
  JSON.stringify(
    (errors ?? []).map((e) => ({ at: e.instancePath, keyword: e.keyword, params: e.params })),
  );

describe("stack schema (packages/contract/schema/stack.schema.json)", () => {
  let validate: ValidateFunction;
  before(() => {
    validate = compile();
  });

  const devDoc = () => parse(fs.readFileSync(DEV_FILE, "utf8")) as Doc;
  const smallDoc = (): Doc => ({ config: clone(smallConfig()) });

  function valid(doc: unknown): void {
    assert.ok(validate(doc), `expected it to validate, got ${shown(validate.errors)}`);
  }

  /** Refused, with an error at `instancePath` by `keyword` (and these params, when given). */
  function refused(
    doc: unknown,
    instancePath: string,
    keyword: string,
    params: Record<string, unknown> = {},
  ): void {
    assert.equal(validate(doc), false, "expected the stack file to be refused");
    const hit = validate.errors!.find(
      (e) =>
        e.instancePath === instancePath &&
        e.keyword === keyword &&
        Object.entries(params).every(([k, v]) => (e.params as Record<string, unknown>)[k] === v),
    );
    assert.ok(
      hit,
      `expected a ${keyword} error at ${instancePath} ${JSON.stringify(params)}, got ${shown(validate.errors)}`,
    );
  }

  /** The small fixture, changed by `mutate`. */
  function after(mutate: (services: Services, edges: Edges, config: Values) => void): Doc {
    const doc = smallDoc();
    mutate(
      doc.config["service-edges:services"] as Services,
      doc.config["service-edges:edges"] as Edges,
      doc.config,
    );
    return doc;
  }

  it("is what the generator writes now", async () => {
    const committed = fs.readFileSync(STACK_SCHEMA_PATH, "utf8");
    assert.ok(
      committed === (await renderStackSchema()),
      `${path.relative(process.cwd(), STACK_SCHEMA_PATH)} is stale: regenerate it with ${REGENERATE_COMMAND}`,
    );
    assert.ok(committed.endsWith("}\n"), "pretty JSON with a trailing newline");
  });

  it("is draft-07, and compiles in ajv's strict mode", () => {
    assert.equal(stackSchema().$schema, STACK_SCHEMA_DRAFT);
    assert.equal(STACK_SCHEMA_DRAFT, "http://json-schema.org/draft-07/schema#");
    assert.equal(typeof validate, "function");
  });

  it("has help text on every service, edge and network field", () => {
    const definitions = stackSchema().definitions as Record<
      string,
      { properties: Record<string, { description?: string }> }
    >;
    for (const name of ["service", "edge", "network"])
      for (const [field, s] of Object.entries(definitions[name].properties))
        assert.ok(s.description, `${name}.${field} has no description`);
    assert.deepEqual(
      Object.keys(definitions.service.properties).sort(),
      Object.keys(serviceSchema.shape).sort(),
    );
  });

  it("validates the dev stack and the test fixture", () => {
    valid(devDoc());
    valid(smallDoc());
  });

  it("is what Pulumi.dev.yaml's yaml-language-server comment points at", () => {
    const first = fs.readFileSync(DEV_FILE, "utf8").split("\n")[0];
    const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    assert.ok(m, `the first line of Pulumi.dev.yaml is not a schema comment: ${first}`);
    const target = path.resolve(path.dirname(DEV_FILE), m[1]);
    assert.ok(fs.existsSync(target), `${m[1]} does not exist`);
    assert.equal(target, STACK_SCHEMA_PATH);
  });

  describe("refuses", () => {
    const svcA = "/config/service-edges:services/a";

    it("an unknown service key", () => {
      refused(
        after((s) => (s.a.flavour = "vanilla")),
        svcA,
        "additionalProperties",
        { additionalProperty: "flavour" },
      );
    });

    it('kind "vm"', () => {
      refused(
        after((s) => (s.a.kind = "vm")),
        `${svcA}/kind`,
        "enum",
      );
    });

    it('maxInstances "many"', () => {
      const doc = after((s) => (s.a.maxInstances = "many"));
      refused(doc, `${svcA}/maxInstances`, "anyOf");
      refused(doc, `${svcA}/maxInstances`, "type", { type: "integer" });
    });

    it("an edge without roles", () => {
      refused(
        after((_, e) => delete e[1].roles),
        "/config/service-edges:edges/1",
        "required",
        { missingProperty: "roles" },
      );
    });

    it("an edge with empty roles", () => {
      refused(
        after((_, e) => (e[0].roles = [])),
        "/config/service-edges:edges/0/roles",
        "minItems",
      );
    });

    it("a misspelt service-edges key (service-edges:edge)", () => {
      const doc = after((_, e, config) => {
        delete config["service-edges:edges"];
        config["service-edges:edge"] = e;
      });
      refused(doc, "/config", "additionalProperties", {
        additionalProperty: "service-edges:edge",
      });
    });

    it("a network without addressSpace", () => {
      refused(
        after((_, __, config) => (config["service-edges:network"] = { scmAllowedRanges: [] })),
        "/config/service-edges:network",
        "required",
        { missingProperty: "addressSpace" },
      );
    });

    it("a service-edges key in the old namespace:config:name form, and a key with no namespace", () => {
      refused(
        after((_, __, c) => (c["service-edges:config:namePrefix"] = "x")),
        "/config",
        "additionalProperties",
      );
      refused(
        after((_, __, c) => (c.namePrefix = "edges-x")),
        "/config",
        "additionalProperties",
        { additionalProperty: "namePrefix" },
      );
    });

    it("a stack file without the program's keys (unless an ESC environment supplies them)", () => {
      refused(
        after((_, __, c) => delete c["service-edges:services"]),
        "/config",
        "required",
        { missingProperty: "service-edges:services" },
      );
      refused({ secretsprovider: "passphrase" }, "", "required", { missingProperty: "config" });
      valid({ environment: ["my-org/mesh-dev"] });
    });

    it("an unknown top-level key, and a non-string location", () => {
      refused({ ...smallDoc(), stacks: {} }, "", "additionalProperties", {
        additionalProperty: "stacks",
      });
      refused(
        after((_, __, c) => (c["azure-native:location"] = { secure: "v1:abc" })),
        "/config/azure-native:location",
        "type",
      );
    });
  });

  describe("accepts what the zod schema accepts", () => {
    it('"6" for maxInstances and "true" for easyAuth (Pulumi config set --path stores strings)', () => {
      const doc = after((s) => {
        s.b.maxInstances = "6";
        s.b.easyAuth = "true";
        s.a.clientSecret = "false";
        s.c.group = " 7 ";
      });
      valid(doc);
      const services = doc.config["service-edges:services"] as Services;
      for (const spec of Object.values(services)) assert.ok(serviceSchema.safeParse(spec).success);
    });

    it("agrees with zod on maxInstances and easyAuth values", () => {
      const samples: unknown[] = [6, "6", " 6 ", "-2", "+6", "6.5", 6.5, "six", "", true, null];
      const flags: unknown[] = [true, false, "true", "false", "True", "yes", 1, "1", null];
      const spec = { kind: "app", sku: "P1v3", maxInstances: 2, roles: ["R.Read"] };
      const check = (changed: Record<string, unknown>) => {
        const zodSays = serviceSchema.safeParse({ ...spec, ...changed }).success;
        const doc = after((s) => (s.b = { ...spec, ...changed }));
        assert.equal(
          validate(doc),
          zodSays,
          `${JSON.stringify(changed)}: ${shown(validate.errors)}`,
        );
      };
      for (const v of samples) check({ maxInstances: v });
      for (const v of flags) check({ easyAuth: v });
    });

    it("a secure value on another namespace's key, and any other namespace's keys", () => {
      valid(
        after((_, __, c) => {
          c["azure-native:clientSecret"] = { secure: "v1:c2VjcmV0" };
          c["azure-native:subscriptionId"] = "00000000-0000-0000-0000-000000000000";
          c["random:config:seed"] = 42;
          c["aws:assumeRole"] = { roleArn: "arn:aws:iam::123:role/x" };
        }),
      );
      valid({
        secretsprovider: "passphrase",
        encryptionsalt: "v1:abc=",
        environment: ["my-org/mesh-dev"],
        ...smallDoc(),
      });
    });
  });
});
