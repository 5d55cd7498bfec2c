/**
 * Cached prompt tokens of a run, summed from what the engine reported per request, and the
 * warning when, under `workload.cache: cold`, they are a large share of the prompt tokens: the
 * window then measured prompts served from a cache rather than computed.
 */
import type { MeasurementWarning } from "../../warnings/measurement-warning.js";
import type { RequestRecord } from "../request-record.js";

/** Above this share of cached prompt tokens, a cold run warns. */
export const CACHED_WARN_SHARE = 0.1;

export interface CacheTotals {
  /** Sum over the successful requests that reported it; null when none did. */
  cachedInputTokens: number | null;
  /** Prompt tokens of those same requests. */
  inputTokens: number | null;
  /** Requests whose engine reported cached tokens. */
  reporting: number;
}

export function cacheTotals(records: RequestRecord[]): CacheTotals {
  const reporting = records.filter((r) => r.error === null && r.cachedInputTokens !== undefined);
  if (reporting.length === 0) return { cachedInputTokens: null, inputTokens: null, reporting: 0 };
  const inputs = reporting.map((r) => r.inputTokens);
  return {
    cachedInputTokens: reporting.reduce((s, r) => s + r.cachedInputTokens!, 0),
    inputTokens: inputs.every((t): t is number => t !== null) ? inputs.reduce((s, t) => s + t, 0) : null,
    reporting: reporting.length,
  };
}

export function cacheHitWarning(policy: "cold" | "warm", t: CacheTotals): MeasurementWarning | null {
  if (policy !== "cold" || t.cachedInputTokens === null || !t.inputTokens) return null;
  const share = t.cachedInputTokens / t.inputTokens;
  if (share <= CACHED_WARN_SHARE) return null;
  return {
    code: "cache-hits",
    message:
      `${t.cachedInputTokens} of ${t.inputTokens} prompt tokens (${(share * 100).toFixed(0)} %) were served from the engine's cache under workload.cache: cold ` +
      `(the prompts share prefixes, or the cache was not emptied): the window measured less prefill than the prompts hold`,
  };
}
