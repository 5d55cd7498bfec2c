// Step 2, NVML itself: latency of every call lem makes (median, p99), then the update periods
// of instant power, average power and the energy counter, polling as fast as possible.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { StepRecord, repoRoot, stepArgs } from "../kit/common.mjs";

const args = stepArgs();
const rec = new StepRecord(args);
const probe = await import(pathToFileURL(join(repoRoot, "dist", "gpu", "nvml-probe.js")).href);

const latency = probe.nvmlCallLatency(args.device, args.calls, args.msPerFunction);
rec.set("callLatency", { device: args.device, maxCalls: args.calls, maxMsPerFunction: args.msPerFunction, functions: latency });

const periods = probe.nvmlUpdatePeriods(args.device, args.pollS * 1000, 200_000);
// Keep the first 3000 changes of each reading: enough to see the pattern, small enough to commit.
for (const r of periods.readings) {
  r.seriesTruncatedTo = Math.min(r.series.tMs.length, 3000);
  r.series = { tMs: r.series.tMs.slice(0, 3000), value: r.series.value.slice(0, 3000) };
}
rec.set("updatePeriods", { device: args.device, ...periods });
const failedCalls = latency.filter((l) => l.available && !l.latencyUs).map((l) => `${l.function}: ${l.firstError}`);
rec.finish("ok", failedCalls.length ? `calls that never succeeded: ${failedCalls.join("; ")}` : undefined);
