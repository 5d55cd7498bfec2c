/**
 * Where a study stands, from its events alone: runs done of total, the run in progress,
 * failures, and the time left, estimated from the mean duration of the runs finished so
 * far (before the first finishes, from an estimate of the whole study if there is one).
 */
import type { StudyEvent } from "../../executors/study-events.js";

export interface CurrentRun {
  position: number;
  slug: string;
  cycle: number;
  devices: number[];
  startedAtMs: number;
}

export type StudyPhase = "preparing" | "running" | "paused" | "ended";

export class StudyProgress {
  phase: StudyPhase = "preparing";
  /** Runs in the study (resumed studies count their earlier runs too). */
  total = 0;
  /** Runs with an outcome, earlier sessions' included. */
  done = 0;
  /** Runs failed in this session. */
  failed = 0;
  /** Every GPU the study uses. */
  devices: number[] = [];
  current: CurrentRun | null = null;
  pauseEndsAtMs: number | null = null;
  readonly #startedAtMs: number;
  readonly #initialEstimateS: number | null;
  #pending = 0;
  #finishedThisSession = 0;
  #finishedDurationsMs = 0;

  /**
   * `startedAtMs`: when lem started (Date.now()); `initialEstimateS`: the whole study's
   * expected duration from that moment, or null when unknown.
   */
  constructor(startedAtMs: number, initialEstimateS: number | null = null) {
    this.#startedAtMs = startedAtMs;
    this.#initialEstimateS = initialEstimateS;
  }

  apply(e: StudyEvent, nowMs: number): void {
    switch (e.type) {
      case "study-start":
        this.phase = "running";
        this.total = e.runs;
        this.#pending = e.pending;
        this.done = e.runs - e.pending;
        this.devices = e.devices;
        break;
      case "run-start":
        this.phase = "running";
        this.pauseEndsAtMs = null;
        this.current = { position: e.position, slug: e.slug, cycle: e.cycle, devices: e.devices, startedAtMs: nowMs };
        break;
      case "run-end":
        if (this.current) this.#finishedDurationsMs += nowMs - this.current.startedAtMs;
        this.#finishedThisSession++;
        this.done++;
        if (e.status === "failed") this.failed++;
        this.current = null;
        break;
      case "circuit-pause":
        this.phase = "paused";
        this.pauseEndsAtMs = nowMs + e.pauseS * 1000;
        break;
      case "study-end":
        this.phase = "ended";
        this.current = null;
        break;
    }
  }

  elapsedS(nowMs: number): number {
    return (nowMs - this.#startedAtMs) / 1000;
  }

  /** Mean wall seconds of the runs finished in this session, or null before the first. */
  meanRunS(): number | null {
    return this.#finishedThisSession === 0 ? null : this.#finishedDurationsMs / this.#finishedThisSession / 1000;
  }

  /** Seconds left, or null when there is nothing to go by yet. */
  remainingS(nowMs: number): number | null {
    if (this.phase === "ended") return 0;
    const mean = this.meanRunS();
    if (mean === null) {
      return this.#initialEstimateS === null ? null : Math.max(0, this.#initialEstimateS - this.elapsedS(nowMs));
    }
    const left = this.#pending - this.#finishedThisSession;
    if (left <= 0) return 0;
    const inCurrentS = this.current ? (nowMs - this.current.startedAtMs) / 1000 : 0;
    const pauseS = this.pauseEndsAtMs === null ? 0 : Math.max(0, (this.pauseEndsAtMs - nowMs) / 1000);
    // The run in progress needs what is left of a mean run (never less than nothing).
    return pauseS + Math.max(0, mean - inCurrentS) + mean * (left - 1);
  }
}
