// The recorder waits for samples past a window's end instead of pausing a fixed time, so that
// the end can be interpolated even when the sampling thread runs late.
import { describe, expect, it } from "vitest";
import { monotonicNs } from "../lib/gpu/power-sampler.js";
import { useSimulatedGpu } from "../lib/gpu/provider.js";
import { Recorder } from "../lib/measure/recorder.js";

useSimulatedGpu("default");

describe("Recorder.waitForSamplesAfter", () => {
  it("returns once every device has a sample later than the given time", async () => {
    const recorder = new Recorder({ devices: [0], intervalMs: 10 });
    try {
      const endNs = monotonicNs() + 80_000_000n;
      expect(await recorder.waitForSamplesAfter(endNs)).toBe(true);
      const [d] = recorder.series();
      expect(d!.tNs[d!.count - 1]!).toBeGreaterThan(endNs);
    } finally {
      recorder.stop();
    }
  });

  it("gives up after its time limit when no such sample comes", async () => {
    const recorder = new Recorder({ devices: [0], intervalMs: 10 });
    try {
      const started = Date.now();
      expect(await recorder.waitForSamplesAfter(monotonicNs() + 60_000_000_000n, 150)).toBe(false);
      // It waited its limit (a loaded machine may add to it, never take from it).
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      recorder.stop();
    }
  });
});
