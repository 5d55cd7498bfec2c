/** `writeReport`: a study directory becomes one self-contained HTML file. */
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { renderReportHtml } from "./html.js";
import { readPlotlyBundle } from "./plotly-bundle.js";
import { gatherReportData } from "./report-data.js";

export { gatherReportData, groupWarnings, DEFAULT_MAX_POINTS_PER_RUN } from "./report-data.js";
export type {
  ReportData,
  ReportConfiguration,
  ReportRun,
  ReportStudy,
  ReportEnvironment,
  ReportGpu,
  ReportWarning,
  WarningGroup,
  FigureSummary,
  GatherOptions,
} from "./report-data.js";
export { renderReportHtml, type EmbeddedLibrary } from "./html.js";
export { readPlotlyBundle } from "./plotly-bundle.js";
export { paretoFront, dominates, type ParetoPoint } from "./pareto.js";
export { downsampleM4, type Series } from "./downsample.js";
export { readRunTimeline, type RunTimeline, type DeviceTimeline, type ThrottleEpisode } from "./run-timeline.js";
export { escapeHtml, jsonForScript, scriptForInline } from "./escape.js";

export const REPORT_FILE = "report.html";

export interface WriteReportOptions {
  /** Where to write; default `<studyDir>/report.html`. */
  out?: string;
  /** Points per run for each of power and temperature, all GPUs together (M4 downsampling); default 2000, at least 4. */
  maxPointsPerRun?: number;
}

export interface WrittenReport {
  /** Absolute path of the file written. */
  path: string;
  bytes: number;
  /** Runs in the report (every planned run, with or without a result). */
  runs: number;
}

/**
 * Writes the study in `studyDir` as one HTML file (atomically). Throws StudyReadError for a
 * directory that is not a readable lem study, InvalidOptionsError for a bad maxPointsPerRun.
 */
export async function writeReport(studyDir: string, o: WriteReportOptions = {}): Promise<WrittenReport> {
  const data = await gatherReportData(studyDir, o.maxPointsPerRun !== undefined ? { maxPointsPerRun: o.maxPointsPerRun } : {});
  const html = renderReportHtml(data, readPlotlyBundle());
  const path = resolve(o.out ?? join(data.study.dir, REPORT_FILE));
  mkdirSync(dirname(path), { recursive: true });
  const bytes = Buffer.from(html, "utf8");
  writeFileAtomic(path, bytes);
  return { path, bytes: bytes.length, runs: data.runs.length };
}
