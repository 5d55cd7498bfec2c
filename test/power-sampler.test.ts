// PowerSampler on the simulated GPU, where the true energy is known exactly.
import { describe, expect, it } from "vitest";
import { InvalidOptionsError, InvalidStateError } from "../lib/errors.js";
import { PowerSampler, SAMPLE_FIELDS } from "../lib/gpu/power-sampler.js";
import { simulatedTruthEnergyJ, useSimulatedGpu } from "../lib/gpu/provider.js";
import { simulateScenario, sleep, spin } from "./support/simulate.js";

delete process.env.LEM_SIMULATE;

const device = (extra: object) => ({ name: "Sim GPU", idleW: 60, energyCounterStepMs: 0, ...extra });

describe("PowerSampler energy against the simulator's truth", () => {
  it("reports an energy counter delta equal to the true integral between its first and last sample", async () => {
    simulateScenario({
      name: "steps",
      devices: [
        device({
          power: [
            { kind: "constant", watts: 150, durationS: 0.3 },
            { kind: "constant", watts: 450, durationS: 0.3 },
            { kind: "square", lowW: 100, highW: 600, periodS: 0.05, duty: 0.3, durationS: 10 },
          ],
        }),
      ],
    });
    const sampler = new PowerSampler({ intervalMs: 2 }).start();
    await sleep(1000);
    const d = sampler.stop().devices[0]!;
    const truthJ = simulatedTruthEnergyJ(0, d.firstTNs!, d.lastTNs!);
    expect(truthJ).toBeGreaterThan(150);
    // Each timestamp is taken just before its read: a few µs at <= 600 W is < 0.01 J.
    expect(Math.abs(d.counterEnergyJ! - truthJ)).toBeLessThan(0.02);
    expect(d.sources.energy).not.toBe("none");
  });

  it("integrates a piecewise-linear power trace by the trapezoid rule within 0.1 % of the truth", async () => {
    simulateScenario({
      name: "triangle",
      devices: [
        device({
          loop: true,
          power: [
            { kind: "linear", fromW: 100, toW: 500, durationS: 0.25 },
            { kind: "linear", fromW: 500, toW: 100, durationS: 0.25 },
          ],
        }),
      ],
    });
    const sampler = new PowerSampler({ intervalMs: 1 }).start();
    await sleep(1500);
    const d = sampler.stop().devices[0]!;
    const truthJ = simulatedTruthEnergyJ(0, d.firstTNs!, d.lastTNs!);
    expect(Math.abs(d.integralEnergyJ! - truthJ) / truthJ).toBeLessThan(0.001);
    expect(d.power!.minW).toBeLessThan(110);
    expect(d.power!.maxW).toBeGreaterThan(490);
  });

  it("counts the energy counter's update steps when the counter moves in 100 ms steps", async () => {
    simulateScenario({
      name: "stepped",
      devices: [device({ energyCounterStepMs: 100, power: [{ kind: "constant", watts: 300, durationS: 60 }] })],
    });
    const sampler = new PowerSampler({ intervalMs: 5 }).start();
    await sleep(1050);
    const d = sampler.stop().devices[0]!;
    expect(d.counter.steps).toBeGreaterThanOrEqual(9);
    expect(d.counter.steps).toBeLessThanOrEqual(11);
    // A stepped counter is exact only at its steps: within one step (0.1 s x 300 W) of the truth.
    const truthJ = simulatedTruthEnergyJ(0, d.firstTNs!, d.lastTNs!);
    expect(Math.abs(d.counterEnergyJ! - truthJ)).toBeLessThanOrEqual(30.01);
  });
});

describe("PowerSampler clock events, failures and unsupported fields", () => {
  it("measures the time under each throttle reason as the scenario's episodes last", async () => {
    simulateScenario({
      name: "throttle-episodes",
      devices: [
        device({
          throttle: [
            { startS: 0.2, endS: 0.7, reasons: ["SwThermalSlowdown"] },
            { startS: 0.5, endS: 0.9, reasons: ["SwPowerCap"] },
          ],
        }),
      ],
    });
    const sampler = new PowerSampler({ intervalMs: 1 }).start();
    await sleep(1100);
    const d = sampler.stop().devices[0]!;
    expect(d.throttle.reasons).toEqual(["SwPowerCap", "SwThermalSlowdown"]);
    expect(d.throttle.secondsByReason.SwThermalSlowdown).toBeCloseTo(0.5, 1);
    // Sample-and-hold at 1 ms: exact to a few intervals, plus any scheduler stall at an edge
    // (this shared VM stalls for up to ~8 ms now and then).
    expect(Math.abs(d.throttle.secondsByReason.SwThermalSlowdown! - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(d.throttle.secondsByReason.SwPowerCap! - 0.4)).toBeLessThan(0.02);
    expect(d.throttle.slowdown).toBe(true);
  });

  it("records a GPU lost mid-run, drops it from the loop, and keeps sampling the others", async () => {
    useSimulatedGpu("gpu-lost");
    const sampler = new PowerSampler({ intervalMs: 1 }).start();
    await sleep(1500);
    const [ok, lost] = sampler.stop().devices;
    expect(ok!.failure).toBeNull();
    expect(lost!.failure).toMatchObject({ nvmlName: "NVML_ERROR_GPU_IS_LOST", nvmlCode: 15 });
    const lostAtS = Number(lost!.failure!.tNs - lost!.firstTNs!) / 1e9;
    expect(ok!.samples).toBeGreaterThan(lost!.samples + 300);
    expect(lostAtS).toBeLessThan(1.1);
  });

  it("counts a transient error as a read error and leaves that reading absent", async () => {
    simulateScenario({
      name: "flaky-temperature",
      devices: [
        device({ errors: [{ atS: 0.1, untilS: 0.3, functions: ["nvmlDeviceGetTemperature"], error: "NVML_ERROR_TIMEOUT" }] }),
      ],
    });
    const sampler = new PowerSampler({ intervalMs: 2 }).start();
    await sleep(500);
    const summary = sampler.stop();
    const [timeline] = sampler.drain();
    const d = summary.devices[0]!;
    expect(d.failure).toBeNull();
    expect(d.readErrors).toBeGreaterThan(50);
    let absent = 0;
    for (let i = 0; i < timeline!.count; i++) {
      const hasTemp = (timeline!.present[i]! & SAMPLE_FIELDS.temperatureC) !== 0;
      expect(Number.isNaN(timeline!.temperatureC[i]!)).toBe(!hasTemp);
      if (!hasTemp) absent++;
      expect(timeline!.present[i]! & SAMPLE_FIELDS.powerW).toBeTruthy();
    }
    expect(absent).toBe(d.readErrors);
  });

  it("leaves fields the device does not support absent (NaN, bit clear), never zero", async () => {
    useSimulatedGpu("no-energy-counter");
    const sampler = new PowerSampler({ intervalMs: 2 }).start();
    await sleep(200);
    const d = sampler.stop().devices[0]!;
    const [t] = sampler.drain();
    expect(d.counterEnergyJ).toBeNull();
    expect(d.sources.energy).toBe("none");
    // An Ampere board: nvmlDeviceGetPowerUsage is the 1 s average there, never taken for instant power.
    expect(d.sources.power).toBe("none");
    expect(d.sources.averagePower).toBe("field:average");
    expect(t!.count).toBeGreaterThan(50);
    expect(Array.from(t!.energyMJ).every(Number.isNaN)).toBe(true);
    expect(Array.from(t!.present).every((p) => (p & SAMPLE_FIELDS.energyMJ) === 0)).toBe(true);
    expect(Array.from(t!.powerW).every(Number.isNaN)).toBe(true);
    expect(Array.from(t!.powerAverageW).every((w) => w > 0)).toBe(true);
  });

  it("reads nvmlDeviceGetPowerUsage as nvml.h says: instant power on Turing, the 1 s average on Ampere", async () => {
    const turing = { name: "Tesla T4", architecture: "turing", idleW: 12, powerLimitW: 70, minPowerLimitW: 60, maxPowerLimitW: 70, defaultPowerLimitW: 70, unsupported: ["instantPower", "energyCounter", "averagePower"], power: [{ kind: "constant", watts: 12, durationS: 0.5 }, { kind: "constant", watts: 60, durationS: 100 }] };
    simulateScenario({ name: "t4", devices: [turing] });
    await sleep(900); // 0.4 s into the 60 W step: the 1 s average would still read about 31 W
    const sampler = new PowerSampler({ intervalMs: 5 }).start();
    await sleep(50);
    const d = sampler.stop().devices[0]!;
    const [t] = sampler.drain();
    expect(d.sources.power).toBe("powerUsage:instant");
    expect(t!.powerW[0]!).toBeCloseTo(60, 3);
  });
});

describe("PowerSampler delivery, windows and lifecycle", () => {
  it("drains every sample exactly once, in time order, into typed arrays", async () => {
    useSimulatedGpu("default");
    const sampler = new PowerSampler({ intervalMs: 1 }).start();
    await sleep(200);
    const first = sampler.drain()[0]!;
    await sleep(200);
    sampler.stop();
    const second = sampler.drain()[0]!;
    expect(first.tNs).toBeInstanceOf(BigInt64Array);
    expect(first.powerW).toBeInstanceOf(Float64Array);
    expect(first.count + second.count).toBe(sampler.summary().devices[0]!.samples);
    const all = [...first.tNs, ...second.tNs];
    for (let i = 1; i < all.length; i++) expect(all[i]! > all[i - 1]!).toBe(true);
    expect(sampler.drain()[0]!.count).toBe(0);
  });

  it("keeps sampling on schedule while the JavaScript thread is blocked", () => {
    useSimulatedGpu("default");
    const sampler = new PowerSampler({ intervalMs: 1 }).start();
    spin(300);
    const { timing } = sampler.stop();
    expect(timing.ticks).toBeGreaterThan(250);
    expect(timing.ticks).toBeLessThanOrEqual(302);
  });

  it("measures a named window exactly between its begin and end reads", async () => {
    simulateScenario({ name: "flat", devices: [device({ power: [{ kind: "constant", watts: 250, durationS: 60 }] })] });
    const sampler = new PowerSampler({ intervalMs: 10 }).start();
    await sleep(30);
    sampler.beginWindow("decode");
    await sleep(400);
    const w = sampler.endWindow("decode");
    sampler.stop();
    const d = w.devices[0]!;
    expect(w.durationS).toBeGreaterThan(0.39);
    expect(Math.abs(d.counterEnergyJ! - simulatedTruthEnergyJ(0, d.firstTNs!, d.lastTNs!))).toBeLessThan(0.01);
    expect(d.counterEnergyJ! / d.durationS).toBeCloseTo(250, 0);
  });

  it("refuses to end a window that is not open, and to open one twice", () => {
    useSimulatedGpu("default");
    const sampler = new PowerSampler();
    expect(() => sampler.endWindow("nope")).toThrow(/no open window named 'nope'/);
    sampler.beginWindow("a");
    expect(() => sampler.beginWindow("a")).toThrow(InvalidOptionsError);
  });

  it("refuses to start twice", () => {
    useSimulatedGpu("default");
    const sampler = new PowerSampler().start();
    expect(() => sampler.start()).toThrow(InvalidStateError);
    sampler.stop();
  });

  it("stops its thread when disposed with `await using`", async () => {
    useSimulatedGpu("default");
    let ref: PowerSampler | undefined;
    {
      await using sampler = new PowerSampler({ intervalMs: 1 }).start();
      ref = sampler;
      expect(sampler.running).toBe(true);
    }
    expect(ref.running).toBe(false);
  });
});

describe("PowerSampler options", () => {
  it("rejects an interval below 0.2 ms, naming the option", () => {
    useSimulatedGpu("default");
    expect(() => new PowerSampler({ intervalMs: 0.1 })).toThrow(/intervalMs: Too small: expected number to be >=0\.2/);
  });

  it("rejects unknown options", () => {
    useSimulatedGpu("default");
    expect(() => new PowerSampler({ interval: 5 } as never)).toThrow(/Unrecognized key: "interval"/);
  });

  it("rejects devices that do not exist, saying which exist", () => {
    useSimulatedGpu("default");
    expect(() => new PowerSampler({ devices: [0, 3] })).toThrow(
      "PowerSampler devices 3 do not exist: there are 1 GPU(s), indices 0-0.",
    );
  });
});
