/**
 * A run's samples at full resolution, in Parquet (written with hyparquet-writer): one row per
 * sample and device, absent readings as null, and whether the sample fell inside the
 * measurement window.
 */
import type { SchemaElement } from "hyparquet";
import { type ColumnSource, parquetWriteFile } from "hyparquet-writer";
import { abandonTemporary, commitTemporary, temporaryPathFor } from "../fs/atomic-write.js";
import { SAMPLE_FIELDS } from "../gpu/power-sampler.js";
import type { DeviceSeries } from "../measure/timeline.js";
import { version } from "../version.js";

type Physical = "INT32" | "INT64" | "FLOAT" | "DOUBLE" | "BOOLEAN" | "BYTE_ARRAY";

interface ColumnSpec {
  name: string;
  type: Physical;
  required: boolean;
  converted?: "UTF8" | "UINT_32";
}

/** The columns, in file order. */
export const TIMESERIES_COLUMNS: readonly ColumnSpec[] = [
  { name: "device", type: "INT32", required: true },
  { name: "uuid", type: "BYTE_ARRAY", converted: "UTF8", required: true },
  { name: "t_ns", type: "INT64", required: true },
  { name: "power_w", type: "DOUBLE", required: false },
  { name: "power_average_w", type: "DOUBLE", required: false },
  { name: "energy_mj", type: "DOUBLE", required: false },
  { name: "temperature_c", type: "FLOAT", required: false },
  { name: "sm_clock_mhz", type: "FLOAT", required: false },
  { name: "memory_used_mib", type: "DOUBLE", required: false },
  { name: "throttle_reasons", type: "INT32", converted: "UINT_32", required: false },
  { name: "utilization_gpu_pct", type: "FLOAT", required: false },
  { name: "utilization_memory_pct", type: "FLOAT", required: false },
  { name: "in_window", type: "BOOLEAN", required: false },
];

function schemaOf(): SchemaElement[] {
  return [
    { name: "root", num_children: TIMESERIES_COLUMNS.length },
    ...TIMESERIES_COLUMNS.map(
      (c): SchemaElement => ({
        name: c.name,
        type: c.type,
        repetition_type: c.required ? "REQUIRED" : "OPTIONAL",
        ...(c.converted ? { converted_type: c.converted } : {}),
      }),
    ),
  ];
}

/**
 * Writes every sample of `devices` to `file` (atomically: a temporary file renamed over it).
 * With `window`, `in_window` says whether each sample lies in [startNs, endNs]; without, it is null.
 */
export async function writeTimeseriesParquet(
  file: string,
  devices: DeviceSeries[],
  window?: { startNs: bigint; endNs: bigint },
): Promise<void> {
  const rows = devices.reduce((n, d) => n + d.count, 0);
  const device: number[] = new Array(rows);
  const uuid: string[] = new Array(rows);
  const tNs: bigint[] = new Array(rows);
  type Nullable = (number | null)[];
  const power: Nullable = new Array(rows);
  const powerAverage: Nullable = new Array(rows);
  const energy: Nullable = new Array(rows);
  const temperature: Nullable = new Array(rows);
  const smClock: Nullable = new Array(rows);
  const memoryUsed: Nullable = new Array(rows);
  const throttle: Nullable = new Array(rows);
  const utilGpu: Nullable = new Array(rows);
  const utilMemory: Nullable = new Array(rows);
  const inWindow: (boolean | null)[] = new Array(rows);
  const F = SAMPLE_FIELDS;
  let r = 0;
  for (const d of devices) {
    for (let i = 0; i < d.count; i++, r++) {
      const p = d.present[i]!;
      const t = d.tNs[i]!;
      const has = (bit: number, v: number) => ((p & bit) !== 0 ? v : null);
      device[r] = d.index;
      uuid[r] = d.uuid;
      tNs[r] = t;
      power[r] = has(F.powerW, d.powerW[i]!);
      powerAverage[r] = has(F.powerAverageW, d.powerAverageW[i]!);
      energy[r] = has(F.energyMJ, d.energyMJ[i]!);
      temperature[r] = has(F.temperatureC, d.temperatureC[i]!);
      smClock[r] = has(F.smClockMHz, d.smClockMHz[i]!);
      memoryUsed[r] = has(F.memoryUsedMiB, d.memoryUsedMiB[i]!);
      throttle[r] = has(F.throttleReasons, d.throttleReasons[i]!);
      utilGpu[r] = has(F.utilization, d.utilizationGpuPct[i]!);
      utilMemory[r] = has(F.utilization, d.utilizationMemoryPct[i]!);
      inWindow[r] = window ? t >= window.startNs && t <= window.endNs : null;
    }
  }
  const data = [device, uuid, tNs, power, powerAverage, energy, temperature, smClock, memoryUsed, throttle, utilGpu, utilMemory, inWindow];
  const columnData: ColumnSource[] = TIMESERIES_COLUMNS.map((c, k) => ({ name: c.name, data: data[k]! }));
  const kvMetadata = [{ key: "lem.version", value: version }];
  if (window) kvMetadata.push({ key: "lem.window.start_ns", value: String(window.startNs) }, { key: "lem.window.end_ns", value: String(window.endNs) });
  const tmp = temporaryPathFor(file);
  try {
    parquetWriteFile({ filename: tmp, columnData, schema: schemaOf(), kvMetadata, createdBy: `lem ${version}` });
  } catch (error) {
    abandonTemporary(tmp, file, error);
  }
  commitTemporary(tmp, file);
}
