// Step 1, inventory: lem devices, lem env and lem preflight on this driver, nvidia-smi -q -x
// when present, and which device facts lem could not read (each must say why).
import { StepRecord, kitEnv, run, runLem, stepArgs, tail } from "../kit/common.mjs";

const args = stepArgs();
const rec = new StepRecord(args);
const env = kitEnv(args);

const parsed = async (label, r) => {
  if (r.code !== 0 && !r.stdout.trim()) return { failed: `${label} exited ${r.code ?? r.signal}${r.timedOut ? " (timed out)" : ""}: ${tail(r.stderr, 600)}` };
  try {
    return JSON.parse(r.stdout);
  } catch {
    return { failed: `${label} printed no JSON: ${tail(r.stdout + r.stderr, 600)}` };
  }
};

const devices = await parsed("lem devices --json", await runLem(["devices", "--json"], { env, timeoutMs: 30_000 }));
rec.set("devices", devices);

// Every fact lem reports per device: present, or named in `errors` with NVML's reason.
const FACTS = ["pciBusId", "architecture", "memoryTotalMiB", "memoryUsedMiB", "memoryReservedMiB", "memoryFreeMiB", "powerLimitW",
  "defaultPowerLimitW", "minPowerLimitW", "maxPowerLimitW", "enforcedPowerLimitW", "persistenceMode", "migEnabled"];
rec.set("facts", (devices.devices ?? []).map((d) => ({
  index: d.index,
  name: d.name,
  absent: FACTS.filter((f) => d[f] === undefined),
  errors: d.errors,
  supported: { energyCounter: d.energyCounterSupported, instantPower: d.instantPowerSupported, averagePower: d.averagePowerSupported },
})));

rec.set("env", await parsed("lem env --json", await runLem(["env", "--json"], { env, timeoutMs: 60_000 })));
const pre = await runLem(["preflight", "--json", "--output", args.out], { env, timeoutMs: 60_000 });
rec.set("preflight", { exitCode: pre.code, report: await parsed("lem preflight --json", pre) });
rec.set("python", args.pythonFacts);

const smi = await run("nvidia-smi", ["-q", "-x"], { env, timeoutMs: 30_000 });
if (smi.startError) rec.set("nvidiaSmi", { skipped: `nvidia-smi is not on PATH (${smi.startError})` });
else {
  const xml = smi.stdout;
  const pick = (tag) => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, "g"))].map((m) => m[1]);
  rec.set("nvidiaSmi", {
    exitCode: smi.code,
    driverVersion: pick("driver_version")[0],
    cudaVersion: pick("cuda_version")[0],
    productNames: pick("product_name"),
    persistenceMode: pick("persistence_mode"),
    powerLimits: pick("current_power_limit"),
    xml,
    ...(smi.code !== 0 ? { stderr: tail(smi.stderr, 1000) } : {}),
  });
}
const ok = !devices.failed && (devices.devices ?? []).length > 0;
rec.finish(ok ? "ok" : "failed", ok ? undefined : devices.failed ?? "lem devices listed no GPU");
