/** `lem measure [options] -- <command> [args...]`: the GPU energy of one command, like `time`. */
import { constants } from "node:os";
import { parseArgs } from "node:util";
import { writeTimelineCsv } from "../measure/timeline-csv.js";
import { measureCommand } from "../study/measure-command.js";
import { formatWindowEnergy } from "./format-energy.js";
import { attachNegativeNumbers, numberInRange, positiveNumber, simulationBanner, toJson, UsageError } from "./output.js";
import { redactArgv } from "../redact/index.js";
import { activeSimulation } from "../gpu/provider.js";

export const measureHelp = `Usage: lem measure [options] -- <command> [args...]

Run a command and report the GPU energy it used, like "time" reports its duration.
lem samples the GPUs on its own thread while the command runs (its output passes
through), then reports per GPU the energy counter's figure and the integral of instant
power, the baseline-adjusted energy (with --baseline), power, temperature, throttling and
the warnings that qualify the figures. A command that speaks lem's child protocol (JSON
lines on file descriptor 3 with window_start / window_end marks) is measured over its
window only; any other command over its whole lifetime. Pre-flight checks run first.
lem exits with the command's exit code (128+N when a signal N ended it).

Options:
  --json                  print the measurement as JSON on stdout (the command's own
                          standard output then goes to standard error)
  --baseline [SECONDS]    measure idle power first (default 30 s; reuses a fresh cached baseline)
  --no-baseline-cache     with --baseline: always measure, never reuse
  --timeline FILE         write every sample as CSV
  --interval-ms MS        sampling interval, 0.2 to 10000 (default 10)
  --devices LIST          GPUs to measure, as CUDA_VISIBLE_DEVICES lists them (default: lem's own);
                          the command gets the same CUDA_VISIBLE_DEVICES, so it runs on them
  --skip-preflight        run without pre-flight checks (recorded in the result)
  --simulate [SCENARIO]   use the simulated GPU
  -h, --help              show this help

Examples:
  lem measure -- python generate.py --model facebook/opt-125m
  lem measure --json --baseline 10 -- ./bench.sh
  LEM_SIMULATE=default lem measure --timeline samples.csv -- node -e "const e=Date.now()+3000; while(Date.now()<e);"
`;

export async function runMeasure(argv: string[]): Promise<number> {
  const dash = argv.indexOf("--");
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const [command, ...args] = dash === -1 ? [] : argv.slice(dash + 1);
  // "--baseline" takes an optional value: normalise "--baseline" alone to the default.
  const normalised = attachNegativeNumbers(own, ["--interval-ms", "--baseline"]).flatMap((a, i) =>
    a === "--baseline" && (own[i + 1] === undefined || own[i + 1]!.startsWith("-")) ? ["--baseline=30"] : [a],
  );
  const { values, positionals } = parseArgs({
    args: normalised,
    allowPositionals: true,
    options: {
      json: { type: "boolean" },
      baseline: { type: "string" },
      "no-baseline-cache": { type: "boolean" },
      timeline: { type: "string" },
      "interval-ms": { type: "string" },
      devices: { type: "string" },
      "skip-preflight": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(measureHelp);
    return 0;
  }
  if (positionals.length) throw new UsageError(`put the command after "--": lem measure [options] -- ${positionals.join(" ")}`);
  if (!command) throw new UsageError('no command to measure: lem measure [options] -- <command> [args...]. See "lem measure --help".');

  const sim = activeSimulation();
  const { measurement, timeline } = await measureCommand({
    command,
    args,
    intervalMs: numberInRange("interval-ms", values["interval-ms"], 10, 0.2, 10_000),
    ...(values.devices !== undefined ? { cudaVisibleDevices: values.devices } : {}),
    baseline:
      values.baseline === undefined
        ? false
        : { durationS: positiveNumber("baseline", values.baseline, 30), useCache: !values["no-baseline-cache"] },
    skipPreflight: values["skip-preflight"] ?? false,
    commandStdoutToStderr: values.json ?? false,
    onStart: ({ devices }) => {
      if (sim) process.stderr.write(`${simulationBanner(sim.name)}\n`);
      if (!values.json) process.stderr.write(`lem: measuring GPU ${devices.join(", ")} while "${redactArgv([command, ...args]).join(" ")}" runs\n`);
    },
  });
  if (values.timeline) await writeTimelineCsv(values.timeline, timeline);
  if (values.json) {
    process.stdout.write(`${toJson(measurement)}\n`);
  } else {
    const m = measurement;
    const ended = m.command.signal ? `was ended by ${m.command.signal}` : `exited ${m.command.exitCode}`;
    const window =
      m.window.source === "protocol"
        ? `its marked window (${m.energy.durationS.toFixed(3)} s)`
        : `its whole lifetime (it marked no window on fd 3)`;
    const lines = [
      "",
      `lem measure: "${[m.command.command, ...m.command.args].join(" ")}" ${ended} after ${m.command.durationS.toFixed(3)} s; energy of ${window}:`,
      formatWindowEnergy(m.energy),
    ];
    if (m.baseline) lines.push(`baseline: ${m.baseline.source} (${m.baseline.baseline.durationS.toFixed(1)} s, ${m.baseline.baseline.measuredAt})`);
    if (m.preflight.skipped) lines.push("pre-flight: skipped (--skip-preflight)");
    for (const w of m.preflight.warnings) lines.push(`pre-flight warning (${w.check}): ${w.message}${w.fix ? ` ${w.fix}` : ""}`);
    if (m.simulatedTruth) lines.push(`simulated truth: ${m.simulatedTruth.map((t) => `GPU ${t.index} ${t.energyJ.toFixed(2)} J`).join(", ")}`);
    if (values.timeline) lines.push(`timeline: ${values.timeline}`);
    process.stderr.write(`${lines.join("\n")}\n`);
  }
  const { exitCode, signal } = measurement.command;
  if (signal) return 128 + (constants.signals[signal as keyof typeof constants.signals] ?? 0);
  return exitCode ?? 1;
}
