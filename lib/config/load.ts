/**
 * Loading studies and experiments from YAML or JSON files. Every mistake in a file is a
 * ConfigError that names the file and the field; none ends in a stack trace.
 */
import { readFile } from "node:fs/promises";
import { dirname, extname, isAbsolute, join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { ConfigError, configErrorFromZod, describeValue } from "./config-error.js";
import { canonicalJson, shortHash } from "./hash.js";
import { deepMerge, expandDottedKeys, isPlainObject, type PlainObject } from "./merge.js";
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
    return await readFile(file, "utf8");
  } catch (error) {
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

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split("\n");
  return { line: lines.length, col: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

/** Parses YAML, or JSON for a `.json` file; a syntax error names the line and column. */
export function parseConfigText(text: string, file: string): unknown {
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
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const summary = first.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
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
    throw new ConfigError(file, {
      path: "sweep",
      detail: `no valid experiment: all ${expansion.invalid.length} point(s) are invalid${first ? `; the first: ${first.reason}` : ""}`,
    });
  }
  return { file: resolve(file), study, base, expansion, studyHash: studyHashOf(expansion, study) };
}
