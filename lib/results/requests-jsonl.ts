/**
 * Every request of a run that lem drove itself, one JSON line each (requests.jsonl beside
 * result.json): times in ms from the window's start, so that a researcher can recompute any
 * latency figure or plot the arrivals without lem.
 */
import type { RequestRecord } from "../backends/request-record.js";
import { writeFileAtomic } from "../fs/atomic-write.js";

const ms = (ns: bigint | number) => Math.round(Number(ns) / 1e3) / 1e3;

export function requestLine(r: RequestRecord, windowStartNs: bigint): Record<string, unknown> {
  return {
    index: r.index,
    promptId: r.promptId,
    startMs: ms(r.startNs - windowStartNs),
    ttftMs: r.firstTokenNs === null ? null : ms(r.firstTokenNs - r.startNs),
    latencyMs: ms(r.endNs - r.startNs),
    inputTokens: r.inputTokens,
    cachedInputTokens: r.cachedInputTokens ?? null,
    outputTokens: r.outputTokens,
    tokensFrom: r.tokensFrom,
    chunks: r.chunkOffsetsNs.length,
    finishReason: r.finishReason,
    retries: r.retries ?? 0,
    error: r.error,
  };
}

export function writeRequestsJsonl(path: string, records: RequestRecord[], windowStartNs: bigint): void {
  writeFileAtomic(path, records.map((r) => JSON.stringify(requestLine(r, windowStartNs))).join("\n") + (records.length ? "\n" : ""));
}
