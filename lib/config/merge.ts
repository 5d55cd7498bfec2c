/** Deep merge and dotted paths over plain configuration objects (what YAML and JSON give). */
import { schemaNode, type SchemaNode } from "./config-error.js";
import { ExperimentSchema } from "./schema.js";
import type { z } from "zod";

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A deep copy of plain objects and arrays (scalars are shared). */
export function clonePlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => clonePlain(v)) as T;
  if (isPlainObject(value)) {
    const out: PlainObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = clonePlain(v);
    return out as T;
  }
  return value;
}

/**
 * `over` merged into `base`: objects merge key by key, recursively; anything else (scalars,
 * lists, null) in `over` replaces. Neither input is modified.
 */
export function deepMerge(base: PlainObject, over: PlainObject): PlainObject {
  const out = clonePlain(base);
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const current = out[k];
    out[k] = isPlainObject(current) && isPlainObject(v) ? deepMerge(current, v) : clonePlain(v);
  }
  return out;
}

/**
 * Splits a dotted key into the path it names in an experiment. Where the path enters a
 * free-form map (`params`, `command.env`), the rest is one key: `params.tp.size` -> ["params", "tp.size"].
 */
export function splitDottedKey(key: string, root: z.ZodType = ExperimentSchema): string[] {
  const parts = key.split(".");
  const out: string[] = [];
  let schema: z.ZodType | undefined = root;
  for (let i = 0; i < parts.length; i++) {
    const node: SchemaNode | undefined = schema ? schemaNode(schema) : undefined;
    if (node?.kind === "record") {
      out.push(parts.slice(i).join("."));
      return out;
    }
    const part = parts[i]!;
    out.push(part);
    schema = node?.kind === "object" ? node.child(part) : undefined;
  }
  return out;
}

/** Sets `path` in `target` (modified), creating objects on the way; a non-object in the way is replaced. */
export function setPath(target: PlainObject, path: readonly string[], value: unknown): void {
  let obj = target;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    const next = obj[k];
    if (isPlainObject(next)) {
      obj = next;
    } else {
      const created: PlainObject = {};
      obj[k] = created;
      obj = created;
    }
  }
  const last = path[path.length - 1];
  if (last !== undefined) obj[last] = clonePlain(value);
}

/** Turns top-level dotted keys into nested objects: `{"a.b": 1, c: 2}` -> `{a: {b: 1}, c: 2}` (merged in order). */
export function expandDottedKeys(obj: PlainObject, root: z.ZodType = ExperimentSchema): PlainObject {
  let out: PlainObject = {};
  for (const [k, v] of Object.entries(obj)) {
    if (!k.includes(".")) {
      out = deepMerge(out, { [k]: v });
      continue;
    }
    const nested: PlainObject = {};
    setPath(nested, splitDottedKey(k, root), v);
    out = deepMerge(out, nested);
  }
  return out;
}

/**
 * The leaves of a nested object as dotted keys (lists and scalars are leaves; free-form maps
 * such as `params` are walked too): `{params: {batch_size: 8}}` -> `{"params.batch_size": 8}`.
 */
export function flattenLeaves(obj: PlainObject, prefix = ""): PlainObject {
  const out: PlainObject = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix === "" ? k : `${prefix}.${k}`;
    if (isPlainObject(v) && Object.keys(v).length > 0) Object.assign(out, flattenLeaves(v, key));
    else out[key] = clonePlain(v);
  }
  return out;
}
