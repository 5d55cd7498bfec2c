/** Writes a Timeline as CSV: one row per sample and device, absent readings as empty cells. */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { abandonTemporary, commitTemporary, temporaryPathFor } from "../fs/atomic-write.js";
import { SAMPLE_FIELDS } from "../gpu/power-sampler.js";
import type { DeviceSeries } from "./timeline.js";

export const TIMELINE_CSV_HEADER =
  "device,uuid,tNs,powerW,powerAverageW,energyMJ,temperatureC,smClockMHz,memoryUsedMiB,throttleReasons,utilizationGpuPct,utilizationMemoryPct";

const cell = (present: number, bit: number, value: number | bigint) => ((present & bit) !== 0 ? String(value) : "");

export async function writeTimelineCsv(path: string, devices: DeviceSeries[]): Promise<void> {
  const tmp = temporaryPathFor(path);
  try {
    await writeRows(tmp, devices);
  } catch (error) {
    abandonTemporary(tmp, path, error);
  }
  commitTemporary(tmp, path);
}

async function writeRows(tmp: string, devices: DeviceSeries[]): Promise<void> {
  const out = createWriteStream(tmp, { flags: "wx" });
  const failed = new Promise<never>((_, reject) => out.once("error", reject));
  failed.catch(() => undefined);
  const write = async (text: string) => {
    if (!out.write(text)) await Promise.race([once(out, "drain"), failed]);
  };
  await write(`${TIMELINE_CSV_HEADER}\n`);
  for (const d of devices) {
    for (let i = 0; i < d.count; i++) {
      const p = d.present[i]!;
      await write(
        [
          d.index,
          d.uuid,
          d.tNs[i]!,
          cell(p, SAMPLE_FIELDS.powerW, d.powerW[i]!),
          cell(p, SAMPLE_FIELDS.powerAverageW, d.powerAverageW[i]!),
          cell(p, SAMPLE_FIELDS.energyMJ, d.energyMJ[i]!),
          cell(p, SAMPLE_FIELDS.temperatureC, d.temperatureC[i]!),
          cell(p, SAMPLE_FIELDS.smClockMHz, d.smClockMHz[i]!),
          cell(p, SAMPLE_FIELDS.memoryUsedMiB, d.memoryUsedMiB[i]!),
          cell(p, SAMPLE_FIELDS.throttleReasons, d.throttleReasons[i]!),
          cell(p, SAMPLE_FIELDS.utilization, d.utilizationGpuPct[i]!),
          cell(p, SAMPLE_FIELDS.utilization, d.utilizationMemoryPct[i]!),
        ].join(",") + "\n",
      );
    }
  }
  out.end();
  await Promise.race([once(out, "finish"), failed]);
}
