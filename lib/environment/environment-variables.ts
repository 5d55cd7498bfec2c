/**
 * The environment variables that matter for an inference run, with secrets redacted: a
 * snapshot is meant to be published next to the results, so no token may leak into it.
 */

import { isSecretName, looksLikeToken, REDACTED, redactText } from "../redact/index.js";

export { isSecretName, looksLikeToken, REDACTED };

/** Variables kept: these prefixes, and the exact names below. */
export const RELEVANT_PREFIXES = [
  "CUDA_", "NVIDIA_", "NCCL_", "LEM_", "HF_", "HUGGING_FACE_", "TRANSFORMERS_", "VLLM_", "SGLANG_",
  "TORCH_", "PYTORCH_", "OMP_", "MKL_", "TOKENIZERS_", "OPENAI_",
] as const;
export const RELEVANT_NAMES = ["LD_LIBRARY_PATH", "PATH", "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "VIRTUAL_ENV", "PYTHONPATH"] as const;

export function isRelevantVariable(name: string): boolean {
  return (RELEVANT_NAMES as readonly string[]).includes(name) || RELEVANT_PREFIXES.some((p) => name.startsWith(p));
}

/** The value as it may be published: "[redacted]" for a secret, URL passwords blanked out. */
export function redactVariable(name: string, value: string): string {
  if (isSecretName(name) || looksLikeToken(value)) return REDACTED;
  return redactText(value);
}

/** The relevant variables of `env`, sorted by name, secrets redacted. */
export function relevantEnvironmentVariables(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value !== undefined && isRelevantVariable(name)) out[name] = redactVariable(name, value);
  }
  return out;
}
