/**
 * The command line of the llamacpp backend's child: Node running harness/node/llama-cpp.mjs
 * (llama.cpp in process through node-llama-cpp) with the experiment's settings as flags.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LlamaCppSchema, type ExperimentConfig } from "../../config/schema.js";

/** lib/backends/llamacpp (or dist/backends/llamacpp) -> the package root. */
const packageRoot = fileURLToPath(new URL("../../..", import.meta.url));

/** Absolute path of the llama.cpp harness shipped with lem. */
export function llamaCppHarnessPath(): string {
  return join(packageRoot, "harness", "node", "llama-cpp.mjs");
}

/**
 * The model file as an absolute path (`~/` expanded; a relative path resolved against
 * `baseDir`, default the working directory), so the child finds it wherever it runs.
 */
export function llamaCppModelPath(model: string, baseDir: string = process.cwd()): string {
  return resolve(baseDir, model.startsWith("~/") ? join(homedir(), model.slice(2)) : model);
}

export interface LlamaCppArgvOptions {
  /** The JSONL file of `{"id","prompt"}` lines the child reads (lib/datasets/write-prompts.ts). */
  promptsFile: string;
  /** The Node executable (default: the one running lem; inside a container, the image's `node`). */
  node?: string;
  /** What a relative model path is relative to (the study file's directory); default the working directory. */
  baseDir?: string;
}

export function llamaCppArgv(cfg: ExperimentConfig, o: LlamaCppArgvOptions): string[] {
  const l = cfg.llamacpp ?? LlamaCppSchema.parse({});
  const g = cfg.generation;
  return [
    o.node ?? process.execPath,
    llamaCppHarnessPath(),
    "--model", llamaCppModelPath(cfg.model, o.baseDir),
    "--prompts-file", o.promptsFile,
    "--max-output-tokens", String(g.maxOutputTokens),
    "--max-input-tokens", String(g.maxInputTokens),
    "--batch-size", String(l.batchSize),
    "--context-size", String(l.contextSize),
    "--gpu-layers", String(l.gpuLayers),
    ...(l.threads !== undefined ? ["--threads", String(l.threads)] : []),
    "--temperature", String(g.temperature),
    "--top-p", String(g.topP),
    "--seed", String(g.seed),
    ...(g.ignoreEos ? ["--ignore-eos"] : []),
    "--warmup", String(cfg.measurement.warmupRequests),
  ];
}
