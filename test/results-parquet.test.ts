// timeseries.parquet: written with hyparquet-writer, read back with hyparquet.
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { describe, expect, it } from "vitest";
import { SAMPLE_FIELDS as F } from "../lib/gpu/power-sampler.js";
import type { DeviceSeries } from "../lib/measure/timeline.js";
import { TIMESERIES_COLUMNS, writeTimeseriesParquet } from "../lib/results/timeseries-parquet.js";

const ALL = 0xff;

function series(index: number, uuid: string, tNs: bigint[], present: number[], base: number): DeviceSeries {
  const n = tNs.length;
  const f64 = (k: number) => Float64Array.from({ length: n }, (_, i) => base + k + i * 0.25);
  const f32 = (k: number) => Float32Array.from({ length: n }, (_, i) => base + k + i * 0.1);
  return {
    index,
    uuid,
    count: n,
    tNs: BigInt64Array.from(tNs),
    powerW: f64(100),
    powerAverageW: f64(90),
    energyMJ: f64(1_000_000),
    temperatureC: f32(40),
    smClockMHz: f32(1500),
    memoryUsedMiB: f64(2048),
    throttleReasons: Uint32Array.from({ length: n }, (_, i) => (i === 1 ? 0x80000004 : 0x1)),
    utilizationGpuPct: f32(50),
    utilizationMemoryPct: f32(20),
    present: Uint16Array.from(present),
  };
}

async function readBack(file: string) {
  return (await parquetReadObjects({ file: await asyncBufferFromFile(file) })) as Record<string, unknown>[];
}

describe("writeTimeseriesParquet", () => {
  it("writes every sample of every device with its values, in file order of columns", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lem-parquet-"));
    const file = join(dir, "timeseries.parquet");
    const a = series(0, "GPU-a", [10n, 20n, 30n], [ALL, ALL, ALL], 0);
    const b = series(3, "GPU-b", [15n, 25n], [ALL, ALL], 1000);
    await writeTimeseriesParquet(file, [a, b], { startNs: 15n, endNs: 25n });
    const rows = await readBack(file);
    expect(rows).toHaveLength(5);
    expect(Object.keys(rows[0]!)).toEqual(TIMESERIES_COLUMNS.map((c) => c.name));
    expect(rows.map((r) => r.device)).toEqual([0, 0, 0, 3, 3]);
    expect(rows.map((r) => r.uuid)).toEqual(["GPU-a", "GPU-a", "GPU-a", "GPU-b", "GPU-b"]);
    expect(rows.map((r) => r.t_ns)).toEqual([10n, 20n, 30n, 15n, 25n]);
    expect(rows.map((r) => r.in_window)).toEqual([false, true, false, true, true]);
    expect(rows[1]).toMatchObject({
      power_w: 100.25,
      power_average_w: 90.25,
      energy_mj: 1_000_000.25,
      memory_used_mib: 2048.25,
      throttle_reasons: 0x80000004,
    });
    // Float32 readings are stored as FLOAT and come back bit for bit.
    expect(rows[1]!.temperature_c).toBe(a.temperatureC[1]);
    expect(rows[1]!.sm_clock_mhz).toBe(a.smClockMHz[1]);
    expect(rows[4]!.utilization_gpu_pct).toBe(b.utilizationGpuPct[1]);
    expect(rows[4]!.utilization_memory_pct).toBe(b.utilizationMemoryPct[1]);
    expect(readdirSync(dir)).toEqual(["timeseries.parquet"]);
  });

  it("writes absent readings as null, field by field", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "lem-parquet-")), "t.parquet");
    const d = series(0, "GPU-a", [1n, 2n, 3n], [F.powerW | F.energyMJ, F.temperatureC | F.throttleReasons, F.utilization | F.smClockMHz | F.memoryUsedMiB | F.powerAverageW], 0);
    await writeTimeseriesParquet(file, [d]);
    const rows = await readBack(file);
    const pick = (r: Record<string, unknown>) => TIMESERIES_COLUMNS.slice(3).map((c) => r[c.name] === null);
    // power, average, energy, temperature, clock, memory, throttle, util gpu, util memory, in_window
    expect(pick(rows[0]!)).toEqual([false, true, false, true, true, true, true, true, true, true]);
    expect(pick(rows[1]!)).toEqual([true, true, true, false, true, true, false, true, true, true]);
    expect(pick(rows[2]!)).toEqual([true, false, true, true, false, false, true, false, false, true]);
    expect(rows[0]!.power_w).toBe(100);
    expect(rows[1]!.throttle_reasons).toBe(0x80000004);
  });

  it("records the window and lem's version in the file's metadata", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "lem-parquet-")), "t.parquet");
    await writeTimeseriesParquet(file, [series(0, "GPU-a", [1n, 2n], [ALL, ALL], 0)], { startNs: 1n, endNs: 2n });
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(file));
    const kv = Object.fromEntries((meta.key_value_metadata ?? []).map((e) => [e.key, e.value]));
    expect(kv["lem.window.start_ns"]).toBe("1");
    expect(kv["lem.window.end_ns"]).toBe("2");
    expect(kv["lem.version"]).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("writes a readable file with no rows when nothing was sampled", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "lem-parquet-")), "t.parquet");
    await writeTimeseriesParquet(file, [series(0, "GPU-a", [], [], 0)]);
    expect(await readBack(file)).toEqual([]);
  });
});
