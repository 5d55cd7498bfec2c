/**
 * Expanding a study into its experiments: the sweep grammar.
 *
 * - `"a.b.c": [v1, v2]` (a list of values) is an axis: it sets that dotted path; axes multiply
 *   (Cartesian product, in the order written, the last varying fastest).
 * - `"label": [{...}, {...}]` (a list of mappings) is a dependent group: each alternative is
 *   deep-merged (its keys may be dotted paths); groups are crossed with the axes and each other.
 * - `"backend:a.b": [...]` applies only to points whose backend is that backend; for the others
 *   it is not applied, and the points it would have told apart collapse by deduplication.
 * - Explicit `experiments` are each merged over the base and added after the grid.
 * Every point is validated; invalid ones are skipped with their reason; equivalent ones (same
 * hash) are kept once.
 */
import type { z } from "zod";
import {
  ConfigError,
  describeValue,
  formatPath,
  problemsFromIssues,
  schemaNode,
  unknownKeyDetail,
  type ConfigProblem,
} from "./config-error.js";
import { canonicalJson, configHash, shortHash } from "./hash.js";
import { clonePlain, deepMerge, expandDottedKeys, flattenLeaves, isPlainObject, setPath, splitDottedKey, type PlainObject } from "./merge.js";
import { BACKENDS, ExperimentSchema, type BackendName, type ExperimentConfig, type StudyConfig } from "./schema.js";
import { isSecretName, looksLikeToken } from "../redact/index.js";
import { checkStudySize } from "./size-limits.js";

export interface ResolvedExperiment {
  config: ExperimentConfig;
  /** configHash(config): the identity of the configuration. */
  hash: string;
  /** Short, filesystem-safe, readable, unique within the study: e.g. "bs8_fp16" (at most 40 characters). */
  slug: string;
  /** Dotted key -> the value that made this point (for an explicit experiment: its own fields). */
  sweepValues: Record<string, unknown>;
}

export interface InvalidPoint {
  sweepValues: Record<string, unknown>;
  /** What is wrong, naming the field(s): `params.batch_size: expected a number > 0, found -1`. */
  reason: string;
}

export interface StudyExpansion {
  /** Valid, distinct experiments: the grid in order, then the explicit experiments. */
  experiments: ResolvedExperiment[];
  /** Points skipped because they are not valid experiments. */
  invalid: InvalidPoint[];
  /** Points dropped because an equivalent one (same hash) came earlier. */
  duplicates: number;
  warnings: string[];
}

export interface ExpandOptions {
  /** The study file, named in errors. */
  file?: string;
}

const SLUG_MAX = 40;

/** One assignment a point makes: set `path`, or merge `object`; only for `backend` when given. */
interface Assignment {
  backend: BackendName | undefined;
  path?: string[];
  value?: unknown;
  object?: PlainObject;
  /** Dotted key -> value, for sweepValues. */
  shown: Record<string, unknown>;
}

interface Dimension {
  key: string;
  choices: Assignment[][];
}

const sweepPath = (key: string, index?: number) => formatPath(index === undefined ? ["sweep", key] : ["sweep", key, index]);

function splitBackendPrefix(key: string, where: string, file: string | undefined): { backend: BackendName | undefined; rest: string } {
  const m = /^([A-Za-z][\w-]*):(.+)$/.exec(key);
  if (!m) return { backend: undefined, rest: key };
  const name = m[1]!;
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new ConfigError(file, {
      path: where,
      detail: `expected a known backend before ":", one of ${BACKENDS.map((b) => JSON.stringify(b)).join(", ")}, found "${name}"`,
    });
  }
  return { backend: name as BackendName, rest: m[2]! };
}

/** Throws if the dotted path names no field of an experiment (a typo would make every point invalid). */
function checkKnownPath(segments: readonly string[], where: string, file: string | undefined): void {
  let schema: z.ZodType | undefined = ExperimentSchema;
  for (let i = 0; i < segments.length && schema; i++) {
    const node = schemaNode(schema);
    if (node.kind !== "object") return;
    const seg = segments[i]!;
    const child = node.child(seg);
    if (!child) {
      const field = segments.slice(0, i + 1).join(".");
      throw new ConfigError(file, {
        path: where,
        detail: `"${field}" is not a field of an experiment: ${unknownKeyDetail(seg, node.keys)}`,
      });
    }
    schema = child;
  }
}

function kindOf(v: unknown): string {
  return isPlainObject(v) ? "a mapping" : Array.isArray(v) ? "a list" : v === null ? "null" : `a ${typeof v}`;
}

function parseDimension(key: string, values: unknown, file: string | undefined): Dimension {
  const where = sweepPath(key);
  if (!Array.isArray(values)) {
    throw new ConfigError(file, { path: where, detail: `expected a list of values (an axis) or of mappings (a dependent group), found ${describeValue(values)}` });
  }
  if (values.length === 0) throw new ConfigError(file, { path: where, detail: "an axis needs at least one value" });
  const objects = values.filter(isPlainObject).length;
  if (objects > 0 && objects < values.length) {
    const first = values.findIndex(isPlainObject);
    const other = values.findIndex((v) => !isPlainObject(v));
    throw new ConfigError(file, {
      path: where,
      detail:
        `expected a list of values (an axis) or a list of mappings (a dependent group), found a mix: ` +
        `item ${first} is a mapping, item ${other} is ${kindOf(values[other])}`,
    });
  }
  if (objects === 0) {
    // An axis.
    const { backend, rest } = splitBackendPrefix(key, where, file);
    const path = splitDottedKey(rest);
    checkKnownPath(path, where, file);
    return { key, choices: values.map((value) => [{ backend, path, value, shown: { [rest]: value } }]) };
  }
  // A dependent group: the key is a label; each alternative is a mapping of (dotted) fields.
  const choices = values.map((alt, i) => {
    const byBackend = new Map<BackendName | undefined, PlainObject>();
    for (const [k, v] of Object.entries(alt as PlainObject)) {
      const whereItem = `${sweepPath(key, i)}${formatPath(["x", k]).slice(1)}`;
      const { backend, rest } = splitBackendPrefix(k, whereItem, file);
      const part = byBackend.get(backend) ?? {};
      part[rest] = v;
      byBackend.set(backend, part);
    }
    const assignments: Assignment[] = [];
    for (const [backend, part] of byBackend) {
      const object = expandDottedKeys(part);
      const shown = flattenLeaves(object);
      for (const dotted of Object.keys(shown)) checkKnownPath(splitDottedKey(dotted), sweepPath(key, i), file);
      assignments.push({ backend, object, shown });
    }
    return assignments;
  });
  return { key, choices };
}

/** The problems that make the base unusable, ignoring fields it may leave to the sweep (missing ones). */
function baseProblems(base: PlainObject): ConfigProblem[] {
  const r = ExperimentSchema.safeParse(base, { reportInput: true });
  if (r.success) return [];
  const issues = r.error.issues.filter((issue) => {
    const input = (issue as { input?: unknown }).input;
    if ((issue.code === "invalid_type" || issue.code === "invalid_value") && input === undefined) return false;
    // A backend's own section (command, or openai's server) is a missing field too: the sweep may set it.
    if (issue.code === "custom" && issue.path.length === 1 && (issue.path[0] === "command" || issue.path[0] === "server")) return false;
    return true;
  });
  return problemsFromIssues(issues, ExperimentSchema);
}

/**
 * Checks an experiment that may be partial (a study's base, or the file it extends): wrong
 * types, unknown keys and out-of-range values are errors; missing required fields are not.
 */
export function checkPartialExperiment(base: PlainObject, file: string | undefined, prefix: string): void {
  const problems = baseProblems(base);
  if (problems.length) {
    throw new ConfigError(
      file,
      problems.map((p) => ({ ...p, path: prefix === "" ? p.path : p.path === "" ? prefix : p.path.startsWith("[") ? `${prefix}${p.path}` : `${prefix}.${p.path}` })),
    );
  }
}

function validate(point: PlainObject): { ok: true; config: ExperimentConfig } | { ok: false; reason: string } {
  const r = ExperimentSchema.safeParse(point, { reportInput: true });
  if (r.success) return { ok: true, config: r.data };
  const problems = problemsFromIssues(r.error.issues, ExperimentSchema);
  return { ok: false, reason: problems.map((p) => (p.path ? `${p.path}: ${p.detail}` : p.detail)).join("; ") };
}

// ---- slugs ----

function abbreviate(key: string): string {
  const last = key.split(".").pop() ?? key;
  const words = last
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .split(/[_\-\s]+/)
    .filter(Boolean);
  if (words.length > 1) return words.map((w) => w[0]!.toLowerCase()).join("");
  return (words[0] ?? last).toLowerCase().slice(0, 4);
}

function sanitize(text: string): string {
  return text
    .replace(/[^A-Za-z0-9.-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");
}

function slugPart(key: string, value: unknown): string {
  // A secret's value never names a directory: a short hash tells the points apart.
  if (typeof value === "string" && (isSecretName(key) || looksLikeToken(value))) return `${abbreviate(key)}-${shortHash(value).slice(0, 4)}`;
  if (typeof value === "string") return sanitize(value.split("/").filter(Boolean).pop() ?? value);
  if (typeof value === "number") return `${abbreviate(key)}${sanitize(String(value))}`;
  if (typeof value === "boolean") return value ? abbreviate(key) : `no-${abbreviate(key)}`;
  return `${abbreviate(key)}-${shortHash(canonicalJson(value)).slice(0, 4)}`;
}

function baseSlug(sweepValues: Record<string, unknown>, config: ExperimentConfig, explicitName: boolean): string {
  const entries = Object.entries(sweepValues).filter(([k]) => k !== "name");
  let slug: string;
  if (explicitName && config.name) slug = sanitize(config.name);
  else if (entries.length) slug = entries.map(([k, v]) => slugPart(k, v)).filter(Boolean).join("_");
  else slug = sanitize(config.name ?? config.model.split("/").pop() ?? config.model);
  slug = slug.slice(0, SLUG_MAX).replace(/[-._]+$/, "");
  return slug || "experiment";
}

function uniqueSlug(slug: string, hash: string, used: Set<string>): string {
  let s = slug;
  if (used.has(s)) s = `${slug.slice(0, SLUG_MAX - 7).replace(/[-._]+$/, "")}-${hash.slice(0, 6)}`;
  for (let n = 2; used.has(s); n++) s = `${slug.slice(0, SLUG_MAX - 10)}-${hash.slice(0, 6)}-${n}`;
  used.add(s);
  return s;
}

// ---- expansion ----

function* product(dims: readonly Dimension[]): Generator<Assignment[][]> {
  if (dims.length === 0) {
    yield [];
    return;
  }
  const idx = dims.map(() => 0);
  for (;;) {
    yield dims.map((d, i) => d.choices[idx[i]!]!);
    let i = dims.length - 1;
    while (i >= 0) {
      idx[i]!++;
      if (idx[i]! < dims[i]!.choices.length) break;
      idx[i] = 0;
      i--;
    }
    if (i < 0) return;
  }
}

function applyPoint(base: PlainObject, assignments: readonly Assignment[]): { point: PlainObject; shown: Record<string, unknown> } {
  let point = clonePlain(base);
  const shown: Record<string, unknown> = {};
  const apply = (a: Assignment) => {
    if (a.path) setPath(point, a.path, a.value);
    else if (a.object) point = deepMerge(point, a.object);
    Object.assign(shown, clonePlain(a.shown));
  };
  for (const a of assignments) if (a.backend === undefined) apply(a);
  // Backend-specific keys apply once the backend is known, and only to that backend.
  const backend = point.backend;
  for (const a of assignments) if (a.backend !== undefined && a.backend === backend) apply(a);
  return { point, shown };
}

/** A line for the log: which point was skipped and why. */
export function describeInvalidPoint(p: InvalidPoint): string {
  const values = Object.entries(p.sweepValues)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
  return `skipped ${values ? `the point ${values}` : "the base experiment"}: ${p.reason}`;
}

/**
 * Expands a study into its experiments. `base` is the starting object: the file the study
 * extends merged with its inline `base` (see loadStudy). Throws ConfigError for a malformed
 * sweep (a mixed list, an empty axis, an unknown field or backend), for a base with wrong
 * values, and for a study with nothing to run.
 */
export function expandStudy(study: StudyConfig, base: Record<string, unknown>, options: ExpandOptions = {}): StudyExpansion {
  const file = options.file;
  const startBase = expandDottedKeys(base);
  checkPartialExperiment(startBase, file, "base");

  const dims = Object.entries(study.sweep).map(([key, values]) => parseDimension(key, values, file));
  checkStudySize({ axisLengths: dims.map((d) => d.choices.length), explicit: study.experiments.length, cycles: study.execution.cycles, maxRuns: study.execution.maxRuns, file });
  const explicit = study.experiments.map((e, i) => {
    if (!isPlainObject(e)) {
      throw new ConfigError(file, { path: formatPath(["experiments", i]), detail: `expected a mapping (object), found ${describeValue(e)}` });
    }
    return expandDottedKeys(e);
  });

  const candidates: { point: PlainObject; shown: Record<string, unknown>; explicitName: boolean }[] = [];
  // With no axis or group, the grid is the base alone, unless explicit experiments replace it.
  if (dims.length > 0 || explicit.length === 0) {
    for (const combo of product(dims)) {
      const { point, shown } = applyPoint(startBase, combo.flat());
      candidates.push({ point, shown, explicitName: "name" in shown });
    }
  }
  for (const e of explicit) candidates.push({ point: deepMerge(startBase, e), shown: flattenLeaves(e), explicitName: "name" in e });

  if (dims.length === 0 && explicit.length === 0) {
    const v = validate(candidates[0]!.point);
    if (!v.ok) {
      throw new ConfigError(file, {
        path: "sweep",
        detail:
          `nothing to run: the sweep is empty and there are no experiments, so the study is its base alone, ` +
          `but the base is not a complete experiment (${v.reason}). Add a sweep, experiments, or the missing fields to base.`,
      });
    }
  }

  const experiments: ResolvedExperiment[] = [];
  const invalid: InvalidPoint[] = [];
  const seen = new Set<string>();
  const seenInvalid = new Set<string>();
  const usedSlugs = new Set<string>();
  let duplicates = 0;
  for (const c of candidates) {
    const v = validate(c.point);
    if (!v.ok) {
      const key = canonicalJson(c.point);
      if (seenInvalid.has(key)) {
        duplicates++;
        continue;
      }
      seenInvalid.add(key);
      invalid.push({ sweepValues: c.shown, reason: v.reason });
      continue;
    }
    const hash = configHash(v.config);
    if (seen.has(hash)) {
      duplicates++;
      continue;
    }
    seen.add(hash);
    const config = v.config;
    const slug = uniqueSlug(baseSlug(c.shown, config, c.explicitName), hash, usedSlugs);
    if (!c.explicitName) {
      const varied = Object.keys(c.shown).length > 0;
      if (config.name === undefined) config.name = slug;
      else if (varied) config.name = `${config.name}_${slug}`;
    }
    experiments.push({ config, hash, slug, sweepValues: c.shown });
  }

  const warnings: string[] = [];
  const distinct = experiments.length + invalid.length;
  if (invalid.length * 2 > distinct) {
    warnings.push(
      `${invalid.length} of ${distinct} points of the study are invalid (more than half): check the sweep. ` +
        `First: ${describeInvalidPoint(invalid[0]!)}`,
    );
  }
  return { experiments, invalid, duplicates, warnings };
}
