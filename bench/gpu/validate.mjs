#!/usr/bin/env node
// The GPU validation kit: every check of docs/gpu-validation.md, in order of value, within a
// time budget, in one command. Each step runs in its own process with a time limit and writes
// its JSON as soon as it has something; a step that fails or overruns loses nothing done before.
//
//   node bench/gpu/validate.mjs --out DIR [--budget-s 360] [--steps 1,2,3,4,6,5] [--device 0]
//
// See bench/gpu/README.md for running it on a lent GPU in one call.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { kitDir, kitEnv, lastJsonLine, pyDir, readJson, repoRoot, run, runLem, tail, writeJson } from "./kit/common.mjs";
import { summaryTable } from "./kit/summary.mjs";

const HELP = `Usage: node bench/gpu/validate.mjs --out DIR [options]

Runs lem's GPU validation on the GPU NVML shows (LEM_NVML_LIBRARY selects the library) and
writes one JSON per step into DIR, then prints the summary table.

Options:
  --out DIR          where the JSON goes (required; created)
  --budget-s S       total time budget in seconds (default 390: leaves time to rerun part in 15 minutes)
  --steps LIST       steps to run, in this order (default 1,2,3,4,6,5: 5 only if time remains)
  --device N         NVML index of the GPU to validate (default 0)
  --work DIR         scratch space: caches, the study and its model (default DIR/work; keep it
                     out of DIR on a lent machine, the model is large)
  --python PATH      Python with torch, transformers, nvidia-ml-py (default $LEM_PYTHON or python3)
  --window-s S       idle and loaded energy windows (default 20)
  --sampler-s S      each sampler phase (default 20)
  --poll-s S         polling for the update periods (default 10)
  --calls N          calls per NVML function for latency (default 10000, at most 1 s each)
  --rates LIST       sampler rates in Hz (default 100,1000)
  --step-limit-s S   stop any step that runs longer than S seconds (default: from its estimate)
  --plan             print, as JSON, each step's time estimate on a machine that has everything
                     (torch with CUDA, transformers, nvidia-ml-py) and whether the budget holds them; run nothing
  -h, --help         show this help

Steps: 1 inventory, 2 NVML latency and update periods, 3 energy of idle and loaded windows,
4 sampler vs pynvml, 5 end-to-end transformers study, 6 residual memory.`;

function parseArgs(argv) {
  const o = { budgetS: 390, steps: [1, 2, 3, 4, 6, 5], device: 0, python: process.env.LEM_PYTHON || "python3", windowS: 20, samplerS: 20, pollS: 10, calls: 10_000, rates: [100, 1000] };
  const num = (flag, v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) fail(`${flag} needs a positive number, got "${v}"`);
    return n;
  };
  const list = (flag, v) => String(v).split(",").map((x) => num(flag, x));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "-h" || a === "--help") {
      console.log(HELP);
      process.exit(0);
    } else if (a === "--out") o.out = resolve(v());
    else if (a === "--budget-s") o.budgetS = num(a, v());
    else if (a === "--steps") o.steps = list(a, v());
    else if (a === "--device") o.device = Number.parseInt(v(), 10);
    else if (a === "--python") o.python = v();
    else if (a === "--work") o.work = resolve(v());
    else if (a === "--window-s") o.windowS = num(a, v());
    else if (a === "--sampler-s") o.samplerS = num(a, v());
    else if (a === "--poll-s") o.pollS = num(a, v());
    else if (a === "--calls") o.calls = Math.round(num(a, v()));
    else if (a === "--rates") o.rates = list(a, v());
    else if (a === "--step-limit-s") o.stepLimitS = num(a, v());
    else if (a === "--plan") o.plan = true;
    else fail(`unknown option ${a}`);
  }
  if (!o.out && !o.plan) fail("--out DIR is required");
  if (o.out) o.work ??= join(o.out, "work");
  const unknown = o.steps.filter((s) => !STEPS[s]);
  if (unknown.length) fail(`--steps: no step ${unknown.join(", ")} (steps are 1-6)`);
  if (!Number.isInteger(o.device) || o.device < 0) fail("--device needs an NVML index (0, 1, ...)");
  return o;
}

function fail(message) {
  console.error(`validate: ${message}\n\n${HELP}`);
  process.exit(2);
}

// Each step: its script, a time estimate from the options, what it needs, how to shrink it.
const STEPS = {
  1: { name: "inventory", script: "inventory.mjs", estimateS: () => 20 },
  2: { name: "nvml", script: "nvml.mjs", estimateS: (o) => 12 * o.msPerFunction / 1000 + o.pollS + 5, shrink: ["pollS", "msPerFunction"] },
  3: { name: "energy", script: "energy.mjs", estimateS: (o) => Math.max(1, Math.min(10, o.windowS / 2)) + o.windowS + 12 + (o.torchSkip ? 0 : o.windowS + 25), shrink: ["windowS"] },
  4: { name: "sampler", script: "sampler.mjs", estimateS: (o) => o.rates.length * (o.pynvmlSkip ? 1 : 2) * (o.samplerS + 3) + 3, shrink: ["samplerS"] },
  5: { name: "study", script: "study.mjs", estimateS: (o) => (o.transformersSkip ? 10 : 100) },
  6: { name: "residual-memory", script: "residual.mjs", estimateS: () => 30 },
};

const o = parseArgs(process.argv.slice(2));
o.msPerFunction = 1000;
// Time taken before the first step: lem devices, and py/facts.py importing torch (estimate).
const SETUP_S = 15;
if (o.plan) {
  let totalS = SETUP_S;
  const steps = o.steps.map((id) => {
    const estimateS = STEPS[id].estimateS({ ...o, torchSkip: null, pynvmlSkip: null, transformersSkip: null });
    totalS += estimateS;
    return { step: id, name: STEPS[id].name, estimateS, cumulativeS: totalS };
  });
  console.log(JSON.stringify({ budgetS: o.budgetS, setupS: SETUP_S, reserveS: 5, steps, totalS, fits: totalS + 5 <= o.budgetS }, null, 2));
  process.exit(0);
}
mkdirSync(join(o.out, "logs"), { recursive: true });
const t0 = performance.now();
const elapsedS = () => (performance.now() - t0) / 1e3;
const RESERVE_S = 5;
const runFile = join(o.out, "00-run.json");
const record = {
  kit: "lem GPU validation kit (bench/gpu/validate.mjs)",
  startedAt: new Date().toISOString(),
  argv: process.argv.slice(2),
  options: o,
  node: process.version,
  nvmlLibrary: process.env.LEM_NVML_LIBRARY ?? "libnvidia-ml.so.1 (the driver's)",
  simulatedScenario: process.env.LEM_SIM_SCENARIO ?? process.env.LEM_SIMULATE ?? null,
  steps: [],
};
const git = await run("git", ["rev-parse", "HEAD"], { timeoutMs: 5000 });
const packed = existsSync(join(repoRoot, ".carry", "commit.txt")) ? readFileSync(join(repoRoot, ".carry", "commit.txt"), "utf8").trim().split("\n") : [];
record.commit = git.code === 0 ? git.stdout.trim() : packed[0] ?? null;
if (git.code !== 0 && packed.length > 1) record.uncommittedChanges = packed.slice(1);
const saveRun = () => writeJson(runFile, { ...record, elapsedS: elapsedS() });
saveRun();

// The GPU and the Python: what every step needs to know first.
const env = kitEnv(o);
const devices = await runLem(["devices", "--json"], { env, timeoutMs: 30_000 });
let listed = {};
try {
  listed = JSON.parse(devices.stdout);
} catch {
  /* reported below: no GPU */
}
const gpu = listed.devices?.find((d) => d.index === o.device);
record.gpu = gpu ? { index: gpu.index, name: gpu.name, uuid: gpu.uuid } : null;
record.nvml = listed.nvml ?? null;
const facts = await run(o.python, [join(pyDir, "facts.py")], { env, timeoutMs: 90_000 });
const py = lastJsonLine(facts.stdout) ?? { failed: `${o.python} ${facts.startError ? `cannot start: ${facts.startError}` : `failed: ${tail(facts.stderr, 600)}`}` };
record.python = py;
const mod = (n) => py.modules?.[n];
const missing = (n) => (mod(n)?.ok ? null : `${n} is not importable in ${o.python}${mod(n)?.error ? ` (${mod(n).error})` : py.failed ? ` (${py.failed})` : ""}`);
o.torchSkip = missing("torch") ?? (mod("torch").cudaAvailable ? null : `torch ${mod("torch").version} sees no CUDA device${mod("torch").cudaError ? ` (${mod("torch").cudaError})` : ""}`);
o.pynvmlSkip = missing("pynvml");
o.transformersSkip = o.torchSkip ?? missing("transformers") ?? missing("tokenizers") ?? missing("accelerate");
saveRun();
if (!gpu) {
  console.error(`validate: NVML shows no GPU with index ${o.device}: ${tail(devices.stdout + devices.stderr, 800)}`);
}

let current;
const stopCurrent = () => {
  if (current?.pid) {
    try {
      process.kill(-current.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
  }
};
process.on("SIGTERM", () => {
  stopCurrent();
  record.interrupted = "SIGTERM";
  saveRun();
  process.exit(143);
});

/** Runs one step's process (its own process group) with a time limit; resolves how it ended. */
function runStep(script, args, limitS, logFile) {
  return new Promise((resolveStep) => {
    const log = createWriteStream(logFile);
    const child = spawn(process.execPath, [join(kitDir, "steps", script), JSON.stringify(args)], { env, cwd: repoRoot, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    current = child;
    let output = "";
    const collect = (b) => {
      log.write(b);
      output = (output + b.toString()).slice(-4000);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    let overran = false;
    const kill = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        /* gone */
      }
    };
    const timer = setTimeout(() => {
      overran = true;
      kill("SIGTERM");
      setTimeout(() => kill("SIGKILL"), 3000).unref();
    }, limitS * 1000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      kill("SIGKILL"); // grandchildren left behind, if any
      current = undefined;
      log.end();
      resolveStep({ code, signal, overran, output });
    });
  });
}

for (const id of o.steps) {
  const step = STEPS[id];
  const file = join(o.out, `${String(id).padStart(2, "0")}-${step.name}.json`);
  const entry = { step: id, name: step.name, file };
  record.steps.push(entry);
  const base = { step: id, name: step.name, simulatedLibrary: record.nvmlLibrary };
  const skip = (reason) => {
    writeJson(file, { ...base, status: "skipped", reason });
    Object.assign(entry, { status: "skipped", reason });
    saveRun();
  };
  if (!gpu) {
    skip(`NVML shows no GPU with index ${o.device}`);
    continue;
  }
  if (id === 6 && o.torchSkip) {
    skip(o.torchSkip);
    continue;
  }
  const leftS = o.budgetS - elapsedS() - RESERVE_S;
  const opts = { ...o };
  let estimate = step.estimateS(opts);
  let scale = 1;
  if (estimate > leftS) {
    scale = step.shrink ? leftS / estimate : 0;
    if (scale < 0.25) {
      skip(`budget: the step needs about ${Math.round(estimate)} s, ${Math.max(0, Math.round(leftS))} s of the ${o.budgetS} s budget are left`);
      continue;
    }
    for (const k of step.shrink) opts[k] = Math.max(1, opts[k] * scale * 0.9);
    estimate = step.estimateS(opts);
  }
  const limitS = o.stepLimitS ?? Math.max(5, Math.min(leftS, estimate * 1.5 + 20));
  Object.assign(entry, { status: "running", estimateS: estimate, limitS, scale });
  saveRun();
  const args = { ...opts, ...base, file, uuid: gpu.uuid, pythonFacts: py, prompts: 16, maxOutputTokens: 32, baselineS: 5, timeoutS: Math.max(10, limitS - 40) };
  const r = await runStep(step.script, args, limitS, join(o.out, "logs", `${String(id).padStart(2, "0")}-${step.name}.log`));
  const written = readJson(file);
  if (!written || written.status === "running") {
    const why = r.overran ? `overran its ${Math.round(limitS)} s limit and was stopped` : `its process ended (${r.signal ?? `exit ${r.code}`}) before it finished`;
    writeJson(file, { ...base, ...(written ?? {}), status: r.overran ? "overran" : "failed", reason: `${why}: ${tail(r.output, 1500)}` });
  } else if (r.code !== 0 && written.status === "ok") {
    writeJson(file, { ...written, status: "failed", reason: `exit ${r.code ?? r.signal}: ${tail(r.output, 1500)}` });
  }
  const final = readJson(file);
  Object.assign(entry, { status: final.status, ...(final.reason ? { reason: final.reason } : {}), durationS: final.durationS ?? null });
  saveRun();
}
record.finishedAt = new Date().toISOString();
saveRun();
console.log(summaryTable(o.out));
