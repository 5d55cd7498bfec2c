/** `lem env [--json] [--python PATH]`: the environment snapshot a measurement records. */
import { parseArgs } from "node:util";
import { collectEnvironment } from "../environment/snapshot.js";
import type { EnvironmentSnapshot, Package } from "../environment/schema.js";
import { rejectPositionals } from "./devices.js";
import { simulationBanner, UsageError } from "./output.js";

export const envHelp = `Usage: lem env [--json] [--python PATH] [--timeout SECONDS]

Print the environment snapshot lem records with every measurement: lem, Node and OS versions,
kernel, CPU, memory, each GPU's facts with the driver and CUDA driver version, the CUDA
runtime version and where it was found (the loaded libcudart, then $CUDA_HOME or
/usr/local/cuda version.json/version.txt, then nvcc --version), the engine's Python and its
packages (pip freeze; conda list in a conda environment) and the relevant environment
variables, with tokens, keys and passwords redacted. A part that cannot be gathered says
why; the command still succeeds, with or without a GPU.

Options:
  --json                 print the whole snapshot as JSON (package lists included)
  --python PATH          the engine's Python interpreter (default: python3 on PATH)
  --timeout SECONDS      time limit for each external command (python, pip, conda, nvcc; default 20)
  --simulate [SCENARIO]  use the simulated GPU (built-in name or scenario file; default "default")
  -h, --help             show this help

Examples:
  lem env
  lem env --json > environment.json
  lem env --python ~/venvs/vllm/bin/python
  LEM_SIMULATE=h100x8 lem env
`;

/** Engines and their libraries whose versions decide what is being measured. */
const ENGINE_PACKAGES = ["torch", "vllm", "sglang", "transformers", "text-generation", "llama-cpp-python", "tensorrt-llm"];

/** PEP 503 normalisation, so "llama_cpp_python" and "Llama-CPP-Python" match. */
const normalise = (name: string) => name.toLowerCase().replace(/[-_.]+/g, "-");

export async function runEnv(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      json: { type: "boolean" },
      python: { type: "string" },
      timeout: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(envHelp);
    return 0;
  }
  rejectPositionals("env", positionals);
  if (values.python !== undefined && values.python.trim() === "") {
    throw new UsageError('--python needs the path of a Python interpreter, e.g. "--python /opt/venv/bin/python"');
  }
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    const s = Number(values.timeout);
    if (!Number.isFinite(s) || s <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got "${values.timeout}"`);
    timeoutMs = Math.round(s * 1000);
  }
  const snapshot = await collectEnvironment({
    ...(values.python !== undefined ? { python: values.python } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`);
    return 0;
  }
  if (snapshot.gpu.available && snapshot.gpu.simulated) {
    process.stderr.write(`${simulationBanner(snapshot.gpu.source.replace(/^simulated:/, ""))}\n`);
  }
  process.stdout.write(formatEnvironment(snapshot));
  return 0;
}

/** The snapshot as a person reads it: one section per part. */
export function formatEnvironment(s: EnvironmentSnapshot): string {
  const out: string[] = [];
  const section = (title: string, lines: string[]) => out.push(title, ...lines.map((l) => `  ${l}`), "");

  section("System", [
    `lem      ${s.lem.version}`,
    `node     ${s.node.version} (${s.node.platform}-${s.node.arch})`,
    `os       ${s.os.distribution ?? s.os.type}, kernel ${s.os.release}`,
    `cpu      ${s.cpu.model} (${s.cpu.cores} cores)`,
    `memory   ${s.memory.totalMiB} MiB`,
    `taken at ${s.takenAt}`,
  ]);

  const g = s.gpu;
  if (g.available) {
    const head = [
      `driver ${g.driverVersion ?? "n/a"}, NVML ${g.nvmlVersion ?? "n/a"}, CUDA driver ${g.cudaDriverVersion ?? "n/a"} (${g.source})`,
    ];
    if (g.simulated) head.push("SIMULATED: these are not real GPUs");
    const devices = g.devices.map(
      (d) =>
        `${d.index}: ${d.name}, ${d.uuid}, ${d.memoryTotalMiB ?? "n/a"} MiB, power limit ${d.powerLimitW ?? "n/a"} W` +
        `${d.architecture ? `, ${d.architecture}` : ""}`,
    );
    section("GPUs", [...head, ...(devices.length ? devices : ["no GPUs found"])]);
  } else {
    section("GPUs", [`unavailable: ${g.reason}`]);
  }

  const c = s.cudaRuntime;
  section("CUDA runtime", [c.version === null ? `none found (${c.detail})` : `${c.version} (from ${c.source}: ${c.detail})`]);

  const p = s.python;
  if (p === undefined) section("Python", ["not gathered"]);
  else if ("error" in p) section("Python", [`${p.interpreter}${p.version ? ` (Python ${p.version})` : ""}`, `unavailable: ${p.error}`]);
  else section("Python", [`${p.interpreter} (Python ${p.version})`, `${p.packages.length} packages`, ...enginePackages(p.packages)]);

  if (s.conda !== undefined) {
    const k = s.conda;
    section("Conda", "error" in k ? [`${k.prefix ?? "?"}`, `unavailable: ${k.error}`] : [`${k.prefix}`, `${k.packages.length} packages`]);
  }

  const vars = Object.entries(s.environmentVariables);
  section("Environment variables", vars.length ? vars.map(([k, v]) => `${k}=${v}`) : ["none of the relevant ones are set"]);
  return `${out.join("\n").trimEnd()}\n`;
}

function enginePackages(packages: Package[]): string[] {
  return packages
    .filter((p) => p.version !== null && ENGINE_PACKAGES.includes(normalise(p.name)))
    .map((p) => `${p.name} ${p.version}`);
}
