/**
 * What lem knows of one request, whichever backend served it: a server driven by lem's
 * workload generator, or a child reporting `request` events on fd 3.
 * Times are CLOCK_MONOTONIC ns (process.hrtime.bigint()), the sampler's clock.
 */
export interface RequestRecord {
  /** Position in the workload (0-based, in the order requests were sent). */
  index: number;
  promptId: string | null;
  startNs: bigint;
  /** First generated token (streaming), null when none arrived or not streaming. */
  firstTokenNs: bigint | null;
  endNs: bigint;
  /** Arrival times of every streamed chunk with text (ns since startNs), for inter-token latencies and steady-state token counts. */
  chunkOffsetsNs: number[];
  inputTokens: number | null;
  outputTokens: number | null;
  /** "usage": the server's usage block; "counted": streamed chunks with text were counted (one token each); "child": the child reported it. */
  tokensFrom: "usage" | "counted" | "child" | null;
  /** Why the request failed (HTTP status and body, timeout, connection error), null when it succeeded. */
  error: string | null;
  /** The server's finish_reason ("stop", "length", ...), when given. */
  finishReason: string | null;
  /** Times the request was sent again because a kept-alive connection was dropped before any response (its times include the dropped try). */
  retries?: number;
  /** Prompt tokens the engine served from its cache (OpenAI usage.prompt_tokens_details.cached_tokens, llama.cpp timings.cache_n); absent when it did not say. */
  cachedInputTokens?: number;
  /** The response's system_fingerprint (llama-server reports its build there). */
  systemFingerprint?: string;
}
