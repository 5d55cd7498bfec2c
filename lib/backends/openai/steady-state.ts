/**
 * The steady-state window of a workload, as the ML.ENERGY benchmark defines it: the part of
 * the run where the server is fully loaded, without the ramp-up (slots filling, prefills of
 * the first batch) and the drain (the last requests finishing alone). Energy per token
 * measured over it is the server's at full load.
 *
 * Exact definition, over the successful requests that streamed at least one token (N of them;
 * a request "generates" from its first token to its end, [firstTokenNs, endNs)):
 * - it opens at the first instant at which `concurrency` requests are generating at once,
 *   i.e. are in flight and have all produced their first token (a request ending at the same
 *   instant another one starts generating does not overlap it);
 * - it closes when fewer than `concurrency` requests remain in flight for good: at the end of
 *   the (N - concurrency + 1)-th request to finish;
 * - outputTokens counts the tokens of the streamed chunks that arrived in (open, close]: one
 *   per chunk, or, where the server's usage gives a request's output tokens, that count
 *   spread evenly over its chunks (a server may stream several tokens in one chunk, or send
 *   a last token with no text), so that the window's tokens agree with the run's totals;
 *   requests counts the requests that finished in (open, close]. The chunk that opened the
 *   window is not in it: its token was computed before.
 * The window is never empty: at the instant it opens, `concurrency` requests are generating
 * and none of them has ended, so at most N - concurrency requests end at or before it, and
 * the (N - concurrency + 1)-th end comes strictly after it.
 */
import { InvalidOptionsError } from "../../errors.js";
import type { RequestRecord } from "../request-record.js";

export interface SteadyStateWindow {
  startNs: bigint;
  endNs: bigint;
  /** Output tokens streamed inside the window (see the rule above), rounded. */
  outputTokens: number;
  /** Requests that finished inside it. */
  requests: number;
}

export function steadyStateWindow(requests: RequestRecord[], concurrency: number): SteadyStateWindow | { unavailable: string } {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidOptionsError(`steady state: concurrency must be a positive integer, got ${concurrency}`);
  }
  const succeeded = requests.filter((r) => r.error === null);
  const streamed = succeeded.filter((r): r is RequestRecord & { firstTokenNs: bigint } => r.firstTokenNs !== null);
  if (succeeded.length > 0 && streamed.length === 0) {
    return { unavailable: "the steady state needs first-token times, which only streamed requests have (set workload.stream: true)" };
  }
  const n = streamed.length;
  if (n <= concurrency) {
    return {
      unavailable: `the steady state needs more successful streamed requests than the concurrency (${concurrency}); there were ${n}`,
    };
  }

  const openNs = firstInstantGenerating(streamed, concurrency);
  if (openNs === null) {
    return {
      unavailable: `${concurrency} requests were never generating at once (the request rate may be too low to fill the slots), so the server never reached its steady state`,
    };
  }
  const endsNs = streamed.map((r) => r.endNs).sort(compareBigint);
  const closeNs = endsNs[n - concurrency]!;

  const inside = (tNs: bigint) => tNs > openNs && tNs <= closeNs;
  let outputTokens = 0;
  for (const r of streamed) {
    const chunks = r.chunkOffsetsNs.length;
    const tokensPerChunk = r.tokensFrom === "usage" && r.outputTokens !== null && chunks > 0 ? r.outputTokens / chunks : 1;
    for (const offsetNs of r.chunkOffsetsNs) if (inside(r.startNs + BigInt(Math.round(offsetNs)))) outputTokens += tokensPerChunk;
  }
  const finished = streamed.filter((r) => inside(r.endNs)).length;
  return { startNs: openNs, endNs: closeNs, outputTokens: Math.round(outputTokens), requests: finished };
}

/** The first instant at which `count` of the requests are between their first token and their end. */
function firstInstantGenerating(requests: (RequestRecord & { firstTokenNs: bigint })[], count: number): bigint | null {
  // Ends sort before starts at the same instant, so touching intervals do not overlap.
  const events = requests
    .flatMap((r) => [
      { tNs: r.firstTokenNs, delta: 1 },
      { tNs: r.endNs, delta: -1 },
    ])
    .sort((a, b) => compareBigint(a.tNs, b.tNs) || a.delta - b.delta);
  let generating = 0;
  for (const e of events) {
    generating += e.delta;
    if (generating >= count) return e.tNs;
  }
  return null;
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
