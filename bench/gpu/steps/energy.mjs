// Step 3, energy of windows: an idle window (with a baseline first) and a loaded window (a
// PyTorch bf16 matmul loop speaking lem's protocol), each measured by `lem measure`: the energy
// counter vs. the integral of instant power vs. the integral of average power, throttling.
import { join } from "node:path";
import { StepRecord, kitEnv, pyDir, runLem, stepArgs, tail } from "../kit/common.mjs";

const args = stepArgs();
const rec = new StepRecord(args);
const env = kitEnv(args, { CUDA_VISIBLE_DEVICES: args.uuid });

/** The figures that matter of one `lem measure --json` result, for the measured GPU. */
function figures(m, baselineW) {
  const d = m.energy.devices[0];
  const rel = (x) => (x !== null && d.counterEnergyJ ? (x - d.counterEnergyJ) / d.counterEnergyJ : null);
  const baseline = baselineW ?? d.baselinePowerW;
  return {
    durationS: m.energy.durationS,
    windowSource: m.window.source,
    method: d.method,
    counterJ: d.counterEnergyJ,
    instantIntegralJ: d.integralEnergyJ,
    averageIntegralJ: d.averagePowerIntegralJ,
    instantVsCounter: rel(d.integralEnergyJ),
    averageVsCounter: rel(d.averagePowerIntegralJ),
    counterSteps: d.counterSteps,
    counterPeriodMs: d.counterPeriodMs,
    meanPowerW: d.power?.meanW ?? null,
    peakPowerW: d.power?.peakW ?? null,
    baselinePowerW: baseline ?? null,
    adjustedEnergyJ: baseline != null && d.energyJ != null ? Math.max(0, d.energyJ - baseline * m.energy.durationS) : null,
    temperature: d.temperature,
    throttle: d.throttle,
    gaps: d.gaps,
    warnings: m.energy.warnings.map((w) => w.code),
    sampler: m.sampler,
  };
}

async function measure(label, childArgs, extra, timeoutMs) {
  const r = await runLem(
    ["measure", "--json", "--skip-preflight", "--devices", args.uuid, "--interval-ms", "10",
      "--timeline", join(args.out, `03-energy-${label}-timeline.csv`), ...extra, "--", args.python, ...childArgs],
    { env, timeoutMs },
  );
  try {
    const m = JSON.parse(r.stdout);
    return { exitCode: r.code, measurement: m, stderr: tail(r.stderr, 3000) };
  } catch {
    return { exitCode: r.code, failed: `lem measure exited ${r.code ?? r.signal}${r.timedOut ? " (timed out)" : ""}: ${tail(r.stderr, 1500)}` };
  }
}

const W = args.windowS;
const baselineS = Math.max(1, Math.min(10, W / 2));
const idle = await measure("idle", [join(pyDir, "idle_window.py"), "--seconds", String(W)],
  ["--baseline", String(baselineS), "--no-baseline-cache"], (W + baselineS + 40) * 1000);
const idleOut = idle.measurement
  ? { figures: figures(idle.measurement), baseline: idle.measurement.baseline, measurement: idle.measurement }
  : idle;
rec.set("idle", idleOut);
const baselineW = idle.measurement?.baseline?.baseline?.devices?.[0]?.meanW ?? idle.measurement?.energy.devices[0].baselinePowerW ?? null;

let loaded;
if (args.torchSkip) loaded = { skipped: args.torchSkip };
else {
  const l = await measure("loaded", [join(pyDir, "matmul_load.py"), "--seconds", String(W), "--warmup-s", String(Math.min(3, W / 4))], [],
    (W + 90) * 1000);
  loaded = l.measurement ? { figures: figures(l.measurement, baselineW), measurement: l.measurement, stderr: l.stderr } : l;
}
rec.set("loaded", loaded);
const failures = [idle.failed && `idle: ${idle.failed}`, loaded.failed && `loaded: ${loaded.failed}`].filter(Boolean);
rec.finish(failures.length ? "failed" : loaded.skipped ? "partial" : "ok",
  failures.length ? failures.join("; ") : loaded.skipped ? `loaded window skipped: ${loaded.skipped}` : undefined);
