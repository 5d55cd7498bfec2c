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
    process.stderr.write(`lem: ${error.message}\n`);
    // 75 (EX_TEMPFAIL): the study is busy now; the same command works later.
    return error.code === "LEM_USAGE" ? 64 : error.code === "LEM_STUDY_BUSY" ? 75 : 1;
  }
  process.stderr.write(`lem: internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 70;
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
