/**
 * A random phase shift of each run's start within one power-sensor period. On A100/H100 the
 * sensor updates about every 100 ms and each value averages only about 25 ms of it (Yang et
 * al., SC'24): repeated runs that start in the same phase see the same part of the load, so
 * their error repeats instead of averaging out. Delaying each run by a uniform random fraction
 * of the period spreads the phases, as that paper suggests; the delay is recorded per run.
 */
import { randomInt } from "node:crypto";
import { z } from "zod";

/** The sensor's update period on A100/H100 (Yang et al.); longer than Pascal/Volta's 20 ms. */
export const SENSOR_PERIOD_MS = 100;
/** `auto` shifts a run unless the previous run of its configuration had a window this long. */
export const AUTO_SHIFT_BELOW_WINDOW_S = 30;

export const PhaseShiftSchema = z.object({
  mode: z.enum(["auto", "on", "off"]),
  applied: z.boolean(),
  /** The delay before the run started, ms; 0 when not applied. */
  delayMs: z.number().nonnegative(),
  sensorPeriodMs: z.number().positive(),
  reason: z.string(),
});
export type PhaseShift = z.infer<typeof PhaseShiftSchema>;

/** Whether and how long to delay a run; `previousWindowS`: its configuration's last window in this study. */
export function planPhaseShift(
  mode: "auto" | "on" | "off",
  previousWindowS: number | null,
  random: () => number = () => randomInt(0, 1_000_000) / 1_000_000,
): PhaseShift {
  const none = (reason: string): PhaseShift => ({ mode, applied: false, delayMs: 0, sensorPeriodMs: SENSOR_PERIOD_MS, reason });
  if (mode === "off") return none("measurement.phaseShift is off");
  if (mode === "auto" && previousWindowS !== null && previousWindowS >= AUTO_SHIFT_BELOW_WINDOW_S) {
    return none(`auto: the previous run of this configuration had a ${previousWindowS.toFixed(1)} s window (>= ${AUTO_SHIFT_BELOW_WINDOW_S} s), long enough for the sensor's phase not to matter`);
  }
  const delayMs = Math.round(random() * SENSOR_PERIOD_MS * 1000) / 1000;
  const why =
    mode === "on"
      ? "measurement.phaseShift is on"
      : previousWindowS === null
        ? "auto: first run of this configuration (its window length is not known yet)"
        : `auto: the previous run of this configuration had a ${previousWindowS.toFixed(1)} s window (< ${AUTO_SHIFT_BELOW_WINDOW_S} s)`;
  return { mode, applied: true, delayMs, sensorPeriodMs: SENSOR_PERIOD_MS, reason: why };
}

/** Waits out the planned delay (at once when aborted). */
export function applyPhaseShift(p: PhaseShift, signal?: AbortSignal): Promise<void> {
  if (!p.applied || p.delayMs <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, p.delayMs);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
