/**
 * PowerSampler: a native sampling thread over one or more GPUs, with typed options,
 * batch drains into typed arrays, running statistics and Zeus-style named windows.
 *
 *   await using sampler = new PowerSampler({ intervalMs: 1 }).start();
 *   sampler.beginWindow("prefill");  ...  const w = sampler.endWindow("prefill");
 */
import { z } from "zod";
import { InvalidOptionsError } from "../errors.js";
import { native, type NativeDeviceStats, type NativeDrainedDevice, type NativeSampler } from "../native.js";
import { call, requireNvml } from "./provider.js";
import { SLOWDOWN_REASONS, THROTTLE_REASONS, throttleReasonNames, throttleSecondsByName } from "./throttle-reasons.js";

export const PowerSamplerOptionsSchema = z
  .object({
    /** NVML indices of the GPUs to sample; default every GPU. */
    devices: z.array(z.number().int().nonnegative()).min(1).optional(),
    /** Sampling interval in ms, 0.2 (5 kHz) to 10000. */
    intervalMs: z.number().min(0.2).max(10_000).default(10),
    /** How often utilisation is read (it refreshes only every 1/6 s to 1 s in the driver). */
    utilizationIntervalMs: z.number().positive().max(60_000).default(100),
    /** Samples kept per device until drained, in seconds of sampling; older ones are dropped and counted. */
    bufferSeconds: z.number().positive().max(86_400).default(120),
  })
  .strict();

export type PowerSamplerOptions = z.input<typeof PowerSamplerOptionsSchema>;

/** Samples of one device, column by column; absent readings are NaN with their `present` bit clear. */
export type DeviceTimeline = NativeDrainedDevice;

/** Bits of `present` in a DeviceTimeline. */
export const SAMPLE_FIELDS = {
  powerW: 1 << 0,
  powerAverageW: 1 << 1,
  energyMJ: 1 << 2,
  temperatureC: 1 << 3,
  smClockMHz: 1 << 4,
  memoryUsedMiB: 1 << 5,
  throttleReasons: 1 << 6,
  utilization: 1 << 7,
} as const;

export interface DeviceEnergySummary {
  index: number;
  uuid: string;
  samples: number;
  firstTNs?: bigint;
  lastTNs?: bigint;
  durationS: number;
  /** Energy from the hardware counter (J), null where the device has none. */
  counterEnergyJ: number | null;
  /** Trapezoid integral of instant power (J), null without instant power. */
  integralEnergyJ: number | null;
  /** Trapezoid integral of NVML's 1 s average power (J), for comparison. */
  averagePowerIntegralJ: number | null;
  /** (integral - counter) / counter, when both exist. */
  integralVsCounter: number | null;
  counter: { steps: number; wraps: number; resets: number; filledFromIntegralJ: number };
  power: { minW: number; meanW: number | null; maxW: number; sampleMeanW: number } | null;
  temperature: { firstC: number; peakC: number; lastC: number } | null;
  throttle: {
    reasons: string[];
    secondsByReason: Record<string, number>;
    /** Any of SwThermal, HwThermal, HwSlowdown, HwPowerBrake, SwPowerCap was seen. */
    slowdown: boolean;
    observedS: number;
  };
  memoryPeakMiB?: number;
  sources: { power: string; averagePower: string; energy: string };
  failure: { nvmlName: string; nvmlCode: number; function: string; tNs: bigint } | null;
  readErrors: number;
  dropped: number;
}

export interface SamplerTiming {
  intervalMs: number;
  ticks: number;
  achievedHz: number | null;
  missedDeadlines: number;
  /** Share of deadlines (met or missed) whose tick started within 1 ms. */
  deadlinesWithin1ms: number | null;
  latencyMs: { p50: number; p99: number; max: number };
  threadCpuS: number | null;
  /** Sampler thread CPU time / wall time while running (1 = a whole core). */
  threadCpuShare: number | null;
  startedTNs?: bigint;
  stoppedTNs?: bigint;
}

export interface SamplerSummary {
  running: boolean;
  timing: SamplerTiming;
  devices: DeviceEnergySummary[];
}

export interface WindowMeasurement {
  name: string;
  beginTNs: bigint;
  endTNs: bigint;
  durationS: number;
  devices: DeviceEnergySummary[];
}

const SLOWDOWN_MASK = SLOWDOWN_REASONS.reduce((m, r) => m | THROTTLE_REASONS[r], 0);

function summarizeDevice(d: NativeDeviceStats): DeviceEnergySummary {
  const counter = d.energy.counterJ;
  const integral = d.energy.integralJ;
  return {
    index: d.index,
    uuid: d.uuid,
    samples: d.samples,
    ...(d.firstTNs !== undefined ? { firstTNs: d.firstTNs } : {}),
    ...(d.lastTNs !== undefined ? { lastTNs: d.lastTNs } : {}),
    durationS: d.firstTNs !== undefined && d.lastTNs !== undefined ? Number(d.lastTNs - d.firstTNs) / 1e9 : 0,
    counterEnergyJ: counter,
    integralEnergyJ: integral,
    averagePowerIntegralJ: d.energy.averageIntegralJ,
    integralVsCounter: counter !== null && integral !== null && counter > 0 ? (integral - counter) / counter : null,
    counter: {
      steps: d.energy.counterSteps,
      wraps: d.energy.counterWraps,
      resets: d.energy.counterResets,
      filledFromIntegralJ: d.energy.counterFilledJ,
    },
    power: d.power ? { minW: d.power.minW, meanW: d.power.meanW, maxW: d.power.maxW, sampleMeanW: d.power.sampleMeanW } : null,
    temperature: d.temperature,
    throttle: {
      reasons: throttleReasonNames(d.throttle.reasons),
      secondsByReason: throttleSecondsByName(d.throttle.secondsByBit),
      slowdown: (d.throttle.reasons & SLOWDOWN_MASK) !== 0,
      observedS: d.throttle.observedS,
    },
    ...(d.memoryPeakMiB !== undefined ? { memoryPeakMiB: d.memoryPeakMiB } : {}),
    sources: { power: d.powerSource, averagePower: d.powerAverageSource, energy: d.energySource },
    failure: d.failure,
    readErrors: d.readErrors,
    dropped: d.dropped,
  };
}

function parseOptions(options: PowerSamplerOptions): z.output<typeof PowerSamplerOptionsSchema> {
  const parsed = PowerSamplerOptionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .map((i) => `${i.path.length ? i.path.join(".") : "options"}: ${i.message}`)
    .join("; ");
  throw new InvalidOptionsError(`invalid PowerSampler options: ${issues}`);
}

export class PowerSampler implements AsyncDisposable, Disposable {
  readonly options: Readonly<z.output<typeof PowerSamplerOptionsSchema>>;
  readonly #native: NativeSampler;

  constructor(options: PowerSamplerOptions = {}) {
    this.options = parseOptions(options);
    const { devices, intervalMs, utilizationIntervalMs, bufferSeconds } = this.options;
    requireNvml();
    if (devices) {
      const count = call(() => native().listDevices().length);
      const missing = devices.filter((d) => d >= count);
      if (missing.length) {
        throw new InvalidOptionsError(
          `PowerSampler devices ${missing.join(", ")} do not exist: there are ${count} GPU(s), indices 0-${count - 1}.`,
        );
      }
    }
    const ringCapacity = Math.min(4_000_000, Math.max(1024, Math.ceil((bufferSeconds * 1000) / intervalMs)));
    this.#native = call(
      () =>
        new (native().NativeSampler)({
          ...(devices ? { devices } : {}),
          intervalNs: Math.round(intervalMs * 1e6),
          utilizationEvery: Math.max(1, Math.round(utilizationIntervalMs / intervalMs)),
          ringCapacity,
        }),
    );
  }

  get running(): boolean {
    return this.#native.running;
  }

  /** Starts the sampling thread; resets the run statistics (undrained samples stay). */
  start(): this {
    call(() => this.#native.start());
    return this;
  }

  /** Stops and joins the thread; returns the run's summary. Safe to call twice. */
  stop(): SamplerSummary {
    this.#native.stop();
    return this.summary();
  }

  /** Moves every sample taken since the last drain into typed arrays, one entry per device. */
  drain(maxPerDevice?: number): DeviceTimeline[] {
    return this.#native.drain(maxPerDevice);
  }

  /** Statistics of the run so far (or of the last run, once stopped). */
  summary(): SamplerSummary {
    const s = this.#native.stats();
    const t = s.timing;
    const wallNs = t.startedTNs !== undefined ? Number((t.stoppedTNs ?? native().monotonicNs()) - t.startedTNs) : 0;
    const deadlines = t.ticks + t.missedDeadlines;
    return {
      running: s.running,
      timing: {
        intervalMs: t.intervalNs / 1e6,
        ticks: t.ticks,
        achievedHz: wallNs > 0 ? t.ticks / (wallNs / 1e9) : null,
        missedDeadlines: t.missedDeadlines,
        deadlinesWithin1ms: deadlines > 0 ? t.ticksWithin1ms / deadlines : null,
        latencyMs: { p50: t.latenessP50Ns / 1e6, p99: t.latenessP99Ns / 1e6, max: t.latenessMaxNs / 1e6 },
        threadCpuS: t.threadCpuNs >= 0 ? t.threadCpuNs / 1e9 : null,
        threadCpuShare: t.threadCpuNs >= 0 && wallNs > 0 ? t.threadCpuNs / wallNs : null,
        ...(t.startedTNs !== undefined ? { startedTNs: t.startedTNs } : {}),
        ...(t.stoppedTNs !== undefined ? { stoppedTNs: t.stoppedTNs } : {}),
      },
      devices: s.devices.map(summarizeDevice),
    };
  }

  /** Opens a named window: every device is read now, so the window starts exactly here. */
  beginWindow(name: string): void {
    call(() => this.#native.beginWindow(name));
  }

  /** Closes a named window (every device read again) and returns its energy account. */
  endWindow(name: string): WindowMeasurement {
    const w = call(() => this.#native.endWindow(name));
    return {
      name: w.name,
      beginTNs: w.beginTNs,
      endTNs: w.endTNs,
      durationS: Number(w.endTNs - w.beginTNs) / 1e9,
      devices: w.devices.map(summarizeDevice),
    };
  }

  [Symbol.dispose](): void {
    this.#native.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#native.stop();
  }
}

/** CLOCK_MONOTONIC in ns, the clock of every lem timestamp (same as process.hrtime.bigint()). */
export function monotonicNs(): bigint {
  return native().monotonicNs();
}
