/**
 * Samples kept for a whole measurement: drained batches appended per device, read back
 * as contiguous columns. Times stay bigint (CLOCK_MONOTONIC ns) until a window needs them.
 */
import type { DeviceTimeline } from "../gpu/power-sampler.js";

/** One device's samples as columns: the same shape a drain returns, for the whole timeline. */
export type DeviceSeries = DeviceTimeline;

type Column = Exclude<keyof DeviceSeries, "index" | "uuid" | "count">;
const COLUMNS: Column[] = [
  "tNs",
  "powerW",
  "powerAverageW",
  "energyMJ",
  "temperatureC",
  "smClockMHz",
  "memoryUsedMiB",
  "throttleReasons",
  "utilizationGpuPct",
  "utilizationMemoryPct",
  "present",
];

function concat<T extends DeviceSeries[Column]>(parts: T[], total: number): T {
  const first = parts[0]!;
  const Ctor = first.constructor as new (n: number) => T;
  const out = new Ctor(total);
  let offset = 0;
  for (const p of parts) {
    (out as unknown as { set(a: T, o: number): void }).set(p, offset);
    offset += p.length;
  }
  return out;
}

export class Timeline {
  readonly #chunks = new Map<number, DeviceTimeline[]>();
  readonly #uuids = new Map<number, string>();

  /** Appends one drain (one entry per device). */
  append(batch: DeviceTimeline[]): void {
    for (const d of batch) {
      this.#uuids.set(d.index, d.uuid);
      const list = this.#chunks.get(d.index) ?? [];
      if (d.count > 0) list.push(d);
      this.#chunks.set(d.index, list);
    }
  }

  /** Every device's samples as contiguous columns, in device order. */
  devices(): DeviceSeries[] {
    return [...this.#chunks.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, chunks]) => {
        const count = chunks.reduce((n, c) => n + c.count, 0);
        const series = { index, uuid: this.#uuids.get(index) ?? "", count } as DeviceSeries;
        for (const col of COLUMNS) {
          const parts = chunks.map((c) => c[col].subarray(0, c.count)) as DeviceSeries[typeof col][];
          (series as unknown as Record<Column, unknown>)[col] = parts.length
            ? concat(parts, count)
            : new (emptyCtor(col))(0);
        }
        return series;
      });
  }
}

function emptyCtor(col: Column): new (n: number) => DeviceSeries[Column] {
  switch (col) {
    case "tNs":
      return BigInt64Array;
    case "temperatureC":
    case "smClockMHz":
    case "utilizationGpuPct":
    case "utilizationMemoryPct":
      return Float32Array;
    case "throttleReasons":
      return Uint32Array;
    case "present":
      return Uint16Array;
    default:
      return Float64Array;
  }
}
