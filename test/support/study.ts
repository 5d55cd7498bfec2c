/** Writes study files for tests, running lem's workload child on the simulated GPU. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./run-lem.js";

export const workload = join(repoRoot, "harness", "node", "workload.mjs");

export interface StudyFileOptions {
  name?: string;
  sweep?: Record<string, unknown[]>;
  extraArgs?: string[];
  cycles?: number;
  order?: string;
  execution?: Record<string, unknown>;
  baselineS?: number | false;
  prompts?: number;
  stepMs?: number;
}

/** A study directory with study.json inside; returns both paths. */
export function writeStudy(o: StudyFileOptions = {}): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "lem-study-"));
  const file = join(dir, "study.json");
  const study = {
    name: o.name ?? "test-study",
    base: {
      model: "tiny-sim",
      backend: "command",
      params: { batch_size: 1 },
      command: {
        argv: [
          process.execPath,
          workload,
          "--model",
          "{model}",
          "--batch-size",
          "{batch_size}",
          "--prompts",
          String(o.prompts ?? 8),
          "--max-output-tokens",
          "{generation.maxOutputTokens}",
          "--step-ms",
          String(o.stepMs ?? 1),
          ...(o.extraArgs ?? []),
        ],
      },
      generation: { maxOutputTokens: 16 },
      measurement: {
        intervalMs: 10,
        baseline: o.baselineS === false ? { enabled: false } : { durationS: o.baselineS ?? 0.5 },
        settling: { mode: "none" },
        residualMemoryWaitS: 0,
      },
    },
    sweep: o.sweep ?? {},
    execution: { cycles: o.cycles ?? 1, order: o.order ?? "interleaved", circuitPauseS: 0, ...(o.execution ?? {}) },
    output: { dir: "results" },
  };
  writeFileSync(file, JSON.stringify(study, null, 2));
  return { dir, file };
}

/** The one study directory lem created under `<dir>/results`. */
export function studyDirIn(dir: string): string {
  const entries = readdirSync(join(dir, "results"));
  if (entries.length !== 1) throw new Error(`expected one study directory, found ${entries.join(", ")}`);
  return join(dir, "results", entries[0]!);
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, "utf8")) as T;
}

/** RFC 4180 CSV: quoted fields, doubled quotes, commas and newlines inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
