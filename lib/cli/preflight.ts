/** `lem preflight`: runs every pre-flight check and prints what passed, warnings and failures. */
import { parseArgs } from "node:util";
import { activeSimulation } from "../gpu/provider.js";
import { PreflightError } from "../preflight/preflight-error.js";
import { runPreflight } from "../preflight/run-preflight.js";
import type { PreflightIssue, PreflightRequest } from "../preflight/types.js";
import { rejectPositionals } from "./devices.js";
import { simulationBanner } from "./output.js";

export const preflightHelp = `Usage: lem preflight [--json] [--devices CUDA_VISIBLE_DEVICES] [--model ID_OR_PATH]
                     [--output DIR] [--python PATH] [--module NAME]... [--command EXECUTABLE]

Run lem's pre-flight checks without measuring anything. Every check runs; all failures are
listed together, each with what to do. Warnings never block.

Checks: nvml (NVML loads, driver version), gpus (CUDA_VISIBLE_DEVICES maps to real GPUs),
gpu-lock (no other lem study holds them), backend (--command / --python and --module are
installed), model (a local path exists, or a hub id is in the local Hugging Face cache; the
network is never used), output-dir (writable, at least 1024 MiB free).

Warnings: simulated GPU, persistence mode off, MIG enabled, power limit below default,
other processes on the GPU, clocks throttled at rest, facts NVML failed to read.

Options:
  --devices SPEC         the CUDA_VISIBLE_DEVICES the study will use (default: lem's own; unset = every GPU)
  --model ID_OR_PATH     model to look for: a local path or a Hugging Face id (org/name)
  --output DIR           output directory to create and test for writing and free space
  --python PATH          Python interpreter of the engine's environment
  --module NAME          Python module that must import (repeatable; needs --python)
  --command EXECUTABLE   executable the backend runs (a name on PATH or a path)
  --json                 print the report (or the failures) as JSON
  --simulate [SCENARIO]  use the simulated GPU
  -h, --help             show this help

Exit status: 0 when every check passed (warnings allowed), 1 when any failed.

Examples:
  lem preflight
  lem preflight --devices 0,1 --model meta-llama/Llama-3.1-8B-Instruct --output results/
  lem preflight --python .venv/bin/python --module vllm --module torch
  LEM_SIMULATE=mig lem preflight --json
`;

const issueLine = (prefix: string, i: PreflightIssue) => `${prefix}[${i.check}] ${i.message} Fix: ${i.fix}\n`;

export async function runPreflightCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      json: { type: "boolean" },
      devices: { type: "string" },
      model: { type: "string" },
      output: { type: "string" },
      python: { type: "string" },
      module: { type: "string", multiple: true },
      command: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(preflightHelp);
    return 0;
  }
  rejectPositionals("preflight", positionals);
  const modules = values.module ?? [];
  const request: PreflightRequest = {
    ...(values.devices !== undefined ? { cudaVisibleDevices: values.devices } : {}),
    ...(values.model !== undefined ? { model: values.model } : {}),
    ...(values.output !== undefined ? { outputDir: values.output } : {}),
    ...(values.command !== undefined ? { command: { executable: values.command } } : {}),
    ...(values.python !== undefined ? { python: { interpreter: values.python, modules } } : {}),
  };
  if (modules.length > 0 && values.python === undefined) {
    // Without an interpreter the modules cannot be probed; "python3" on PATH is the natural guess.
    request.python = { interpreter: "python3", modules };
  }
  const sim = activeSimulation();
  if (sim && !values.json) process.stderr.write(`${simulationBanner(sim.name)}\n`);
  try {
    const report = await runPreflight(request);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ok: true, ...report }, null, 2)}\n`);
      return 0;
    }
    for (const id of report.passed) process.stdout.write(`passed: ${id}\n`);
    for (const w of report.warnings) process.stdout.write(issueLine("warning: ", w));
    const gpus = report.gpus.map((g) => `${g.nvmlIndex} (${g.uuid})`).join(", ");
    process.stdout.write(`pre-flight passed${gpus ? ` for GPU ${gpus}` : ""} in ${report.durationMs} ms.\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof PreflightError)) throw error;
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ok: false, failures: error.failures, warnings: error.warnings }, null, 2)}\n`);
      return 1;
    }
    for (const w of error.warnings) process.stdout.write(issueLine("warning: ", w));
    process.stderr.write(`lem: ${error.message}\n`);
    return 1;
  }
}
