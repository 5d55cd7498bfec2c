/**
 * The starter studies `lem init` writes: YAML with a comment on every field, each valid as
 * written (test/cli-init.test.ts loads every one). The command study runs anywhere (on the
 * simulated GPU); the engine studies use a small public model; the two llama.cpp studies
 * name a model file the user must set.
 */
import { fileURLToPath } from "node:url";
import type { TemplateName } from "./init-detect.js";

/** A small public instruct model every engine serves (about 1 GB). */
export const STARTER_MODEL = "Qwen/Qwen2.5-0.5B-Instruct";
/** The placeholder of the studies that need a GGUF file. */
export const GGUF_PLACEHOLDER = "/path/to/model.gguf";

/** lem's own workload child, as installed with lem (resolved from this file, so from lem's package). */
export function workloadHarnessPath(): string {
  return fileURLToPath(new URL("../../harness/node/workload.mjs", import.meta.url));
}

export interface TemplateContext {
  /** The study file as the user named it (for the commands in comments). */
  file: string;
  /** A real GPU was found (changes what the command study's comments say). */
  gpu: boolean;
  /** Absolute path of harness/node/workload.mjs. */
  workloadPath: string;
}

export interface RenderedTemplate {
  yaml: string;
  /** What the study measures, in a line. */
  summary: string;
  /** The commands to run next. */
  next: string[];
  /** A change the user must make before it runs, said loudly (undefined: it runs as written). */
  mustEdit?: string;
}

/** `file` as a shell word. */
export function shellWord(file: string): string {
  return /^[\w@%+=:,./-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
}

const yamlString = (s: string) => JSON.stringify(s);

function commandStudy(ctx: TemplateContext): RenderedTemplate {
  const f = shellWord(ctx.file);
  const run = ctx.gpu ? `lem run ${f}` : `LEM_SIMULATE=steady lem run ${f}`;
  const intro = ctx.gpu
    ? `# It runs lem's own toy workload: a Node program that speaks lem's child protocol and
# pretends to decode (it does not use the GPU, so the figures are close to idle power). It
# shows the whole study machinery working on this machine:
#
#   ${run}
#
# lem found no inference engine here. Install one (vLLM, SGLang, TGI, TensorRT-LLM,
# transformers, llama.cpp) and run \`lem init --force ${f}\` again, or change \`backend\`
# below (docs/configuration.md lists the backends and their fields).`
    : `# It runs lem's own toy workload (a Node program that speaks lem's child protocol and
# pretends to decode) on lem's SIMULATED GPU, since this machine has none:
#
#   ${run}
#
# Simulated figures are not measurements. To measure a real engine, run \`lem init\` on a
# machine with an NVIDIA GPU and an engine (vLLM, SGLang, TGI, TensorRT-LLM, transformers,
# llama.cpp), or change \`backend\` below (docs/configuration.md lists the backends).`;
  const yaml = `# A starter lem study, written by \`lem init\`: 2 batch sizes, each run twice.
${intro}
#
# Editors can complete and check this file against \`lem schema\` (see docs/configuration.md).

# The study's name: letters, digits, ".", "_" and "-"; it names the results directory.
name: command-starter
description: Energy per output token of lem's toy workload, by batch size.

# The base experiment: every point of the sweep starts from it.
base:
  # Recorded with the results, and passed to the workload as {model}.
  model: sim/toy-model
  # The "command" backend runs a program and measures the GPU energy while it works.
  backend: command
  command:
    # The program and its arguments (an absolute path, so the study runs from anywhere).
    # lem fills in {model}, {params.NAME} and dotted fields such as {dataset.prompts}.
    argv:
      - node
      - ${yamlString(ctx.workloadPath)}
      - --model
      - "{model}"
      - --batch-size
      - "{params.batch_size}"
      - --prompts
      - "{dataset.prompts}"
      - --max-output-tokens
      - "{generation.maxOutputTokens}"
    # auto: measure the window the workload marks (after its warm-up), or the whole
    # process if it marks none.
    measure: auto
  # Free-form engine parameters; the sweep below sets params.batch_size.
  params:
    batch_size: 1
  # The prompts: synthetic (generated from a seed, nothing to download); see docs/datasets.md.
  dataset:
    source: synthetic
    prompts: 16
  generation:
    # Tokens generated per request, at most.
    maxOutputTokens: 64
  measurement:
    # Power sampling interval in milliseconds.
    intervalMs: 10
    # Idle power, measured for 2 s before the study (and cached), is subtracted.
    baseline:
      durationS: 2
    # Between runs: no pause. With a real engine use "thermal" (wait until the GPU is back
    # near idle power and temperature), so one run's heat does not bias the next.
    settling:
      mode: gap
      gapS: 0

# The sweep: each dotted key with a list of values is an axis; every combination runs.
sweep:
  params.batch_size: [1, 8]

execution:
  # Every configuration runs twice, to see how much the figures vary.
  cycles: 2
  # Cycle by cycle, all configurations in each, so slow drifts spread over all of them.
  order: interleaved
  # Stop a run that takes longer than this (seconds).
  runTimeoutS: 120

# Where results go, relative to this file (one directory per study run).
output:
  dir: results
`;
  return {
    yaml,
    summary: ctx.gpu
      ? "lem's own toy workload (\"command\" backend), 2 batch sizes x 2 cycles"
      : "lem's own toy workload (\"command\" backend) on the simulated GPU, 2 batch sizes x 2 cycles",
    next: [run],
  };
}

interface ServerEngine {
  backend: "vllm" | "sglang" | "tgi" | "trtllm";
  label: string;
  launch: string;
  /** A commented example of engineArgs, in the engine's own flag spelling. */
  engineArgsExample: string;
  ignoreEos: boolean;
}

const SERVER_ENGINES: Record<"vllm" | "sglang" | "tgi" | "trtllm", ServerEngine> = {
  vllm: { backend: "vllm", label: "vLLM", launch: "vllm serve", engineArgsExample: "gpu-memory-utilization: 0.9", ignoreEos: true },
  sglang: { backend: "sglang", label: "SGLang", launch: "python3 -m sglang.launch_server", engineArgsExample: "mem-fraction-static: 0.8", ignoreEos: true },
  tgi: { backend: "tgi", label: "TGI", launch: "text-generation-launcher", engineArgsExample: "max-concurrent-requests: 256", ignoreEos: true },
  trtllm: { backend: "trtllm", label: "TensorRT-LLM", launch: "trtllm-serve", engineArgsExample: "max_batch_size: 64", ignoreEos: false },
};

const CONCURRENCY = [1, 4, 16, 64];

/** The workload block of the server starter studies (inside base). */
function serverWorkload(steadyState: boolean): string {
  return `  # How lem drives the server.
  workload:
    # Requests in flight at most; swept below.
    concurrency: 1
    # The OpenAI endpoint: completions (/v1/completions) or chat (/v1/chat/completions).
    api: completions
    stream: true${
      steadyState
        ? `
    # Also account the steady-state window: while all \`concurrency\` requests are in flight.
    steadyState: true`
        : ""
    }`;
}

/** The dataset block of the GPU starter studies (inside base): seeded synthetic prompts. */
function syntheticDataset(prompts: number): string {
  return `  # The prompts: synthetic (generated from a seed, nothing to download); see docs/datasets.md
  # for JSONL files.
  dataset:
    source: synthetic
    prompts: ${prompts}
    seed: 0
    synthetic:
      distribution: lognormal
      meanTokens: 256
      stddevTokens: 64
      minTokens: 16
      maxTokens: 1024`;
}

/** The measurement block of the GPU starter studies (inside base): steady settings for real GPUs. */
function gpuMeasurement(warmupComment: string, warmupRequests: number): string {
  return `  measurement:
    # Power sampling interval in milliseconds.
    intervalMs: 10
    # ${warmupComment}
    warmupRequests: ${warmupRequests}
    # Idle power, measured for 30 s before the study (and cached a day), is subtracted.
    baseline:
      durationS: 30
    # Between runs, wait until the GPU is back near idle power and temperature (at most 120 s).
    settling:
      mode: thermal
      maxWaitS: 120`;
}

/** The sweep over one key, the execution and the output of the GPU starter studies. */
function gpuStudyTail(sweepKey: string, values: string): string {
  return `
# The sweep: each dotted key with a list of values is an axis; every value runs.
sweep:
  ${sweepKey}: [${values}]

execution:
  # Every configuration runs 3 times, to see how much the figures vary.
  cycles: 3
  # A seeded random order in each cycle, so drifts do not favour one configuration.
  order: shuffled
  # Stop a run that takes longer than this (seconds).
  runTimeoutS: 1800

# Where results go, relative to this file (one directory per study run).
output:
  dir: results
`;
}

function serverStudy(ctx: TemplateContext, engine: ServerEngine, docker: boolean): RenderedTemplate {
  const f = shellWord(ctx.file);
  const name = docker ? `${engine.backend}-docker-starter` : `${engine.backend}-starter`;
  const dockerBlock = docker
    ? `  # ${engine.label} runs in its official container image, pulled before the study if missing
  # (several GB). Pin a version tag for a study you publish; lem records the image digest.
  docker:
    image: vllm/vllm-openai:latest
    pull: missing
`
    : "";
  const eos = engine.ignoreEos
    ? `    # Generate exactly maxOutputTokens tokens per request, whatever the model says, so
    # every configuration does the same work.
    ignoreEos: true`
    : `    # ${engine.label} stops at the end-of-sequence token; output lengths vary with the model.
    ignoreEos: false`;
  const yaml = `# A starter lem study, written by \`lem init\`: the energy per token of a small public model
# served by ${engine.label}${docker ? " (in docker)" : ""}, at ${CONCURRENCY.length} levels of concurrency, each run 3 times.
#
#   lem run ${f} --dry-run     # the plan and an estimate of the duration
#   lem run ${f}
#
# For each run lem starts the server with ${engine.label}'s launch command (${engine.launch}),
# waits until it is ready (loading is never measured), sends the prompts with at most
# \`workload.concurrency\` requests in flight, and stops it. The model is downloaded from
# Hugging Face on first use (about 1 GB). Every field is explained in docs/configuration.md.

# The study's name: letters, digits, ".", "_" and "-"; it names the results directory.
name: ${name}
description: Energy per output token of ${STARTER_MODEL} on ${engine.label}, by concurrency.

# The base experiment: every point of the sweep starts from it.
base:
  # A Hugging Face model id (or a local path); recorded with the results.
  model: ${STARTER_MODEL}
  backend: ${engine.backend}
${dockerBlock}  server:
    # Engine flags, written --key value (true: the flag alone), e.g. ${engine.engineArgsExample}
    engineArgs: {}
    # Loading (and the first download of) the model may take a while (seconds).
    readyTimeoutS: 900
${serverWorkload(true)}
${syntheticDataset(256)}
  generation:
    maxInputTokens: 1024
    maxOutputTokens: 256
    # 0: greedy decoding.
    temperature: 0
${eos}
${gpuMeasurement("Requests sent before the measurement window opens (compilation, caches, clocks).", 8)}
${gpuStudyTail("workload.concurrency", `${CONCURRENCY.join(", ")}`)}`;
  return {
    yaml,
    summary: `${STARTER_MODEL} on ${engine.label}${docker ? " in docker" : ""}, concurrency ${CONCURRENCY.join(", ")} x 3 cycles`,
    next: [`lem run ${f} --dry-run`, `lem run ${f}`],
  };
}

function transformersStudy(ctx: TemplateContext): RenderedTemplate {
  const f = shellWord(ctx.file);
  const yaml = `# A starter lem study, written by \`lem init\`: the energy per token of a small public model
# run with Hugging Face transformers, at 3 batch sizes, each run 3 times.
#
#   lem run ${f} --dry-run     # the plan and an estimate of the duration
#   lem run ${f}
#
# For each run lem starts lem's transformers child (Python), which loads the model (never
# measured), warms up, then generates for the prompts while lem measures. The model is
# downloaded from Hugging Face on first use (about 1 GB). Every field is explained in
# docs/configuration.md.

# The study's name: letters, digits, ".", "_" and "-"; it names the results directory.
name: transformers-starter
description: Energy per output token of ${STARTER_MODEL} with transformers, by batch size.

# The base experiment: every point of the sweep starts from it.
base:
  # A Hugging Face model id (or a local path); recorded with the results.
  model: ${STARTER_MODEL}
  backend: transformers
  transformers:
    # The Python with torch and transformers: default $LEM_PYTHON, then python3 on PATH.
    # python: /path/to/venv/bin/python
    dtype: bfloat16
    # Prompts generated together; swept below.
    batchSize: 1
${syntheticDataset(64)}
  generation:
    maxInputTokens: 1024
    maxOutputTokens: 128
    # 0: greedy decoding.
    temperature: 0
${gpuMeasurement("Batches generated before the measurement window opens.", 2)}
${gpuStudyTail("transformers.batchSize", `1, 4, 16`)}`;
  return { yaml, summary: `${STARTER_MODEL} with transformers, batch size 1, 4, 16 x 3 cycles`, next: [`lem run ${f} --dry-run`, `lem run ${f}`] };
}

function ggufWarning(f: string, alternative = ""): string {
  return `#######################################################################################
# !!! EDIT BEFORE RUNNING: set \`model\` below to the path of a GGUF model file on this !!!
# !!! machine. This study cannot run as written.                                      !!!
#######################################################################################
#
# Any GGUF file works, e.g. a Q4_K_M quantisation of a 0.5B to 8B instruct model from
# Hugging Face${alternative}. Then:
#
#   lem run ${f} --dry-run     # the plan and an estimate of the duration
#   lem run ${f}`;
}

function llamaServerStudy(ctx: TemplateContext): RenderedTemplate {
  const f = shellWord(ctx.file);
  const yaml = `# A starter lem study, written by \`lem init\`: the energy per token of a GGUF model served by
# llama.cpp's llama-server, at 3 levels of concurrency, each run 3 times.
#
${ggufWarning(f, ` (or name a Hugging Face GGUF repository instead,
# owner/name-GGUF or owner/name-GGUF:QUANT, which llama-server downloads itself)`)}
#
# For each run lem starts llama-server, waits until it is ready (loading is never measured),
# sends the prompts with at most \`workload.concurrency\` requests in flight, and stops it.
# Every field is explained in docs/configuration.md.

# The study's name: letters, digits, ".", "_" and "-"; it names the results directory.
name: llama-server-starter
description: Energy per output token of a GGUF model on llama-server, by concurrency.

# The base experiment: every point of the sweep starts from it.
base:
  # !!! EDIT ME: the GGUF file llama-server loads.
  model: ${GGUF_PLACEHOLDER}
  backend: llama-server
  server:
    # llama-server flags, written --key value.
    engineArgs:
      # Offload every layer to the GPU.
      n-gpu-layers: 999
      # Sequences decoded in parallel: at least the highest concurrency below.
      parallel: 8
      # Context shared by the parallel slots (2048 tokens each).
      ctx-size: 16384
    readyTimeoutS: 600
${serverWorkload(false)}
${syntheticDataset(64)}
  generation:
    maxInputTokens: 1024
    maxOutputTokens: 128
    temperature: 0
    # Generate exactly maxOutputTokens tokens per request, so every configuration does the same work.
    ignoreEos: true
${gpuMeasurement("Requests sent before the measurement window opens.", 4)}
${gpuStudyTail("workload.concurrency", `1, 4, 8`)}`;
  return {
    yaml,
    summary: "a GGUF model on llama-server, concurrency 1, 4, 8 x 3 cycles",
    next: [`lem run ${f} --dry-run`, `lem run ${f}`],
    mustEdit: `set model: in ${ctx.file} to the path of a GGUF model file (it says ${GGUF_PLACEHOLDER}); the study cannot run until you do`,
  };
}

function llamaCppStudy(ctx: TemplateContext): RenderedTemplate {
  const f = shellWord(ctx.file);
  const yaml = `# A starter lem study, written by \`lem init\`: the energy per token of a GGUF model run
# in-process by llama.cpp (node-llama-cpp, in a Node child), at 2 batch sizes, each run 3 times.
#
${ggufWarning(f)}
#
# Every field is explained in docs/configuration.md.

# The study's name: letters, digits, ".", "_" and "-"; it names the results directory.
name: llamacpp-starter
description: Energy per output token of a GGUF model with llama.cpp, by batch size.

# The base experiment: every point of the sweep starts from it.
base:
  # !!! EDIT ME: the GGUF file llama.cpp loads.
  model: ${GGUF_PLACEHOLDER}
  backend: llamacpp
  llamacpp:
    # Layers offloaded to the GPU: "auto", "max" or a number (0: CPU only).
    gpuLayers: max
    contextSize: 4096
    # Sequences decoded together; swept below.
    batchSize: 1
  # The prompts: synthetic (generated from a seed, nothing to download); see docs/datasets.md.
  dataset:
    source: synthetic
    prompts: 32
    seed: 0
  generation:
    maxInputTokens: 1024
    maxOutputTokens: 128
    temperature: 0
    # Generate exactly maxOutputTokens tokens per request, so every configuration does the same work.
    ignoreEos: true
${gpuMeasurement("Requests generated before the measurement window opens.", 2)}
${gpuStudyTail("llamacpp.batchSize", `1, 4`)}`;
  return {
    yaml,
    summary: "a GGUF model with llama.cpp (node-llama-cpp), batch size 1, 4 x 3 cycles",
    next: [`lem run ${f} --dry-run`, `lem run ${f}`],
    mustEdit: `set model: in ${ctx.file} to the path of a GGUF model file (it says ${GGUF_PLACEHOLDER}); the study cannot run until you do`,
  };
}

/** The starter study `name` for this context. */
export function renderTemplate(name: TemplateName, ctx: TemplateContext): RenderedTemplate {
  switch (name) {
    case "command":
      return commandStudy(ctx);
    case "vllm":
    case "sglang":
    case "tgi":
    case "trtllm":
      return serverStudy(ctx, SERVER_ENGINES[name], false);
    case "vllm-docker":
      return serverStudy(ctx, SERVER_ENGINES.vllm, true);
    case "transformers":
      return transformersStudy(ctx);
    case "llama-server":
      return llamaServerStudy(ctx);
    case "llamacpp":
      return llamaCppStudy(ctx);
  }
}
