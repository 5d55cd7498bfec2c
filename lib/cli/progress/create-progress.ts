/** Picks `lem run`'s progress display from its options and where its output goes. */
import { LiveProgress } from "./live-progress.js";
import { JsonProgress, PlainProgress, type ProgressDisplay } from "./progress-display.js";
import { canShowLiveRegion, colorForced, colorsFor, type Env } from "./terminal.js";

export interface ProgressChoice {
  json: boolean;
  quiet: boolean;
  /** When lem started (Date.now()). */
  startedAtMs: number;
  /** The whole study's expected seconds, if known (only the live display uses it). */
  initialEstimateS?: number | null;
  env?: Env;
}

/** Whether `lem run` with these options would draw a live region on stderr. */
export function wantsLiveProgress(o: Pick<ProgressChoice, "json" | "quiet" | "env">): boolean {
  return !o.json && !o.quiet && canShowLiveRegion(process.stderr, o.env ?? process.env);
}

/** --json: JSON events on stdout; a terminal: the live region on stderr; otherwise plain lines on stderr. */
export function createProgress(o: ProgressChoice): ProgressDisplay {
  if (o.json) return new JsonProgress();
  // Plain lines (a pipe, --quiet) are coloured only when FORCE_COLOR asks for it.
  const env = o.env ?? process.env;
  if (!wantsLiveProgress(o)) return new PlainProgress(process.stderr, colorForced(env) ? colorsFor(process.stderr, env) : undefined);
  return new LiveProgress({
    stream: process.stderr,
    colors: colorsFor(process.stderr, o.env ?? process.env),
    startedAtMs: o.startedAtMs,
    initialEstimateS: o.initialEstimateS ?? null,
  });
}
