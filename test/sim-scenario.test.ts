// The scenario schema of the simulated GPU: built-ins validate, mistakes get clear messages.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  builtinScenarioNames,
  parseScenario,
  resolveScenario,
  ScenarioError,
  ScenarioSchema,
} from "../lib/gpu/scenario.js";

function writeScenario(scenario: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), "lem-scenario-test-")), "mine.json");
  writeFileSync(file, typeof scenario === "string" ? scenario : JSON.stringify(scenario));
  return file;
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).code).toBe("LEM_SCENARIO_INVALID");
    return (error as Error).message;
  }
  throw new Error("expected a ScenarioError");
}

describe("built-in scenarios", () => {
  const names = builtinScenarioNames();

  it("are found in the package's scenarios/ folder", () => {
    expect(names).toEqual(
      expect.arrayContaining(["default", "h100x8", "idle", "throttle", "gpu-lost", "no-energy-counter", "mig"]),
    );
  });

  it.each(names)("%s validates, has a description and keeps its name", (name) => {
    const resolved = resolveScenario(name);
    expect(resolved.name).toBe(name);
    const scenario = ScenarioSchema.parse(JSON.parse(resolved.json));
    expect(scenario.description.length).toBeGreaterThan(10);
    expect(scenario.devices.length).toBeGreaterThan(0);
  });
});

describe("ScenarioSchema defaults", () => {
  it("fills an H100-like device from just a name", () => {
    const s = ScenarioSchema.parse({ devices: [{ name: "X" }] });
    expect(s).toMatchObject({
      name: "custom",
      driverVersion: "550.54.15",
      cudaDriverVersion: 12040,
      cuda: { available: true },
    });
    expect(s.devices[0]).toMatchObject({
      architecture: "hopper",
      memoryTotalMiB: 81559,
      powerLimitW: 700,
      idleW: 70,
      persistenceMode: true,
      mig: { enabled: false, instances: [] },
      temperature: { ambientC: 30, perWattC: 0.08, timeConstantS: 20 },
      power: [],
      loop: false,
    });
  });

  it("defaults an error injection to every function, forever", () => {
    const s = ScenarioSchema.parse({ devices: [{ name: "X", errors: [{ atS: 1, error: "NVML_ERROR_GPU_IS_LOST" }] }] });
    expect(s.devices[0]!.errors[0]).toEqual({ atS: 1, untilS: null, functions: ["*"], error: "NVML_ERROR_GPU_IS_LOST" });
  });
});

describe("scenario errors", () => {
  it("names an unknown key (a typo) with its path", () => {
    const file = writeScenario({ devices: [{ name: "X", idelW: 70 }] });
    const message = messageOf(() => resolveScenario(file));
    expect(message).toContain(file);
    expect(message).toContain("devices[0].idelW: unknown key");
  });

  it("names a negative duration with its path, what was expected and what was found", () => {
    const file = writeScenario({
      devices: [
        { name: "A" },
        {
          name: "B",
          power: [
            { kind: "constant", watts: 1, durationS: 1 },
            { kind: "constant", watts: 1, durationS: 1 },
            { kind: "constant", watts: 1, durationS: -1 },
          ],
        },
      ],
    });
    expect(messageOf(() => resolveScenario(file))).toContain(
      "devices[1].power[2].durationS: expected a positive number, found -1",
    );
  });

  it("says what is missing and checks fields against each other", () => {
    expect(messageOf(() => parseScenario({ devices: [{}] }, "t"))).toContain("devices[0].name: missing");
    expect(
      messageOf(() =>
        parseScenario({ devices: [{ name: "A", throttle: [{ startS: 3, endS: 2, reasons: ["HwSlowdown"] }] }] }, "t"),
      ),
    ).toContain("devices[0].throttle[0].endS: must be greater than startS");
    expect(messageOf(() => parseScenario({ devices: [{ name: "A" }], cuda: { order: [0, 0] } }, "t"))).toContain(
      "cuda.order",
    );
    expect(
      messageOf(() => parseScenario({ devices: [{ name: "A", architecture: "fermi" }] }, "t")),
    ).toContain('devices[0].architecture: expected one of kepler, maxwell, pascal, volta, turing, ampere, ada, hopper, blackwell, found "fermi"');
    expect(
      messageOf(() => parseScenario({ devices: [{ name: "A", power: [{ kind: "ramp", durationS: 1 }] }] }, "t")),
    ).toContain("devices[0].power[0]");
  });

  it("lists the built-in names when a name is unknown", () => {
    const message = messageOf(() => resolveScenario("defualt"));
    expect(message).toContain('unknown scenario "defualt"');
    expect(message).toContain("default");
    expect(message).toContain("h100x8");
  });

  it("reports invalid JSON and unreadable files with the file name", () => {
    const file = writeScenario("{ not json");
    expect(messageOf(() => resolveScenario(file))).toContain(file);
    expect(messageOf(() => resolveScenario("/nonexistent/lem.json"))).toContain("/nonexistent/lem.json");
  });

  it("names a scenario file without a name after the file", () => {
    const file = writeScenario({ devices: [{ name: "X" }] });
    const resolved = resolveScenario(file);
    expect(resolved.name).toBe("mine");
    expect(JSON.parse(resolved.json).name).toBe("mine");
    expect(resolved.source).toBe(file);
  });
});
