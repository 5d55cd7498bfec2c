/** All of pre-flight's failures at once, so a user fixes everything in one go. */
import { LemError } from "../errors.js";
import type { PreflightIssue } from "./types.js";

export class PreflightError extends LemError {
  readonly failures: PreflightIssue[];
  readonly warnings: PreflightIssue[];
  constructor(failures: PreflightIssue[], warnings: PreflightIssue[] = []) {
    super("LEM_PREFLIGHT", formatFailures(failures));
    this.failures = failures;
    this.warnings = warnings;
  }
}

/** "pre-flight found N problem(s):" then "- <message> Fix: <fix>" per failure. */
export function formatFailures(failures: PreflightIssue[]): string {
  return [`pre-flight found ${failures.length} problem(s):`, ...failures.map((f) => `- ${f.message} Fix: ${f.fix}`)].join("\n");
}
