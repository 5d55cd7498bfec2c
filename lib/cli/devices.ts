/** `lem devices [--json]`: the table of GPUs NVML sees. */
import { parseArgs } from "node:util";
import { listDevices } from "../gpu/devices.js";
import { activeSimulation, requireNvml } from "../gpu/provider.js";
import { UsageError, simulationBanner } from "./output.js";
import { formatTable } from "./table.js";

export const devicesHelp = `Usage: lem devices [--json] [--simulate [SCENARIO]]

List the GPUs NVML sees, with the facts lem records for each: name, UUID, PCI bus id,
architecture, memory, power limits, persistence and MIG mode, and whether the energy
counter and the instant power field are supported. "n/a" means the device does not
report that fact.

Options:
  --json                 print JSON instead of a table
  --simulate [SCENARIO]  use the simulated GPU (built-in name or scenario file; default "default")
  -h, --help             show this help

Examples:
  lem devices
  lem devices --json
  LEM_SIMULATE=h100x8 lem devices
`;

const fmt = (v: number | undefined, digits = 0) => (v === undefined ? "n/a" : v.toFixed(digits));
const yesNo = (v: boolean | undefined) => (v === undefined ? "n/a" : v ? "yes" : "no");

export function runDevices(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(devicesHelp);
    return 0;
  }
  const status = requireNvml();
  const devices = listDevices();
  const sim = activeSimulation();
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ nvml: status, devices }, null, 2)}\n`);
    return 0;
  }
  if (sim) process.stderr.write(`${simulationBanner(sim.name)}\n`);
  const cuda = status.cudaDriverVersion ? `, CUDA ${status.cudaDriverVersion}` : "";
  process.stdout.write(
    `NVML ${status.nvmlVersion ?? "n/a"} (${status.source ?? "?"}), driver ${status.driverVersion ?? "n/a"}${cuda}\n\n`,
  );
  if (devices.length === 0) {
    process.stdout.write("No GPUs found.\n");
    return 0;
  }
  const rows = devices.map((d) => [
    String(d.index),
    d.name,
    d.uuid,
    d.pciBusId ?? "n/a",
    d.architecture ?? "n/a",
    `${fmt(d.memoryUsedMiB)} / ${fmt(d.memoryTotalMiB)}`,
    `${fmt(d.powerLimitW)} (${fmt(d.minPowerLimitW)}-${fmt(d.maxPowerLimitW)})`,
    yesNo(d.persistenceMode),
    yesNo(d.migEnabled),
    yesNo(d.energyCounterSupported),
    yesNo(d.instantPowerSupported),
  ]);
  process.stdout.write(
    `${formatTable(
      ["#", "name", "uuid", "pci bus id", "arch", "memory MiB used/total", "power limit W (min-max)", "persist", "MIG", "energy ctr", "instant W"],
      rows,
    )}\n`,
  );
  for (const d of devices) {
    for (const e of d.errors) process.stderr.write(`warning: GPU ${d.index}: reading ${e.fact} failed with ${e.nvmlName}\n`);
  }
  return 0;
}

export function rejectPositionals(command: string, positionals: string[]): void {
  if (positionals.length) throw new UsageError(`"lem ${command}" takes no arguments, got: ${positionals.join(" ")}`);
}
