/** The lem command: parses the subcommand and global options, then hands over (in-process callable: main(argv) returns the exit code). */
import { useSimulatedGpu } from "../gpu/provider.js";
import { version } from "../version.js";
import { runBaseline } from "./baseline.js";
import { runDevices } from "./devices.js";
import { runEnv } from "./env.js";
import { runPreflightCommand } from "./preflight.js";
import { runResults } from "./results.js";
import { runReport } from "./report.js";
import { runRun } from "./run.js";
import { runSchema } from "./schema.js";
import { runMeasure } from "./measure.js";
import { runInit } from "./init.js";
import { runMonitor } from "./monitor.js";
import { runMerge } from "./merge.js";
import { runRunOne } from "./run-one.js";
import { runStatus } from "./status.js";
import { reportError, UsageError } from "./output.js";

const commands: Record<string, { run: (args: string[]) => number | Promise<number>; summary: string }> = {
  init: { run: runInit, summary: "write a starter study for this machine" },
  run: { run: runRun, summary: "run a study (a sweep of configurations, several cycles each)" },
  status: { run: runStatus, summary: "where a study stands: runs completed, running (where), pending, failed; Slurm's job states" },
  "run-one": { run: runRunOne, summary: "measure one planned run of a study (what each Slurm array task runs)" },
  results: { run: runResults, summary: "list, show, compare and export study results" },
  report: { run: runReport, summary: "write the study's HTML report (self-contained, charts, timelines)" },
  merge: { run: runMerge, summary: "write a study's statistics, summary and report from its runs' files" },
  devices: { run: runDevices, summary: "list the GPUs and their facts" },
  measure: { run: runMeasure, summary: "run a command and report the GPU energy it used" },
  monitor: { run: runMonitor, summary: "live view of every GPU: power, energy, temperature, clocks, memory, throttling" },
  baseline: { run: runBaseline, summary: "measure the idle power of each GPU" },
  preflight: { run: runPreflightCommand, summary: "run the pre-flight checks and show every problem at once" },
  schema: { run: runSchema, summary: "print the JSON Schema of study or experiment files (for editors)" },
  env: { run: runEnv, summary: "print the environment snapshot (versions, GPUs, CUDA, Python packages)" },
};

export const mainHelp = `lem ${version}: measure the energy of LLM inference on NVIDIA GPUs

Usage: lem <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join("\n")}

Global options:
  --simulate [SCENARIO]  use the simulated GPU instead of NVML (same as LEM_SIMULATE=SCENARIO)
  -h, --help             help (also "lem <command> --help")
  -v, --version          print lem's version (also "lem version")

Environment:
  LEM_SIMULATE       built-in scenario name (default, h100x8, idle, throttle, gpu-lost, ...) or scenario file
  LEM_NVML_LIBRARY   path of the NVML library to load instead of libnvidia-ml.so.1

Examples:
  lem devices
  LEM_SIMULATE=default lem devices --json
  lem measure -- python generate.py
`;

/** Pulls "--simulate [SCENARIO]" out of the arguments (it applies to every command). */
function takeSimulate(args: string[]): { args: string[]; scenario: string | undefined } {
  const rest: string[] = [];
  let scenario: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    // Everything after "--" belongs to the command lem runs (lem measure -- cmd --simulate x).
    if (a === "--") {
      rest.push(...args.slice(i));
      break;
    }
    if (a === "--simulate") {
      const next = args[i + 1];
      if (next !== undefined && !next.startsWith("-") && !(next in commands)) {
        scenario = next;
        i++;
      } else {
        scenario = "default";
      }
    } else if (a.startsWith("--simulate=")) {
      scenario = a.slice("--simulate=".length) || "default";
    } else {
      rest.push(a);
    }
  }
  return { args: rest, scenario };
}

export async function main(argv: string[]): Promise<number> {
  try {
    const { args, scenario } = takeSimulate(argv);
    const [command, ...rest] = args;
    // Bare "lem" is a request for help, as in git, cargo or docker: the overview, exit 0.
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
      process.stdout.write(mainHelp);
      return 0;
    }
    if (command === "--version" || command === "-v" || command === "version") {
      process.stdout.write(`${version}\n`);
      return 0;
    }
    const entry = commands[command];
    if (!entry) throw new UsageError(`unknown command "${command}". Commands: ${Object.keys(commands).join(", ")}. See "lem --help".`);
    if (scenario !== undefined) useSimulatedGpu(scenario);
    return await entry.run(rest);
  } catch (error) {
    if (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")) {
      return reportError(new UsageError(`${error.message}. See "lem ${argv.find((a) => a in commands) ?? ""} --help".`));
    }
    return reportError(error);
  }
}
