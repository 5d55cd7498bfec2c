// The llamacpp backend's child (harness/node/llama-cpp.mjs) running a real llama.cpp on this
// CPU through node-llama-cpp, with a tiny random-weight model the test writes: the protocol it
// speaks, the tokens it counts, its failures; and the argv and pre-flight the backend builds.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkNodeLlamaCpp, resolveNodeLlamaCpp } from "../lib/preflight/check-node-llama-cpp.js";
import { llamaCppArgv, llamaCppHarnessPath } from "../lib/backends/llamacpp/llamacpp-argv.js";
import { runChild, type ChildOutcome } from "../lib/backends/child-process.js";
import { markedWindow, type ChildEvent } from "../lib/backends/protocol.js";
import { ExperimentSchema, type ExperimentInput } from "../lib/config/schema.js";
import { writeTinyLlamaGguf } from "./support/tiny-gguf.js";

const MAX_OUTPUT = 16;
const MAX_INPUT = 24;
const PROMPTS = [
  { id: "p0", prompt: "Hello world, what is the energy of the GPU?" },
  { id: "p1", prompt: "x" },
  // Longer than MAX_INPUT tokens: the harness cuts it.
  { id: "p2", prompt: "measure the power and the energy of inference in joules and watts, token by token, with time, for the llama model" },
  { id: "p3", prompt: "Ünïcödé and bytes: 日本 ✓" },
];

let dir: string;
let modelPath: string;
let eosModelPath: string;
let promptsFile: string;
// node-llama-cpp in this process, only for the tokenizer (vocabOnly loads no weights).
let llama: Llama;
let vocab: LlamaModel;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "lem-llamacpp-"));
  modelPath = join(dir, "tiny.gguf");
  eosModelPath = join(dir, "tiny-eos.gguf");
  writeTinyLlamaGguf(modelPath);
  // With seed 1 this model ends some of the test prompts before MAX_OUTPUT tokens under greedy decoding.
  writeTinyLlamaGguf(eosModelPath, { eos: "often", seed: 1 });
  promptsFile = join(dir, "prompts.jsonl");
  writeFileSync(promptsFile, PROMPTS.map((p) => `${JSON.stringify(p)}\n`).join(""));
  llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  vocab = await llama.loadModel({ modelPath, vocabOnly: true });
});

afterAll(async () => {
  await llama?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** The experiment the backend would run: the tiny model, 4 prompts, one thread (see docs/llamacpp.md: on this 2-core VM, 2 threads spin-wait each other). */
function experiment(o: { batchSize?: number; ignoreEos?: boolean; model?: string; warmup?: number } = {}) {
  const input: ExperimentInput = {
    model: o.model ?? modelPath,
    backend: "llamacpp",
    llamacpp: { gpuLayers: 0, contextSize: 256, batchSize: o.batchSize ?? 1, threads: 1 },
    generation: { maxOutputTokens: MAX_OUTPUT, maxInputTokens: MAX_INPUT, ignoreEos: o.ignoreEos ?? false },
    measurement: { warmupRequests: o.warmup ?? 1 },
  };
  return ExperimentSchema.parse(input);
}

let runs = 0;
async function runHarness(argv: string[], o: { env?: Record<string, string>; expectExit?: number } = {}): Promise<ChildOutcome> {
  const logFile = join(dir, `child-${runs++}.log`);
  // Limits far above the ~2 s a run takes, so that a busy 2-core machine never trips them.
  const outcome = await runChild({ argv, logFile, runTimeoutMs: 120_000, silenceTimeoutMs: 60_000, ...(o.env ? { env: o.env } : {}) });
  if (outcome.exitCode !== (o.expectExit ?? 0)) console.error(readFileSync(logFile, "utf8"));
  return outcome;
}

const requests = (events: ChildEvent[]) => events.filter((e) => e.event === "request") as (ChildEvent & Record<string, unknown>)[];
const result = (events: ChildEvent[]) => events.find((e) => e.event === "result") as Record<string, unknown>;

describe("the llama.cpp harness, batch size 1", () => {
  let run: ChildOutcome;
  beforeAll(async () => {
    run = await runHarness(llamaCppArgv(experiment({ batchSize: 1 }), { promptsFile }));
  });

  it("exits 0 and sends ready, window_start, one request per prompt, window_end, result, in that order", () => {
    expect(run.exitCode).toBe(0);
    expect(run.protocolProblems).toEqual([]);
    expect(run.events.map((e) => e.event)).toEqual(["ready", "window_start", "request", "request", "request", "request", "window_end", "result"]);
    expect(requests(run.events).map((r) => r.prompt_id)).toEqual(["p0", "p1", "p2", "p3"]);
  });

  it("counts input tokens as node-llama-cpp tokenizes the prompt: BOS, then the prompt, cut to max-input-tokens", () => {
    const expected = PROMPTS.map((p) => Math.min(MAX_INPUT, 1 + vocab.tokenize(p.prompt, false).length));
    expect(requests(run.events).map((r) => r.input_tokens)).toEqual(expected);
    expect(expected[2]).toBe(MAX_INPUT); // the long prompt was cut
    expect(expected[1]).toBeLessThan(5);
  });

  it("generates between 1 and max-output-tokens tokens per request (this model never says EOS: exactly the maximum)", () => {
    for (const r of requests(run.events)) {
      expect(r.output_tokens).toBe(MAX_OUTPUT);
      expect(r.finish_reason).toBe("length");
    }
  });

  it("times every request: 0 < ttft < latency, and the mean inter-token gap fits between them", () => {
    for (const r of requests(run.events)) {
      const ttft = r.ttft_ns as number;
      const latency = r.latency_ns as number;
      const gap = r.inter_token_ns as number;
      expect(ttft).toBeGreaterThan(0);
      expect(ttft).toBeLessThan(latency);
      expect(gap).toBeGreaterThan(0);
      // (latency - ttft) covers the 15 gaps after the first token, plus the generator's close.
      expect(gap * (MAX_OUTPUT - 1)).toBeLessThanOrEqual(latency - ttft + MAX_OUTPUT); // + rounding of the mean
    }
  });

  it("marks its window on lem's clock, inside its own lifetime, with every request inside the window", () => {
    const w = markedWindow(run.events)!;
    expect(w.startNs).toBeGreaterThan(run.startedNs);
    expect(w.endNs).toBeLessThan(run.endedNs);
    for (const r of requests(run.events)) {
      const startNs = BigInt(r.start_ns as string);
      expect(startNs).toBeGreaterThanOrEqual(w.startNs);
      expect(startNs + BigInt(r.latency_ns as number)).toBeLessThanOrEqual(w.endNs);
    }
  });

  it("reports the engine: llama.cpp's release and node-llama-cpp's version, CPU, no offloaded layers, its settings and the model file", () => {
    const r = result(run.events);
    const pkg = JSON.parse(readFileSync(join("node_modules", "node-llama-cpp", "package.json"), "utf8")) as { version: string };
    expect(r.engine).toBe("llama.cpp");
    expect(r.node_llama_cpp_version).toBe(pkg.version);
    expect(r.engine_version).toBe(`${llama.llamaCppRelease.release} (node-llama-cpp ${pkg.version})`);
    expect(r).toMatchObject({ gpu: "cpu", gpu_layers: 0, batch_size: 1, threads: 1, model_file: "tiny.gguf", requests: 4, output_tokens: 4 * MAX_OUTPUT });
    expect(r.context_size).toBeGreaterThanOrEqual(256);
    expect(r.model_file_bytes).toBe(readFileSync(modelPath).length);
    console.log(`tiny model, batch 1, one CPU thread: ${(r.output_tokens_per_s as number).toFixed(0)} output tokens/s`);
  });
});

describe("the llama.cpp harness, batch size 2", () => {
  let run: ChildOutcome;
  beforeAll(async () => {
    run = await runHarness(llamaCppArgv(experiment({ batchSize: 2 }), { promptsFile }));
  });

  it("sends the same protocol sequence, one request per prompt", () => {
    expect(run.exitCode).toBe(0);
    expect(run.events.map((e) => e.event)).toEqual(["ready", "window_start", "request", "request", "request", "request", "window_end", "result"]);
    expect(requests(run.events).map((r) => r.prompt_id).sort()).toEqual(["p0", "p1", "p2", "p3"]);
    expect(result(run.events)).toMatchObject({ batch_size: 2, requests: 4, output_tokens: 4 * MAX_OUTPUT });
  });

  it("decodes two sequences together: the second prompt starts before the first has finished", () => {
    const byId = new Map(requests(run.events).map((r) => [r.prompt_id, r]));
    const p0 = byId.get("p0")!;
    const p1 = byId.get("p1")!;
    const p0EndNs = BigInt(p0.start_ns as string) + BigInt(p0.latency_ns as number);
    expect(BigInt(p1.start_ns as string)).toBeLessThan(p0EndNs);
  });

  it("counts the same input tokens and output tokens per prompt as batch size 1", () => {
    for (const r of requests(run.events)) {
      const p = PROMPTS.find((x) => x.id === r.prompt_id)!;
      expect(r.input_tokens).toBe(Math.min(MAX_INPUT, 1 + vocab.tokenize(p.prompt, false).length));
      expect(r.output_tokens).toBe(MAX_OUTPUT);
      expect(r.ttft_ns as number).toBeLessThan(r.latency_ns as number);
    }
  });
});

describe("end of sequence", () => {
  it("stops a request at EOS without counting it; --ignore-eos generates exactly max-output-tokens", async () => {
    const stopping = await runHarness(llamaCppArgv(experiment({ model: eosModelPath, warmup: 0 }), { promptsFile }));
    const ignoring = await runHarness(llamaCppArgv(experiment({ model: eosModelPath, warmup: 0, ignoreEos: true }), { promptsFile }));
    expect(stopping.exitCode).toBe(0);
    expect(ignoring.exitCode).toBe(0);
    const stopped = requests(stopping.events);
    for (const r of stopped) expect(r.output_tokens as number).toBeLessThanOrEqual(MAX_OUTPUT);
    const early = stopped.filter((r) => (r.output_tokens as number) < MAX_OUTPUT);
    expect(early.length).toBeGreaterThan(0);
    for (const r of early) expect(r.finish_reason).toBe("stop");
    expect(requests(ignoring.events).map((r) => r.output_tokens)).toEqual([MAX_OUTPUT, MAX_OUTPUT, MAX_OUTPUT, MAX_OUTPUT]);
    expect(result(ignoring.events).ignore_eos).toBe(true);
  });
});

describe("the protocol file", () => {
  it("with LEM_PROTOCOL_PATH set (a child in a container), writes the events to that file and nothing to fd 3", async () => {
    const protocolPath = join(dir, "protocol.jsonl");
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    env.LEM_PROTOCOL_PATH = protocolPath;
    const run = await runHarness(llamaCppArgv(experiment({ warmup: 0 }), { promptsFile }), { env });
    expect(run.exitCode).toBe(0);
    expect(run.events).toEqual([]);
    const lines = readFileSync(protocolPath, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { event: string });
    expect(lines.map((e) => e.event)).toEqual(["ready", "window_start", "request", "request", "request", "request", "window_end", "result"]);
  });
});

describe("failures", () => {
  it("a missing model: an error event saying which file and what to do, no window, exit code 2", async () => {
    const missing = join(dir, "nope.gguf");
    const run = await runHarness(llamaCppArgv(experiment({ model: missing }), { promptsFile }), { expectExit: 2 });
    expect(run.exitCode).toBe(2);
    expect(run.events.map((e) => e.event)).toEqual(["error"]);
    const message = (run.events[0] as { message: string }).message;
    expect(message).toContain(missing);
    expect(message).toContain("does not exist");
    expect(message).toContain(".gguf");
  });

  it("without node-llama-cpp: an error event saying to npm install node-llama-cpp, exit code 2", async () => {
    // A module resolve hook makes node-llama-cpp not found, as on a machine where it is not
    // installed (a copy of the harness elsewhere could still find one in a parent node_modules).
    const hide = join(dir, "hide-node-llama-cpp.mjs");
    writeFileSync(
      hide,
      `import { register } from "node:module";
      export async function resolve(specifier, context, next) {
        if (specifier === "node-llama-cpp") throw Object.assign(new Error("Cannot find package 'node-llama-cpp'"), { code: "ERR_MODULE_NOT_FOUND" });
        return next(specifier, context);
      }
      if (!process.env.HIDE_REGISTERED) { process.env.HIDE_REGISTERED = "1"; register(import.meta.url); }\n`,
    );
    const [node, ...rest] = llamaCppArgv(experiment(), { promptsFile });
    const argv = [node!, "--import", hide, ...rest];
    const run = await runHarness(argv, { expectExit: 2 });
    expect(run.exitCode).toBe(2);
    expect(run.events.map((e) => e.event)).toEqual(["error"]);
    expect((run.events[0] as { message: string }).message).toContain("npm install node-llama-cpp");
  });

  it("a file that is not GGUF: an error event before anything is loaded, exit code 2", async () => {
    const notGguf = join(dir, "model.bin");
    writeFileSync(notGguf, "PK\u0003\u0004 not a model");
    const run = await runHarness(llamaCppArgv(experiment({ model: notGguf }), { promptsFile }), { expectExit: 2 });
    expect(run.exitCode).toBe(2);
    expect((run.events[0] as { message: string }).message).toContain("is not a GGUF file");
  });
});

describe("llamaCppArgv", () => {
  it("runs the harness with this Node and passes the experiment's settings as flags", () => {
    const argv = llamaCppArgv(experiment({ batchSize: 3, ignoreEos: true, warmup: 2 }), { promptsFile: "/p.jsonl" });
    expect(argv.slice(0, 2)).toEqual([process.execPath, llamaCppHarnessPath()]);
    expect(argv.slice(2)).toEqual([
      "--model", modelPath, "--prompts-file", "/p.jsonl",
      "--max-output-tokens", "16", "--max-input-tokens", "24",
      "--batch-size", "3", "--context-size", "256", "--gpu-layers", "0", "--threads", "1",
      "--temperature", "0", "--top-p", "1", "--seed", "0", "--ignore-eos", "--warmup", "2",
    ]);
  });

  it("uses the schema's llamacpp defaults when the experiment has no llamacpp block; a relative model is resolved against baseDir, default the working directory", () => {
    const cfg = ExperimentSchema.parse({ model: "models/m.gguf", backend: "llamacpp" });
    const argv = llamaCppArgv(cfg, { promptsFile: "/p.jsonl", node: "node" });
    expect(argv[0]).toBe("node");
    expect(argv[argv.indexOf("--model") + 1]).toBe(join(process.cwd(), "models/m.gguf"));
    const fromStudy = llamaCppArgv(cfg, { promptsFile: "/p.jsonl", baseDir: "/studies/s1" });
    expect(fromStudy[fromStudy.indexOf("--model") + 1]).toBe("/studies/s1/models/m.gguf");
    expect(argv[argv.indexOf("--gpu-layers") + 1]).toBe("auto");
    expect(argv[argv.indexOf("--context-size") + 1]).toBe("4096");
    expect(argv[argv.indexOf("--batch-size") + 1]).toBe("1");
    expect(argv).not.toContain("--threads");
    expect(argv).not.toContain("--ignore-eos");
  });
});

describe("checkNodeLlamaCpp", () => {
  it("passes with node-llama-cpp installed and a GGUF model", () => {
    expect(resolveNodeLlamaCpp()).toBe(join(process.cwd(), "node_modules", "node-llama-cpp", "dist", "index.js"));
    expect(checkNodeLlamaCpp(modelPath)).toEqual([]);
  });

  it("fails a file that is not GGUF, naming it and how to get a GGUF model", () => {
    const notGguf = join(dir, "weights.safetensors");
    writeFileSync(notGguf, "{}");
    const issues = checkNodeLlamaCpp(notGguf);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.check).toBe("backend");
    expect(issues[0]!.message).toContain(notGguf);
    expect(issues[0]!.message).toContain("not a GGUF file");
    expect(issues[0]!.fix).toContain(".gguf");
  });

  it("fails a model path that does not exist, and a directory", () => {
    expect(checkNodeLlamaCpp(join(dir, "absent.gguf"))[0]!.message).toContain("does not exist");
    expect(checkNodeLlamaCpp(dir)[0]!.message).toContain("not a file");
  });
});
