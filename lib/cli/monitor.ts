/** `lem monitor`: a live table of the GPUs (power, energy, temperature, clocks, memory, throttling). */
import { parseArgs } from "node:util";
import { createLogUpdate } from "log-update";
import { resolveCudaVisibleDevices } from "../gpu/cuda-visible-devices.js";
import { listDevices, type GpuDevice } from "../gpu/devices.js";
import { activeSimulation } from "../gpu/provider.js";
import { gpuRow, type MonitorSnapshot } from "./monitor/gpu-snapshot.js";
import { MonitorCsv } from "./monitor/monitor-csv.js";
import { formatMonitorTable } from "./monitor/monitor-table.js";
import { attachNegativeNumbers, numberInRange, positiveNumber, simulationBanner, UsageError } from "./output.js";
import { LiveGpuReader } from "./progress/live-gpu-reader.js";
import { canShowLiveRegion, colorsFor } from "./progress/terminal.js";

export const monitorHelp = `Usage: lem monitor [options]

Show every GPU (or the ones chosen) live: power now and its mean since the monitor started
(W), energy since start (J, from the hardware energy counter, else the integral of
instant power), temperature (°C), SM clock (MHz), memory used / total (MiB), GPU
utilisation (%) and the clock event ("throttle") reasons active now. lem samples on its
own thread at --sample-ms and refreshes the table every --interval-ms. "n/a" means the GPU
does not report that figure. Ctrl-C or --duration ends it (exit code 0) with the last
table left on screen. On a terminal the table is redrawn in place; elsewhere (a pipe, a
file) each refresh prints one plain block, and --json one JSON line.

Options:
  --devices LIST      GPUs to show, as CUDA_VISIBLE_DEVICES lists them (default: every GPU)
  --interval-ms MS    display refresh, 50 to 60000 (default 500)
  --sample-ms MS      sampling interval, 0.2 to 10000 (default 10)
  --duration S        stop after S seconds (default: until Ctrl-C)
  --csv FILE          append one row per GPU per refresh to FILE (header once, units in
                      the column names), written as it goes
  --json              one JSON object per refresh on stdout instead of the table
  --simulate [SCENARIO]  use the simulated GPU
  -h, --help          show this help

Examples:
  lem monitor
  lem monitor --devices 0,1 --interval-ms 1000 --csv gpu-log.csv
  LEM_SIMULATE=h100x8 lem monitor --duration 2 --json
`;

function selectedDevices(spec: string | undefined, all: GpuDevice[]): GpuDevice[] {
  if (spec === undefined) return all;
  const indices = [...new Set(resolveCudaVisibleDevices(spec).devices.map((d) => d.nvmlIndex))].sort((a, b) => a - b);
  if (indices.length === 0) throw new UsageError(`--devices "${spec}" selects no GPU; give indices or UUIDs as "lem devices" lists them`);
  return indices.map((i) => all.find((d) => d.index === i)!);
}

/** Resolves after `ms`, or at once when `stop` is called. */
function interruptibleSleep(ms: number): { done: Promise<void>; stop: () => void } {
  let stop = () => {};
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    stop = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { done, stop };
}

export async function runMonitor(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: attachNegativeNumbers(args, ["--interval-ms", "--sample-ms", "--duration"]),
    allowPositionals: true,
    options: {
      devices: { type: "string" },
      "interval-ms": { type: "string" },
      "sample-ms": { type: "string" },
      duration: { type: "string" },
      csv: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(monitorHelp);
    return 0;
  }
  if (positionals.length) throw new UsageError(`lem monitor takes no arguments, got: ${positionals.join(" ")}. See "lem monitor --help".`);
  const intervalMs = numberInRange("interval-ms", values["interval-ms"], 500, 50, 60_000);
  const sampleMs = positiveNumber("sample-ms", values["sample-ms"], 10);
  const durationS = values.duration === undefined ? Infinity : positiveNumber("duration", values.duration, Infinity);
  const json = values.json ?? false;

  const devices = selectedDevices(values.devices, listDevices());
  const csv = values.csv === undefined ? null : new MonitorCsv(values.csv);
  const sim = activeSimulation();
  if (sim) process.stderr.write(`${simulationBanner(sim.name)}\n`);
  const live = !json && canShowLiveRegion(process.stdout);
  const colors = colorsFor(process.stdout);
  const log = live ? createLogUpdate(process.stdout) : null;

  const reader = new LiveGpuReader({ devices: devices.map((d) => d.index), intervalMs: sampleMs });
  let stopping = false;
  let wake = () => {};
  // Ctrl-C is the ordinary way to stop: finish this refresh, leave the table, exit 0.
  const onStop = () => {
    stopping = true;
    wake();
  };
  process.on("SIGINT", onStop);
  process.on("SIGTERM", onStop);
  const startedAtMs = Date.now();
  try {
    while (!stopping) {
      const leftMs = startedAtMs + durationS * 1000 - Date.now();
      const sleep = interruptibleSleep(Math.max(0, Math.min(intervalMs, leftMs)));
      wake = sleep.stop;
      await sleep.done;
      if (leftMs <= intervalMs) stopping = true;
      reader.refresh();
      const stats = reader.summary().devices;
      const snapshot: MonitorSnapshot = {
        time: new Date().toISOString(),
        elapsedS: (Date.now() - startedAtMs) / 1000,
        gpus: devices.map((d) => gpuRow(d, reader.latest(d.index), stats.find((s) => s.index === d.index))),
      };
      csv?.append(snapshot);
      if (json) process.stdout.write(`${JSON.stringify(snapshot)}\n`);
      else {
        const table = formatMonitorTable(snapshot, { colors, intervalMs, sampleMs });
        if (log) log(table);
        else process.stdout.write(`${table}\n\n`);
      }
    }
    return 0;
  } finally {
    reader.stop();
    // The last table stays on screen once; log-update shows the cursor it hid.
    log?.done();
    process.off("SIGINT", onStop);
    process.off("SIGTERM", onStop);
  }
}
