// A whole study on the simulated GPU with lem's workload child: 2 axes x 3 cycles.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, runLem } from "./support/run-lem.js";
import { parseCsv, readJson, studyDirIn, writeStudy } from "./support/study.js";

interface Manifest {
  runs: { position: number; status: string; attempts: number; resultPath: string | null; slug: string; configHash: string }[];
}
interface Result {
  status: string;
  identity: { configHash: string; slug: string; cycle: number };
  config: { generation: { maxOutputTokens: number }; params: { batch_size: number } };
  energy: { totalJ: number };
  tokens: { output: number; requests: number };
  perToken: { energyPerOutputTokenJ: number };
  simulated: boolean;
}

let studyDir = "";
let exitCode: number | undefined;
let stderr = "";

beforeAll(async () => {
  const { dir, file } = writeStudy({
    name: "two-axes",
    sweep: { "params.batch_size": [1, 4], "generation.maxOutputTokens": [16, 48] },
    cycles: 3,
    order: "latin-square",
  });
  const r = await runLem(["run", file], cleanEnv({ LEM_SIMULATE: "steady", LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") }));
  exitCode = r.exitCode;
  stderr = r.stderr;
  studyDir = studyDirIn(dir);
}, 240_000);

describe("a study of 2 axes x 3 cycles on the simulator", () => {
  it("completes every planned run and exits 0", () => {
    expect(exitCode, stderr).toBe(0);
    const m = readJson<Manifest>(join(studyDir, "manifest.json"));
    expect(m.runs).toHaveLength(12);
    expect(m.runs.every((r) => r.status === "completed" && r.attempts === 1)).toBe(true);
  });

  it("writes a result.json and a timeseries.parquet for every run", () => {
    const m = readJson<Manifest>(join(studyDir, "manifest.json"));
    for (const r of m.runs) {
      const result = readJson<Result>(join(studyDir, r.resultPath!));
      expect(result.status).toBe("completed");
      expect(result.simulated).toBe(true);
      expect(result.tokens.requests).toBe(8);
      expect(existsSync(join(studyDir, r.resultPath!, "..", "timeseries.parquet"))).toBe(true);
    }
  });

  it("shifts each run's start by a random fraction of the 100 ms sensor period and records it (phaseShift auto, short windows)", () => {
    const m = readJson<Manifest>(join(studyDir, "manifest.json"));
    const shifts = m.runs.map((r) => readJson<{ phaseShift: { mode: string; applied: boolean; delayMs: number; sensorPeriodMs: number } }>(join(studyDir, r.resultPath!)).phaseShift);
    for (const p of shifts) {
      expect(p).toMatchObject({ mode: "auto", applied: true, sensorPeriodMs: 100 });
      expect(p.delayMs).toBeGreaterThanOrEqual(0);
      expect(p.delayMs).toBeLessThan(100);
    }
    expect(new Set(shifts.map((p) => p.delayMs)).size).toBeGreaterThan(6);
  });

  it("costs more energy for the configurations that do more work", () => {
    const m = readJson<Manifest>(join(studyDir, "manifest.json"));
    const results = m.runs.map((r) => readJson<Result>(join(studyDir, r.resultPath!)));
    const meanEnergy = (bs: number, tokens: number) => {
      const xs = results.filter((r) => r.config.params.batch_size === bs && r.config.generation.maxOutputTokens === tokens);
      expect(xs).toHaveLength(3);
      return xs.reduce((a, r) => a + r.energy.totalJ, 0) / xs.length;
    };
    expect(meanEnergy(1, 48)).toBeGreaterThan(meanEnergy(1, 16) * 1.5);
    expect(meanEnergy(4, 48)).toBeGreaterThan(meanEnergy(4, 16) * 1.5);
    expect(meanEnergy(1, 48)).toBeGreaterThan(meanEnergy(4, 48)); // batching amortises
  });

  it("writes a summary.csv any CSV reader opens: a header and one row per configuration", () => {
    const rows = parseCsv(readFileSync(join(studyDir, "summary.csv"), "utf8").trim());
    expect(rows).toHaveLength(5);
    const header = rows[0]!;
    expect(header).toContain("config_hash");
    expect(header).toContain("energy_per_output_token_j_mean");
    expect(header.slice(3, 5)).toEqual(["params.batch_size", "generation.maxOutputTokens"]);
    for (const row of rows.slice(1)) {
      expect(row).toHaveLength(header.length);
      expect(Number(row[header.indexOf("runs_completed")])).toBe(3);
      expect(Number(row[header.indexOf("energy_per_output_token_j_n")])).toBe(3);
      expect(Number(row[header.indexOf("energy_per_output_token_j_mean")])).toBeGreaterThan(0);
    }
  });

  it("writes timeseries.parquet that reads back with a Parquet reader", async () => {
    const m = readJson<Manifest>(join(studyDir, "manifest.json"));
    const file = join(studyDir, m.runs[0]!.resultPath!, "..", "timeseries.parquet");
    const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(file) })) as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThan(10);
    expect(rows[0]).toHaveProperty("power_w");
    expect(rows.some((r) => r.in_window === true)).toBe(true);
    expect(typeof rows[0]!.t_ns).toBe("bigint");
  });

  it("records per-configuration statistics in study.json", () => {
    const s = readJson<{ configurations: { stats: { energyPerOutputTokenJ: { n: number; ci95: unknown } } }[] }>(join(studyDir, "study.json"));
    expect(s.configurations).toHaveLength(4);
    for (const c of s.configurations) {
      expect(c.stats.energyPerOutputTokenJ.n).toBe(3);
      expect(c.stats.energyPerOutputTokenJ.ci95).not.toBeNull();
    }
  });
});
