/** One redaction for everything lem records: environment snapshots, configurations, command lines, messages. */
export { REDACTED, isSecretName, looksLikeToken, redactSecretValue, redactText } from "./secret-text.js";
export { redactArgv } from "./argv.js";
export { redactRecordedConfig } from "./recorded-config.js";
