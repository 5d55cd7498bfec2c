/** Text summaries of energy figures for the terminal. */
import type { WindowEnergy } from "../measure/window-energy.js";

export const joules = (j: number | null) => (j === null ? "n/a" : j >= 1e4 ? `${(j / 3600).toFixed(3)} Wh` : `${j.toFixed(2)} J`);
const watts = (w: number | null | undefined) => (w === null || w === undefined ? "n/a" : `${w.toFixed(1)} W`);

/** One paragraph per GPU, then the total and the warnings. */
export function formatWindowEnergy(e: WindowEnergy): string {
  const lines: string[] = [];
  for (const d of e.devices) {
    const compare =
      d.method === "counter" && d.integralEnergyJ !== null
        ? `; instant-power integral ${joules(d.integralEnergyJ)} (${d.integralVsCounter! >= 0 ? "+" : ""}${(100 * d.integralVsCounter!).toFixed(2)} %)`
        : d.method === "integral" && d.counterEnergyJ !== null
          ? `; energy counter ${joules(d.counterEnergyJ)}`
          : "";
    const adjusted = d.adjustedEnergyJ !== null ? `, adjusted ${joules(d.adjustedEnergyJ)} (idle ${watts(d.baselinePowerW)})` : "";
    lines.push(`GPU ${d.index} (${d.uuid}): ${joules(d.energyJ)} by ${d.method === "counter" ? "energy counter" : d.method}${compare}${adjusted}`);
    const temp = d.temperature ? `temperature ${d.temperature.startC} -> ${d.temperature.endC} °C (peak ${d.temperature.peakC} °C)` : "temperature n/a";
    const throttle = d.throttle.slowdown
      ? `throttled: ${Object.entries(d.throttle.secondsByReason).map(([r, s]) => `${r} ${s.toFixed(2)} s`).join(", ")}`
      : "no throttling";
    lines.push(`  power mean ${watts(d.power?.meanW)}, peak ${watts(d.power?.peakW)}; ${temp}; ${throttle}; ${d.samples} samples`);
  }
  const adj = e.total.adjustedEnergyJ !== null ? `, ${joules(e.total.adjustedEnergyJ)} adjusted` : "";
  lines.push(`total: ${joules(e.total.energyJ)}${adj} over ${e.durationS.toFixed(3)} s (mean ${watts(e.total.meanPowerW)})`);
  if (e.warnings.length) {
    lines.push("warnings:");
    for (const w of e.warnings) lines.push(`  - ${w.message}`);
  }
  return lines.join("\n");
}
