/** The text of the live region under the finished-run lines: two lines, redrawn in place. */
import { formatElapsed } from "./durations.js";
import type { GpuReading } from "./latest-readings.js";
import type { StudyProgress } from "./study-progress.js";
import type { Colors } from "./terminal.js";

const BAR_WIDTH = 24;

/** "[#########---------------]" */
export function progressBar(done: number, total: number, width = BAR_WIDTH): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

const watts = (w: number | null) => (w === null ? "n/a W" : `${w.toFixed(1)} W`);
const celsius = (c: number | null) => (c === null ? "n/a °C" : `${c.toFixed(0)} °C`);

/**
 * Live power and temperature of the GPUs a run uses: the sum and, for up to four GPUs,
 * each one; more than four only the sum and the hottest.
 */
export function formatGpuNow(readings: GpuReading[], c: Colors): string {
  if (readings.length === 0) return "no GPU readings";
  const powers = readings.map((r) => r.powerW);
  const total = powers.every((p) => p !== null) ? powers.reduce<number>((s, p) => s + p!, 0) : null;
  if (readings.length === 1) return `${c.bold(watts(total))}, ${celsius(readings[0]!.temperatureC)}`;
  const each = readings.map((r) => `GPU ${r.index} ${watts(r.powerW)} ${celsius(r.temperatureC)}`);
  if (readings.length <= 4) return `${c.bold(watts(total))} (${each.join(", ")})`;
  const temps = readings.map((r) => r.temperatureC).filter((t): t is number => t !== null);
  return `${c.bold(watts(total))} on ${readings.length} GPUs, hottest ${celsius(temps.length ? Math.max(...temps) : null)}`;
}

export interface RegionInput {
  progress: StudyProgress;
  nowMs: number;
  /** Readings of the GPUs of the run in progress; a string says why there are none. */
  gpus: GpuReading[] | string;
  colors: Colors;
}

export function renderRegion({ progress: p, nowMs, gpus, colors: c }: RegionInput): string {
  const elapsed = `elapsed ${formatElapsed(p.elapsedS(nowMs))}`;
  if (p.phase === "preparing") return `${c.cyan("lem:")} preparing the study (pre-flight checks, environment, idle baseline)... ${elapsed}`;
  const remainingS = p.remainingS(nowMs);
  const remaining = remainingS === null ? "remaining: known after the first run" : `remaining ~${formatElapsed(remainingS)}`;
  const percent = p.total > 0 ? Math.floor((p.done / p.total) * 100) : 0;
  const failures = p.failed > 0 ? c.red(`${p.failed} failed`) : "0 failed";
  const first = `runs ${c.bold(`${p.done}/${p.total}`)} ${c.cyan(progressBar(p.done, p.total))} ${String(percent).padStart(3)}%  ${elapsed}  ${remaining}  ${failures}`;
  const now = typeof gpus === "string" ? gpus : formatGpuNow(gpus, c);
  let second: string;
  if (p.phase === "paused") {
    const left = p.pauseEndsAtMs === null ? 0 : Math.max(0, (p.pauseEndsAtMs - nowMs) / 1000);
    second = `${c.yellow("paused")} after failures in a row; one trial run in ${formatElapsed(left)} | ${now}`;
  } else if (p.current) {
    const inRun = formatElapsed((nowMs - p.current.startedAtMs) / 1000);
    second = `now ${c.bold(p.current.slug)} (cycle ${p.current.cycle + 1}), run ${p.current.position + 1} of ${p.total}, ${inRun} | ${now}`;
  } else {
    second = `between runs | ${now}`;
  }
  return `${first}\n${second}`;
}
