/**
 * `lem monitor --csv FILE`: one row per GPU per refresh, appended as it goes (each refresh's
 * rows in one write), so a monitor stopped at any moment leaves a valid file. It is a log
 * that grows, so it is appended to, not written atomically like lem's result files.
 */
import { appendFileSync, closeSync, existsSync, openSync, readSync } from "node:fs";
import { LemError } from "../../errors.js";
import type { MonitorSnapshot } from "./gpu-snapshot.js";
import { csvField } from "../../results/summary-csv.js";

export const MONITOR_CSV_COLUMNS = [
  "time_iso",
  "elapsed_s",
  "gpu_index",
  "gpu_uuid",
  "power_w",
  "power_mean_w",
  "energy_j",
  "energy_source",
  "temperature_c",
  "sm_clock_mhz",
  "memory_used_mib",
  "memory_total_mib",
  "utilization_gpu_pct",
  "utilization_memory_pct",
  "throttle_reasons",
] as const;

const HEADER_LINE = MONITOR_CSV_COLUMNS.join(",");

export class MonitorCsvError extends LemError {
  constructor(message: string) {
    super("LEM_MONITOR_CSV", message);
  }
}

/** RFC 4180: quote a field holding a comma, a quote or a line break. */
function field(v: string | number | null): string {
  return v === null ? "" : csvField(String(v));
}

/** The first KiB of a file (enough for the header; the file may be hours of rows). */
function fileStart(file: string): string {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(1024);
    return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

export class MonitorCsv {
  readonly file: string;

  /** Appends to FILE; writes the header if the file is new or empty, refuses one with other columns. */
  constructor(file: string) {
    this.file = file;
    let start: string;
    try {
      start = existsSync(file) ? fileStart(file) : "";
    } catch (error) {
      throw new MonitorCsvError(`--csv ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)}); give a regular file that lem may read and write.`);
    }
    if (start === "") {
      this.#append(`${HEADER_LINE}\n`);
    } else if (start.split("\n", 1)[0] !== HEADER_LINE) {
      throw new MonitorCsvError(
        `--csv ${file}: the file exists with other columns than lem monitor writes; give a new file name, or remove the file to start over.`,
      );
    }
  }

  append(s: MonitorSnapshot): void {
    const lines = s.gpus.map((g) =>
      [
        s.time,
        s.elapsedS.toFixed(3),
        g.index,
        g.uuid,
        g.powerW,
        g.powerMeanW === null ? null : g.powerMeanW.toFixed(3),
        g.energyJ === null ? null : g.energyJ.toFixed(3),
        g.energySource,
        g.temperatureC,
        g.smClockMHz,
        g.memoryUsedMiB,
        g.memoryTotalMiB,
        g.utilizationGpuPct,
        g.utilizationMemoryPct,
        g.throttleReasons === null ? null : g.throttleReasons.length ? g.throttleReasons.join(";") : "none",
      ]
        .map(field)
        .join(","),
    );
    this.#append(`${lines.join("\n")}\n`);
  }

  #append(text: string): void {
    try {
      appendFileSync(this.file, text);
    } catch (error) {
      throw new MonitorCsvError(`--csv ${this.file}: cannot write (${(error as NodeJS.ErrnoException).code ?? String(error)}); give a file in a writable directory.`);
    }
  }
}
