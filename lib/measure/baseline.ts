/**
 * Idle power per GPU: sampled while nothing runs, so that an experiment's energy can be
 * reported with the idle share subtracted (measurement-notes.md: adjusted energy).
 */
import { hostname } from "node:os";
import { z } from "zod";
import { computeProcesses, listDevices } from "../gpu/devices.js";
import { SAMPLE_FIELDS } from "../gpu/power-sampler.js";
import { activeSimulation, nvmlStatus } from "../gpu/provider.js";
import { InvalidOptionsError, LemError } from "../errors.js";
import { Recorder } from "./recorder.js";
import { energyOfWindow } from "./window-energy.js";
import { BaselineValiditySchema, judgeBaseline } from "./baseline-validity.js";
import { abortableSleep } from "../timing/abortable-sleep.js";

export const DeviceBaselineSchema = z.object({
  index: z.number().int(),
  uuid: z.string(),
  /** Mean idle power: baseline energy / duration; null for a GPU that reports no power at all. */
  meanW: z.number().nullable(),
  /** Standard deviation of instant power samples. */
  stdW: z.number().nullable(),
  samples: z.number().int(),
  temperatureC: z.number().nullable(),
  method: z.enum(["counter", "integral", "average", "none"]),
  /** Whether this really was idle (lib/measure/baseline-validity.ts); absent in baselines of older lem versions. */
  validity: BaselineValiditySchema.optional(),
});

export const BaselineSchema = z.object({
  schemaVersion: z.literal(1),
  measuredAt: z.string(),
  host: z.string(),
  driverVersion: z.string().nullable(),
  simulated: z.boolean(),
  durationS: z.number(),
  intervalMs: z.number(),
  devices: z.array(DeviceBaselineSchema),
});

export type DeviceBaseline = z.infer<typeof DeviceBaselineSchema>;
export type Baseline = z.infer<typeof BaselineSchema>;

export interface MeasureBaselineOptions {
  /** NVML indices; default every GPU. */
  devices?: number[];
  /** Default 30 s. */
  durationS?: number;
  /** Default 10 ms. */
  intervalMs?: number;
  /** Aborting ends the baseline at once with BaselineInterruptedError (Ctrl-C must not wait it out). */
  signal?: AbortSignal;
}

/** The baseline was aborted before it was complete: there is no figure, and nothing is cached. */
export class BaselineInterruptedError extends LemError {
  constructor() {
    super("LEM_BASELINE_INTERRUPTED", "the baseline measurement was interrupted before it was complete; nothing was recorded. Run again to measure it.");
  }
}

function stdOf(values: number[]): number | null {
  if (values.length < 2) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
}

/** Samples the GPUs for `durationS` and returns their idle power. Nothing else should run. */
export async function measureBaseline(options: MeasureBaselineOptions = {}): Promise<Baseline> {
  const durationS = options.durationS ?? 30;
  const intervalMs = options.intervalMs ?? 10;
  if (!(durationS > 0) || durationS > 3600) {
    throw new InvalidOptionsError(`baseline duration must be between 0 and 3600 s, got ${durationS}`);
  }
  const facts = listDevices();
  const devices = options.devices ?? facts.map((d) => d.index);
  const processesOf = (index: number) => {
    try {
      return computeProcesses(index).map((p) => ({ pid: p.pid, name: p.name }));
    } catch {
      return []; // a GPU that cannot list processes: the other checks still stand
    }
  };
  const processesBefore = new Map(devices.map((i) => [i, processesOf(i)]));
  const recorder = new Recorder({ devices, intervalMs });
  let series;
  try {
    await abortableSleep(durationS * 1000, options.signal);
  } finally {
    series = recorder.stop();
  }
  if (options.signal?.aborted) throw new BaselineInterruptedError();
  // The window every device covers from its first sample to its last.
  const sampled = series.filter((d) => d.count > 1);
  if (sampled.length < series.length) {
    throw new InvalidOptionsError(`the baseline took fewer than 2 samples on some GPU in ${durationS} s; lengthen it`);
  }
  const startNs = sampled.reduce((t, d) => (d.tNs[0]! > t ? d.tNs[0]! : t), sampled[0]!.tNs[0]!);
  const endNs = sampled.reduce((t, d) => (d.tNs[d.count - 1]! < t ? d.tNs[d.count - 1]! : t), sampled[0]!.tNs[sampled[0]!.count - 1]!);
  const sources = Object.fromEntries(recorder.sampler.summary().devices.map((d) => [d.uuid, d.sources]));
  const window = energyOfWindow(series, { startNs, endNs, intervalNs: intervalMs * 1e6, powerSources: sources });
  return {
    schemaVersion: 1,
    measuredAt: new Date().toISOString(),
    host: hostname(),
    driverVersion: nvmlStatus().driverVersion ?? null,
    simulated: activeSimulation() !== undefined,
    durationS: window.durationS,
    intervalMs,
    devices: series.map((d, i) => {
      const e = window.devices[i]!;
      const powers: number[] = [];
      let peakUtil: number | null = null;
      for (let k = 0; k < d.count; k++) {
        if (d.present[k]! & SAMPLE_FIELDS.powerW) powers.push(d.powerW[k]!);
        else if (d.present[k]! & SAMPLE_FIELDS.powerAverageW) powers.push(d.powerAverageW[k]!);
        if (d.present[k]! & SAMPLE_FIELDS.utilization) peakUtil = Math.max(peakUtil ?? 0, d.utilizationGpuPct[k]!);
      }
      const fact = facts.find((f) => f.index === d.index);
      const meanW = e.energyJ !== null ? e.energyJ / window.durationS : null;
      const seen = [...(processesBefore.get(d.index) ?? []), ...processesOf(d.index)];
      const validity = judgeBaseline({
        name: fact?.name ?? "",
        ...(fact?.defaultPowerLimitW ?? fact?.powerLimitW ? { powerLimitW: (fact?.defaultPowerLimitW ?? fact?.powerLimitW)! } : {}),
        meanW,
        stdW: stdOf(powers),
        peakUtilizationPct: peakUtil,
        temperatureStartC: e.temperature?.startC ?? null,
        temperatureEndC: e.temperature?.endC ?? null,
        processes: seen.filter((p, i) => seen.findIndex((q) => q.pid === p.pid) === i),
      });
      return {
        index: d.index,
        uuid: d.uuid,
        meanW,
        stdW: stdOf(powers),
        samples: e.samples,
        temperatureC: e.temperature ? (e.temperature.startC + e.temperature.endC) / 2 : null,
        method: e.method,
        validity,
      };
    }),
  };
}
