/**
 * A study's runs as one table, one row per planned run: as CSV (RFC 4180, like summary.csv),
 * Parquet (hyparquet-writer) or a JSON array. Every file is written atomically.
 */
import { parquetWriteFile, type ColumnSource } from "hyparquet-writer";
import { InvalidOptionsError } from "../errors.js";
import { abandonTemporary, commitTemporary, temporaryPathFor, writeFileAtomic } from "../fs/atomic-write.js";
import { version } from "../version.js";
import { readStudy, type StudyOnDisk } from "./study-reader.js";
import { formatNumber, toCsv } from "./summary-csv.js";

export const EXPORT_FORMATS = ["csv", "parquet", "json"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

type Kind = "int" | "count" | "number" | "string" | "boolean";

/** The fixed columns, in order; the swept keys come after `run_dir`. */
export const EXPORT_COLUMNS: readonly { name: string; kind: Kind; about: string }[] = [
  { name: "position", kind: "int", about: "0-based order of execution" },
  { name: "cycle", kind: "int", about: "0-based cycle" },
  { name: "config_hash", kind: "string", about: "configuration hash" },
  { name: "slug", kind: "string", about: "configuration's short name" },
  { name: "name", kind: "string", about: "configuration's name" },
  { name: "run_dir", kind: "string", about: "the run's directory (NNN_c{cycle}_{slug}_{hash8}); empty when the run has no result" },
  { name: "status", kind: "string", about: "pending, running, completed, failed, interrupted or skipped (the manifest's)" },
  { name: "attempts", kind: "int", about: "times the run was started" },
  { name: "started_at", kind: "string", about: "ISO 8601" },
  { name: "ended_at", kind: "string", about: "ISO 8601" },
  { name: "simulated", kind: "boolean", about: "measured on the simulated GPU" },
  { name: "energy_j", kind: "number", about: "raw energy of all GPUs over the window" },
  { name: "adjusted_energy_j", kind: "number", about: "energy above the idle baseline" },
  { name: "energy_per_output_token_j", kind: "number", about: "energy / output tokens" },
  { name: "energy_per_token_j", kind: "number", about: "energy / (input + output tokens)" },
  { name: "energy_per_request_j", kind: "number", about: "energy / requests" },
  { name: "wh_per_1000_requests", kind: "number", about: "energy per request x 1000 / 3600" },
  { name: "adjusted_energy_per_output_token_j", kind: "number", about: "adjusted energy / output tokens" },
  { name: "input_tokens", kind: "count", about: "" },
  { name: "output_tokens", kind: "count", about: "" },
  { name: "requests", kind: "count", about: "" },
  { name: "failed_requests", kind: "count", about: "requests that failed inside the window (the result's requestOutcomes.failed)" },
  { name: "output_tokens_per_s", kind: "number", about: "over the window" },
  { name: "requests_per_s", kind: "number", about: "over the window" },
  { name: "ttft_p50_ms", kind: "number", about: "median time to first token" },
  { name: "inter_token_p50_ms", kind: "number", about: "median time between output tokens" },
  { name: "request_p50_ms", kind: "number", about: "median request latency" },
  { name: "window_s", kind: "number", about: "measurement window" },
  { name: "window_source", kind: "string", about: "protocol, workload or lifetime" },
  { name: "wall_s", kind: "number", about: "whole run, settling included" },
  { name: "steady_state_energy_per_output_token_j", kind: "number", about: "over the steady-state window (workload.steadyState)" },
  { name: "steady_state_output_tokens_per_s", kind: "number", about: "over the steady-state window" },
  { name: "steady_state_window_s", kind: "number", about: "the steady-state window's length" },
  { name: "warnings", kind: "string", about: "the result's warning codes, each once, joined with ';'" },
  { name: "error", kind: "string", about: "why the run failed, or null" },
];

export type ExportValue = string | number | boolean | null;
export type ExportRow = Record<string, ExportValue>;

export interface ExportTable {
  /** Column names in order (fixed columns with the swept keys after `run_dir`). */
  columns: string[];
  /** The swept keys' column names (dotted keys, prefixed `sweep.` when they clash with a fixed column). */
  sweepColumns: string[];
  rows: ExportRow[];
}

/** A swept value as a cell: numbers, strings and booleans as they are, anything else as JSON. */
function sweepCell(v: unknown): ExportValue {
  if (v === undefined || v === null) return null;
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  return JSON.stringify(v);
}

/** One row per planned run of the study, in execution order. */
export function exportTable(study: StudyOnDisk): ExportTable {
  const sweepKeys: string[] = [];
  for (const e of study.experiments) for (const k of Object.keys(e.sweepValues)) if (!sweepKeys.includes(k)) sweepKeys.push(k);
  const fixed = new Set(EXPORT_COLUMNS.map((c) => c.name));
  const sweepColumns = sweepKeys.map((k) => (fixed.has(k) ? `sweep.${k}` : k));
  const experiments = new Map(study.experiments.map((e) => [e.hash, e]));
  const at = EXPORT_COLUMNS.findIndex((c) => c.name === "run_dir") + 1;
  const names = EXPORT_COLUMNS.map((c) => c.name);
  const columns = [...names.slice(0, at), ...sweepColumns, ...names.slice(at)];
  const rows = study.runs.map(({ manifest: m, dirName, result: r }): ExportRow => {
    const e = experiments.get(m.configHash);
    const sweep = Object.fromEntries(sweepKeys.map((k, i) => [sweepColumns[i]!, sweepCell(e?.sweepValues[k])]));
    const codes = r ? [...new Set(r.warnings.map((w) => w.code))].join(";") : "";
    const steady = r?.steadyState && "windowS" in r.steadyState ? r.steadyState : null;
    return {
      position: m.position,
      cycle: m.cycle,
      config_hash: m.configHash,
      slug: m.slug,
      name: e?.name ?? m.slug,
      run_dir: dirName,
      ...sweep,
      status: m.status,
      attempts: m.attempts,
      started_at: r?.timings.startedAt ?? m.startedAt,
      ended_at: r?.timings.endedAt ?? m.endedAt,
      simulated: r?.simulated ?? null,
      energy_j: r?.energy.totalJ ?? null,
      adjusted_energy_j: r?.energy.adjustedTotalJ ?? null,
      energy_per_output_token_j: r?.perToken.energyPerOutputTokenJ ?? null,
      energy_per_token_j: r?.perToken.energyPerTokenJ ?? null,
      energy_per_request_j: r?.perToken.energyPerRequestJ ?? null,
      wh_per_1000_requests: r?.perToken.whPer1000Requests ?? null,
      adjusted_energy_per_output_token_j: r?.perToken.adjustedEnergyPerOutputTokenJ ?? null,
      input_tokens: r?.tokens.input ?? null,
      output_tokens: r?.tokens.output ?? null,
      requests: r?.tokens.requests ?? null,
      failed_requests: r?.requestOutcomes?.failed ?? null,
      output_tokens_per_s: r?.throughput.outputTokensPerS ?? null,
      requests_per_s: r?.throughput.requestsPerS ?? null,
      ttft_p50_ms: r?.latency.ttftMs?.p50 ?? null,
      inter_token_p50_ms: r?.latency.interTokenMs?.p50 ?? null,
      request_p50_ms: r?.latency.requestMs?.p50 ?? null,
      window_s: r?.timings.windowS ?? null,
      window_source: r?.window.source ?? null,
      wall_s: r?.timings.wallS ?? null,
      steady_state_energy_per_output_token_j: steady?.energyPerOutputTokenJ ?? null,
      steady_state_output_tokens_per_s: steady?.outputTokensPerS ?? null,
      steady_state_window_s: steady?.windowS ?? null,
      warnings: r ? codes : null,
      error: r?.failure?.message ?? m.error ?? null,
    };
  });
  return { columns, sweepColumns, rows };
}

function csvCell(v: ExportValue | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return formatNumber(v);
  return String(v);
}

/** The table as RFC 4180 CSV text (CRLF, plain decimals, unknown values empty). */
export function exportCsv(table: ExportTable): string {
  return toCsv([table.columns, ...table.rows.map((row) => table.columns.map((c) => csvCell(row[c])))]);
}

/** The table as a JSON array of row objects. */
export function exportJson(table: ExportTable): string {
  return `${JSON.stringify(
    table.rows.map((row) => Object.fromEntries(table.columns.map((c) => [c, row[c] ?? null]))),
    null,
    2,
  )}\n`;
}

function kindOfSweep(values: readonly ExportValue[]): Kind {
  const known = values.filter((v) => v !== null);
  if (known.length > 0 && known.every((v) => typeof v === "number")) return "number";
  if (known.length > 0 && known.every((v) => typeof v === "boolean")) return "boolean";
  return "string";
}

function columnSource(name: string, kind: Kind, values: ExportValue[]): ColumnSource {
  switch (kind) {
    case "int":
      return { name, type: "INT32", nullable: true, data: values.map((v) => (typeof v === "number" ? v : null)) };
    case "count":
      return { name, type: "INT64", nullable: true, data: values.map((v) => (typeof v === "number" ? BigInt(v) : null)) };
    case "number":
      return { name, type: "DOUBLE", nullable: true, data: values.map((v) => (typeof v === "number" && Number.isFinite(v) ? v : null)) };
    case "boolean":
      return { name, type: "BOOLEAN", nullable: true, data: values.map((v) => (typeof v === "boolean" ? v : null)) };
    case "string":
      return { name, type: "STRING", nullable: true, data: values.map((v) => (v === null ? null : String(v))) };
  }
}

/** Writes the table as Parquet (Snappy) to `file`, atomically. */
export function writeExportParquet(file: string, table: ExportTable): void {
  const kinds = new Map(EXPORT_COLUMNS.map((c) => [c.name, c.kind]));
  const columnData = table.columns.map((name) => {
    const values = table.rows.map((r) => r[name] ?? null);
    return columnSource(name, kinds.get(name) ?? kindOfSweep(values), values);
  });
  const tmp = temporaryPathFor(file);
  try {
    parquetWriteFile({ filename: tmp, columnData, kvMetadata: [{ key: "lem.version", value: version }], createdBy: `lem ${version}` });
  } catch (error) {
    abandonTemporary(tmp, file, error);
  }
  commitTemporary(tmp, file);
}

/**
 * Writes one row per run of the study in `dir` to `outFile` as CSV, Parquet or JSON (atomically).
 * Returns the table written.
 */
export function exportStudy(dir: string | StudyOnDisk, format: ExportFormat, outFile: string): ExportTable {
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new InvalidOptionsError(`unknown export format "${String(format)}": use ${EXPORT_FORMATS.join(", ")}`);
  }
  const study = typeof dir === "string" ? readStudy(dir) : dir;
  const table = exportTable(study);
  if (format === "csv") writeFileAtomic(outFile, exportCsv(table));
  else if (format === "json") writeFileAtomic(outFile, exportJson(table));
  else writeExportParquet(outFile, table);
  return table;
}
