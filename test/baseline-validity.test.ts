// A baseline is checked before it is subtracted: a loaded GPU is never accepted as idle.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useSimulatedGpu } from "../lib/gpu/provider.js";
import { measureBaseline } from "../lib/measure/baseline.js";
import { getBaseline } from "../lib/measure/baseline-cache.js";
import { judgeBaseline, usableBaselinePower } from "../lib/measure/baseline-validity.js";
import { idleCeiling } from "../lib/measure/idle-power-ceiling.js";
import { measureCommand } from "../lib/study/measure-command.js";
import { simulateScenario } from "./support/simulate.js";

const loaded = {
  name: "loaded-from-start",
  devices: [
    {
      name: "NVIDIA H100 80GB HBM3",
      energyCounterStepMs: 100,
      power: [{ kind: "square", lowW: 380, highW: 560, periodS: 0.2, duty: 0.6, durationS: 100 }],
    },
  ],
};

const evidence = {
  name: "NVIDIA H100 80GB HBM3",
  powerLimitW: 700,
  meanW: 70,
  stdW: 0.5,
  peakUtilizationPct: 0,
  temperatureStartC: 36,
  temperatureEndC: 36,
  processes: [],
};

describe("idle ceilings", () => {
  it("come from the model table, the most specific name first", () => {
    expect(idleCeiling("NVIDIA H100 80GB HBM3", 700)).toEqual({ ceilingW: 150, source: "table:H100" });
    expect(idleCeiling("NVIDIA A100-SXM4-80GB", 400)).toEqual({ ceilingW: 110, source: "table:A100" });
    expect(idleCeiling("NVIDIA A10", 150)).toEqual({ ceilingW: 45, source: "table:A10" });
  });

  it("fall back to a quarter of the power limit, never under 20 W", () => {
    expect(idleCeiling("Sim", 700)).toEqual({ ceilingW: 175, source: "generic:25% of 700 W" });
    expect(idleCeiling("Sim", 40)).toEqual({ ceilingW: 20, source: "generic:minimum" });
  });
});

describe("judging a baseline", () => {
  it("accepts a quiet GPU under its idle ceiling", () => {
    expect(judgeBaseline(evidence)).toEqual({ status: "accepted", reasons: [], idleCeilingW: 150, idleCeilingSource: "table:H100" });
  });

  it("refuses power above the ceiling, utilisation and processes, with every reason", () => {
    const v = judgeBaseline({ ...evidence, meanW: 488.3, stdW: 88, peakUtilizationPct: 65, processes: [{ pid: 4242, name: "python3" }] });
    expect(v.status).toBe("refused");
    expect(v.reasons).toEqual([
      "mean power 488.3 W is above the idle ceiling of 150 W for NVIDIA H100 80GB HBM3 (table:H100)",
      "GPU utilisation reached 65 % (limit 10 %)",
      "compute processes were running: python3 (pid 4242)",
    ]);
  });

  it("refuses a varying power even under the ceiling", () => {
    const v = judgeBaseline({ ...evidence, meanW: 100, stdW: 30 });
    expect(v.status).toBe("refused");
    expect(v.reasons).toEqual(["power varied too much for an idle GPU (standard deviation 30.0 W, limit 20.0 W)"]);
  });

  it("flags, but keeps, a baseline whose temperature climbed", () => {
    const v = judgeBaseline({ ...evidence, temperatureStartC: 36, temperatureEndC: 41 });
    expect(v.status).toBe("doubtful");
    expect(v.reasons).toEqual(["temperature climbed from 36 °C to 41 °C (more than 2 °C): something was heating the GPU"]);
  });

  it("leaves a refused GPU out of the subtraction with a warning, and keeps a doubtful one with a warning", () => {
    const refused = judgeBaseline({ ...evidence, meanW: 488.3 });
    const doubtful = judgeBaseline({ ...evidence, temperatureEndC: 45 });
    const { power, warnings } = usableBaselinePower([
      { index: 0, uuid: "GPU-a", meanW: 488.3, validity: refused },
      { index: 1, uuid: "GPU-b", meanW: 70, validity: doubtful },
    ]);
    expect(power).toEqual([{ uuid: "GPU-b", meanW: 70 }]);
    expect(warnings.map((w) => [w.code, w.device])).toEqual([
      ["baseline-refused", 0],
      ["baseline-doubtful", 1],
    ]);
    expect(warnings[0]!.message).toContain("adjusted energy is withheld, raw energy is kept");
  });
});

describe("baselines on the simulator", () => {
  it("refuses a baseline taken on a loaded GPU, naming the power and its spread", async () => {
    simulateScenario(loaded);
    const b = await measureBaseline({ durationS: 0.5 });
    const v = b.devices[0]!.validity!;
    expect(b.devices[0]!.meanW!).toBeGreaterThan(400);
    expect(v.status).toBe("refused");
    expect(v.reasons[0]).toMatch(/^mean power \d+\.\d W is above the idle ceiling of 150 W for NVIDIA H100 80GB HBM3 \(table:H100\)$/);
    expect(v.reasons.some((r) => r.startsWith("GPU utilisation reached"))).toBe(true);
  });

  it("accepts the idle scenario", async () => {
    useSimulatedGpu("idle");
    const b = await measureBaseline({ durationS: 0.5 });
    expect(b.devices[0]!.validity).toEqual({ status: "accepted", reasons: [], idleCeilingW: 150, idleCeilingSource: "table:H100" });
  });

  it("refuses a baseline while a compute process runs on the GPU", async () => {
    simulateScenario({ name: "busy", devices: [{ name: "NVIDIA H100 80GB HBM3", processes: [{ pid: 4242, name: "python3", usedMiB: 900 }] }] });
    const b = await measureBaseline({ durationS: 0.3 });
    expect(b.devices[0]!.validity!.status).toBe("refused");
    expect(b.devices[0]!.validity!.reasons).toEqual(["compute processes were running: python3 (pid 4242)"]);
  });

  it("never caches a refused baseline", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "lem-cache-"));
    simulateScenario(loaded);
    const first = await getBaseline({ durationS: 0.3, spotCheckS: 0, cacheDir });
    const second = await getBaseline({ durationS: 0.3, spotCheckS: 0, cacheDir });
    expect(first.source).toBe("measured");
    expect(second.source).toBe("measured");
  });

  it("lem measure withholds the adjusted energy after a refused baseline, keeps the raw one and says why", async () => {
    simulateScenario(loaded);
    const { measurement } = await measureCommand({
      command: process.execPath,
      args: ["-e", "setTimeout(() => {}, 600)"],
      baseline: { durationS: 0.3, useCache: false },
      skipPreflight: true,
    });
    const d = measurement.energy.devices[0]!;
    expect(d.energyJ!).toBeGreaterThan(200);
    expect(d.adjustedEnergyJ).toBeNull();
    expect(d.baselinePowerW).toBeNull();
    const w = measurement.energy.warnings.find((x) => x.code === "baseline-refused");
    expect(w?.message).toMatch(/^GPU 0: the idle baseline was refused \(mean power \d+\.\d W is above the idle ceiling/);
  });
});
