/**
 * What counts as a secret, and free text with its secrets blanked out: the rules the
 * environment snapshot applies to variables, applied to every command line, configuration
 * and message lem records (results are published; no token may leak into them).
 */

export const REDACTED = "[redacted]";

/** Words in a name that mark its value as a secret (matched as whole words: `_`, `-`, `.` or camelCase boundaries). */
const SECRET_NAME_WORDS = new Set([
  "TOKEN", "TOKENS", "KEY", "KEYS", "APIKEY", "SECRET", "SECRETS", "PASSWORD", "PASSWORDS", "PASSWD", "PASS",
  "PWD", "CREDENTIAL", "CREDENTIALS", "CREDS", "AUTH", "PRIVATE", "COOKIE", "COOKIES", "SESSION",
]);

/** Values that are tokens whatever they are called. */
const TOKEN_VALUE_PATTERNS: RegExp[] = [
  /\bhf_[A-Za-z0-9]{20,}/g, // Hugging Face
  /\bsk-[A-Za-z0-9_-]{16,}/g, // OpenAI, Anthropic and others
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g, // GitHub
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key id
];
const BEARER = /\b(Bearer\s+)[^\s"',;]+/gi;

/** scheme://user:password@host: only the password goes. */
const URL_PASSWORD = /(\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/?#@]*:)([^\s/?#@]+)(@)/g;

/** name=value (an option, a variable, a query parameter) where the name marks a secret. */
const ASSIGNMENT = /(^|[\s?&;,"'(])(-{0,2}[A-Za-z_][A-Za-z0-9_.-]*)(=)([^\s&"',;)]+)/g;
/** --name value, where the name marks a secret. */
const OPTION_PAIR = /(^|\s)(--?[A-Za-z][A-Za-z0-9_.-]*)(\s+)([^\s-][^\s]*)/g;

/** HF_TOKEN, OPENAI_API_KEY, apiKey, --api-key: yes. TOKENIZERS_PARALLELISM, maxOutputTokens, CUDA_HOME: no. */
export function isSecretName(name: string): boolean {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .some((word) => SECRET_NAME_WORDS.has(word));
}

export function looksLikeToken(value: string): boolean {
  return TOKEN_VALUE_PATTERNS.some((p) => new RegExp(p.source).test(value)) || new RegExp(BEARER.source, "i").test(value);
}

/** A number or a boolean is a setting (--max-tokens 128), never a secret. */
const isSetting = (value: string) => /^(?:[+-]?\d+(?:\.\d+)?(?:e[+-]?\d+)?|true|false)$/i.test(value);

/** The value stored under a secret's name, as it may be published. */
export function redactSecretValue(value: string): string {
  return isSetting(value) ? value : REDACTED;
}

/** `text` with every token, URL password and secret-named assignment or option value blanked out. */
export function redactText(text: string): string {
  let out = text;
  for (const p of TOKEN_VALUE_PATTERNS) out = out.replace(p, REDACTED);
  out = out.replace(BEARER, `$1${REDACTED}`);
  out = out.replace(URL_PASSWORD, `$1${REDACTED}$3`);
  out = out.replace(ASSIGNMENT, (all, pre: string, name: string, eq: string, value: string) =>
    isSecretName(name) && value !== REDACTED ? `${pre}${name}${eq}${redactSecretValue(value)}` : all,
  );
  out = out.replace(OPTION_PAIR, (all, pre: string, name: string, space: string, value: string) =>
    isSecretName(name) && value !== REDACTED ? `${pre}${name}${space}${redactSecretValue(value)}` : all,
  );
  return out;
}
