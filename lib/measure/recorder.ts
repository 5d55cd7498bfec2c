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

  /**
   * Waits until every device has a sample later than `tNs` (the window's end), so that the end
   * can be interpolated: on a loaded machine the sampling thread can fall behind a fixed pause.
   * Gives up after `timeoutMs` (a lost GPU never samples again); says whether it got them.
   */
  async waitForSamplesAfter(tNs: bigint, timeoutMs = 2000, pollMs = 10): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const devices = this.series();
      if (devices.length > 0 && devices.every((d) => d.count > 0 && d.tNs[d.count - 1]! > tNs)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Stops the sampler and returns every sample it took. Safe to call twice. */
  stop(): DeviceSeries[] {
    clearInterval(this.#timer);
    this.sampler.stop();
    return this.series();
  }
}
