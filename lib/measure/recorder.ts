/**
 * A sampler whose samples are kept: drained into a Timeline every `drainMs` while it runs,
 * so the ring never overflows, and stopped at once when asked (no waiting for a drain tick).
 */
import { PowerSampler, type PowerSamplerOptions } from "../gpu/power-sampler.js";
import { Timeline, type DeviceSeries } from "./timeline.js";

export class Recorder {
  readonly sampler: PowerSampler;
  readonly timeline = new Timeline();
  readonly #timer: NodeJS.Timeout;

  /** Starts sampling; returns once the first sample of every device has been taken. */
  constructor(options: PowerSamplerOptions, drainMs = 200) {
    this.sampler = new PowerSampler(options).start();
    this.#timer = setInterval(() => this.timeline.append(this.sampler.drain()), drainMs);
  }

  /** The samples so far (without stopping). */
  series(): DeviceSeries[] {
    this.timeline.append(this.sampler.drain());
    return this.timeline.devices();
  }

  /** Stops the sampler and returns every sample it took. Safe to call twice. */
  stop(): DeviceSeries[] {
    clearInterval(this.#timer);
    this.sampler.stop();
    return this.series();
  }
}
