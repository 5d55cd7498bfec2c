/**
 * A low-rate PowerSampler of its own for live displays: it never touches the sampler that
 * measures (that one keeps its rate and its timeline), it only shows what the GPUs do now.
 */
import { PowerSampler, type SamplerSummary } from "../../gpu/power-sampler.js";
import { LatestReadings, type GpuReading } from "./latest-readings.js";

export interface LiveGpuReaderOptions {
  /** NVML indices; default every GPU. */
  devices?: number[];
  intervalMs: number;
}

export class LiveGpuReader {
  readonly #sampler: PowerSampler;
  readonly #latest = new LatestReadings();

  constructor(options: LiveGpuReaderOptions) {
    // Drained at least every few seconds; a short buffer keeps memory small at 10 ms.
    this.#sampler = new PowerSampler({
      ...(options.devices ? { devices: options.devices } : {}),
      intervalMs: options.intervalMs,
      bufferSeconds: 10,
    }).start();
  }

  /** Takes in the samples taken since the last refresh. */
  refresh(): void {
    this.#latest.update(this.#sampler.drain());
  }

  latest(index: number): GpuReading {
    return this.#latest.of(index);
  }

  /** Running statistics since start (energy, mean power). */
  summary(): SamplerSummary {
    return this.#sampler.summary();
  }

  /** Stops and joins the sampling thread; safe to call twice. */
  stop(): void {
    this.#sampler.stop();
  }
}
