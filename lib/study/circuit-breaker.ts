/**
 * Stops a study that keeps failing: after N consecutive failures it pauses, lets one trial
 * run through, and stops the study if that one fails too. A success closes it again.
 */
export type BreakerState = "closed" | "tripped" | "trial";

export class CircuitBreaker {
  #consecutive = 0;
  #state: BreakerState = "closed";

  constructor(readonly maxConsecutiveFailures: number) {}

  get state(): BreakerState {
    return this.#state;
  }

  get consecutiveFailures(): number {
    return this.#consecutive;
  }

  /** Records a run; returns what to do before the next one. */
  record(ok: boolean): "continue" | "pause-then-trial" | "stop" {
    if (ok) {
      this.#consecutive = 0;
      this.#state = "closed";
      return "continue";
    }
    this.#consecutive++;
    if (this.#state === "trial") return "stop";
    if (this.#consecutive >= this.maxConsecutiveFailures) {
      this.#state = "trial";
      return "pause-then-trial";
    }
    return "continue";
  }
}
