// Which runs get a random phase shift of their start, and how long it is.
import { describe, expect, it } from "vitest";
import { applyPhaseShift, planPhaseShift } from "../lib/measure/phase-shift.js";

describe("phase shift of a run's start", () => {
  it("on: delays by the random fraction of the 100 ms sensor period", () => {
    expect(planPhaseShift("on", 120, () => 0.4375)).toEqual({
      mode: "on",
      applied: true,
      delayMs: 43.75,
      sensorPeriodMs: 100,
      reason: "measurement.phaseShift is on",
    });
  });

  it("auto: shifts the first run of a configuration and runs after short windows", () => {
    expect(planPhaseShift("auto", null, () => 0.5)).toMatchObject({ applied: true, delayMs: 50, reason: "auto: first run of this configuration (its window length is not known yet)" });
    expect(planPhaseShift("auto", 2.5, () => 0.1)).toMatchObject({ applied: true, delayMs: 10, reason: "auto: the previous run of this configuration had a 2.5 s window (< 30 s)" });
  });

  it("auto: leaves runs after windows of 30 s or more alone; off never shifts", () => {
    expect(planPhaseShift("auto", 30, () => 0.5)).toMatchObject({ applied: false, delayMs: 0 });
    expect(planPhaseShift("off", null, () => 0.5)).toEqual({ mode: "off", applied: false, delayMs: 0, sensorPeriodMs: 100, reason: "measurement.phaseShift is off" });
  });

  it("draws delays spread over the whole period by default", () => {
    const delays = Array.from({ length: 200 }, () => planPhaseShift("on", null).delayMs);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(100);
    expect(delays.filter((d) => d < 50).length).toBeGreaterThan(60);
    expect(delays.filter((d) => d >= 50).length).toBeGreaterThan(60);
  });

  it("waits the delay, and stops waiting when aborted", async () => {
    const p = planPhaseShift("on", null, () => 0.9);
    const t0 = performance.now();
    await applyPhaseShift(p);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(85);
    const ac = new AbortController();
    const t1 = performance.now();
    const waiting = applyPhaseShift(p, ac.signal);
    ac.abort();
    await waiting;
    expect(performance.now() - t1).toBeLessThan(80);
  });
});
