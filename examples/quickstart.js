// lem's first job on a fresh machine: find the GPUs (the simulated one when there is no
// NVIDIA driver), sample them at 1 kHz for 3 s, and compare the hardware energy counter with
// the integral of instant power.  Run: npm run demo   (or: node examples/quickstart.js)
import { listDevices, nvmlStatus, PowerSampler, useSimulatedGpu } from "lem-energy";

let status = nvmlStatus();
if (!status.available) {
  console.log(`No usable NVIDIA driver here (${status.reason.split(". ")[0]}).`);
  console.log("Using lem's simulated GPU instead: every figure below is SIMULATED.\n");
  useSimulatedGpu("default");
  status = nvmlStatus();
}
console.log(`NVML source: ${status.source}, driver ${status.driverVersion ?? "n/a"}, CUDA ${status.cudaDriverVersion ?? "n/a"}`);
for (const d of listDevices()) console.log(`GPU ${d.index}: ${d.name} ${d.uuid}`);

const sampler = new PowerSampler({ intervalMs: 1 }).start();
await new Promise((resolve) => setTimeout(resolve, 3000));
const summary = sampler.stop();

const t = summary.timing;
console.log(`\nSampled ${t.ticks} ticks at ${t.achievedHz?.toFixed(0)} Hz; lateness p99 ${t.latencyMs.p99.toFixed(3)} ms; sampler CPU ${(100 * (t.threadCpuShare ?? 0)).toFixed(1)} % of a core`);
for (const d of summary.devices) {
  const counter = d.counterEnergyJ === null ? "n/a" : `${d.counterEnergyJ.toFixed(2)} J`;
  const integral = d.integralEnergyJ === null ? "n/a" : `${d.integralEnergyJ.toFixed(2)} J`;
  const diff = d.integralVsCounter === null ? "" : ` (integral ${(100 * d.integralVsCounter).toFixed(2)} % vs counter)`;
  console.log(
    `GPU ${d.index}: ${d.durationS.toFixed(2)} s, energy counter ${counter}, instant-power integral ${integral}${diff}, ` +
      `power ${d.power?.minW.toFixed(0)}-${d.power?.maxW.toFixed(0)} W, peak ${d.temperature?.peakC ?? "n/a"} °C` +
      (d.throttle.reasons.length ? `, clock events: ${d.throttle.reasons.join(", ")}` : ""),
  );
}
