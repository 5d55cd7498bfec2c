/**
 * The command line of the transformers harness (harness/python/lem_transformers.py) for an
 * experiment; docs/transformers.md describes each option.
 */
import { fileURLToPath } from "node:url";
import { type ExperimentConfig, TransformersSchema } from "../../config/schema.js";

/**
 * Absolute path of the harness in lem's package. This module is lib/backends/transformers/ in
 * the sources and dist/backends/transformers/ once compiled: three levels below the package
 * root either way, and the package ships harness/ beside them.
 */
export function harnessPath(): string {
  return fileURLToPath(new URL("../../../harness/python/lem_transformers.py", import.meta.url));
}

export function transformersArgv(cfg: ExperimentConfig, o: { python: string; promptsFile: string }): string[] {
  const t = cfg.transformers ?? TransformersSchema.parse({});
  const g = cfg.generation;
  // measurement.warmupRequests counts prompts; the harness warms up in whole batches.
  const warmupBatches = Math.ceil(cfg.measurement.warmupRequests / t.batchSize);
  return [
    o.python,
    harnessPath(),
    "--model",
    cfg.model,
    "--prompts-file",
    o.promptsFile,
    "--batch-size",
    String(t.batchSize),
    "--max-new-tokens",
    String(g.maxOutputTokens),
    "--max-input-tokens",
    String(g.maxInputTokens),
    "--dtype",
    t.dtype,
    "--device-map",
    t.deviceMap,
    ...(t.attnImplementation ? ["--attn-implementation", t.attnImplementation] : []),
    ...(t.trustRemoteCode ? ["--trust-remote-code"] : []),
    "--temperature",
    String(g.temperature),
    "--top-p",
    String(g.topP),
    "--seed",
    String(g.seed),
    ...(g.ignoreEos ? ["--ignore-eos"] : []),
    "--warmup-batches",
    String(warmupBatches),
  ];
}
