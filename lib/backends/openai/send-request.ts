/**
 * Sends one request to an OpenAI-compatible server and times it on the sampler's clock
 * (process.hrtime.bigint(), CLOCK_MONOTONIC ns). Failures of the request (HTTP errors,
 * timeouts, dropped connections, malformed streams) are part of the measurement: they come
 * back as a record with `error` set, never as a thrown error.
 */
import { Agent } from "undici";
import { createParser } from "eventsource-parser";
import type { Prompt } from "../../datasets/prompt.js";
import type { RequestRecord } from "../request-record.js";
import { endpointPath, type RequestBodyOptions, requestBody } from "./request-body.js";

export interface SendRequestOptions extends Omit<RequestBodyOptions, "prompt"> {
  /** The server's base URL without /v1, e.g. http://127.0.0.1:8000. */
  baseUrl: string;
  prompt: Prompt;
  /** Position in the workload, copied to the record. */
  index: number;
  /** Limit of the whole request, from sending to the last byte of the response. */
  requestTimeoutMs: number;
  /** Cancels the request; the record then says "aborted". */
  signal?: AbortSignal;
  /** The connections to send it on; absent: Node's shared pool (kept-alive connections). */
  dispatcher?: Agent;
}

/** Why a request failed: "connection" ones (refused, dropped) suggest the server is gone. */
export type RequestFailureKind = "http" | "timeout" | "connection" | "stream" | "aborted";

export interface SentRequest {
  record: RequestRecord;
  failure: RequestFailureKind | null;
}

/** How much of an error response's body the record keeps. */
const ERROR_BODY_CHARS = 300;

/** One request; never throws for a failure of the request itself (see the module comment). */
export async function sendRequest(o: SendRequestOptions): Promise<RequestRecord> {
  return (await sendRequestClassified(o)).record;
}

/** A failure found while reading the response, with what kind it is. */
class RequestFailure extends Error {
  constructor(
    readonly kind: RequestFailureKind,
    message: string,
  ) {
    super(message);
  }
}

interface Usage {
  inputTokens: number | null;
  outputTokens: number | null;
  /** OpenAI's usage.prompt_tokens_details.cached_tokens (vLLM, SGLang with --enable-cache-report). */
  cachedInputTokens: number | null;
}

/** What was read from the response so far; kept when the request fails half way. */
interface Progress {
  firstTokenNs: bigint | null;
  chunkOffsetsNs: number[];
  finishReason: string | null;
  usage: Usage | null;
  /** Non-streamed: the answer arrived whole. Streamed: [DONE] was seen. */
  complete: boolean;
  /** When [DONE] arrived: the request's end, whatever the transport does after it. */
  doneNs: bigint | null;
  /** llama.cpp's timings.cache_n: prompt tokens taken from its cache. */
  cacheN: number | null;
  /** The response's system_fingerprint (llama-server: its build), when given. */
  fingerprint: string | null;
}

/** Like sendRequest, also saying what kind of failure it was (the workload counts dropped connections). */
export async function sendRequestClassified(o: SendRequestOptions): Promise<SentRequest> {
  const url = new URL(endpointPath(o.api), o.baseUrl.endsWith("/") ? o.baseUrl : `${o.baseUrl}/`).href;
  const body = JSON.stringify(requestBody({ ...o, prompt: o.prompt.text }));
  const progress: Progress = { firstTokenNs: null, chunkOffsetsNs: [], finishReason: null, usage: null, complete: false, doneNs: null, cacheN: null, fingerprint: null };
  // Our own controller so the timer can be cleared and a timeout told apart from an abort.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, o.requestTimeoutMs);
  const onAbort = () => controller.abort();
  o.signal?.addEventListener("abort", onAbort, { once: true });

  const startNs = process.hrtime.bigint();
  let failure: RequestFailure | null = null;
  let streamed = false;
  let retries = 0;
  let freshConnection: Agent | undefined;
  try {
    if (o.signal?.aborted) throw new RequestFailure("aborted", "aborted before it was sent");
    const send = (dispatcher?: Agent) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: o.stream ? "text/event-stream" : "application/json" },
        body,
        signal: controller.signal,
        // Node's fetch is undici's: it takes undici's `dispatcher` (not in the DOM's RequestInit).
        ...(dispatcher ? ({ dispatcher } as unknown as RequestInit) : {}),
      });
    let response: Response;
    try {
      response = await send(o.dispatcher);
    } catch (e) {
      // A kept-alive connection the server closed just as it was reused fails before any byte
      // of a response: the server never read the request (llama-server closes the connection
      // after every streamed response, though it announced keep-alive; runWorkload then stops
      // reusing connections). Sent again once, on a connection of its own (another pooled one
      // may be just as stale); a server that is really gone fails again.
      if (controller.signal.aborted || !isDroppedConnection(e)) throw e;
      retries++;
      freshConnection = new Agent({ connections: 1 });
      try {
        response = await send(freshConnection);
      } catch (again) {
        // A server that is really gone refuses the second try: the first failure says what happened.
        throw controller.signal.aborted ? again : e;
      }
    }
    if (!response.ok) {
      const text = await response.text().catch(() => "(the body could not be read)");
      throw new RequestFailure("http", `HTTP ${response.status}: ${text.slice(0, ERROR_BODY_CHARS)}`);
    }
    const isJson = (response.headers.get("content-type") ?? "").includes("application/json");
    // A server that answers a streamed request with plain JSON has not streamed: read it whole.
    streamed = o.stream && !isJson;
    if (streamed) await readStream(response, o.api, startNs, progress);
    else readWhole(await response.text(), o.api, progress);
  } catch (e) {
    failure = classify(e, { timedOut, aborted: o.signal?.aborted === true, timeoutMs: o.requestTimeoutMs, url });
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener("abort", onAbort);
    // The body has been read (or abandoned): the retry's own connection goes.
    freshConnection?.destroy().catch(() => undefined);
  }
  const endNs = progress.doneNs ?? process.hrtime.bigint();
  if (!failure && !progress.complete) {
    failure = new RequestFailure("stream", "the stream ended without [DONE] or a finish_reason");
  }

  const succeeded = failure === null;
  const counted = progress.chunkOffsetsNs.length;
  const usage = progress.usage;
  const tokensFrom = !succeeded ? null : usage?.outputTokens != null ? "usage" : streamed ? "counted" : null;
  const record: RequestRecord = {
    index: o.index,
    promptId: o.prompt.id,
    startNs,
    firstTokenNs: progress.firstTokenNs,
    endNs,
    chunkOffsetsNs: progress.chunkOffsetsNs,
    inputTokens: succeeded ? (usage?.inputTokens ?? null) : null,
    outputTokens: tokensFrom === "usage" ? (usage?.outputTokens ?? null) : tokensFrom === "counted" ? counted : null,
    tokensFrom,
    error: failure?.message ?? null,
    finishReason: progress.finishReason,
    ...(retries > 0 ? { retries } : {}),
    ...cacheFields(succeeded, usage, progress),
  };
  return { record, failure: failure?.kind ?? null };

  /** Streams the SSE body, timing each read; events of one read share its arrival time. */
  async function readStream(response: Response, api: SendRequestOptions["api"], t0Ns: bigint, p: Progress) {
    if (!response.body) throw new RequestFailure("stream", "the server sent no response body");
    let readNs = t0Ns;
    let problem: RequestFailure | null = null;
    const parser = createParser({
      onEvent: (event) => {
        if (problem || p.complete) return;
        try {
          if (event.data === "[DONE]") {
            p.complete = true;
            p.doneNs = readNs;
            return;
          }
          const text = readChunk(parseJson(event.data, "stream event"), api, p, "delta");
          if (text) {
            p.chunkOffsetsNs.push(Number(readNs - t0Ns));
            p.firstTokenNs ??= readNs;
          }
        } catch (e) {
          problem = e instanceof RequestFailure ? e : new RequestFailure("stream", String(e));
        }
      },
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      readNs = process.hrtime.bigint();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      if (problem) {
        await reader.cancel().catch(() => undefined);
        throw problem;
      }
      // After [DONE] the loop only drains the body, so the connection can be reused.
    }
    // Servers that end the stream after the final chunk without [DONE] still finished it.
    if (p.finishReason !== null) p.complete = true;
  }
}

function readWhole(text: string, api: SendRequestOptions["api"], p: Progress): void {
  readChunk(parseJson(text, "response"), api, p, "message");
  p.complete = true;
}

function parseJson(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RequestFailure("stream", `malformed ${what}: not JSON: ${text.slice(0, 100)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RequestFailure("stream", `malformed ${what}: not a JSON object: ${text.slice(0, 100)}`);
  }
  return value as Record<string, unknown>;
}

/** Reads usage, finish_reason and the generated text of one chunk (or whole answer) into `p`. */
function readChunk(o: Record<string, unknown>, api: SendRequestOptions["api"], p: Progress, chatField: "delta" | "message"): string {
  if (o.error !== undefined && o.error !== null) {
    const e = o.error as { message?: unknown };
    const message = typeof e.message === "string" ? e.message : JSON.stringify(o.error);
    throw new RequestFailure("stream", `the server reported an error: ${message.slice(0, ERROR_BODY_CHARS)}`);
  }
  const usage = o.usage as { prompt_tokens?: unknown; completion_tokens?: unknown; prompt_tokens_details?: { cached_tokens?: unknown } | null } | null | undefined;
  if (usage && typeof usage === "object") {
    const cached = usage.prompt_tokens_details?.cached_tokens;
    p.usage = {
      inputTokens: typeof usage.prompt_tokens === "number" ? usage.prompt_tokens : null,
      outputTokens: typeof usage.completion_tokens === "number" ? usage.completion_tokens : null,
      cachedInputTokens: typeof cached === "number" ? cached : null,
    };
  }
  const timings = o.timings as { cache_n?: unknown } | null | undefined;
  if (timings && typeof timings === "object" && typeof timings.cache_n === "number") p.cacheN = timings.cache_n;
  if (typeof o.system_fingerprint === "string" && o.system_fingerprint !== "") p.fingerprint = o.system_fingerprint;
  const choice = (Array.isArray(o.choices) ? o.choices[0] : undefined) as Record<string, unknown> | undefined;
  if (!choice) return "";
  if (typeof choice.finish_reason === "string") p.finishReason = choice.finish_reason;
  if (api === "completions") return typeof choice.text === "string" ? choice.text : "";
  const part = choice[chatField] as Record<string, unknown> | undefined;
  if (!part) return "";
  // Reasoning models stream their thinking in a separate field; those are generated tokens too.
  for (const field of ["content", "reasoning_content", "reasoning"]) {
    const v = part[field];
    if (typeof v === "string" && v !== "") return v;
  }
  return "";
}

/** Cached prompt tokens as the engine reported them (usage first, then llama.cpp's timings), and its fingerprint. */
function cacheFields(succeeded: boolean, usage: Usage | null, p: Progress): Pick<RequestRecord, "cachedInputTokens" | "systemFingerprint"> {
  const cached = succeeded ? (usage?.cachedInputTokens ?? p.cacheN) : null;
  return { ...(cached !== null ? { cachedInputTokens: cached } : {}), ...(p.fingerprint !== null ? { systemFingerprint: p.fingerprint } : {}) };
}

/** A connection closed or reset under a request that had no response yet. */
function isDroppedConnection(e: unknown): boolean {
  const code = (e as { cause?: { code?: unknown } } | null)?.cause?.code;
  return code === "UND_ERR_SOCKET" || code === "ECONNRESET" || code === "EPIPE";
}

/** Turns what fetch or the body reader threw into a failure the record can carry. */
function classify(
  e: unknown,
  c: { timedOut: boolean; aborted: boolean; timeoutMs: number; url: string },
): RequestFailure {
  if (e instanceof RequestFailure) return e;
  if (c.aborted) return new RequestFailure("aborted", "aborted before the response finished");
  if (c.timedOut) return new RequestFailure("timeout", `timed out after ${c.timeoutMs} ms`);
  const cause = (e as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === "string" ? cause.code : "";
  const origin = new URL(c.url).origin;
  if (code === "ECONNREFUSED") return new RequestFailure("connection", `connection refused by ${origin} (nothing listening)`);
  if (code === "UND_ERR_SOCKET" || code === "ECONNRESET" || code === "EPIPE") {
    return new RequestFailure("connection", "connection closed before the response finished");
  }
  const detail = typeof cause?.message === "string" ? cause.message : e instanceof Error ? e.message : String(e);
  return new RequestFailure("connection", `could not reach ${origin}: ${detail}`);
}
