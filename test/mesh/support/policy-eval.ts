import type { PlanResource } from "@service-edges/cli/run";
/**
 * A small evaluator for the part of the Azure Policy rule language the guardrails use, so tests can
 * run a generated definition against the ARM JSON of a resource (`{ id, name, type, location,
 * properties }`, as `az resource show` or an ARM GET returns it) and see whether it would be denied.
 *
 * What it follows (MS Learn, "Azure Policy definition structure policy rule",
 * learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule):
 * - logical operators `allOf`, `anyOf`, `not`;
 * - conditions on a `field`, a `value` or a `count`; `equals`, `notEquals`, `in`, `notIn`, `like`
 *   (one `*`), `notLike`, `contains`, `notContains`, `exists`, `greater`, `greaterOrEquals`,
 *   `less`, `lessOrEquals`; string comparisons ignore case (InvariantCultureIgnoreCase), except
 *   match/notMatch, which the guardrails do not use;
 * - fields `type`, `name`, `fullName` (the name prefixed by its parents' names), `kind`,
 *   `location`, `id`, and aliases; a `field` on a `[*]` alias outside a count holds only if every
 *   element does ("evaluated individually with logical and");
 * - `count` over a `[*]` alias with a `where` evaluated per element;
 * - template expressions `[...]` with `parameters()`, `field()`, `concat()`, `coalesce()`,
 *   `first()`, `last()`, `skip()` (past the end: empty, never an error; MS Learn, "String functions
 *   for ARM templates", skip), `split()`, `toLower()`, and inside a field count's `where`, `current()`
 *   of the counted alias or of a property of its member (the current function, field count
 *   usage); a function that fails makes the evaluation fail, which is an implicit deny;
 * - mode `Indexed` evaluates only resource types that support tags and location (MS Learn, "Azure
 *   Policy definition structure basics", Resource Manager modes): approximated here by whether the
 *   resource JSON has a `location`.
 *
 * Alias paths: "each alias maps to paths in different API versions for a given resource type"
 * (MS Learn, "Azure Policy definition structure aliases",
 * learn.microsoft.com/azure/governance/policy/concepts/definition-structure-alias; the live list is
 * `az provider show --namespace <ns> --expand "resourceTypes/aliases"`). ALIAS_PATHS below maps each
 * alias the guardrails use to where the property sits in the ARM response body of the REST API
 * reference: Web Apps - Get / Get Slot / Get Configuration / Get Vnet Connection / Get Ftp Allowed
 * (basicPublishingCredentialsPolicies) / Get Private Endpoint Connection
 * (learn.microsoft.com/rest/api/appservice/web-apps), Private Endpoints - Get
 * (learn.microsoft.com/rest/api/virtualnetwork/private-endpoints/get), Federated Identity
 * Credentials - Get (learn.microsoft.com/rest/api/managedidentity/federated-identity-credentials/get).
 */

export interface ArmResource {
  id: string;
  name: string;
  type: string;
  kind?: string;
  location?: string;
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A WebApp the plan registered, as ARM returns a site: its inputs become `properties`. */
export function siteAsArm(r: PlanResource): ArmResource {
  const { name, kind, location } = r.inputs;
  const properties = { ...r.inputs };
  for (const k of ["name", "kind", "location", "resourceGroupName", "identity"])
    delete properties[k];
  return {
    id: r.id!,
    name: name as string,
    type: "Microsoft.Web/sites",
    kind: kind as string,
    location: location as string,
    properties,
  };
}

export interface PolicyDefinitionBody {
  mode: string;
  policyRule: { if: unknown; then: { effect: string } };
}

/** Alias -> its resource type and its path in the ARM body (`[*]` marks the array). */
export const ALIAS_PATHS: Readonly<Record<string, { type: string; path: string }>> = {
  "Microsoft.Network/privateEndpoints/privateLinkServiceConnections[*]": {
    type: "Microsoft.Network/privateEndpoints",
    path: "properties.privateLinkServiceConnections[*]",
  },
  "Microsoft.Network/privateEndpoints/privateLinkServiceConnections[*].privateLinkServiceId": {
    type: "Microsoft.Network/privateEndpoints",
    path: "properties.privateLinkServiceConnections[*].properties.privateLinkServiceId",
  },
  "Microsoft.Web/sites/publicNetworkAccess": {
    type: "Microsoft.Web/sites",
    path: "properties.publicNetworkAccess",
  },
  "Microsoft.Web/sites/config/publicNetworkAccess": {
    type: "Microsoft.Web/sites/config",
    path: "properties.publicNetworkAccess",
  },
  "Microsoft.Web/sites/virtualNetworkSubnetId": {
    type: "Microsoft.Web/sites",
    path: "properties.virtualNetworkSubnetId",
  },
  "Microsoft.Web/sites/slots/virtualNetworkSubnetId": {
    type: "Microsoft.Web/sites/slots",
    path: "properties.virtualNetworkSubnetId",
  },
  "Microsoft.Web/sites/virtualnetworkconnections/vnetResourceId": {
    type: "Microsoft.Web/sites/virtualNetworkConnections",
    path: "properties.vnetResourceId",
  },
  "Microsoft.Web/sites/basicPublishingCredentialsPolicies/allow": {
    type: "Microsoft.Web/sites/basicPublishingCredentialsPolicies",
    path: "properties.allow",
  },
  "Microsoft.Web/sites/privateEndpointConnections/privateLinkServiceConnectionState.status": {
    type: "Microsoft.Web/sites/privateEndpointConnections",
    path: "properties.privateLinkServiceConnectionState.status",
  },
  "Microsoft.Web/sites/slots/publicNetworkAccess": {
    type: "Microsoft.Web/sites/slots",
    path: "properties.publicNetworkAccess",
  },
  "Microsoft.Network/privateEndpoints/subnet.id": {
    type: "Microsoft.Network/privateEndpoints",
    path: "properties.subnet.id",
  },
  // Subnets - Get (learn.microsoft.com/rest/api/virtualnetwork/subnets/get) and Virtual Networks -
  // Get (its `subnets`, each `{ id, name, properties }`).
  "Microsoft.Network/virtualNetworks/subnets/privateEndpointNetworkPolicies": {
    type: "Microsoft.Network/virtualNetworks/subnets",
    path: "properties.privateEndpointNetworkPolicies",
  },
  "Microsoft.Network/virtualNetworks/subnets/networkSecurityGroup.id": {
    type: "Microsoft.Network/virtualNetworks/subnets",
    path: "properties.networkSecurityGroup.id",
  },
  "Microsoft.Network/virtualNetworks/subnets[*]": {
    type: "Microsoft.Network/virtualNetworks",
    path: "properties.subnets[*]",
  },
  "Microsoft.Network/virtualNetworks/subnets[*].name": {
    type: "Microsoft.Network/virtualNetworks",
    path: "properties.subnets[*].name",
  },
  "Microsoft.Network/virtualNetworks/subnets[*].privateEndpointNetworkPolicies": {
    type: "Microsoft.Network/virtualNetworks",
    path: "properties.subnets[*].properties.privateEndpointNetworkPolicies",
  },
  "Microsoft.Network/virtualNetworks/subnets[*].networkSecurityGroup.id": {
    type: "Microsoft.Network/virtualNetworks",
    path: "properties.subnets[*].properties.networkSecurityGroup.id",
  },
};

/** Thrown where Azure Policy's evaluation would fail (and so deny). */
export class EvaluationError extends Error {}

type Params = Readonly<Record<string, unknown>>;

interface Context {
  resource: ArmResource;
  params: Params;
  /** Inside a count: the `[*]` alias being counted and its current element. */
  current?: { alias: string; element: unknown };
}

const lower = (s: string) => s.toLowerCase();

/** Resource types and names along the id: `.../providers/NS/t1/n1/t2/n2`. */
function idSegments(id: string): { types: string[]; names: string[] } {
  const parts = id.split("/").filter(Boolean);
  const p = parts.map(lower).lastIndexOf("providers");
  if (p < 0) throw new EvaluationError(`not a resource id: ${id}`);
  const rest = parts.slice(p + 2);
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 0; i + 1 < rest.length; i += 2) {
    types.push(rest[i]);
    names.push(rest[i + 1]);
  }
  return { types, names };
}

function builtInField(resource: ArmResource, field: string): unknown {
  switch (lower(field)) {
    case "type":
      return resource.type;
    case "name":
      return resource.name.split("/").pop();
    case "fullname":
      return idSegments(resource.id).names.join("/");
    case "kind":
      return resource.kind;
    case "location":
      return resource.location;
    case "id":
      return resource.id;
    default:
      return undefined;
  }
}

/** Follows a dotted path; `[*]` fans out over an array. Returns every value found. */
function walk(root: unknown, path: string): unknown[] {
  let values: unknown[] = [root];
  for (const raw of path.split(".")) {
    const star = raw.endsWith("[*]");
    const key = star ? raw.slice(0, -3) : raw;
    const next: unknown[] = [];
    for (const v of values) {
      if (!v || typeof v !== "object") continue;
      const found = Object.entries(v as Record<string, unknown>).find(
        ([k]) => lower(k) === lower(key),
      )?.[1];
      if (found === undefined || found === null) continue;
      if (star) {
        if (Array.isArray(found)) next.push(...found);
      } else next.push(found);
    }
    values = next;
  }
  return values;
}

function aliasOf(name: string) {
  const entry = Object.entries(ALIAS_PATHS).find(([a]) => lower(a) === lower(name));
  if (!entry) throw new Error(`no path known for alias ${name}; add it to ALIAS_PATHS`);
  return entry[1];
}

/** A field's value; an array alias outside a count gives every element (`many`). */
function fieldValue(ctx: Context, field: string): { one?: unknown; many?: unknown[] } {
  const builtin = builtInField(ctx.resource, field);
  if (builtin !== undefined || !field.includes("/")) return { one: builtin };
  const alias = aliasOf(field);
  if (lower(alias.type) !== lower(ctx.resource.type)) return { one: undefined };
  if (ctx.current && lower(field).startsWith(lower(ctx.current.alias))) {
    // Inside a count: resolve the rest of the path against the current element.
    const countPath = aliasOf(ctx.current.alias).path;
    const rest = alias.path.slice(countPath.length).replace(/^\./, "");
    if (rest === "") return { one: ctx.current.element };
    return { one: walk(ctx.current.element, rest)[0] };
  }
  const found = walk(ctx.resource, alias.path);
  return alias.path.includes("[*]") ? { many: found } : { one: found[0] };
}

// ---- template expressions ----------------------------------------------------------------

type Expr =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "call"; name: string; args: Expr[] };

function parseExpression(text: string): Expr {
  let i = 0;
  const ws = () => {
    while (/\s/.test(text[i] ?? "")) i++;
  };
  const expr = (): Expr => {
    ws();
    if (text[i] === "'") {
      let out = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new EvaluationError(`unterminated string in ${text}`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            out += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        out += text[i++];
      }
      return { kind: "string", value: out };
    }
    const num = /^-?\d+/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      return { kind: "number", value: Number(num[0]) };
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (!id) throw new EvaluationError(`cannot parse ${text} at ${i}`);
    i += id[0].length;
    ws();
    if (text[i] !== "(") throw new EvaluationError(`expected ( after ${id[0]} in ${text}`);
    i++;
    const args: Expr[] = [];
    ws();
    if (text[i] === ")") i++;
    else
      for (;;) {
        args.push(expr());
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === ")") {
          i++;
          break;
        }
        throw new EvaluationError(`expected , or ) in ${text} at ${i}`);
      }
    return { kind: "call", name: id[0], args };
  };
  const e = expr();
  ws();
  if (i !== text.length) throw new EvaluationError(`trailing text in ${text}`);
  return e;
}

function call(ctx: Context, name: string, args: unknown[]): unknown {
  const str = (v: unknown, fn: string) => {
    if (typeof v !== "string")
      throw new EvaluationError(`${fn}() needs a string, got ${String(v)}`);
    return v;
  };
  switch (lower(name)) {
    case "parameters": {
      const key = str(args[0], "parameters");
      if (!(key in ctx.params)) throw new EvaluationError(`parameter ${key} has no value`);
      return ctx.params[key];
    }
    case "field": {
      const v = fieldValue(ctx, str(args[0], "field"));
      return v.many ?? v.one ?? null;
    }
    case "concat":
      if (args.every((a) => typeof a === "string")) return args.join("");
      if (args.every(Array.isArray)) return (args as unknown[][]).flat();
      throw new EvaluationError(`concat() takes all strings or all arrays, got ${String(args)}`);
    case "coalesce":
      return args.find((a) => a !== null && a !== undefined) ?? null;
    case "first": {
      const v = args[0];
      if (typeof v === "string") return v[0] ?? "";
      if (Array.isArray(v)) return v[0];
      throw new EvaluationError(`first() needs a string or array, got ${String(v)}`);
    }
    case "last": {
      const v = args[0];
      if (typeof v === "string") return v.slice(-1);
      if (Array.isArray(v)) return v[v.length - 1];
      throw new EvaluationError(`last() needs a string or array, got ${String(v)}`);
    }
    case "current": {
      if (!ctx.current) throw new EvaluationError("current() outside a count's where");
      const alias = args.length === 0 ? ctx.current.alias : str(args[0], "current");
      if (!lower(alias).startsWith(lower(ctx.current.alias)))
        throw new EvaluationError(`current('${alias}') is not the counted alias or its member`);
      const v = fieldValue(ctx, alias);
      return v.one ?? null;
    }
    case "skip": {
      const [v, n] = args;
      if (typeof n !== "number")
        throw new EvaluationError(`skip() needs a count, got ${String(n)}`);
      if (typeof v === "string" || Array.isArray(v)) return v.slice(Math.max(0, n));
      throw new EvaluationError(`skip() needs a string or array, got ${String(v)}`);
    }
    case "split":
      return str(args[0], "split").split(str(args[1], "split"));
    case "tolower":
      return str(args[0], "toLower").toLowerCase();
    default:
      throw new EvaluationError(`function ${name}() is not supported here`);
  }
}

function evalExpr(ctx: Context, e: Expr): unknown {
  if (e.kind !== "call") return e.value;
  return call(
    ctx,
    e.name,
    e.args.map((a) => evalExpr(ctx, a)),
  );
}

/** A literal, or the value of a `[...]` template expression (`[[` escapes a literal `[`). */
function resolve(ctx: Context, v: unknown): unknown {
  if (typeof v !== "string" || !v.startsWith("[") || v.startsWith("[[") || !v.endsWith("]"))
    return typeof v === "string" && v.startsWith("[[") ? v.slice(1) : v;
  return evalExpr(ctx, parseExpression(v.slice(1, -1)));
}

// ---- conditions ---------------------------------------------------------------------------

const OPERATORS = [
  "equals",
  "notEquals",
  "in",
  "notIn",
  "like",
  "notLike",
  "contains",
  "notContains",
  "exists",
  "greater",
  "greaterOrEquals",
  "less",
  "lessOrEquals",
] as const;
type Operator = (typeof OPERATORS)[number];

const text = (v: unknown) => (typeof v === "string" ? lower(v) : lower(JSON.stringify(v)));
const same = (a: unknown, b: unknown) =>
  a !== undefined && a !== null && b !== undefined && b !== null && text(a) === text(b);

function likeMatch(value: unknown, pattern: string): boolean {
  if (typeof value !== "string") return false;
  if ((pattern.match(/\*/g) ?? []).length > 1)
    throw new EvaluationError(`like takes at most one wildcard: ${pattern}`);
  const [head, tail] = pattern.split("*");
  const v = lower(value);
  return tail === undefined
    ? v === lower(head)
    : v.length >= head.length + tail.length && v.startsWith(lower(head)) && v.endsWith(lower(tail));
}

function compare(op: Operator, actual: unknown, expected: unknown): boolean {
  const missing = actual === undefined || actual === null;
  const list = () => {
    if (!Array.isArray(expected)) throw new EvaluationError(`${op} needs an array`);
    return expected;
  };
  switch (op) {
    case "equals":
      return same(actual, expected);
    case "notEquals":
      return !same(actual, expected);
    case "in":
      return !missing && list().some((e) => same(actual, e));
    case "notIn":
      return missing || !list().some((e) => same(actual, e));
    case "like":
      return likeMatch(actual, String(expected));
    case "notLike":
      return !likeMatch(actual, String(expected));
    case "contains":
      return typeof actual === "string" && lower(actual).includes(lower(String(expected)));
    case "notContains":
      return !(typeof actual === "string" && lower(actual).includes(lower(String(expected))));
    case "exists":
      return !missing === (text(expected) === "true");
    case "greater":
      return Number(actual) > Number(expected);
    case "greaterOrEquals":
      return Number(actual) >= Number(expected);
    case "less":
      return Number(actual) < Number(expected);
    case "lessOrEquals":
      return Number(actual) <= Number(expected);
  }
}

function operatorOf(node: Record<string, unknown>): [Operator, unknown] {
  const ops = OPERATORS.filter((o) => o in node);
  if (ops.length !== 1)
    throw new Error(`a condition needs exactly one operator: ${JSON.stringify(node)}`);
  return [ops[0], node[ops[0]]];
}

function holds(ctx: Context, node: unknown): boolean {
  if (!node || typeof node !== "object" || Array.isArray(node))
    throw new Error(`not a condition: ${JSON.stringify(node)}`);
  const n = node as Record<string, unknown>;
  // Every operand is evaluated (no short-circuit): Azure Policy does not promise an order, and a
  // failing function anywhere fails the evaluation.
  if ("allOf" in n) return (n.allOf as unknown[]).map((c) => holds(ctx, c)).every(Boolean);
  if ("anyOf" in n) return (n.anyOf as unknown[]).map((c) => holds(ctx, c)).some(Boolean);
  if ("not" in n) return !holds(ctx, n.not);
  const [op, raw] = operatorOf(n);
  const expected = resolve(ctx, raw);
  if ("count" in n) {
    const count = n.count as { field: string; where?: unknown };
    if (!count.field.endsWith("[*]")) throw new Error(`count.field must be a [*] alias`);
    const elements = fieldValue(ctx, count.field).many ?? [];
    const matching = elements.filter((element) =>
      count.where === undefined
        ? true
        : holds({ ...ctx, current: { alias: count.field, element } }, count.where),
    );
    return compare(op, matching.length, expected);
  }
  if ("field" in n) {
    const v = fieldValue(ctx, resolve(ctx, n.field) as string);
    if (v.many) return v.many.every((e) => compare(op, e, expected));
    return compare(op, v.one, expected);
  }
  if ("value" in n) return compare(op, resolve(ctx, n.value), expected);
  throw new Error(`a condition needs field, value or count: ${JSON.stringify(n)}`);
}

/**
 * The effect the definition has on a create or update of this resource with these assignment
 * parameters: `deny` when its `if` holds or its evaluation fails, else undefined (not matched, or
 * not evaluated under the definition's mode).
 */
export function effectOn(
  definition: PolicyDefinitionBody,
  resource: ArmResource,
  params: Params,
): { effect?: string; error?: string } {
  if (lower(definition.mode) === "indexed" && resource.location === undefined) return {};
  try {
    return holds({ resource, params }, definition.policyRule.if)
      ? { effect: definition.policyRule.then.effect }
      : {};
  } catch (err) {
    if (err instanceof EvaluationError) return { effect: "deny", error: err.message };
    throw err;
  }
}
