// Benchmark of lem's own overhead per study run: a study of 50 short runs of the workload
// child on the simulated GPU, baseline and settling off. Overhead = everything except the
// child's lifetime. Writes a JSON report under bench/results/.
//
//   node bench/study/run.js [--runs 50] [--out FILE]
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { readRunResult, runStudy, useSimulatedGpu, version } from "../../dist/index.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "50" }, out: { type: "string" } } });
const runs = Number(values.runs);
const here = dirname(fileURLToPath(import.meta.url));
const out = values.out ?? join(here, "..", "results", `${new Date().toISOString().slice(0, 10)}-study-overhead-sim.json`);
const work = mkdtempSync(join(tmpdir(), "lem-bench-study-"));
process.env.LEM_LOCK_DIR = join(work, "locks");

const study = {
  name: "overhead",
  base: {
    model: "bench",
    backend: "command",
    command: {
      argv: [process.execPath, join(here, "..", "..", "harness", "node", "workload.mjs"), "--prompts", "1", "--warmup", "0", "--step-ms", "0", "--max-output-tokens", "1"],
      measure: "lifetime",
    },
    measurement: { intervalMs: 10, baseline: { enabled: false }, settling: { mode: "none" }, residualMemoryWaitS: 0 },
  },
  sweep: { "params.variant": Array.from({ length: 10 }, (_, i) => i) },
  execution: { cycles: Math.ceil(runs / 10), order: "shuffled" },
  output: { dir: join(work, "results") },
};
const file = join(work, "study.json");
writeFileSync(file, JSON.stringify(study));

useSimulatedGpu("steady");
const t0 = performance.now();
let firstRunAt = 0;
const results = [];
const outcome = await runStudy({
  studyFile: file,
  onEvent: (e) => {
    if (e.type === "run-start" && !firstRunAt) firstRunAt = performance.now();
  },
});
const totalMs = performance.now() - t0;
const runLoopMs = performance.now() - firstRunAt;
const { readdirSync } = await import("node:fs");
for (const d of readdirSync(outcome.dir)) {
  if (/^\d{3}_c/.test(d)) results.push(readRunResult(join(outcome.dir, d, "result.json")));
}
const childMs = results.reduce((a, r) => a + r.timings.windowS * 1000, 0);
const perRun = results.map((r) => (r.timings.wallS - r.timings.windowS) * 1000).sort((a, b) => a - b);
const q = (p) => perRun[Math.min(perRun.length - 1, Math.floor(p * perRun.length))];
const report = {
  benchmark: "study-overhead",
  lem: version,
  date: new Date().toISOString(),
  command: `node bench/study/run.js --runs ${runs}`,
  device: "simulated (scenario steady)",
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, loadavg: loadavg() },
  runs: results.length,
  status: outcome.status,
  studySetupMs: totalMs - runLoopMs,
  overheadPerRunMs: {
    // Run loop wall time minus the children's lifetimes, per run: manifest, sampler, files, spawn.
    wholeLoop: (runLoopMs - childMs) / results.length,
    insideRunP50: q(0.5),
    insideRunP95: q(0.95),
    insideRunMax: perRun[perRun.length - 1],
  },
  childLifetimeMeanMs: childMs / results.length,
  target: { overheadPerRunMs: 300 },
  targetMet: (runLoopMs - childMs) / results.length < 300,
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(
  `${results.length} runs: lem overhead per run ${report.overheadPerRunMs.wholeLoop.toFixed(1)} ms (whole loop), ` +
    `p50 ${q(0.5).toFixed(1)} ms / p95 ${q(0.95).toFixed(1)} ms inside a run; child ${report.childLifetimeMeanMs.toFixed(1)} ms; ` +
    `study setup ${report.studySetupMs.toFixed(0)} ms; target < 300 ms: ${report.targetMet ? "PASS" : "FAIL"}\nreport: ${out}`,
);
