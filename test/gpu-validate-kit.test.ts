// The GPU validation kit (bench/gpu/validate.mjs) run completely here against the standalone
// simulated libnvidia-ml.so.1 through LEM_NVML_LIBRARY, as it would run on a lent GPU, on a
// short budget. torch is not installed here, so the steps that need it say so; pynvml cannot be
// installed either (no PyPI): test/fixtures/pynvml-shim stands in for it, over the same library.
import { execa } from "execa";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFakeNvml } from "./support/fake-nvml.js";
import { cleanEnv, repoRoot } from "./support/run-lem.js";

const kit = join(repoRoot, "bench", "gpu");
const scenario = join(repoRoot, "test", "fixtures", "gpu-kit-scenario.json");
const WINDOW_S = 2;
const SAMPLER_S = 1.5;
const POLL_S = 1;

let out = "";
const dirs: string[] = [];
const tempDir = (label: string) => {
  const d = mkdtempSync(join(tmpdir(), `lem-gpu-kit-${label}-`));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
let library = "";
let stdout = "";
const json = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), "utf8"));

const fixtures = join(repoRoot, "test", "fixtures");

async function validate(dir: string, args: string[], pythonPath = join(fixtures, "pynvml-shim")) {
  return execa(process.execPath, [join(kit, "validate.mjs"), "--out", dir, ...args], {
    cwd: repoRoot,
    env: cleanEnv({ LEM_NVML_LIBRARY: library, LEM_SIM_SCENARIO: scenario, PYTHONPATH: pythonPath }),
    extendEnv: false,
    reject: false,
  });
}

beforeAll(async () => {
  library = await buildFakeNvml();
  out = tempDir("run");
  const r = await validate(out, ["--steps", "1,2,4,6,5", "--budget-s", "90", "--window-s", String(WINDOW_S), "--sampler-s", String(SAMPLER_S), "--poll-s", String(POLL_S), "--calls", "500"]);
  expect(r.exitCode, r.stderr).toBe(0);
  stdout = r.stdout;
}, 300_000);

describe("the GPU validation kit on the simulated library", () => {
  it("runs the steps in the order given (step 3 has its own run below) and records how each ended", () => {
    const run = json(out, "00-run.json");
    expect(run.steps.map((s: { step: number; status: string }) => [s.step, s.status])).toEqual([
      [1, "ok"],
      [2, "ok"],
      [4, "ok"],
      [6, "skipped"],
      [5, "skipped"],
    ]);
    expect(run.gpu).toEqual({ index: 0, name: "NVIDIA H100 80GB HBM3", uuid: expect.stringMatching(/^GPU-/) });
    expect(run.nvmlLibrary).toBe(library);
    expect(run.python.modules.torch.ok).toBe(false);
    expect(run.python.modules.pynvml).toMatchObject({ ok: true });
    expect(run.finishedAt).toEqual(expect.any(String));
    expect(readdirSync(out).filter((f) => f.endsWith(".json")).sort()).toEqual([
      "00-run.json", "01-inventory.json", "02-nvml.json", "04-sampler.json", "05-study.json", "06-residual-memory.json",
    ]);
  });

  it("inventories the devices, the environment and pre-flight, and says why nvidia-smi is missing", () => {
    const inv = json(out, "01-inventory.json");
    expect(inv.devices.nvml).toMatchObject({ available: true, simulated: false, source: library });
    expect(inv.devices.devices).toHaveLength(1);
    expect(inv.facts).toEqual([
      {
        index: 0,
        name: "NVIDIA H100 80GB HBM3",
        absent: [],
        errors: [],
        supported: { energyCounter: true, instantPower: true, averagePower: true },
      },
    ]);
    expect(inv.env.gpu.devices[0].uuid).toBe(inv.devices.devices[0].uuid);
    expect(inv.preflight.report.passed).toEqual(expect.arrayContaining(["nvml"]));
    expect(inv.nvidiaSmi.skipped).toMatch(/^nvidia-smi is not on PATH/);
  });

  it("times every NVML call lem makes and sees the scenario's update periods", () => {
    const nvml = json(out, "02-nvml.json");
    expect(nvml.callLatency.functions).toHaveLength(12);
    for (const f of nvml.callLatency.functions) {
      expect(f).toMatchObject({ available: true, calls: 500, failures: 0 });
      expect(f.latencyUs.median).toBeGreaterThan(0);
      expect(f.latencyUs.p99).toBeGreaterThanOrEqual(f.latencyUs.median);
    }
    const by = Object.fromEntries(nvml.updatePeriods.readings.map((r: { reading: string }) => [r.reading, r]));
    const d = nvml.updatePeriods.durationS;
    // 50 ms instant updates and 100 ms counter steps: a poll descheduled for longer than a
    // period (a loaded machine) sees fewer changes, never more.
    expect(by["field:instant"].changes).toBeGreaterThanOrEqual(Math.floor(d * 5));
    expect(by["field:instant"].changes).toBeLessThanOrEqual(Math.ceil(d * 20) + 2);
    expect(by["totalEnergy"].changes).toBeGreaterThanOrEqual(Math.floor(d * 3));
    expect(by["totalEnergy"].changes).toBeLessThanOrEqual(Math.ceil(d * 10) + 2);
    // The kit's scenario ramps 80 -> 300 W in 30 s: each change is whole 50 ms updates (366.7 mW each).
    const v = by["field:instant"].series.value as number[];
    for (let i = 1; i < v.length; i++) expect((v[i]! - v[i - 1]!) / (220_000 / 600)).toBeGreaterThan(0.99);
    expect(by["field:instant"].series.value.length).toBe(by["field:instant"].changes);
    expect(by["field:average"].intervalMs.median).toBeLessThan(1);
  });

  it("runs lem's sampler beside a pynvml poller at each rate, with the Python main thread idle then busy", () => {
    const s = json(out, "04-sampler.json");
    expect(s.phases.map((p: { targetHz: number; mode: string }) => `${p.targetHz} ${p.mode}`)).toEqual([
      "100 idle-main", "100 busy-main", "1000 idle-main", "1000 busy-main",
    ]);
    for (const p of s.phases) {
      expect(p.lem.ticks).toBeGreaterThan(0);
      expect(p.lem.achievedHz).toBeGreaterThan(0);
      expect(p.lem.latenessMs.max).toBeGreaterThanOrEqual(p.lem.latenessMs.p50);
      expect(p.lem.threadCpuS).toBeGreaterThan(0);
      expect(p.python.achievedHz).toBeGreaterThan(0);
      expect(p.python.calls).toContain("nvmlDeviceGetFieldValues");
      expect(p.lemOverPython.achievedHz).toBeCloseTo(p.lem.achievedHz / p.python.achievedHz, 6);
    }
    const idle100 = s.phases[0];
    expect(idle100.lem.achievedHz).toBeGreaterThan(50);
    // Both see the 50 ms updates: about 20 distinct power values per second.
    expect(idle100.lem.distinctPowerPerS).toBeGreaterThan(10);
    expect(idle100.lem.distinctPowerPerS).toBeLessThan(25);
    expect(idle100.python.distinctPowerPerS).toBeGreaterThan(10);
    expect(idle100.python.distinctPowerPerS).toBeLessThan(25);
  });

  it("writes and dry-runs the end-to-end study, and says why it did not run it", () => {
    const st = json(out, "05-study.json");
    expect(st.status).toBe("skipped");
    expect(st.reason).toMatch(/^study written and dry-run only: torch is not importable/);
    expect(st.dryRun.exitCode).toBe(0);
    expect(st.dryRun.output).toContain("2 configuration(s) x 2 cycle(s)");
    expect(st.studyFile.text).toContain("backend: transformers");
  });

  it("skips the residual-memory step with the reason", () => {
    expect(json(out, "06-residual-memory.json")).toMatchObject({ step: 6, status: "skipped", reason: expect.stringMatching(/^torch is not importable/) });
  });

  it("prints the summary table at the end, and summarize.mjs prints the same from the directory", async () => {
    const r = await execa(process.execPath, [join(kit, "summarize.mjs"), out], { cwd: repoRoot });
    expect(stdout.trim().endsWith(r.stdout.trim())).toBe(true);
    expect(r.stdout).toMatch(/^\| figure \| value \| note \|/);
    expect(r.stdout).toMatch(/\| update period field:instant \| \d+\.\d ms \|/);
    expect(r.stdout).toMatch(/\| latency nvmlDeviceGetFieldValues\[instant\] \| \d+\.\d\d µs \|/);
    expect(r.stdout).toMatch(/\| sampler 1000 Hz busy-main: pynvml \| \d+\.\d Hz \| .*lem\/pynvml rate \d+\.\d\d/);
    expect(r.stdout).toContain("| step 6 residual-memory | skipped | torch is not importable");
  });
});

describe("the energy step", () => {
  // torch with CUDA cannot run here: test/fixtures/torch-shim stands in, so the load child's
  // protocol and the step's loaded-window figures run for real on the simulated GPU's power.
  let dir = "";
  let e: Record<string, any> = {};
  beforeAll(async () => {
    dir = tempDir("energy");
    const r = await validate(dir, ["--steps", "3", "--window-s", String(WINDOW_S)], [join(fixtures, "torch-shim"), join(fixtures, "pynvml-shim")].join(":"));
    expect(r.exitCode, r.stderr).toBe(0);
    e = json(dir, "03-energy.json");
  }, 120_000);

  it("measures an idle window with a baseline: counter, instant integral and average integral side by side", () => {
    expect(e.status, e.reason).toBe("ok");
    const x = e.idle.figures;
    expect(x.windowSource).toBe("protocol");
    expect(x.durationS).toBeGreaterThan(WINDOW_S - 0.1);
    expect(x.durationS).toBeLessThan(WINDOW_S + 0.5);
    expect(x.counterJ).toBeGreaterThan(80 * WINDOW_S);
    expect(x.counterJ).toBeLessThan(300 * WINDOW_S);
    expect(Math.abs(x.instantVsCounter)).toBeLessThan(0.03);
    expect(x.averageIntegralJ).toBeGreaterThan(0);
    expect(x.averageVsCounter).toBeLessThan(0); // the 1 s average lags a rising ramp
    expect(x.counterPeriodMs).toBeCloseTo(100, -1);
    expect(x.baselinePowerW).toBeGreaterThan(80);
    expect(x.adjustedEnergyJ).toBeGreaterThanOrEqual(0);
    expect(readFileSync(join(dir, "03-energy-idle-timeline.csv"), "utf8").split("\n").length).toBeGreaterThan(100);
  });

  it("measures the load child over its marked window, with the idle window's baseline", () => {
    const loaded = e.loaded.figures;
    expect(loaded.windowSource).toBe("protocol");
    expect(loaded.durationS).toBeGreaterThan(1.9);
    expect(loaded.durationS).toBeLessThan(2.5);
    expect(Math.abs(loaded.instantVsCounter)).toBeLessThan(0.03);
    expect(loaded.baselinePowerW).toBe(e.idle.figures.baselinePowerW);
    expect(loaded.adjustedEnergyJ).toBeCloseTo(Math.max(0, loaded.counterJ - loaded.baselinePowerW * loaded.durationS), 6);
    expect(e.loaded.measurement.command.args[0]).toMatch(/bench\/gpu\/py\/matmul_load\.py$/);
    expect(e.loaded.measurement.protocol.events).toBe(4);
    expect(readFileSync(join(dir, "03-energy-loaded-timeline.csv"), "utf8").split("\n").length).toBeGreaterThan(100);
  });

  it("puts the energy figures in the summary", async () => {
    const r = await execa(process.execPath, [join(kit, "summarize.mjs"), dir], { cwd: repoRoot });
    expect(r.stdout).toMatch(/\| energy idle: instant integral vs counter \| -?\d+\.\d\d % \|/);
    expect(r.stdout).toMatch(/\| energy loaded: counter \| \d+\.\d\d J \|/);
  });

  it("has every Python child of the kit compile", async () => {
    const py = readdirSync(join(kit, "py")).filter((f) => f.endsWith(".py"));
    expect(py.sort()).toEqual(["facts.py", "hold_memory.py", "idle_window.py", "matmul_load.py", "protocol.py", "pynvml_poll.py", "tiny_model.py"]);
    const r = await execa("python3", ["-c", "import ast,sys\nfor f in sys.argv[1:]: ast.parse(open(f).read(), f)", ...py.map((f) => join(kit, "py", f))], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
  });
});

describe("the kit's time boxes", () => {
  it("stops a step at its limit, keeps what it had written, and goes on with the next", async () => {
    const dir = tempDir("limit");
    const r = await validate(dir, ["--steps", "2,5", "--calls", "100", "--poll-s", "60", "--step-limit-s", "4"]);
    expect(r.exitCode, r.stderr).toBe(0);
    const nvml = json(dir, "02-nvml.json");
    expect(nvml.status).toBe("overran");
    expect(nvml.reason).toMatch(/^overran its 4 s limit and was stopped/);
    expect(nvml.callLatency.functions).toHaveLength(12); // written before the poll that overran
    expect(nvml.updatePeriods).toBeUndefined();
    expect(json(dir, "05-study.json").status).toBe("skipped");
  }, 60_000);

  it("skips a step the budget left no time for, saying how much it needed", async () => {
    const dir = tempDir("budget");
    const r = await validate(dir, ["--steps", "4", "--budget-s", "8", "--sampler-s", "30"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(json(dir, "04-sampler.json")).toMatchObject({ status: "skipped", reason: expect.stringMatching(/^budget: the step needs about \d+ s, \d+ s of the 8 s budget are left/) });
  }, 60_000);

  it("plans all six steps within the default budget on a machine that has everything", async () => {
    const r = await execa(process.execPath, [join(kit, "validate.mjs"), "--plan"], { cwd: repoRoot });
    const plan = JSON.parse(r.stdout);
    expect(plan.budgetS).toBe(390);
    expect(plan.steps.map((s: { step: number }) => s.step)).toEqual([1, 2, 3, 4, 6, 5]);
    expect(plan.fits).toBe(true);
    expect(plan.totalS).toBe(plan.steps.at(-1).cumulativeS);
  });

  it("refuses a bad option with what is wrong", async () => {
    const r = await validate(tempDir("bad"), ["--steps", "2,9"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^validate: --steps: no step 9 \(steps are 1-6\)/);
  });
});
