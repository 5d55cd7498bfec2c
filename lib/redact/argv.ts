/** A command line as lem records it: `--api-key=sk-…`, `--token hf_…` and tokens anywhere blanked out. */
import { isSecretName, REDACTED, redactSecretValue, redactText } from "./secret-text.js";

const FLAG = /^--?[A-Za-z][A-Za-z0-9_.-]*$/;

export function redactArgv(argv: readonly string[]): string[] {
  return argv.map((arg, i) => {
    const previous = argv[i - 1];
    // The value after a secret's flag (--api-key VALUE), whatever it looks like.
    if (previous !== undefined && FLAG.test(previous) && isSecretName(previous) && !arg.startsWith("-")) {
      return arg === REDACTED ? arg : redactSecretValue(arg);
    }
    return redactText(arg);
  });
}
