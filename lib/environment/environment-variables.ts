/**
 * The environment variables that matter for an inference run, with secrets redacted: a
 * snapshot is meant to be published next to the results, so no token may leak into it.
 */

export const REDACTED = "[redacted]";

/** Variables kept: these prefixes, and the exact names below. */
export const RELEVANT_PREFIXES = [
  "CUDA_", "NVIDIA_", "NCCL_", "LEM_", "HF_", "HUGGING_FACE_", "TRANSFORMERS_", "VLLM_", "SGLANG_",
  "TORCH_", "PYTORCH_", "OMP_", "MKL_", "TOKENIZERS_", "OPENAI_",
] as const;
export const RELEVANT_NAMES = ["LD_LIBRARY_PATH", "PATH", "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "VIRTUAL_ENV", "PYTHONPATH"] as const;

/** Words in a variable's name that mark its value as a secret (matched as whole `_`-separated words). */
const SECRET_NAME_WORDS = new Set([
  "TOKEN", "TOKENS", "KEY", "KEYS", "APIKEY", "SECRET", "SECRETS", "PASSWORD", "PASSWORDS", "PASSWD", "PASS",
  "PWD", "CREDENTIAL", "CREDENTIALS", "CREDS", "AUTH", "PRIVATE", "COOKIE", "COOKIES", "SESSION",
]);

/** Values that are tokens whatever the variable is called. */
const TOKEN_VALUE_PATTERNS: RegExp[] = [
  /\bhf_[A-Za-z0-9]{20,}/, // Hugging Face
  /\bsk-[A-Za-z0-9_-]{16,}/, // OpenAI, Anthropic and others
  /\bgh[pousr]_[A-Za-z0-9]{20,}/, // GitHub
  /\bgithub_pat_[A-Za-z0-9_]{20,}/,
  /\bAKIA[0-9A-Z]{16}\b/, // AWS access key id
  /\bBearer\s+\S+/i,
];

/** scheme://user:password@host: only the password goes. */
const URL_PASSWORD = /(\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/?#@]*:)([^\s/?#@]+)(@)/g;

export function isRelevantVariable(name: string): boolean {
  return (RELEVANT_NAMES as readonly string[]).includes(name) || RELEVANT_PREFIXES.some((p) => name.startsWith(p));
}

/** HF_TOKEN, OPENAI_API_KEY, MY_DB_PASSWORD: yes. TOKENIZERS_PARALLELISM, CUDA_HOME: no. */
export function isSecretName(name: string): boolean {
  return name
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .some((word) => SECRET_NAME_WORDS.has(word));
}

export function looksLikeToken(value: string): boolean {
  return TOKEN_VALUE_PATTERNS.some((p) => p.test(value));
}

/** The value as it may be published: "[redacted]" for a secret, URL passwords blanked out. */
export function redactVariable(name: string, value: string): string {
  if (isSecretName(name) || looksLikeToken(value)) return REDACTED;
  return value.replace(URL_PASSWORD, `$1${REDACTED}$3`);
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
