/**
 * Collect-all over a study's pre-flight calls (one per distinct GPU selection and backend):
 * every call's failures are kept, each once, and thrown together at the end, so that a user
 * fixes everything in one go rather than one experiment's problems per attempt.
 */
import { PreflightError } from "../preflight/preflight-error.js";
import type { PreflightIssue } from "../preflight/types.js";

export class PreflightCollector {
  private readonly failures: PreflightIssue[] = [];
  private readonly warnings: PreflightIssue[] = [];

  /** The call's report, or null when it failed pre-flight (its failures are kept). */
  async collect<T>(call: () => Promise<T>): Promise<T | null> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof PreflightError)) throw error;
      const known = (list: PreflightIssue[], i: PreflightIssue) => list.some((x) => x.message === i.message && x.check === i.check);
      for (const f of error.failures) if (!known(this.failures, f)) this.failures.push(f);
      for (const w of error.warnings) if (!known(this.warnings, w)) this.warnings.push(w);
      return null;
    }
  }

  throwIfAny(): void {
    if (this.failures.length > 0) throw new PreflightError(this.failures, this.warnings);
  }
}
