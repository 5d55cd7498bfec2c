#!/usr/bin/env node
// lem's llama.cpp child: runs a GGUF model in process through node-llama-cpp and speaks lem's
// child protocol (JSON lines on fd 3, or on the file LEM_PROTOCOL_PATH names).
//
//   node harness/node/llama-cpp.mjs --model m.gguf --prompts-file prompts.jsonl
//        [--max-output-tokens 128] [--max-input-tokens 512] [--batch-size 1] [--context-size 4096]
//        [--gpu-layers auto|max|N] [--threads N] [--temperature 0] [--top-p 1] [--seed 0]
//        [--ignore-eos] [--warmup N (default $LEM_WARMUP_REQUESTS, else 0)]
//
// --batch-size B decodes B prompts at once: the context gets B sequences, each takes the next
// prompt as soon as its last one is done, and node-llama-cpp evaluates the sequences' pending
// tokens together in one llama_decode. Tokens are counted exactly: the prompt is tokenized
// with the model's own tokenizer (BOS added when the model asks for it; no chat template),
// every generated token comes out of the sequence one at a time, and generation ends at the
// model's end-of-generation token (not counted) or after --max-output-tokens.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const NAME = "llama-cpp";
const EXIT_FAILED = 2;

/** A failure the user can act on: its message says what is wrong and what to do. */
class HarnessError extends Error {}

// ---- protocol channel ------------------------------------------------------------------------

function openChannel() {
  const path = process.env.LEM_PROTOCOL_PATH;
  if (path) {
    try {
      // 0o644: whatever the container's umask, no other user can write events into the results.
      return { fd: openSync(path, "a", 0o644), owned: true };
    } catch (e) {
      process.stderr.write(
        `${NAME}: cannot open the protocol file LEM_PROTOCOL_PATH=${path} (${e.code ?? e.message}): ` +
          "make its directory exist and be writable, or unset LEM_PROTOCOL_PATH to use file descriptor 3\n",
      );
      process.exit(EXIT_FAILED);
    }
  }
  try {
    fstatSync(3);
    return { fd: 3, owned: false };
  } catch {
    process.stderr.write(`${NAME}: file descriptor 3 is not open (not started by lem?): protocol events go to standard error\n`);
    return { fd: 2, owned: false };
  }
}
const channel = openChannel();
/** Writes all of `text` (a write to a pipe may take part of it). */
function writeAll(fd, text) {
  const bytes = Buffer.from(text, "utf8");
  for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
}

function send(event) {
  const line = `${JSON.stringify(event)}\n`;
  try {
    writeAll(channel.fd, line);
  } catch (e) {
    if (channel.fd === 2) throw e;
    // fd 3 is open but not writable (inherited from a shell, not lem's pipe): use standard error.
    process.stderr.write(`${NAME}: cannot write protocol events to fd ${channel.fd} (${e.code ?? e.message}): they go to standard error\n`);
    channel.fd = 2;
    channel.owned = false;
    writeAll(2, line);
  }
}
const now = () => process.hrtime.bigint(); // CLOCK_MONOTONIC, the sampler's clock

function fail(message) {
  try {
    send({ event: "error", message });
  } catch {
    // the channel is gone; standard error still carries the message
  }
  process.stderr.write(`${NAME}: ${message}\n`);
  process.exit(EXIT_FAILED);
}

// ---- arguments -------------------------------------------------------------------------------

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        model: { type: "string" },
        "prompts-file": { type: "string" },
        "max-output-tokens": { type: "string", default: "128" },
        "max-input-tokens": { type: "string", default: "512" },
        "batch-size": { type: "string", default: "1" },
        "context-size": { type: "string", default: "4096" },
        "gpu-layers": { type: "string", default: "auto" },
        threads: { type: "string" },
        temperature: { type: "string", default: "0" },
        "top-p": { type: "string", default: "1" },
        seed: { type: "string", default: "0" },
        "ignore-eos": { type: "boolean", default: false },
        warmup: { type: "string", default: process.env.LEM_WARMUP_REQUESTS || "0" },
      },
      strict: true,
    }));
  } catch (e) {
    throw new HarnessError(`${e.message}. Run it as: node harness/node/llama-cpp.mjs --model M.gguf --prompts-file F.jsonl [options]`);
  }
  const number = (name, { integer = true, min = 0, max = Infinity, aboveMin = false } = {}) => {
    const text = values[name];
    const v = Number(text);
    const low = aboveMin ? v <= min : v < min;
    if (text === undefined || text.trim() === "" || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || low || v > max) {
      const what = integer ? "an integer" : "a number";
      const upTo = max === Infinity ? "" : aboveMin ? ` and at most ${max}` : ` to ${max}`;
      const range = `${aboveMin ? "above" : "from"} ${min}${upTo || (aboveMin ? "" : " up")}`;
      const from = name === "warmup" && process.env.LEM_WARMUP_REQUESTS === text ? " (from LEM_WARMUP_REQUESTS)" : "";
      throw new HarnessError(`--${name} must be ${what} ${range}, got "${text}"${from}`);
    }
    return v;
  };
  if (!values.model) throw new HarnessError("--model is missing: give the path of a .gguf model file");
  if (!values["prompts-file"]) throw new HarnessError('--prompts-file is missing: give a JSONL file with one {"id","prompt"} per line');
  const gpuLayersText = values["gpu-layers"];
  const gpuLayers = gpuLayersText === "auto" || gpuLayersText === "max" ? gpuLayersText : number("gpu-layers");
  return {
    modelPath: resolve(values.model),
    promptsFile: resolve(values["prompts-file"]),
    maxOutputTokens: number("max-output-tokens", { min: 1 }),
    maxInputTokens: number("max-input-tokens", { min: 1 }),
    batchSize: number("batch-size", { min: 1 }),
    contextSize: number("context-size", { min: 2 }),
    gpuLayers,
    threads: values.threads === undefined ? undefined : number("threads", { min: 1 }),
    temperature: number("temperature", { integer: false }),
    topP: number("top-p", { integer: false, min: 0, max: 1, aboveMin: true }),
    seed: number("seed"),
    ignoreEos: values["ignore-eos"],
    warmup: number("warmup"),
  };
}

function readPrompts(path) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new HarnessError(`cannot read the prompts file ${path} (${e.code ?? e.message}): give an existing JSONL file with one {"id","prompt"} per line`);
  }
  const prompts = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let record;
    try {
      record = JSON.parse(line);
    } catch {
      throw new HarnessError(`${path} line ${i + 1} is not JSON: each line must be {"id": "...", "prompt": "..."}`);
    }
    if (typeof record?.prompt !== "string") {
      throw new HarnessError(`${path} line ${i + 1} has no string "prompt": each line must be {"id": "...", "prompt": "..."}`);
    }
    prompts.push({ id: record.id === undefined ? `line-${i + 1}` : String(record.id), text: record.prompt });
  });
  if (prompts.length === 0) throw new HarnessError(`the prompts file ${path} holds no prompts: give at least one {"id","prompt"} line`);
  return prompts;
}

// ---- node-llama-cpp --------------------------------------------------------------------------

async function importNodeLlamaCpp() {
  try {
    return await import("node-llama-cpp");
  } catch (e) {
    throw new HarnessError(
      `node-llama-cpp could not be loaded (${e.code ?? e.message}): install it next to lem with "npm install node-llama-cpp" ` +
        "(it is an optional peer dependency, needed only by the llamacpp backend)",
    );
  }
}

/** node-llama-cpp's own version, from its package.json (its "exports" do not include that file). */
function nodeLlamaCppVersion() {
  try {
    let dir = dirname(fileURLToPath(import.meta.resolve("node-llama-cpp")));
    for (let up = 0; up < 4; up++, dir = dirname(dir)) {
      const file = join(dir, "package.json");
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, "utf8"));
      if (pkg.name === "node-llama-cpp") return String(pkg.version);
    }
  } catch {
    // the version is a fact for the result, not a reason to fail
  }
  return null;
}

function checkModelFile(path) {
  if (!existsSync(path)) throw new HarnessError(`the model file ${path} does not exist: give the path of a .gguf model file as the experiment's model`);
  const magic = Buffer.alloc(4);
  let n = 0;
  try {
    const fd = openSync(path, "r");
    n = readSync(fd, magic, 0, 4, 0);
    closeSync(fd);
  } catch (e) {
    throw new HarnessError(`cannot read the model file ${path} (${e.code ?? e.message}): make it readable by this user`);
  }
  if (n < 4 || magic.toString("latin1") !== "GGUF") {
    throw new HarnessError(`${path} is not a GGUF file (it does not start with "GGUF"): llama.cpp needs a .gguf model; convert the model or download its GGUF version`);
  }
}

async function load(o) {
  const { getLlama, LlamaLogLevel } = await importNodeLlamaCpp();
  // build "never": use a prebuilt binary (CPU, or CUDA/Vulkan when one loads here), never
  // compile or download during a study. 0 GPU layers loads no GPU backend at all.
  let llama;
  try {
    llama = await getLlama({
      gpu: o.gpuLayers === 0 ? false : "auto",
      build: "never",
      progressLogs: false,
      logLevel: LlamaLogLevel.warn,
      ...(o.threads ? { maxThreads: o.threads } : {}),
    });
  } catch (e) {
    throw new HarnessError(
      `node-llama-cpp found no llama.cpp binary it can use here (${e.message}): reinstall node-llama-cpp so that its prebuilt ` +
        "binaries for this platform are present (npm install node-llama-cpp), or build one with npx --no node-llama-cpp source build",
    );
  }
  let model;
  try {
    model = await llama.loadModel({ modelPath: o.modelPath, gpuLayers: o.gpuLayers });
  } catch (e) {
    throw new HarnessError(
      `llama.cpp could not load ${o.modelPath}: ${e.message}. Check that the file is complete and of an architecture this ` +
        `llama.cpp (${llama.llamaCppRelease.release}) supports, or lower llamacpp.gpuLayers if the GPU ran out of memory`,
    );
  }
  // Default threads: the CPU's math cores, as llama.cpp itself does. node-llama-cpp's own default
  // on CPU is at least 4, which on a 2-core machine makes ggml's threads spin-wait on each other.
  const threads = o.threads ?? llama.cpuMathCores;
  let context;
  try {
    context = await model.createContext({
      contextSize: o.contextSize,
      sequences: o.batchSize,
      threads: { ideal: threads, min: threads },
    });
  } catch (e) {
    throw new HarnessError(
      `llama.cpp could not create a context of ${o.contextSize} tokens × ${o.batchSize} sequences: ${e.message}. ` +
        "Lower llamacpp.contextSize or llamacpp.batchSize",
    );
  }
  const sequences = Array.from({ length: o.batchSize }, () => context.getSequence());
  return { llama, model, context, sequences };
}

// ---- generation ------------------------------------------------------------------------------

/** The tokens the engine is given: BOS when the model wants one, the prompt, cut to maxInputTokens. */
function inputTokens(model, text, maxInputTokens) {
  const tokens = model.tokenize(text, false);
  const withBos = model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos, ...tokens] : tokens;
  return withBos.slice(0, maxInputTokens);
}

/** One request on one sequence, timed per token. */
async function generate(sequence, prompt, o) {
  await sequence.clearHistory(); // each request starts from an empty sequence
  const startNs = now();
  const input = inputTokens(sequence.model, prompt.text, o.maxInputTokens);
  let outputTokens = 0;
  let firstNs = null;
  let lastNs = null;
  let sawEog = false;
  // --ignore-eos: an end-of-generation token is yielded, counted and fed back like any other
  // (vLLM's ignore_eos); otherwise it ends the generation without being yielded, and is
  // counted all the same: it was computed like any token (vLLM's usage and the transformers
  // harness count it too, so that backends compare).
  const tokens = sequence.evaluate(input, {
    temperature: o.temperature,
    topP: o.topP,
    topK: 0, // lem's generation settings have no top-k: consider the whole vocabulary
    minP: 0,
    seed: o.seed,
    yieldEogToken: o.ignoreEos,
  });
  let reachedLimit = false;
  for await (const token of tokens) {
    const t = now();
    firstNs ??= t;
    lastNs = t;
    outputTokens++;
    if (sequence.model.isEogToken(token)) sawEog = true;
    if (outputTokens >= o.maxOutputTokens) {
      reachedLimit = true;
      break;
    }
  }
  const endNs = now();
  if (!reachedLimit && !o.ignoreEos) {
    // The generation ended on an end-of-generation token that was not yielded.
    outputTokens++;
    sawEog = true;
    firstNs ??= endNs;
    lastNs = endNs;
  }
  return {
    id: prompt.id,
    startNs,
    inputTokens: input.length,
    outputTokens,
    ttftNs: firstNs === null ? null : Number(firstNs - startNs),
    latencyNs: Number(endNs - startNs),
    interTokenNs: outputTokens > 1 ? Math.round(Number(lastNs - firstNs) / (outputTokens - 1)) : null,
    finishReason: reachedLimit ? "length" : "stop",
    eogGenerated: sawEog,
  };
}

/** Runs `prompts` on the sequences, each sequence taking the next prompt when it is free. */
async function runAll(sequences, prompts, o, onDone) {
  let next = 0;
  const worker = async (sequence) => {
    while (next < prompts.length) {
      const prompt = prompts[next++];
      onDone(await generate(sequence, prompt, o));
    }
  };
  await Promise.all(sequences.map(worker));
}

function requestEvent(r) {
  return {
    event: "request",
    prompt_id: r.id,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    ...(r.ttftNs === null ? {} : { ttft_ns: r.ttftNs }),
    latency_ns: r.latencyNs,
    ...(r.interTokenNs === null ? {} : { inter_token_ns: r.interTokenNs }),
    finish_reason: r.finishReason,
    start_ns: r.startNs.toString(),
  };
}

// ---- main ------------------------------------------------------------------------------------

async function main() {
  const o = parseOptions();
  if (o.maxInputTokens + o.maxOutputTokens > o.contextSize) {
    throw new HarnessError(
      `--max-input-tokens ${o.maxInputTokens} + --max-output-tokens ${o.maxOutputTokens} exceed --context-size ${o.contextSize} ` +
        "(each sequence holds its prompt and its output): raise llamacpp.contextSize or lower generation.maxInputTokens/maxOutputTokens",
    );
  }
  const prompts = readPrompts(o.promptsFile);
  checkModelFile(o.modelPath);
  const { llama, model, context, sequences } = await load(o);
  send({ event: "ready", model: basename(o.modelPath) });

  if (o.warmup > 0) {
    const warm = Array.from({ length: o.warmup }, (_, i) => prompts[i % prompts.length]);
    await runAll(sequences, warm, o, () => {});
  }

  const totals = { requests: 0, inputTokens: 0, outputTokens: 0 };
  const windowStartNs = now();
  send({ event: "window_start", t_ns: windowStartNs.toString() });
  await runAll(sequences, prompts, o, (r) => {
    totals.requests++;
    totals.inputTokens += r.inputTokens;
    totals.outputTokens += r.outputTokens;
    send(requestEvent(r));
  });
  const windowEndNs = now();
  send({ event: "window_end", t_ns: windowEndNs.toString() });

  const windowS = Number(windowEndNs - windowStartNs) / 1e9;
  const version = nodeLlamaCppVersion();
  send({
    event: "result",
    engine: "llama.cpp",
    engine_version: `${llama.llamaCppRelease.release} (node-llama-cpp ${version ?? "unknown"})`,
    llama_cpp_release: llama.llamaCppRelease.release,
    llama_cpp_repo: llama.llamaCppRelease.repo,
    llama_cpp_build: llama.buildType,
    node_llama_cpp_version: version,
    gpu: llama.gpu === false ? "cpu" : llama.gpu,
    gpu_devices: llama.gpu === false ? [] : await llama.getGpuDeviceNames(),
    gpu_layers: model.gpuLayers,
    gpu_layers_requested: o.gpuLayers,
    model_layers: model.fileInsights.totalLayers,
    context_size: context.contextSize,
    batch_size: o.batchSize,
    decode_batch_tokens: context.batchSize,
    threads: context.idealThreads,
    model_file: basename(o.modelPath),
    model_file_bytes: statSync(o.modelPath).size,
    model_train_context: model.trainContextSize,
    ignore_eos: o.ignoreEos,
    requests: totals.requests,
    input_tokens: totals.inputTokens,
    output_tokens: totals.outputTokens,
    window_s: windowS,
    output_tokens_per_s: windowS > 0 ? totals.outputTokens / windowS : null,
  });
  process.stdout.write(
    `${NAME}: ${totals.requests} prompts, batch ${o.batchSize}, ${totals.outputTokens} output tokens in ${windowS.toFixed(3)} s ` +
      `(${(totals.outputTokens / windowS).toFixed(1)} tokens/s) on ${llama.gpu === false ? "cpu" : llama.gpu}\n`,
  );
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  if (channel.owned) closeSync(channel.fd);
}

try {
  await main();
  process.exit(0);
} catch (e) {
  if (!(e instanceof HarnessError)) process.stderr.write(`${e?.stack ?? e}\n`); // for the child log
  fail(e instanceof HarnessError ? e.message : `llama.cpp failed during the run: ${e?.message ?? e}`);
}
