/**
 * Loading studies and experiments from YAML or JSON files. Every mistake in a file is a
 * ConfigError that names the file and the field; none ends in a stack trace.
 */
import { readFile } from "node:fs/promises";
import { dirname, extname, isAbsolute, join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { ConfigError, configErrorFromZod, describeValue } from "./config-error.js";
import { canonicalJson, shortHash } from "./hash.js";
import { deepMerge, expandDottedKeys, flattenLeaves, isPlainObject, type PlainObject } from "./merge.js";
import { ExperimentSchema, StudySchema, type ExperimentConfig, type StudyConfig } from "./schema.js";
import { checkPartialExperiment, expandStudy, type StudyExpansion } from "./sweep.js";

export interface LoadedStudy {
  /** Absolute path of the study file. */
  file: string;
  study: StudyConfig;
  /** The starting object of every point: the file `extends` names, merged with the inline `base`. */
  base: Record<string, unknown>;
  expansion: StudyExpansion;
  /** Hash of the study: canonical JSON of its experiments' hashes (in order) and its execution settings. */
  studyHash: string;
}

function errnoCode(error: unknown): string | undefined {
  return error && typeof error === "object" && "code" in error ? String((error as { code: unknown }).code) : undefined;
}

async function readText(file: string, referencedBy?: { file: string; path: string }): Promise<string> {
  try {
    return decodeConfigText(await readFile(file), file);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = errnoCode(error);
    const why = code === "ENOENT" ? "does not exist" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "is not readable" : `cannot be read (${code ?? String(error)})`;
    if (referencedBy) {
      throw new ConfigError(
        referencedBy.file,
        { path: referencedBy.path, detail: `the base file ${file} ${why} (it is resolved relative to the study file)` },
        { cause: error },
      );
    }
    throw new ConfigError(file, { path: "", detail: `the file ${why}` }, { cause: error });
  }
}

/** Deeper than this, a file is not a study: refused before any recursive code can overflow the stack. */
export const MAX_NESTING_DEPTH = 64;

/**
 * The file's bytes as text: UTF-8 without its byte order mark. A binary file (NUL bytes or bytes
 * that are not UTF-8) or UTF-16 text is refused with one short sentence, never echoed.
 */
export function decodeConfigText(bytes: Buffer, file: string): string {
  const notText = (why: string) => new ConfigError(file, { path: "", detail: `the file is not a text (YAML or JSON) file: ${why}. Give the study file (YAML or JSON, UTF-8).` });
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) throw notText("it is UTF-16 text; save it as UTF-8");
  const nul = bytes.indexOf(0);
  if (nul !== -1) throw notText(`it holds binary data (a NUL byte at offset ${nul})`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw notText("it holds bytes that are not UTF-8 text (binary data?)");
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** How deeply lists and mappings nest (counted without recursion), stopping past `limit`. */
function nestingDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: { v: unknown; d: number }[] = [{ v: value, d: 0 }];
  while (stack.length) {
    const { v, d } = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d + 1 > max) max = d + 1;
    if (max > limit) return max;
    for (const child of Object.values(v as Record<string, unknown>)) stack.push({ v: child, d: d + 1 });
  }
  return max;
}

/** An upper bound of YAML flow nesting ([ and { outside quotes and comments), before the parser recurses. */
function yamlNestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\n") quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end;
    } else if (c === "[" || c === "{") max = Math.max(max, ++depth);
    else if ((c === "]" || c === "}") && depth > 0) depth--;
  }
  return max;
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split("\n");
  return { line: lines.length, col: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

/** Parses YAML, or JSON for a `.json` file; a syntax error names the line and column. */
export function parseConfigText(text: string, file: string): unknown {
  const value = parseText(text, file);
  const depth = nestingDepth(value, MAX_NESTING_DEPTH);
  if (depth > MAX_NESTING_DEPTH) {
    throw new ConfigError(file, { path: "", detail: `the file is nested too deeply (more than ${MAX_NESTING_DEPTH} levels of lists and mappings); a study needs a few` });
  }
  return value;
}

function parseText(text: string, file: string): unknown {
  if (extname(file).toLowerCase() === ".json") {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const lc = /line (\d+) column (\d+)/.exec(message);
      const pos = /position (\d+)/.exec(message);
      const where = lc ? { line: Number(lc[1]), col: Number(lc[2]) } : pos ? lineCol(text, Number(pos[1])) : undefined;
      const short = message.replace(/\s*\(line \d+ column \d+\)/, "").replace(/ in JSON at position \d+/, "");
      throw new ConfigError(file, { path: "", detail: `JSON syntax error: ${short}` }, {
        message: `${file}${where ? `:${where.line}:${where.col}` : ""}: JSON syntax error: ${short}`,
        cause: error,
      });
    }
  }
  const deep = yamlNestingDepth(text);
  if (deep > MAX_NESTING_DEPTH) {
    throw new ConfigError(file, { path: "", detail: `the file is nested too deeply (more than ${MAX_NESTING_DEPTH} levels of lists and mappings); a study needs a few` });
  }
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    throw new ConfigError(file, { path: "", detail: `YAML error: ${error instanceof Error ? error.message : String(error)}` }, { cause: error });
  }
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    let summary = first.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    if (first.code === "MULTIPLE_DOCS") summary = "the file holds several YAML documents (separated by ---); a study file must hold one document";
    if (/Maximum call stack/.test(summary)) summary = `the file is nested too deeply (more than ${MAX_NESTING_DEPTH} levels of lists and mappings)`;
    throw new ConfigError(file, { path: "", detail: `YAML syntax error: ${summary}` }, {
      message: `${file}${pos ? `:${pos.line}:${pos.col}` : ""}: YAML syntax error: ${summary}`,
      cause: first,
    });
  }
  try {
    return doc.toJS({ maxAliasCount: 1000 }) as unknown;
  } catch (error) {
    throw new ConfigError(file, { path: "", detail: `YAML error: ${error instanceof Error ? error.message : String(error)}` }, { cause: error });
  }
}

async function readMapping(file: string, what: string, referencedBy?: { file: string; path: string }): Promise<PlainObject> {
  const value = parseConfigText(await readText(file, referencedBy), file);
  if (!isPlainObject(value)) {
    throw new ConfigError(file, { path: "", detail: `expected ${what} (a mapping of fields) at the top level, found ${value === null || value === undefined ? "an empty file" : describeValue(value)}` });
  }
  return value;
}

/** Reads a single experiment file (YAML or JSON) and validates it. */
export async function loadExperiment(file: string): Promise<ExperimentConfig> {
  const raw = expandDottedKeys(await readMapping(file, "an experiment"));
  const r = ExperimentSchema.safeParse(raw, { reportInput: true });
  if (!r.success) throw configErrorFromZod(file, r.error, ExperimentSchema);
  return r.data;
}

/** The hash of a study: its experiments (by hash, in order) and how they are executed. */
export function studyHashOf(expansion: StudyExpansion, study: StudyConfig): string {
  return shortHash(canonicalJson({ experiments: expansion.experiments.map((e) => e.hash), execution: study.execution }));
}

/** Reads a study file (YAML or JSON), resolves the base it extends, and expands its sweep. */
export async function loadStudy(file: string): Promise<LoadedStudy> {
  const raw = await readMapping(file, "a study");
  const r = StudySchema.safeParse(raw, { reportInput: true });
  if (!r.success) throw configErrorFromZod(file, r.error, StudySchema);
  const study = r.data;

  let base: PlainObject = {};
  if (study.extends !== undefined) {
    const baseFile = isAbsolute(study.extends) ? study.extends : join(dirname(file), study.extends);
    const extended = expandDottedKeys(await readMapping(baseFile, "an experiment", { file, path: "extends" }));
    checkPartialExperiment(extended, baseFile, "");
    base = extended;
  }
  base = deepMerge(base, expandDottedKeys(study.base));

  let expansion: StudyExpansion;
  try {
    expansion = expandStudy(study, base, { file });
  } catch (error) {
    throw error instanceof ConfigError ? error.withFile(file) : error;
  }
  if (expansion.experiments.length === 0) {
    const first = expansion.invalid[0];
    // A point made by an explicit experiment is named by its place in `experiments`.
    const explicit = first ? study.experiments.findIndex((x) => canonicalJson(flattenLeaves(expandDottedKeys(x))) === canonicalJson(first.sweepValues)) : -1;
    const reason = first ? (explicit >= 0 ? `experiments[${explicit}]: ${first.reason}` : first.reason) : "";
    throw new ConfigError(file, {
      path: explicit >= 0 && Object.keys(study.sweep).length === 0 ? "experiments" : "sweep",
      detail: `no valid experiment: all ${expansion.invalid.length} point(s) are invalid${first ? `; the first: ${reason}` : ""}`,
    });
  }
  return { file: resolve(file), study, base, expansion, studyHash: studyHashOf(expansion, study) };
}
