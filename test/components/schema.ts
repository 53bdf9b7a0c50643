/** The package schema's shape, and what tests do with it: inputs from a stack config, validation. */
import { PROJECT } from "@service-edges/contract";

export interface SchemaProperty {
  type?: string;
  $ref?: string;
  items?: SchemaProperty;
  additionalProperties?: SchemaProperty;
  description?: string;
  plain?: boolean;
}

export interface SchemaType {
  type: string;
  properties?: Record<string, SchemaProperty>;
  required?: string[];
  enum?: { value: string | number }[];
}

export interface PulumiSchema {
  name: string;
  version?: string;
  resources: Record<
    string,
    {
      isComponent: boolean;
      inputProperties: Record<string, SchemaProperty>;
      requiredInputs: string[];
      properties: Record<string, SchemaProperty>;
    }
  >;
  types: Record<string, SchemaType>;
}

/** ServiceMesh's inputs from a stack config's values, exactly as index.ts passes them. */
export function meshInputsOf(values: Record<string, unknown>): Record<string, unknown> {
  const ns = (k: string) => values[`${PROJECT}:${k}`];
  const inputs: Record<string, unknown> = {
    network: ns("network"),
    services: ns("services"),
    edges: ns("edges"),
    location: values["azure-native:location"],
  };
  if (ns("namePrefix") !== undefined) inputs.namePrefix = ns("namePrefix");
  if (ns("guardrails") !== undefined) inputs.guardrails = ns("guardrails");
  return JSON.parse(JSON.stringify(inputs));
}

/**
 * A JSON Schema (draft-07) for one resource's inputs, from the package schema: what an engine
 * checks a YAML program's properties against, with unknown properties refused.
 */
export function inputsJsonSchema(schema: PulumiSchema, token: string): object {
  const prefix = "#/types/";
  const convert = (p: SchemaProperty): object => {
    if (p.$ref) return { $ref: `#/definitions/${p.$ref.slice(prefix.length)}` };
    if (p.type === "array") return { type: "array", items: convert(p.items!) };
    if (p.type === "object" && p.additionalProperties) {
      return { type: "object", additionalProperties: convert(p.additionalProperties) };
    }
    return { type: p.type };
  };
  const object = (properties: Record<string, SchemaProperty>, required: string[] = []) => ({
    type: "object",
    properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, convert(v)])),
    required,
    additionalProperties: false,
  });
  const definitions = Object.fromEntries(
    Object.entries(schema.types).map(([name, t]) => [
      name,
      t.enum
        ? { type: t.type, enum: t.enum.map((e) => e.value) }
        : object(t.properties!, t.required),
    ]),
  );
  const r = schema.resources[token];
  return { ...object(r.inputProperties, r.requiredInputs), definitions };
}

/**
 * Python inputs back to schema names: the Python SDK names every object property in snake_case
 * (`max_instances`), with a trailing underscore on keywords (`from_`), and leaves map keys alone.
 */
export function pythonToSchemaNames(schema: PulumiSchema, token: string, value: unknown): unknown {
  const pyName = (n: string) => {
    const snake = n.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    return ["from", "import", "global", "lambda", "class", "def", "in", "is"].includes(snake)
      ? `${snake}_`
      : snake;
  };
  const prefix = "#/types/";
  const walk = (p: SchemaProperty | undefined, v: unknown): unknown => {
    if (!p || v === null || typeof v !== "object") return v;
    if (p.$ref) {
      const t = schema.types[p.$ref.slice(prefix.length)];
      return t.properties ? object(t.properties, v as Record<string, unknown>) : v;
    }
    if (p.type === "array") return (v as unknown[]).map((x) => walk(p.items, x));
    if (p.additionalProperties) {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, walk(p.additionalProperties, x)]),
      );
    }
    return v;
  };
  const object = (props: Record<string, SchemaProperty>, v: Record<string, unknown>) => {
    const byPyName = new Map(Object.keys(props).map((k) => [pyName(k), k]));
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => {
        const name = byPyName.get(k) ?? k;
        return [name, walk(props[name], x)];
      }),
    );
  };
  return object(schema.resources[token].inputProperties, value as Record<string, unknown>);
}
