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
    return error.code === "LEM_USAGE" ? 64 : 1;
  }
  process.stderr.write(`lem: internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 70;
}

/** Simulated figures are never to be mistaken for measurements. */
export function simulationBanner(scenario: string): string {
  return `*** SIMULATED GPU (scenario "${scenario}"): these figures are not measurements of real hardware ***`;
}
