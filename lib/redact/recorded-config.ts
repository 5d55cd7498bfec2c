/**
 * A configuration (or any record) as lem writes it to disk: values under a secret's name
 * (`command.env.HF_TOKEN`, `params.api_key`, `apiKey`) redacted, command lines through
 * redactArgv, every other string through redactText. Numbers and booleans stay: they are
 * settings. The original is not changed (the child still gets the real values).
 */
import { redactArgv } from "./argv.js";
import { isSecretName, redactSecretValue, redactText } from "./secret-text.js";

export function redactRecordedConfig<T>(value: T): T {
  return redactUnder(value, undefined) as T;
}

function redactUnder(value: unknown, name: string | undefined): unknown {
  if (typeof value === "string") return name !== undefined && isSecretName(name) ? redactSecretValue(value) : redactText(value);
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === "string")) {
      const argv = redactArgv(value as string[]);
      return name !== undefined && isSecretName(name) ? argv.map(redactSecretValue) : argv;
    }
    return value.map((v) => redactUnder(v, name));
  }
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactUnder(v, k)]));
  }
  return value;
}
