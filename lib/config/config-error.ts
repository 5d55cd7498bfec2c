/**
 * Errors in a configuration file: each names the file, the path of the field
 * (`sweep.batch_size[2]`, `execution.cycles`), what was expected and what was found.
 */
import type { z } from "zod";
import { LemError } from "../errors.js";

/** One thing wrong with a configuration: where (a display path) and what. */
export interface ConfigProblem {
  /** Display path of the field, e.g. `execution.cycles` or `sweep.batch_size[2]`; "" for the whole file. */
  path: string;
  /** What is wrong: usually "expected ..., found ...". */
  detail: string;
}

/** A configuration file (study or experiment) is invalid. `message` says where and what, for a person. */
export class ConfigError extends LemError {
  readonly file: string | undefined;
  /** Display path of the (first) field at fault; "" for the file as a whole. */
  readonly path: string;
  readonly problems: readonly ConfigProblem[];

  constructor(
    file: string | undefined,
    problems: ConfigProblem | readonly ConfigProblem[],
    options?: { message?: string; cause?: unknown },
  ) {
    const list = Array.isArray(problems) ? (problems as readonly ConfigProblem[]) : [problems as ConfigProblem];
    super("LEM_CONFIG", options?.message ?? formatProblems(file, list), options?.cause === undefined ? undefined : { cause: options.cause });
    this.file = file;
    this.path = list[0]?.path ?? "";
    this.problems = list;
  }

  /** The same problems, attributed to `file` (used when an error raised without a file is rethrown by the loader). */
  withFile(file: string): ConfigError {
    if (this.file !== undefined) return this;
    const e = new ConfigError(file, this.problems, { cause: this.cause });
    return e;
  }
}

function formatProblem(p: ConfigProblem): string {
  return p.path === "" ? p.detail : `${p.path}: ${p.detail}`;
}

export function formatProblems(file: string | undefined, problems: readonly ConfigProblem[]): string {
  const where = file === undefined ? "" : `${file}: `;
  if (problems.length === 1) return `${where}${formatProblem(problems[0]!)}`;
  return `${where}${problems.length} problems:\n${problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`;
}

/** `["sweep", "batch_size", 2]` -> `sweep.batch_size[2]`; keys that are not plain names are quoted: `sweep["params.bs"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "symbol") out += `[${String(key)}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(key) && key.length <= 60) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(shortText(key))}]`;
  }
  return out;
}

/** Joins a display prefix (`base`, `experiments[1]`) and a display path. */
export function joinPath(prefix: string, path: string): string {
  if (prefix === "") return path;
  if (path === "") return prefix;
  return path.startsWith("[") ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** Text cut to `max` characters (with "...") for a message. */
export function shortText(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** A found value as a person reads it: `"three" (a string)`, `-5`, `an array`, `nothing`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") {
    return `${JSON.stringify(shortText(value))} (a string)`;
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object") return "a mapping (object)";
  return typeof value;
}

// ---- walking the zod schemas (for known keys, and for where a dotted path enters a record) ----

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
  values?: unknown[];
  entries?: Record<string, unknown>;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Strips default/optional/nullable/pipe wrappers. */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 20; i++) {
    const d = defOf(s);
    if (d.innerType && ["default", "optional", "nullable", "prefault", "catch", "readonly", "nonoptional"].includes(d.type)) {
      s = d.innerType;
    } else if (d.type === "pipe" && d.in) {
      s = d.in;
    } else {
      return s;
    }
  }
  return s;
}

export type SchemaNode =
  | { kind: "object"; keys: string[]; child: (key: string) => z.ZodType | undefined }
  | { kind: "record"; value: z.ZodType }
  | { kind: "array"; element: z.ZodType }
  | { kind: "other"; schema: z.ZodType };

export function schemaNode(schema: z.ZodType): SchemaNode {
  const s = unwrapSchema(schema);
  const d = defOf(s);
  if (d.type === "object" && d.shape) {
    const shape = d.shape;
    return { kind: "object", keys: Object.keys(shape), child: (k) => (Object.hasOwn(shape, k) ? shape[k] : undefined) };
  }
  if (d.type === "record" && d.valueType) return { kind: "record", value: d.valueType };
  if (d.type === "array" && d.element) return { kind: "array", element: d.element };
  return { kind: "other", schema: s };
}

/** The schema found at `path` below `root`, or undefined if the path leaves the schema. */
export function schemaAt(root: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = root;
  for (const key of path) {
    if (!s) return undefined;
    const node = schemaNode(s);
    if (node.kind === "object" && typeof key === "string") s = node.child(key);
    else if (node.kind === "record") s = node.value;
    else if (node.kind === "array" && typeof key === "number") s = node.element;
    else return undefined;
  }
  return s;
}

/** Allowed values of an enum schema, if it is one. */
function enumValues(schema: z.ZodType | undefined): unknown[] | undefined {
  if (!schema) return undefined;
  const d = defOf(unwrapSchema(schema));
  if (d.type === "enum" && d.entries) return Object.values(d.entries);
  return undefined;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

/** The known key closest to `key`, if it is close enough to be a likely typo. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** "unknown key": what to say, with the keys allowed there and a likely typo. */
export function unknownKeyDetail(key: string, known: readonly string[] | undefined): string {
  const guess = known ? closestKey(key, known) : undefined;
  const allowed = known?.length ? `one of ${known.join(", ")}` : "no other key here";
  return `unknown key, expected ${allowed}${guess ? ` (did you mean "${guess}"?)` : ""}, found ${JSON.stringify(shortText(key))}`;
}

type Issue = z.core.$ZodIssue & { input?: unknown };

/** A zod type name as a person reads it, with its article: "an integer", "a mapping of names to values". */
export function expectedType(zodType: string): string {
  switch (zodType) {
    case "int":
      return "an integer";
    case "object":
      return "a mapping (object)";
    case "record":
      return "a mapping of names to values";
    case "array":
    case "tuple":
      return "a list";
    case "undefined":
      return "nothing";
    default:
      return /^[aeiou]/.test(zodType) ? `an ${zodType}` : `a ${zodType}`;
  }
}

/** "a, b or c". */
function listOr(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]!}`;
}

/** Whether a (wrapped) number schema only takes integers (z.number().int()). */
function isIntegerSchema(schema: z.ZodType | undefined): boolean {
  if (!schema) return false;
  return (unwrapSchema(schema) as unknown as { isInt?: boolean }).isInt === true;
}

function bound(issue: { minimum?: unknown; maximum?: unknown; inclusive?: boolean }, small: boolean): string {
  const n = String(small ? issue.minimum : issue.maximum);
  if (small) return issue.inclusive === false ? `> ${n}` : `>= ${n}`;
  return issue.inclusive === false ? `< ${n}` : `<= ${n}`;
}

/** zod issues -> problems with display paths and "expected ..., found ..." details. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], root: z.ZodType, prefix = ""): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const raw of issues) {
    const issue = raw as Issue;
    const here = formatPath(issue.path);
    const found = describeValue(issue.input);
    switch (issue.code) {
      case "unrecognized_keys": {
        const node = schemaAt(root, issue.path);
        const known = node && schemaNode(node).kind === "object" ? (schemaNode(node) as { keys: string[] }).keys : undefined;
        for (const key of issue.keys) {
          out.push({ path: joinPath(prefix, formatPath([...issue.path, key])), detail: unknownKeyDetail(key, known) });
        }
        continue;
      }
      case "invalid_type": {
        const e = isIntegerSchema(schemaAt(root, issue.path)) && issue.expected === "number" ? "an integer" : expectedType(issue.expected);
        const missing = issue.input === undefined ? " (the field is required)" : "";
        out.push({ path: joinPath(prefix, here), detail: `expected ${e}, found ${found}${missing}` });
        continue;
      }
      case "invalid_value": {
        const values = issue.values.map((v) => JSON.stringify(v)).join(", ");
        const what = issue.path.length === 1 && issue.path[0] === "backend" ? "a known backend, one" : "one";
        out.push({ path: joinPath(prefix, here), detail: `expected ${what} of ${values}, found ${found}` });
        continue;
      }
      case "too_small":
      case "too_big": {
        const small = issue.code === "too_small";
        let expected: string;
        if (!issue.message.startsWith("Too ") && !issue.message.startsWith("Invalid")) {
          out.push({ path: joinPath(prefix, here), detail: issue.message });
          continue;
        }
        if (issue.origin === "number" || issue.origin === "int" || issue.origin === "bigint") {
          expected = `${isIntegerSchema(schemaAt(root, issue.path)) ? "an integer" : "a number"} ${bound(issue, small)}`;
        } else if (issue.origin === "string") {
          expected = small && Number(issue.minimum) === 1 ? "a non-empty string" : `a string of length ${bound(issue, small)}`;
        } else if (issue.origin === "array") {
          expected = small && Number(issue.minimum) === 1 ? "a non-empty list" : `a list of length ${bound(issue, small)}`;
        } else {
          expected = `a value ${bound(issue, small)}`;
        }
        out.push({ path: joinPath(prefix, here), detail: `expected ${expected}, found ${found}` });
        continue;
      }
      case "invalid_format": {
        const custom = issue.message.startsWith("Invalid") ? `a string matching ${issue.pattern ?? issue.format}` : issue.message;
        out.push({ path: joinPath(prefix, here), detail: `expected ${custom}, found ${found}` });
        continue;
      }
      case "invalid_union": {
        const expected = new Set<string>();
        for (const branch of issue.errors) {
          for (const b of branch) if (b.code === "invalid_type" && b.path.length === 0) expected.add(b.expected);
        }
        const what = expected.size ? listOr([...expected].map(expectedType)) : "a valid value";
        out.push({ path: joinPath(prefix, here), detail: `expected ${what}, found ${found}` });
        continue;
      }
      case "not_multiple_of":
        out.push({ path: joinPath(prefix, here), detail: `expected a multiple of ${String(issue.divisor)}, found ${found}` });
        continue;
      default:
        out.push({ path: joinPath(prefix, here), detail: issue.message.replace(/^Invalid input: /, "") });
    }
  }
  return out;
}

/** Allowed values of the enum at `path` (e.g. the backends), for messages. */
export function allowedValues(root: z.ZodType, path: readonly PropertyKey[]): unknown[] | undefined {
  return enumValues(schemaAt(root, path));
}

/** A ConfigError for the issues of a failed safeParse. */
export function configErrorFromZod(
  file: string | undefined,
  error: z.ZodError,
  root: z.ZodType,
  prefix = "",
): ConfigError {
  return new ConfigError(file, problemsFromIssues(error.issues, root, prefix), { cause: error });
}
