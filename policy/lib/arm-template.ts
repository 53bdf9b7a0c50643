/**
 * The resources of an in-line ARM template (`properties.template` of a deployment, `template` of
 * a deployment stack), read as the pack reads a generic ARM resource (sources.ts `fromArm`).
 *
 * ARM evaluates template expressions (`[concat(...)]`, `[resourceId(...)]`) at deployment time;
 * the pack evaluates none of them but the plainest, a whole value that is
 * `[parameters('x')]` or `[variables('x')]` with a literal value (the deployment's `parameters`,
 * else the template's `defaultValue`). Any other expression where a type, a name or an inbound
 * setting should be, a copy loop, a nested deployment's linked template: the resource is
 * unreadable, and `mesh-site-changes-readable` refuses it when it could touch a mesh site.
 * A string that starts with `[[` is a literal `[` (ARM's escape).
 *
 * Template resources deploy into the deployment's resource group; a nested
 * `Microsoft.Resources/deployments` may name another one (`resourceGroup`).
 *
 * Pure: no Pulumi imports.
 */
import type { StackResourceLike } from "./mesh";
import { Sourced, fromArm, label } from "./sources";
import { Plain, PlainObject, UNKNOWN, asArray, asObject, isUnknown } from "./values";

interface Scope {
  parameters: PlainObject;
  variables: PlainObject;
}

const EXPRESSION = /^\[[\s\S]*\]$/;
const REFERENCE = /^\[\s*(parameters|variables)\(\s*'([^']+)'\s*\)\s*\]$/i;

/** A literal value of the template, with every expression it cannot evaluate made UNKNOWN. */
function evaluate(
  v: Plain | undefined,
  scope: Scope,
  path: string,
  hidden: string[],
): Plain | undefined {
  if (typeof v === "string") {
    if (v.startsWith("[[")) return v.slice(1);
    if (!EXPRESSION.test(v)) return v;
    const m = REFERENCE.exec(v);
    if (m) {
      const table = m[1].toLowerCase() === "parameters" ? scope.parameters : scope.variables;
      const key = Object.keys(table).find((k) => k.toLowerCase() === m[2].toLowerCase());
      const value = key !== undefined ? table[key] : undefined;
      if (value !== undefined && !(typeof value === "string" && EXPRESSION.test(value))) {
        return value;
      }
    }
    hidden.push(path);
    return UNKNOWN;
  }
  if (Array.isArray(v)) return v.map((e, i) => evaluate(e, scope, `${path}[${i}]`, hidden) ?? null);
  if (v !== null && typeof v === "object" && !isUnknown(v)) {
    const out: PlainObject = {};
    for (const [k, e] of Object.entries(v)) {
      const x = evaluate(e, scope, path ? `${path}.${k}` : k, hidden);
      if (x !== undefined) out[k] = x;
    }
    return out;
  }
  return v;
}

function scopeOf(template: PlainObject, given: Plain | undefined, outer?: Scope): Scope {
  const parameters: PlainObject = { ...(outer?.parameters ?? {}) };
  const declared = asObject(template["parameters"]);
  for (const [k, d] of Object.entries(declared && !isUnknown(declared) ? declared : {})) {
    const def = asObject(d);
    if (def && !isUnknown(def) && def["defaultValue"] !== undefined) {
      parameters[k] = def["defaultValue"];
    }
  }
  const values = asObject(given);
  for (const [k, d] of Object.entries(values && !isUnknown(values) ? values : {})) {
    const o = asObject(d);
    if (o && !isUnknown(o) && o["value"] !== undefined) parameters[k] = o["value"];
  }
  const vars = asObject(template["variables"]);
  return {
    parameters,
    variables: { ...(outer?.variables ?? {}), ...(vars && !isUnknown(vars) ? vars : {}) },
  };
}

/** Types whose resources write a site's inbound settings, reach a site, or deploy more. */
function relevant(type: string): boolean {
  const t = type.toLowerCase();
  return (
    t.startsWith("microsoft.web/sites") ||
    t === "microsoft.network/privateendpoints" ||
    t === "microsoft.resources/deployments"
  );
}

/** Paths (below `properties`) whose value decides what the pack says about a site or endpoint. */
const DECIDING =
  /^$|^siteconfig$|restriction|defaultaction|usemain|publicnetworkaccess|privatelink|groupids|status/i;

/** Reads the resources of one deployment body (`{ template, parameters }`). */
export function templateResources(
  r: StackResourceLike,
  body: PlainObject,
  rg: string,
  out: Sourced,
  at: string,
  outer?: Scope,
): void {
  const template = asObject(body["template"]);
  if (!template || isUnknown(template)) return;
  const scope = scopeOf(template, body["parameters"], outer);
  const list = template["resources"];
  const entries: [string, Plain][] = Array.isArray(list)
    ? list.map((e, i) => [`[${i}]`, e])
    : Object.entries(asObject(list) && !isUnknown(asObject(list)) ? (list as PlainObject) : {}).map(
        ([k, e]) => [`.${k}`, e],
      );
  for (const [where, e] of entries) {
    walk(r, e, scope, rg, out, `${at}resources${where}`, undefined);
  }
}

function walk(
  r: StackResourceLike,
  raw: Plain,
  scope: Scope,
  rg: string,
  out: Sourced,
  path: string,
  parent: { type: string; name: string } | undefined,
): void {
  const o = asObject(raw);
  if (!o || isUnknown(o)) return;
  const hidden: string[] = [];
  const typeV = evaluate(o["type"], scope, "type", hidden);
  const nameV = evaluate(o["name"], scope, "name", hidden);
  const whole = (t: string) => (parent && !t.includes("/") ? `${parent.type}/${t}` : t);
  const type = typeof typeV === "string" ? whole(typeV) : undefined;
  const name =
    typeof nameV === "string"
      ? parent && type && nameV.split("/").length < type.split("/").length - 1
        ? `${parent.name}/${nameV}`
        : nameV
      : undefined;
  const shown = `${label(r.type, r.name)} resource ${path}`;
  const unreadable = (why: string, site?: { resourceGroup: string; site: string; slot?: string }) =>
    out.unreadable.push({
      source: r,
      label: `${shown}${type ? ` (${type}${name ? ` "${name}"` : ""})` : ""}`,
      what: "a template resource",
      why,
      resourceGroup: rg,
      ...(site ? { site } : {}),
      fix:
        "write that name and those settings as literal values in the template (or as " +
        "[parameters('...')] given in the deployment), or declare the resource with azure-native's " +
        "web and network types",
    });
  if (type === undefined) {
    unreadable(`its type is an expression (${String(o["type"])}) the pack does not evaluate`);
    return;
  }
  if (!relevant(type)) return;
  if (o["copy"] !== undefined) {
    unreadable("it is a copy loop, whose names and settings ARM computes at deployment time");
    return;
  }
  if (name === undefined) {
    unreadable(`its name is an expression (${String(o["name"])}) the pack does not evaluate`);
    return;
  }
  const [namespace, ...typeSegs] = type.split("/");
  const nameSegs = name.split("/");
  if (typeSegs.length !== nameSegs.length) return;
  const segments = typeSegs.flatMap((t, i) => [t, nameSegs[i]]);

  if (type.toLowerCase() === "microsoft.resources/deployments") {
    const props = asObject(evaluate(o["properties"], scope, "properties", hidden));
    const rgV = evaluate(o["resourceGroup"], scope, "resourceGroup", hidden);
    const inner = typeof rgV === "string" ? rgV : rgV === undefined ? rg : "any";
    if (!props || isUnknown(props)) return;
    if (props["templateLink"] !== undefined && props["templateLink"] !== null) {
      out.unreadable.push({
        source: r,
        label: `${shown} (${type} "${name}")`,
        what: "a linked template",
        why: `its nested deployment links its template (properties.templateLink), which the pack cannot read`,
        resourceGroup: "any",
        fix: "put the nested template in-line, or declare those resources with azure-native's web and network types",
      });
      return;
    }
    // The nested template's own expressions are evaluated in its own scope, as ARM does.
    const nested = asObject(o["properties"]);
    if (nested && !isUnknown(nested)) {
      templateResources(r, nested, inner, out, `${path}.properties.template.`, scope);
    }
    return;
  }

  const properties = evaluate(o["properties"], scope, "", hidden);
  const s = fromArm(
    r,
    { namespace, segments, properties, kind: o["kind"] },
    rg,
    `${r.urn}#${path}`,
    `${shown} (${type} "${name}")`,
  );
  if (s) out.resources.push(s);
  const deciding = hidden.filter((h) => h === "type" || h === "name" || DECIDING.test(h));
  if (deciding.length > 0) {
    const site =
      segments[0]?.toLowerCase() === "sites" && rg !== "any"
        ? {
            resourceGroup: rg,
            site: segments[1],
            ...(segments[2]?.toLowerCase() === "slots" ? { slot: segments[3] } : {}),
          }
        : undefined;
    unreadable(
      `${deciding.map((h) => `properties.${h}`.replace(/\.$/, "")).join(", ")} ` +
        `${deciding.length === 1 ? "is an expression" : "are expressions"} the pack does not evaluate`,
      site,
    );
  }
  const children = asArray(o["resources"]);
  if (Array.isArray(children)) {
    children.forEach((c, i) =>
      walk(r, c, scope, rg, out, `${path}.resources[${i}]`, { type, name }),
    );
  }
}
