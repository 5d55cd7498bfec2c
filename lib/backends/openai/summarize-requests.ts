/**
 * Totals, failure counts and latency samples of a workload's requests. Latencies are of the
 * successful requests only: a failed request's timing says how it failed, not how fast the
 * server serves. A request sent again after a dropped connection (`retries`) keeps its tokens
 * but leaves the time-to-first-token and request latencies: its times include the dropped
 * try and a new connection (its inter-token gaps, all after the retry, stay).
 */
import type { RequestRecord } from "../request-record.js";

export interface RequestSummary {
  /** Sums over the successful requests; null when any of them did not know its count. */
  inputTokens: number | null;
  outputTokens: number | null;
  /** Requests that succeeded. */
  requests: number;
  failed: number;
  /** Failure messages with how often each occurred, the most frequent first. */
  errors: { message: string; count: number }[];
  latenciesNs: {
    /** Time to first token of each streamed request. */
    ttft: number[];
    /** Gaps between consecutive streamed chunks, over all requests. */
    interToken: number[];
    /** Start to end of each request. */
    request: number[];
  };
}

export function summarizeRequests(records: RequestRecord[]): RequestSummary {
  const succeeded = records.filter((r) => r.error === null);
  const errorCounts = new Map<string, number>();
  for (const r of records) if (r.error !== null) errorCounts.set(r.error, (errorCounts.get(r.error) ?? 0) + 1);
  // A stable sort keeps messages of equal count in the order they first occurred.
  const errors = [...errorCounts].map(([message, count]) => ({ message, count })).sort((a, b) => b.count - a.count);

  const ttft: number[] = [];
  const interToken: number[] = [];
  const request: number[] = [];
  for (const r of succeeded) {
    const retried = (r.retries ?? 0) > 0;
    if (r.firstTokenNs !== null && !retried) ttft.push(Number(r.firstTokenNs - r.startNs));
    for (let i = 1; i < r.chunkOffsetsNs.length; i++) interToken.push(r.chunkOffsetsNs[i]! - r.chunkOffsetsNs[i - 1]!);
    if (!retried) request.push(Number(r.endNs - r.startNs));
  }
  return {
    inputTokens: sumOrNull(succeeded.map((r) => r.inputTokens)),
    outputTokens: sumOrNull(succeeded.map((r) => r.outputTokens)),
    requests: succeeded.length,
    failed: records.length - succeeded.length,
    errors,
    latenciesNs: { ttft, interToken, request },
  };
}

function sumOrNull(values: (number | null)[]): number | null {
  let sum = 0;
  for (const v of values) {
    if (v === null) return null;
    sum += v;
  }
  return sum;
}
