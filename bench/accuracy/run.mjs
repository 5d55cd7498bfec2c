// Accuracy of lem's energy figures on the simulated GPU, against its exact truth: the error of
// each method (energy counter, instant-power integral, lag-corrected 1 s average, naive
// integral of the average) and of the reported figure, for windows of 0.5, 1, (1.5,) 2, 5 and 30 s
// on the default, no-energy-counter and bursty scenarios, over 10 repeats with and without a
// phase shift of the run's start. Writes bench/results/<date>-accuracy.json and prints the
// Markdown table that docs/measurement.md carries.
//
//   npm run build && node bench/accuracy/run.mjs           (about 3 minutes: 58 s per scenario)
//   node bench/accuracy/run.mjs --repeats 4 --out /tmp/accuracy.json
//
// Time on the simulator is real time, so each scenario is recorded once (10 ms sampling) and
// every window is cut from that one recording. A run "without phase shift" repeats at whole
// multiples of 2.3 s: the least common multiple of the bursty load's 230 ms period and the
// sensor's 100 ms, so load and sensor meet every repeat in the same phase, as runs that start
// in lockstep with the sensor would. A run "with phase shift" is moved by a random whole number
// (0-9) of load periods more: relative to its window the load is the same, but the sensor
// meets it 0, 30, 60 ... 270 ms later, i.e. in a random one of 10 phases spread over its period,
// which is what lem's measurement.phaseShift does to a real run's start.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { energyOfWindow, PowerSampler, simulatedTruthEnergyJ, simulationOriginNs, Timeline, useSimulatedGpu, version } from "../../dist/index.js";

const { values } = parseArgs({ options: { repeats: { type: "string", default: "10" }, out: { type: "string" }, seed: { type: "string", default: "13" } } });
const repeats = Number(values.repeats);
const here = dirname(fileURLToPath(import.meta.url));
const date = new Date().toISOString().slice(0, 10);
const out = values.out ?? join(here, "..", "results", `${date}-accuracy.json`);

const SCENARIOS = ["default", "no-energy-counter", "bursty"];
const WINDOWS_S = [0.5, 1, 1.5, 2, 5, 30]; // 1.5 s: the leftover under one averaging period is estimated
const FIRST_START_S = 4.537; // after every scenario's idle lead; 37 ms into a sensor period (not on its grid)
const LOCKSTEP_S = 2.3; // lcm(230 ms load period, 100 ms sensor period)
const LOAD_PERIOD_S = 0.23;
const INTERVAL_MS = 10;
const METHODS = {
  counter: (d) => d.counterEnergyJ,
  instantIntegral: (d) => d.integralEnergyJ,
  averageCorrected: (d) => d.averagePowerEnergyJ,
  averageNaive: (d) => d.averagePowerIntegralJ,
  reported: (d) => d.energyJ,
};

// A small deterministic generator (mulberry32), so that a rerun draws the same shifts.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(Number(values.seed));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function record(seconds) {
  const sampler = new PowerSampler({ intervalMs: INTERVAL_MS }).start();
  const timeline = new Timeline();
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await sleep(100);
    timeline.append(sampler.drain());
  }
  const summary = sampler.stop();
  timeline.append(sampler.drain());
  return { series: timeline.devices(), summary };
}

const stats = (errors) => {
  const xs = errors.filter((e) => e !== null);
  if (xs.length === 0) return null;
  const abs = xs.map(Math.abs);
  return {
    n: xs.length,
    meanPct: (100 * xs.reduce((a, b) => a + b, 0)) / xs.length,
    meanAbsPct: (100 * abs.reduce((a, b) => a + b, 0)) / xs.length,
    maxAbsPct: 100 * Math.max(...abs),
  };
};

const report = {
  benchmark: "accuracy-sim",
  lemVersion: version,
  date: new Date().toISOString(),
  simulated: true,
  repeats,
  windowsS: WINDOWS_S,
  intervalMs: INTERVAL_MS,
  design: "one recording per scenario; repeats without shift start 2.3 s apart (same load and sensor phase), with shift a further random 0-9 x 230 ms (random sensor phase); error = (figure - truth) / truth",
  scenarios: [],
};

for (const scenario of SCENARIOS) {
  useSimulatedGpu(scenario);
  const maxShiftS = 9 * LOAD_PERIOD_S;
  const recordS = FIRST_START_S + (repeats - 1) * LOCKSTEP_S + maxShiftS + Math.max(...WINDOWS_S) + 1;
  process.stderr.write(`${scenario}: recording ${recordS.toFixed(1)} s ...\n`);
  const { series, summary } = await record(recordS);
  const origin = simulationOriginNs();
  const powerSources = Object.fromEntries(summary.devices.map((d) => [d.uuid, d.sources]));
  const at = (s) => origin + BigInt(Math.round(s * 1e9));
  const rows = [];
  for (const windowS of WINDOWS_S) {
    for (const shifted of [false, true]) {
      const runs = [];
      for (let k = 0; k < repeats; k++) {
        const shiftS = shifted ? Math.floor(random() * 10) * LOAD_PERIOD_S : 0;
        const startS = FIRST_START_S + k * LOCKSTEP_S + shiftS;
        const startNs = at(startS);
        const endNs = at(startS + windowS);
        const e = energyOfWindow(series, { startNs, endNs, intervalNs: INTERVAL_MS * 1e6, powerSources, simulated: true });
        const d = e.devices[0];
        const truthJ = simulatedTruthEnergyJ(0, startNs, endNs);
        const figures = Object.fromEntries(Object.entries(METHODS).map(([m, f]) => [m, f(d)]));
        runs.push({ startS, shiftS, truthJ, method: d.method, figures, warnings: e.warnings.map((w) => w.code).filter((c) => c !== "simulated") });
      }
      const methods = {};
      for (const m of Object.keys(METHODS)) {
        const errs = runs.map((r) => (r.figures[m] === null ? null : (r.figures[m] - r.truthJ) / r.truthJ));
        const s = stats(errs);
        const have = runs.filter((r) => r.figures[m] !== null);
        // Error of the mean over the repeats: what averaging the repeats leaves.
        const meanOfRepeatsPct = have.length === runs.length ? 100 * (have.reduce((a, r) => a + r.figures[m], 0) / have.reduce((a, r) => a + r.truthJ, 0) - 1) : null;
        methods[m] = s ? { ...s, meanOfRepeatsPct, withheld: runs.length - have.length } : { withheld: runs.length };
      }
      rows.push({ windowS, phaseShift: shifted, reportedMethod: [...new Set(runs.map((r) => r.method))], methods, runs });
    }
  }
  report.scenarios.push({ scenario, sources: summary.devices[0].sources, rows });
}

mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
process.stderr.write(`wrote ${out}\n`);

// The table for docs/measurement.md: per method, max |error| over the repeats and the error of
// their mean, without / with phase shift.
const cell = (row0, row1, m) => {
  const f = (x) => (x === null || x === undefined ? "–" : `${x.toFixed(1)}`);
  const a = row0.methods[m];
  const b = row1.methods[m];
  if (a.n === undefined && b.n === undefined) return "–";
  return `${f(a.maxAbsPct)} / ${f(b.maxAbsPct)} (${f(a.meanOfRepeatsPct)} / ${f(b.meanOfRepeatsPct)})`;
};
const lines = [
  "| scenario | window | reported by | counter | instant integral | average, lag-corrected | average, naive integral |",
  "| --- | --- | --- | --- | --- | --- | --- |",
];
for (const s of report.scenarios) {
  for (const windowS of WINDOWS_S) {
    const [r0, r1] = s.rows.filter((r) => r.windowS === windowS);
    const by = [...new Set([...r0.reportedMethod, ...r1.reportedMethod])].join(", ");
    lines.push(`| ${s.scenario} | ${windowS} s | ${by} | ${["counter", "instantIntegral", "averageCorrected", "averageNaive"].map((m) => cell(r0, r1, m)).join(" | ")} |`);
  }
}
process.stdout.write(`${lines.join("\n")}\n`);
