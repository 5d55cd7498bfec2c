/** The text of one `lem monitor` refresh: a header line and one row per GPU. */
import { SLOWDOWN_REASONS } from "../../gpu/throttle-reasons.js";
import { formatElapsed } from "../progress/durations.js";
import type { Colors } from "../progress/terminal.js";
import type { GpuRow, MonitorSnapshot } from "./gpu-snapshot.js";

const num = (v: number | null, digits: number) => (v === null ? "n/a" : v.toFixed(digits));

interface Cell {
  text: string;
  /** Applied after padding, so escape codes never upset the widths. */
  style?: (s: string) => string;
}

const HEADER = ["GPU", "name", "power W", "mean W", "energy J", "temp °C", "SM MHz", "memory MiB", "util %", "throttle"];

function rowCells(g: GpuRow, c: Colors): Cell[] {
  const memory = g.memoryUsedMiB === null ? "n/a" : `${g.memoryUsedMiB.toFixed(0)} / ${num(g.memoryTotalMiB, 0)}`;
  const reasons = g.throttleReasons;
  const slowdown = reasons?.some((r) => (SLOWDOWN_REASONS as readonly string[]).includes(r)) ?? false;
  return [
    { text: String(g.index) },
    { text: g.name },
    { text: num(g.powerW, 1), style: c.bold },
    { text: num(g.powerMeanW, 1) },
    { text: num(g.energyJ, 1) },
    { text: num(g.temperatureC, 0) },
    { text: num(g.smClockMHz, 0) },
    { text: memory },
    { text: num(g.utilizationGpuPct, 0) },
    { text: reasons === null ? "n/a" : reasons.length ? reasons.join(",") : "none", ...(slowdown ? { style: c.yellow } : {}) },
  ];
}

export function formatMonitorTable(s: MonitorSnapshot, o: { colors: Colors; intervalMs: number; sampleMs: number }): string {
  const rows = s.gpus.map((g) => rowCells(g, o.colors));
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.text.length)));
  const line = (cells: Cell[]) =>
    cells
      .map((cell, i) => {
        const padded = i === cells.length - 1 ? cell.text : cell.text.padEnd(widths[i]!);
        return cell.style ? cell.style(padded) : padded;
      })
      .join("  ");
  const since = s.elapsedS < 60 ? `${s.elapsedS.toFixed(1)} s` : formatElapsed(s.elapsedS);
  const title = `lem monitor: ${s.gpus.length} GPU(s), ${since} since start (refresh ${o.intervalMs} ms, sampling every ${o.sampleMs} ms)`;
  return [o.colors.cyan(title), o.colors.dim(line(HEADER.map((text) => ({ text })))), ...rows.map(line)].join("\n");
}
