/** A reason to doubt a figure, with a stable code so that results can be filtered by it. */
export interface MeasurementWarning {
  code:
    | "short-window"
    | "few-samples"
    | "sample-gaps"
    | "temperature-drift"
    | "throttling"
    | "persistence-off"
    | "simulated"
    | "counter-integral-disagree"
    | "no-samples"
    | "device-failed"
    | "residual-memory"
    | "protocol"
    | "counter-reset"
    | "not-settled"
    | "request-errors"
    | "dataset-truncated"
    | "memory-not-released"
    | "request-retries"
    | "cache-hits"
    | "cache-not-reset"
    | "mig"
    | "baseline-refused"
    | "baseline-doubtful"
    | "readings-missing"
    | "average-power-window";
  message: string;
  /** NVML index of the GPU it concerns; absent when it concerns the whole measurement. */
  device?: number;
}

/** Thresholds behind the warnings (measurement-notes.md). */
export const WARNING_LIMITS = {
  minWindowS: 5,
  minCounterSteps: 10,
  minSamples: 20,
  maxGapIntervals: 3,
  maxTemperatureDriftC: 10,
  maxCounterIntegralDifference: 0.1,
} as const;
