/** `lem baseline`: idle power per GPU, measured or reused from the cache. */
import { parseArgs } from "node:util";
import { activeSimulation, requireNvml } from "../gpu/provider.js";
import { getBaseline } from "../measure/baseline-cache.js";
import { resolveCudaVisibleDevices } from "../gpu/cuda-visible-devices.js";
import { positiveNumber, simulationBanner, toJson } from "./output.js";
import { formatTable } from "./table.js";

export const baselineHelp = `Usage: lem baseline [--json] [--duration SECONDS] [--devices LIST] [--no-cache] [--ttl SECONDS]

Measure the idle power of each GPU (mean, standard deviation, temperature) while nothing
runs on it. The result is cached per machine, GPU set and driver; a cached baseline younger
than --ttl is confirmed by a 5 s spot check and re-measured when idle power has drifted by
more than 10 %.

Options:
  --json               print JSON
  --duration SECONDS   how long to sample (default 30)
  --devices LIST       GPUs, as CUDA_VISIBLE_DEVICES lists them (default: lem's own)
  --no-cache           measure now and do not reuse a cached baseline
  --ttl SECONDS        how long a cached baseline stays valid (default 86400)
  -h, --help           show this help

Examples:
  lem baseline
  lem baseline --duration 60 --json
  LEM_SIMULATE=idle lem baseline --duration 2 --no-cache
`;

export async function runBaseline(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: "boolean" },
      duration: { type: "string" },
      devices: { type: "string" },
      "no-cache": { type: "boolean" },
      ttl: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(baselineHelp);
    return 0;
  }
  requireNvml();
  const sim = activeSimulation();
  if (sim && !values.json) process.stderr.write(`${simulationBanner(sim.name)}\n`);
  const devices = [...new Set(resolveCudaVisibleDevices(values.devices ?? process.env.CUDA_VISIBLE_DEVICES).devices.map((d) => d.nvmlIndex))];
  const outcome = await getBaseline({
    devices,
    durationS: positiveNumber("duration", values.duration, 30),
    ttlS: values["no-cache"] ? 0 : positiveNumber("ttl", values.ttl, 86_400),
  });
  if (values.json) {
    process.stdout.write(`${toJson(outcome)}\n`);
    return 0;
  }
  const b = outcome.baseline;
  const rows = b.devices.map((d) => [
    String(d.index),
    d.uuid,
    d.meanW === null ? "n/a" : d.meanW.toFixed(1),
    d.stdW === null ? "n/a" : d.stdW.toFixed(2),
    d.temperatureC === null ? "n/a" : d.temperatureC.toFixed(0),
    String(d.samples),
    d.method,
  ]);
  process.stdout.write(`${formatTable(["#", "uuid", "idle W", "std W", "temp °C", "samples", "method"], rows)}\n`);
  const spot = outcome.spotCheck ? `; spot check ${outcome.spotCheck.durationS.toFixed(1)} s, drift ${(100 * outcome.spotCheck.worstDrift).toFixed(1)} %` : "";
  process.stdout.write(`\n${outcome.source} ${b.measuredAt} over ${b.durationS.toFixed(1)} s${spot}${outcome.cacheFile ? `; cache ${outcome.cacheFile}` : ""}\n`);
  return 0;
}
