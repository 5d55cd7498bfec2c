/**
 * Drives an OpenAI-compatible server with a workload: the prompts in order, at most
 * `concurrency` in flight, either back to back (a freed slot takes the next prompt at once) or
 * at a seeded Poisson request rate. Every request is recorded, failed ones included; one
 * failure never stops the others. Spawns nothing and samples nothing.
 */
import { setMaxListeners } from "node:events";
import { Agent } from "undici";
import type { Prompt } from "../../datasets/prompt.js";
import { InvalidOptionsError } from "../../errors.js";
import type { RequestRecord } from "../request-record.js";
import { poissonArrivalOffsetsNs } from "./arrivals.js";
import { sendRequestClassified } from "./send-request.js";

export interface WorkloadOptions {
  /** e.g. http://127.0.0.1:8000 (no trailing /v1). */
  baseUrl: string;
  model: string;
  api: "completions" | "chat";
  /** Sent in this order. */
  prompts: Prompt[];
  /** Requests in flight at most. */
  concurrency: number;
  /** Requests per second with Poisson arrivals (seeded by `seed`); absent: the next request as soon as a slot frees. */
  requestRate?: number;
  /** Seed of the arrival schedule, also sent as the sampling seed. */
  seed: number;
  maxOutputTokens: number;
  temperature: number;
  topP: number;
  ignoreEos: boolean;
  stream: boolean;
  requestTimeoutMs: number;
  /** Aborting cancels the requests in flight and sends no more; the outcome says `aborted`. */
  signal?: AbortSignal;
  extraBody?: Record<string, unknown>;
  /** After this many connection errors in a row (refused, dropped) no more requests are sent and the outcome says `serverGone`. Default 5. */
  maxConsecutiveConnectionErrors?: number;
  /** Called as each request finishes, in the order they finish; an error it throws stops the workload and is rethrown. */
  onRequestDone?: (r: RequestRecord) => void;
}

export interface WorkloadOutcome {
  /** Just before the first request was sent. */
  startNs: bigint;
  /** Just after the last one finished. */
  endNs: bigint;
  /** Every request sent, in workload order (prompts never sent, after an abort or once the server is gone, are absent). */
  requests: RequestRecord[];
  aborted: boolean;
  /** Requests stopped early because the server refused or dropped that many connections in a row. */
  serverGone: boolean;
  /** The most requests that were in flight at once. */
  peakInFlight: number;
}

const DEFAULT_MAX_CONSECUTIVE_CONNECTION_ERRORS = 5;

export async function runWorkload(o: WorkloadOptions): Promise<WorkloadOutcome> {
  const maxConnectionErrors = o.maxConsecutiveConnectionErrors ?? DEFAULT_MAX_CONSECUTIVE_CONNECTION_ERRORS;
  validate(o, maxConnectionErrors);
  const scheduleNs = o.requestRate === undefined ? null : poissonArrivalOffsetsNs(o.prompts.length, o.requestRate, o.seed);

  // Cancels the requests in flight: on the caller's abort, or when onRequestDone throws.
  const cancel = new AbortController();
  // Each request in flight listens to it, and the arrival wait: more than Node's default 10.
  setMaxListeners(o.concurrency + 1, cancel.signal);
  const onAbort = () => cancel.abort();
  o.signal?.addEventListener("abort", onAbort, { once: true });
  if (o.signal?.aborted) cancel.abort();

  const requests: RequestRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  let peakInFlight = 0;
  let consecutiveConnectionErrors = 0;
  let serverGone = false;
  let callbackFailure: { error: unknown } | null = null;
  const stopped = () => cancel.signal.aborted || serverGone || callbackFailure !== null;

  // A server that dropped a connection it had announced to keep (llama-server closes the
  // connection after every streamed response, yet says "Keep-Alive: timeout=5, max=100") would
  // race every later reuse: from then on each request opens its own connection and says
  // "Connection: close" (undici's pipelining 0), so none needs sending again.
  let ownConnections: Agent | undefined;

  const startNs = process.hrtime.bigint();
  try {
    for (let i = 0; i < o.prompts.length && !stopped(); i++) {
      const dueNs = scheduleNs ? startNs + BigInt(scheduleNs[i]!) : null;
      if (dueNs !== null) await sleepUntil(dueNs, cancel.signal);
      // With a rate AND a limit, an arrival that finds every slot taken waits for one: it is
      // then sent later than scheduled, as a client with that many connections would.
      while (inFlight.size >= o.concurrency) await Promise.race(inFlight);
      if (stopped()) break;

      const sent = sendRequestClassified({
        baseUrl: o.baseUrl,
        api: o.api,
        model: o.model,
        prompt: o.prompts[i]!,
        index: i,
        maxOutputTokens: o.maxOutputTokens,
        temperature: o.temperature,
        topP: o.topP,
        seed: o.seed,
        stream: o.stream,
        ignoreEos: o.ignoreEos,
        requestTimeoutMs: o.requestTimeoutMs,
        signal: cancel.signal,
        ...(o.extraBody ? { extraBody: o.extraBody } : {}),
        ...(ownConnections ? { dispatcher: ownConnections } : {}),
      }).then(({ record, failure }) => {
        requests.push(record);
        if (record.retries) ownConnections ??= new Agent({ pipelining: 0 });
        if (failure === "connection") {
          consecutiveConnectionErrors += 1;
          if (consecutiveConnectionErrors >= maxConnectionErrors) serverGone = true;
        } else if (failure !== "aborted") {
          consecutiveConnectionErrors = 0; // the server answered: it is still there
        }
        try {
          o.onRequestDone?.(record);
        } catch (error) {
          callbackFailure ??= { error };
          cancel.abort();
        }
      });
      const tracked: Promise<void> = sent.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      peakInFlight = Math.max(peakInFlight, inFlight.size);
    }
    await Promise.all(inFlight);
  } catch (e) {
    // Only a bug gets here (requests never throw): leave nothing running behind it.
    cancel.abort();
    await Promise.allSettled(inFlight);
    throw e;
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
    // Every request has finished: its connections are closed already ("Connection: close").
    ownConnections?.close().catch(() => undefined);
  }
  const endNs = process.hrtime.bigint();
  if (callbackFailure) throw (callbackFailure as { error: unknown }).error;

  requests.sort((a, b) => a.index - b.index);
  return { startNs, endNs, requests, aborted: o.signal?.aborted === true, serverGone, peakInFlight };
}

function validate(o: WorkloadOptions, maxConnectionErrors: number): void {
  const bad = (message: string) => new InvalidOptionsError(`workload: ${message}`);
  let url: URL;
  try {
    url = new URL(o.baseUrl);
  } catch {
    throw bad(`baseUrl "${o.baseUrl}" is not a URL; give the server's address, e.g. http://127.0.0.1:8000`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw bad(`baseUrl "${o.baseUrl}" must start with http:// or https://`);
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw bad(`concurrency must be a positive integer, got ${o.concurrency}`);
  if (!(o.requestTimeoutMs > 0)) throw bad(`requestTimeoutMs must be positive, got ${o.requestTimeoutMs}`);
  if (!Number.isInteger(maxConnectionErrors) || maxConnectionErrors < 1) {
    throw bad(`maxConsecutiveConnectionErrors must be a positive integer, got ${maxConnectionErrors}`);
  }
}

/** Waits until CLOCK_MONOTONIC reaches `tNs`, or the signal aborts. */
async function sleepUntil(tNs: bigint, signal: AbortSignal): Promise<void> {
  for (;;) {
    const leftMs = Number(tNs - process.hrtime.bigint()) / 1e6;
    if (leftMs <= 0 || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      // Timers have 1 ms granularity and may wake a little early: the loop checks again.
      // At most 2^31 − 1 ms: Node fires a longer timer after 1 ms (a very low requestRate).
      const timer = setTimeout(done, Math.min(Math.ceil(leftMs), 2 ** 31 - 1));
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
