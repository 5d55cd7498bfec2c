/**
 * How many of a run's requests were sent again after a dropped kept-alive connection, and the
 * warning when that share is more than a small one: those requests are left out of the
 * latency statistics (see summarize-requests.ts), so a large share thins them out, and the
 * drops themselves say the client and the server disagree about idle connections.
 */
import type { MeasurementWarning } from "../../warnings/measurement-warning.js";
import type { RequestRecord } from "../request-record.js";

/** Above this share of retried requests, the run warns. */
export const RETRY_WARN_SHARE = 0.01;

export interface RetryCount {
  /** Requests sent again (each at most once). */
  retried: number;
  requests: number;
}

export function retryCount(records: RequestRecord[]): RetryCount {
  return { retried: records.filter((r) => (r.retries ?? 0) > 0).length, requests: records.length };
}

export function retryWarning(c: RetryCount): MeasurementWarning | null {
  if (c.requests === 0 || c.retried / c.requests <= RETRY_WARN_SHARE) return null;
  return {
    code: "request-retries",
    message:
      `${c.retried} of ${c.requests} request(s) were sent again after the server dropped a kept-alive connection ` +
      `(more than ${RETRY_WARN_SHARE * 100} %); they are left out of the latency statistics and marked in requests.jsonl (retries: 1)`,
  };
}
