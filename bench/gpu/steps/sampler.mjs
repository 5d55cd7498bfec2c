// Step 4, the sampler: lem's sampling thread at each rate beside a Python pynvml poller at the
// same target, both running at once, first with the Python main thread idle, then busy (as in
// an inference process; the Node main thread spins too then, to show lem's thread needs none).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { StepRecord, kitEnv, lastJsonLine, pyDir, repoRoot, stepArgs, tail } from "../kit/common.mjs";

const args = stepArgs();
const rec = new StepRecord(args);
const lem = await import(pathToFileURL(join(repoRoot, "dist", "index.js")).href);
const env = kitEnv(args);

/** lem's figures of one run: timing, and how many distinct instant power values it saw per second. */
function lemFigures(summary, timeline) {
  const t = summary.timing;
  const d = timeline[0];
  let changes = 0;
  let last;
  for (let i = 0; i < d.count; i++) {
    if ((d.present[i] & lem.SAMPLE_FIELDS.powerW) === 0) continue;
    if (d.powerW[i] !== last) changes++;
    last = d.powerW[i];
  }
  const wallS = t.ticks / (t.achievedHz || Infinity);
  return {
    targetHz: 1000 / t.intervalMs,
    ticks: t.ticks,
    achievedHz: t.achievedHz,
    missedDeadlines: t.missedDeadlines,
    latenessMs: t.latencyMs,
    threadCpuS: t.threadCpuS,
    threadCpuShare: t.threadCpuShare,
    distinctPowerPerS: wallS > 0 ? changes / wallS : null,
    samples: d.count,
    dropped: summary.devices[0].dropped,
    readErrors: summary.devices[0].readErrors,
  };
}

/** Starts the Python poller; resolves once it is ready (or has failed), with a promise of its result. */
function startPython(hz, mode) {
  return new Promise((resolve) => {
    const child = spawn(args.python, [join(pyDir, "pynvml_poll.py"), "--hz", String(hz), "--seconds", String(args.samplerS), "--mode", mode, "--index", String(args.device)],
      { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let ready = false;
    const done = new Promise((res) => child.on("close", (code) => res({ code, stdout, stderr })));
    child.on("error", (e) => resolve({ failed: `${args.python} could not start: ${e.message}` }));
    child.stderr.on("data", (b) => (stderr += b));
    child.stdout.on("data", (b) => {
      stdout += b;
      if (!ready && stdout.includes("ready\n")) {
        ready = true;
        resolve({ done });
      }
    });
    done.then((r) => {
      if (!ready) resolve({ failed: `the pynvml poller exited ${r.code} before it was ready: ${tail(r.stderr + r.stdout, 1200)}` });
    });
  });
}

const spinUntil = (endMs) => {
  while (performance.now() < endMs) {
    /* the Node main thread busy, as the Python one is */
  }
};

const phases = [];
for (const hz of args.rates) {
  for (const mode of args.pynvmlSkip ? ["lem-alone"] : ["idle-main", "busy-main"]) {
    const py = mode === "lem-alone" ? { skipped: args.pynvmlSkip } : await startPython(hz, mode);
    const sampler = new lem.PowerSampler({ intervalMs: 1000 / hz, devices: [args.device], bufferSeconds: args.samplerS + 30 }).start();
    const endMs = performance.now() + args.samplerS * 1000;
    if (mode === "busy-main") spinUntil(endMs);
    let python = py.skipped ? { skipped: py.skipped } : py.failed ? { failed: py.failed } : undefined;
    if (py.done) {
      const r = await py.done;
      python = lastJsonLine(r.stdout) ?? { failed: `the pynvml poller exited ${r.code} with no result: ${tail(r.stderr, 1200)}` };
      if (r.code !== 0 && !python.failed) python = { failed: python.error ?? `exit ${r.code}`, ...python };
    } else {
      await new Promise((r) => setTimeout(r, Math.max(0, endMs - performance.now())));
    }
    const summary = sampler.stop();
    const lemSide = lemFigures(summary, sampler.drain());
    const ratio = (k) => (python && typeof python[k] === "number" && python[k] > 0 && lemSide[k] != null ? lemSide[k] / python[k] : null);
    phases.push({
      targetHz: hz,
      mode,
      lem: lemSide,
      python,
      lemOverPython: { achievedHz: ratio("achievedHz"), distinctPowerPerS: ratio("distinctPowerPerS"), threadCpuS: ratio("threadCpuS") },
    });
    rec.set("phases", phases);
  }
}
const pyFailed = phases.filter((p) => p.python?.failed).map((p) => `${p.targetHz} Hz ${p.mode}: ${p.python.failed}`);
rec.finish(pyFailed.length ? "failed" : args.pynvmlSkip ? "partial" : "ok",
  pyFailed.length ? `pynvml side: ${pyFailed.join("; ")}` : args.pynvmlSkip ? `pynvml side skipped: ${args.pynvmlSkip}` : undefined);
