/** How the lem command reports: errors as one clear message (no stack), the simulation banner. */
import { LemError } from "../errors.js";

export class UsageError extends LemError {
  constructor(message: string) {
    super("LEM_USAGE", message);
  }
}

/** Prints an error for a person and returns the exit code. Unexpected errors keep their stack. */
export function reportError(error: unknown): number {
  if (error instanceof LemError) {
    process.stderr.write(`lem: ${forTerminal(error.message)}\n`);
    // 75 (EX_TEMPFAIL): the study is busy now; the same command works later.
    return error.code === "LEM_USAGE" ? 64 : error.code === "LEM_STUDY_BUSY" ? 75 : 1;
  }
  process.stderr.write(`lem: internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 70;
}

/** Longest message lem prints whole; a longer one (a child's 10 MB error) is cut, saying by how much. */
export const MAX_PRINTED_CHARS = 2000;

/**
 * Text that is safe to print: control characters other than newline and tab escaped (\u0000),
 * and at most `max` characters, the rest counted.
 */
export function forTerminal(text: string, max = MAX_PRINTED_CHARS): string {
  const cut = text.length > max ? `${text.slice(0, max)}... (${text.length - max} more characters)` : text;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Simulated figures are never to be mistaken for measurements. */
export function simulationBanner(scenario: string): string {
  return `*** SIMULATED GPU (scenario "${scenario}"): these figures are not measurements of real hardware ***`;
}

/** JSON for people and programs: bigints (CLOCK_MONOTONIC ns) as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** Parses a positive number option, or throws a UsageError naming it. */
export function positiveNumber(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got "${text}"`);
  return n;
}

/** Parses a number option that must lie in [min, max], or throws a UsageError naming it and the range. */
export function numberInRange(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}, got "${text}"`);
  return n;
}

/**
 * `--name -5` -> `--name=-5` for options that take a value, so that a negative number reaches
 * the option's own range check (node's parseArgs would call it an ambiguous option instead).
 */
export function attachNegativeNumbers(args: string[], valueOptions: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    if (a === "--") return [...out, ...args.slice(i)];
    if (valueOptions.includes(a) && next !== undefined && /^-\d|^-\.\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}
