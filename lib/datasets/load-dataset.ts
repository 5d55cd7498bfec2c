/**
 * The prompts of an experiment: synthetic or from a JSONL file, put in order, the first
 * `dataset.prompts` of them taken, and each truncated to `generation.maxInputTokens`
 * (approximately: engines that tokenize truncate exactly on their side).
 */
import { resolve } from "node:path";
import type { ExperimentConfig } from "../config/schema.js";
import { approxTokenCount, truncateToApproxTokens } from "./approx-tokens.js";
import { DatasetError } from "./dataset-error.js";
import { readJsonlPrompts } from "./jsonl.js";
import { orderRecords, type OrderableRecord } from "./order.js";
import type { Prompt } from "./prompt.js";
import { syntheticPrompts } from "./synthetic.js";

export type DatasetConfig = ExperimentConfig["dataset"];

/** Where the prompts came from; a file is identified by the SHA-256 of its bytes. */
export type DatasetSource = { kind: "synthetic" } | { kind: "jsonl"; path: string; sha256: string };

export interface LoadedDataset {
  prompts: Prompt[];
  /** How many prompts were cut to generation.maxInputTokens (callers warn about it). */
  truncated: number;
  source: DatasetSource;
}

export interface DatasetRequest {
  dataset: DatasetConfig;
  generation: { maxInputTokens: number };
}

interface Candidate extends OrderableRecord {
  id: string;
  text: string;
}

/** The value of dataset.source that means "generate the prompts". */
export const SYNTHETIC_SOURCE = "synthetic";

function candidates(dataset: DatasetConfig, baseDir: string): { list: Candidate[]; source: DatasetSource; file?: string } {
  if (dataset.source === SYNTHETIC_SOURCE) {
    if (dataset.order === "grouped") {
      throw new DatasetError('dataset.order "grouped" groups the records of a JSONL file by a field, and synthetic prompts have none. Use order "file" or "shuffled", or a JSONL source.');
    }
    const list = syntheticPrompts(dataset.synthetic, dataset.prompts, dataset.seed).map((p) => ({ id: p.id, text: p.text, line: null, fields: null }));
    return { list, source: { kind: "synthetic" } };
  }
  const path = resolve(baseDir, dataset.source);
  const { records, sha256 } = readJsonlPrompts(path, { field: dataset.field });
  if (records.length === 0) {
    throw new DatasetError(
      `${path} holds no prompt: it is empty, or holds only blank lines, comments and a header. ` +
        `Give a JSONL file with one JSON object per prompt, or use source "synthetic".`,
      { file: path },
    );
  }
  if (records.length < dataset.prompts) {
    throw new DatasetError(
      `${path} holds ${records.length} prompt(s) and dataset.prompts asks for ${dataset.prompts}. ` +
        `Lower dataset.prompts to ${records.length} or less, or use a file with more records.`,
      { file: path },
    );
  }
  const list = records.map((r) => ({ id: `line-${r.line}`, text: r.text, line: r.line, fields: r.fields }));
  return { list, source: { kind: "jsonl", path, sha256 }, file: path };
}

/**
 * Loads the prompts an experiment sends. `baseDir` is the directory a relative
 * dataset.source is resolved against: the study file's (default: the working directory).
 * Ordering applies to the whole file before the first `dataset.prompts` are taken, so
 * "shuffled" draws a seeded sample of the file. Throws DatasetError for a missing file, a
 * bad record, too few records or a grouping that cannot be done.
 */
export function loadDataset(cfg: DatasetRequest, baseDir: string = process.cwd()): LoadedDataset {
  const { dataset } = cfg;
  const maxTokens = cfg.generation.maxInputTokens;
  const { list, source, file } = candidates(dataset, baseDir);
  const ordered = orderRecords(list, { order: dataset.order, seed: dataset.seed, groupBy: dataset.groupBy, file }).slice(0, dataset.prompts);
  let truncated = 0;
  const prompts = ordered.map(({ record, group }): Prompt => {
    let text = record.text;
    if (approxTokenCount(text) > maxTokens) {
      text = truncateToApproxTokens(text, maxTokens);
      truncated++;
    }
    return { id: record.id, text, approxInputTokens: approxTokenCount(text), ...(group !== undefined ? { group } : {}) };
  });
  return { prompts, truncated, source };
}
