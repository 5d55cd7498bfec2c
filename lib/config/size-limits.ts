/**
 * A study's size, counted before anything is expanded: a sweep of 10^7 points (or cycles on
 * top) would otherwise be built in memory until the process dies. The limit is a field of the
 * study (execution.maxRuns), so that a study that really is that large says so explicitly.
 */
import { ConfigError } from "./config-error.js";

/** Planned runs a study may have unless it raises execution.maxRuns. */
export const DEFAULT_MAX_RUNS = 10_000;

/**
 * Throws ConfigError when the sweep's points (the product of its axes' lengths, plus the
 * explicit experiments) times the cycles exceed `maxRuns`.
 */
export function checkStudySize(o: { axisLengths: readonly number[]; explicit: number; cycles: number; maxRuns: number; file: string | undefined }): void {
  const gridPoints = o.axisLengths.length > 0 || o.explicit === 0 ? o.axisLengths.reduce((a, n) => a * n, 1) : 0;
  const points = gridPoints + o.explicit;
  const runs = points * o.cycles;
  if (runs <= o.maxRuns) return;
  const axes = o.axisLengths.length ? `${o.axisLengths.join(" × ")} sweep points` : "";
  const counted = [axes, o.explicit ? `${o.explicit} experiment(s)` : ""].filter(Boolean).join(" + ");
  throw new ConfigError(o.file, {
    path: "execution.maxRuns",
    detail:
      `the study plans ${runs.toLocaleString("en-US")} runs (${counted}, × ${o.cycles} cycle(s)), more than execution.maxRuns (${o.maxRuns.toLocaleString("en-US")}). ` +
      `Sweep fewer values or cycles; if you really mean a study this large, raise execution.maxRuns to at least ${runs}.`,
  });
}
