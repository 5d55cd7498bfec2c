// The OpenAI-compatible workload generator, against the fake server (a real HTTP server in a
// child process) and, for bodies and summaries, on its own.
import { execa, type ResultPromise } from "execa";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poissonArrivalOffsetsNs } from "../lib/backends/openai/arrivals.js";
import { requestBody } from "../lib/backends/openai/request-body.js";
import { runWorkload, type WorkloadOptions } from "../lib/backends/openai/run-workload.js";
import { sendRequest } from "../lib/backends/openai/send-request.js";
import { summarizeRequests } from "../lib/backends/openai/summarize-requests.js";
import type { RequestRecord } from "../lib/backends/request-record.js";
import type { Prompt } from "../lib/datasets/prompt.js";

const serverScript = fileURLToPath(new URL("./fixtures/fake-openai-server.mjs", import.meta.url));

interface FakeServerStats {
  requestsReceived: number;
  inFlight: number;
  peakInFlight: number;
  arrivalsMs: number[];
  requests: { promptChars: number; maxTokens: number | null; stream: boolean; ignoreEos: boolean; status: number }[];
}

interface FakeServer {
  url: string;
  child: ResultPromise;
  stats: () => Promise<FakeServerStats>;
}

const servers: FakeServer[] = [];

/** Starts the fake server on a free port and waits for its "listening on" line. */
async function startFakeServer(args: string[]): Promise<FakeServer> {
  const child = execa(process.execPath, [serverScript, "--port", "0", ...args], { reject: false, stdin: "ignore" });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void child.then((r) => reject(new Error(`the fake server exited early (${r.exitCode}): ${r.stderr}`)));
  });
  const server = { url, child, stats: async () => (await (await fetch(`${url}/stats`)).json()) as FakeServerStats };
  servers.push(server);
  return server;
}

function prompts(count: number, text = "Tell me about the energy of inference."): Prompt[] {
  return Array.from({ length: count }, (_, i) => ({ id: `synthetic-${i}`, text: `${text} (${i})`, approxInputTokens: 10 }));
}

function options(server: FakeServer, o: Partial<WorkloadOptions> = {}): WorkloadOptions {
  return {
    baseUrl: server.url,
    model: "fake-model",
    api: "completions",
    prompts: prompts(4),
    concurrency: 2,
    seed: 7,
    maxOutputTokens: 128,
    temperature: 0,
    topP: 1,
    ignoreEos: false,
    stream: true,
    requestTimeoutMs: 30_000,
    ...o,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (ns: number) => ns / 1e6;

// Timing servers: 50 ms to the first token, then one token every 10 ms, 16 tokens.
let paced: FakeServer;
let pacedNoUsage: FakeServer;
// Long streams (1000 tokens, 10 s) for timeouts and aborts.
let endless: FakeServer;

beforeAll(async () => {
  [paced, pacedNoUsage, endless] = await Promise.all([
    startFakeServer(["--ttft-ms", "50", "--token-ms", "10", "--tokens", "16"]),
    startFakeServer(["--ttft-ms", "50", "--token-ms", "10", "--tokens", "16", "--no-usage"]),
    startFakeServer(["--ttft-ms", "20", "--token-ms", "10", "--tokens", "1000"]),
  ]);
});

afterAll(async () => {
  for (const s of servers) s.child.kill("SIGTERM");
  await Promise.all(servers.map((s) => s.child));
});

describe("requestBody", () => {
  const base = { model: "m", prompt: "Hi", maxOutputTokens: 64, temperature: 0.5, topP: 0.9, seed: 3, stream: true, ignoreEos: false } as const;

  it("sends the prompt as is to /v1/completions and asks for usage when streaming", () => {
    expect(requestBody({ ...base, api: "completions" })).toEqual({
      model: "m",
      prompt: "Hi",
      max_tokens: 64,
      temperature: 0.5,
      top_p: 0.9,
      seed: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("wraps the prompt as one user message for /v1/chat/completions", () => {
    const body = requestBody({ ...base, api: "chat", stream: false });
    expect(body.messages).toEqual([{ role: "user", content: "Hi" }]);
    expect(body).not.toHaveProperty("prompt");
    expect(body).not.toHaveProperty("stream_options");
  });

  it("adds ignore_eos only when asked, and merges extraBody over everything", () => {
    expect(requestBody({ ...base, api: "completions" })).not.toHaveProperty("ignore_eos");
    const body = requestBody({ ...base, api: "completions", ignoreEos: true, extraBody: { max_tokens: 8, min_tokens: 8 } });
    expect(body).toMatchObject({ ignore_eos: true, max_tokens: 8, min_tokens: 8 });
  });
});

describe("summarizeRequests", () => {
  const record = (index: number, error: string | null, tokens: [number | null, number | null]): RequestRecord => ({
    index,
    promptId: null,
    startNs: 1000n,
    firstTokenNs: error ? null : 1100n,
    endNs: 1400n,
    chunkOffsetsNs: error ? [] : [100, 250, 400],
    inputTokens: tokens[0],
    outputTokens: tokens[1],
    tokensFrom: error ? null : "usage",
    error,
    finishReason: error ? null : "stop",
  });

  it("sums tokens and collects latencies of the successful requests, and groups the errors", () => {
    const s = summarizeRequests([record(0, null, [10, 3]), record(1, "HTTP 500: x", [null, null]), record(2, null, [12, 3]), record(3, "HTTP 500: x", [null, null]), record(4, "timed out after 5 ms", [null, null])]);
    expect(s).toEqual({
      inputTokens: 22,
      outputTokens: 6,
      requests: 2,
      failed: 3,
      errors: [
        { message: "HTTP 500: x", count: 2 },
        { message: "timed out after 5 ms", count: 1 },
      ],
      latenciesNs: { ttft: [100, 100], interToken: [150, 150, 150, 150], request: [400, 400] },
    });
  });

  it("leaves a retried request out of the TTFT and request latencies, keeping its tokens and inter-token gaps", () => {
    const s = summarizeRequests([record(0, null, [10, 3]), { ...record(1, null, [12, 3]), startNs: 500n, retries: 1 }]);
    expect(s.latenciesNs).toEqual({ ttft: [100], interToken: [150, 150, 150, 150], request: [400] });
    expect(s).toMatchObject({ requests: 2, inputTokens: 22, outputTokens: 6 });
  });

  it("gives null token totals when any successful request did not know its count", () => {
    const s = summarizeRequests([record(0, null, [10, 3]), record(1, null, [null, 3])]);
    expect(s.inputTokens).toBeNull();
    expect(s.outputTokens).toBe(6);
  });
});

describe("sendRequest against the fake server", () => {
  it("measures time to first token and inter-token latency as the server paces them", async () => {
    const { requests } = await runWorkload(options(paced, { prompts: prompts(4), concurrency: 2 }));
    const s = summarizeRequests(requests);
    expect(s.failed).toBe(0);
    // The server waits at least 50 ms, then at least 10 ms per token; the upper bounds allow a
    // loaded 2-core machine to be late by a lot (they only rule out a wrong clock or unit).
    expect(ms(median(s.latenciesNs.ttft))).toBeGreaterThanOrEqual(49);
    expect(ms(median(s.latenciesNs.ttft))).toBeLessThan(300);
    expect(ms(median(s.latenciesNs.interToken))).toBeGreaterThanOrEqual(9);
    expect(ms(median(s.latenciesNs.interToken))).toBeLessThan(60);
    for (const r of requests) {
      expect(r.chunkOffsetsNs).toHaveLength(16);
      expect(Number(r.firstTokenNs! - r.startNs)).toBe(r.chunkOffsetsNs[0]);
      expect(ms(Number(r.endNs - r.startNs))).toBeGreaterThanOrEqual(49 + 15 * 9);
    }
  });

  it("takes token counts from the server's usage when it sends usage", async () => {
    const r = await sendRequest({ ...options(paced), prompt: { id: "p", text: "x".repeat(40), approxInputTokens: 10 }, index: 0 });
    expect(r).toMatchObject({ error: null, inputTokens: 10, outputTokens: 16, tokensFrom: "usage", finishReason: "stop", promptId: "p" });
    expect(r.chunkOffsetsNs).toHaveLength(16);
  });

  it("counts streamed chunks when the server sends no usage", async () => {
    const r = await sendRequest({ ...options(pacedNoUsage), prompt: prompts(1)[0]!, index: 0 });
    expect(r).toMatchObject({ error: null, inputTokens: null, outputTokens: 16, tokensFrom: "counted" });
  });

  it("streams chat deltas, not counting the empty role chunk as a token", async () => {
    const r = await sendRequest({ ...options(pacedNoUsage), api: "chat", maxOutputTokens: 5, prompt: prompts(1)[0]!, index: 0 });
    expect(r).toMatchObject({ error: null, outputTokens: 5, tokensFrom: "counted", finishReason: "length" });
    expect(ms(Number(r.firstTokenNs! - r.startNs))).toBeGreaterThanOrEqual(49);
  });

  it("reads a non-streamed answer whole: usage counts, no first token", async () => {
    const r = await sendRequest({ ...options(paced), stream: false, ignoreEos: true, prompt: prompts(1)[0]!, index: 0 });
    expect(r).toMatchObject({ error: null, firstTokenNs: null, chunkOffsetsNs: [], outputTokens: 16, tokensFrom: "usage", finishReason: "stop" });
    expect(ms(Number(r.endNs - r.startNs))).toBeGreaterThanOrEqual(49 + 15 * 9);
    const seen = (await paced.stats()).requests.at(-1)!;
    expect(seen).toMatchObject({ stream: false, ignoreEos: true, maxTokens: 128 });
    const chat = await sendRequest({ ...options(paced), api: "chat", stream: false, maxOutputTokens: 3, prompt: prompts(1)[0]!, index: 0 });
    expect(chat).toMatchObject({ error: null, outputTokens: 3, tokensFrom: "usage", finishReason: "length" });
  });

  it("records a request that runs past its timeout as timed out", async () => {
    const r = await sendRequest({ ...options(endless), requestTimeoutMs: 300, prompt: prompts(1)[0]!, index: 0 });
    expect(r.error).toBe("timed out after 300 ms");
    expect(r.outputTokens).toBeNull();
    // Timers start from the event loop's cached clock, which can lag the request's start by a few ms.
    expect(ms(Number(r.endNs - r.startNs))).toBeGreaterThanOrEqual(250);
  });

  it("records a refused connection", async () => {
    const port = await closedPort();
    const r = await sendRequest({ ...options(paced), baseUrl: `http://127.0.0.1:${port}`, prompt: prompts(1)[0]!, index: 3 });
    expect(r.error).toBe(`connection refused by http://127.0.0.1:${port} (nothing listening)`);
    expect(r.index).toBe(3);
  });

  it("records a malformed stream, keeping what arrived before it", async () => {
    const r = await sendToHandler((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end('data: {"choices": [{"text": "a"}]}\n\ndata: {not json\n\n');
    });
    expect(r.error).toBe("malformed stream event: not JSON: {not json");
    expect(r.chunkOffsetsNs).toHaveLength(1);
  });

  it("records an error the server sends inside the stream", async () => {
    const r = await sendToHandler((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end('data: {"choices": [{"text": "a"}]}\n\ndata: {"error": {"message": "out of KV cache"}}\n\n');
    });
    expect(r.error).toBe("the server reported an error: out of KV cache");
  });

  it("records a stream that ends with neither [DONE] nor a finish_reason as cut short", async () => {
    const r = await sendToHandler((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end('data: {"choices": [{"text": "a", "finish_reason": null}]}\n\n');
    });
    expect(r.error).toBe("the stream ended without [DONE] or a finish_reason");
  });

  it("reads a JSON answer to a streamed request whole, with no token counts when it has no usage", async () => {
    const r = await sendToHandler((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ choices: [{ text: "a b c", finish_reason: "stop" }] }));
    });
    expect(r).toMatchObject({ error: null, firstTokenNs: null, outputTokens: null, inputTokens: null, tokensFrom: null, finishReason: "stop" });
  });
});

/** Sends one streamed completion to a one-off server answering with `handler`. */
async function sendToHandler(handler: http.RequestListener): Promise<RequestRecord> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await sendRequest({ ...options(paced), baseUrl: `http://127.0.0.1:${port}`, prompt: prompts(1)[0]!, index: 0 });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

describe("the fake server's command line", () => {
  it("is ready at once by default: health, models and version answer", async () => {
    const server = await startFakeServer(["--model", "m-1", "--engine-version", "9.9.9"]);
    const health = await fetch(`${server.url}/health`);
    expect([health.status, await health.text()]).toEqual([200, "ok"]);
    expect(await (await fetch(`${server.url}/v1/models`)).json()).toMatchObject({ data: [{ id: "m-1" }] });
    expect(await (await fetch(`${server.url}/version`)).json()).toEqual({ version: "9.9.9" });
  });

  it("answers 503 on health until --ready-after-ms has passed, and forever with --never-ready", async () => {
    const [later, never] = await Promise.all([startFakeServer(["--ready-after-ms", "1500"]), startFakeServer(["--never-ready"])]);
    // 1.5 s from the server's start: ample for this first poll right after it listens.
    expect((await fetch(`${later.url}/health`)).status).toBe(503);
    let status = 0;
    while (status !== 200) {
      status = (await fetch(`${later.url}/health`)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await fetch(`${never.url}/health`)).status).toBe(503);
    expect((await fetch(`${never.url}/v1/models`)).status).toBe(503);
  });

  it("fails at start with --fail-start: exit code 1 and a message on stderr", async () => {
    const r = await execa(process.execPath, [serverScript, "--port", "0", "--fail-start"], { reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe("fake-openai-server: failing at start as asked (--fail-start)");
    expect(r.stdout).toBe("");
  });

  it("answers 404 for another model than its own, as vLLM does", async () => {
    const r = await sendRequest({ ...options(paced), model: "other", prompt: prompts(1)[0]!, index: 0 });
    expect(r.error).toBe('HTTP 404: {"object":"error","error":{"message":"The model `other` does not exist.","type":"NotFoundError","code":404}}');
  });
});

describe("runWorkload against the fake server", () => {
  it("never has more requests in flight than the concurrency, and fills it", async () => {
    // 100 ms to the first token keeps all 12 in flight together even on a loaded machine.
    const server = await startFakeServer(["--ttft-ms", "100", "--token-ms", "5", "--tokens", "10"]);
    const done: number[] = [];
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    const outcome = await runWorkload(options(server, { prompts: prompts(36), concurrency: 12, onRequestDone: (r) => done.push(r.index) }));
    process.off("warning", onWarning);
    const stats = await server.stats();
    expect(stats.peakInFlight).toBe(12);
    expect(outcome.peakInFlight).toBe(12);
    expect(outcome.requests.map((r) => r.index)).toEqual([...Array(36).keys()]);
    expect(outcome.requests.every((r) => r.error === null && r.outputTokens === 10)).toBe(true);
    expect([...done].sort((a, b) => a - b)).toEqual([...Array(36).keys()]);
    expect(outcome.startNs <= outcome.requests[0]!.startNs).toBe(true);
    expect(outcome.endNs >= outcome.requests.reduce((m, r) => (r.endNs > m ? r.endNs : m), 0n)).toBe(true);
    expect(outcome).toMatchObject({ aborted: false, serverGone: false });
    expect(warnings).toEqual([]); // e.g. no MaxListenersExceededWarning for 12 requests on one signal
  });

  it("sends at the seeded Poisson rate", async () => {
    const server = await startFakeServer(["--ttft-ms", "5", "--token-ms", "1", "--tokens", "2"]);
    const outcome = await runWorkload(options(server, { prompts: prompts(40), concurrency: 40, requestRate: 50, seed: 7 }));
    expect(outcome.requests.every((r) => r.error === null)).toBe(true);
    const scheduleMs = poissonArrivalOffsetsNs(40, 50, 7).map(ms);
    const arrivalsMs = (await server.stats()).arrivalsMs.sort((a, b) => a - b);
    const seenMs = arrivalsMs.map((t) => t - arrivalsMs[0]!);
    // The seed's schedule itself: 39 gaps averaging within 5 % of 1/rate = 20 ms.
    const scheduledMeanGapMs = scheduleMs.at(-1)! / 39;
    expect(Math.abs(scheduledMeanGapMs / 20 - 1)).toBeLessThan(0.05);
    // The server saw that schedule: each arrival within 150 ms of its due time (a loaded
    // 2-core machine may be late), the mean gap within 15 % of the scheduled one.
    seenMs.forEach((t, i) => expect(Math.abs(t - scheduleMs[i]!)).toBeLessThan(150));
    expect(Math.abs(seenMs.at(-1)! / 39 / scheduledMeanGapMs - 1)).toBeLessThan(0.15);
  });

  it("sends a request again, once, when its kept-alive connection was dropped before any response", async () => {
    // The server drops the second request on every connection unread (llama-server's race).
    const server = await startFakeServer(["--close-idle-after", "1", "--ttft-ms", "5", "--token-ms", "1", "--tokens", "4"]);
    const outcome = await runWorkload(options(server, { prompts: prompts(12), concurrency: 2 }));
    expect(outcome.requests.filter((r) => r.error !== null).map((r) => `${r.index}: ${r.error}`)).toEqual([]);
    const retried = outcome.requests.filter((r) => r.retries === 1);
    const stats = (await server.stats()) as FakeServerStats & { droppedOnReuse?: number };
    // Every drop the server made shows as one retry, and every request got its 4 tokens.
    expect(retried.length).toBe(stats.droppedOnReuse);
    expect(retried.length).toBeGreaterThan(0);
    expect(summarizeRequests(outcome.requests).outputTokens).toBe(48);
  });

  it("stops reusing connections once a server has dropped one that it announced to keep (llama-server closes after every stream)", async () => {
    // As cpp-httplib 0.54.1 in llama-server: "Keep-Alive: timeout=5, max=100", then the close.
    const server = await startFakeServer(["--close-after-stream-ms", "50", "--ttft-ms", "2", "--token-ms", "1", "--tokens", "4"]);
    const outcome = await runWorkload(options(server, { prompts: prompts(10), concurrency: 1 }));
    expect(outcome.requests.filter((r) => r.error !== null).map((r) => `${r.index}: ${r.error}`)).toEqual([]);
    const stats = (await server.stats()) as FakeServerStats & { droppedOnReuse?: number };
    // Only the request that found out is sent again; every later one opens its own connection.
    expect(outcome.requests.filter((r) => r.retries === 1)).toHaveLength(1);
    expect(stats.droppedOnReuse).toBe(1);
    expect(summarizeRequests(outcome.requests).outputTokens).toBe(40);
  });

  it("records failing requests with their HTTP error and completes the others", async () => {
    const server = await startFakeServer(["--fail-every", "3", "--ttft-ms", "5", "--token-ms", "2", "--tokens", "4"]);
    // One at a time, so the server's every-3rd request is the workload's index 2, 5, 8.
    const outcome = await runWorkload(options(server, { prompts: prompts(9), concurrency: 1 }));
    const failed = outcome.requests.filter((r) => r.error !== null);
    expect(failed.map((r) => r.index)).toEqual([2, 5, 8]);
    expect(failed[0]!.error).toBe(
      'HTTP 500: {"object":"error","error":{"message":"fake failure (--fail-every 3)","type":"InternalServerError","code":500}}',
    );
    const s = summarizeRequests(outcome.requests);
    expect(s).toMatchObject({ requests: 6, failed: 3, outputTokens: 24, errors: [{ message: failed[0]!.error, count: 3 }] });
    expect(outcome.serverGone).toBe(false);
  });

  it("records errors and stops sending when the server exits mid-run", async () => {
    const server = await startFakeServer(["--exit-after-requests", "5", "--ttft-ms", "20", "--token-ms", "5", "--tokens", "8"]);
    const outcome = await runWorkload(options(server, { prompts: prompts(30), concurrency: 2, maxConsecutiveConnectionErrors: 5 }));
    expect((await server.child).exitCode).toBe(3);
    expect(outcome.serverGone).toBe(true);
    // Sent: 4 answered, the 5th cut mid-stream with its neighbour, then refusals until 5 in a row.
    expect(outcome.requests.length).toBeLessThan(30);
    expect(outcome.requests.filter((r) => r.error === null).length).toBeGreaterThanOrEqual(3);
    const errors = new Set(outcome.requests.map((r) => r.error).filter((e) => e !== null));
    expect(errors).toContain("connection closed before the response finished");
    expect(errors).toContain(`connection refused by ${server.url} (nothing listening)`);
    const cut = outcome.requests.find((r) => r.error === "connection closed before the response finished")!;
    expect(cut.chunkOffsetsNs.length).toBeGreaterThanOrEqual(1); // the server wrote one token, then exited
  });

  it("cancels the requests in flight when aborted", async () => {
    const abort = new AbortController();
    // Each request streams for 10 s; the abort comes after 300 ms, so both are in flight then.
    setTimeout(() => abort.abort(), 300);
    const outcome = await runWorkload(options(endless, { prompts: prompts(6), concurrency: 2, signal: abort.signal }));
    expect(outcome.aborted).toBe(true);
    expect(outcome.requests.map((r) => [r.index, r.error])).toEqual([
      [0, "aborted before the response finished"],
      [1, "aborted before the response finished"],
    ]);
    // Not waiting for the streams' 10 s shows they were cancelled; 9 s is slack for a slow machine.
    expect(ms(Number(outcome.endNs - outcome.startNs))).toBeLessThan(9_000);
  });

  it("leaves a fake server that exits cleanly on SIGTERM, even with a stream in flight", async () => {
    const server = await startFakeServer(["--tokens", "1000"]);
    const request = sendRequest({ ...options(server), prompt: prompts(1)[0]!, index: 0 });
    while ((await server.stats()).inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    server.child.kill("SIGTERM");
    expect((await server.child).exitCode).toBe(0);
    expect((await request).error).toBe("connection closed before the response finished");
  });

  it("stops and rethrows when onRequestDone throws", async () => {
    const before = (await paced.stats()).requestsReceived;
    const outcome = runWorkload(
      options(paced, {
        prompts: prompts(8),
        concurrency: 2,
        onRequestDone: () => {
          throw new Error("the caller's bookkeeping failed");
        },
      }),
    );
    await expect(outcome).rejects.toThrow("the caller's bookkeeping failed");
    // Request 0 or 1 finished and threw; the other was cancelled, and nothing more was sent.
    expect((await paced.stats()).requestsReceived - before).toBe(2);
  });

  it("rejects a concurrency that is not a positive integer", async () => {
    await expect(runWorkload(options(paced, { concurrency: 0 }))).rejects.toMatchObject({
      code: "LEM_INVALID_OPTIONS",
      message: "workload: concurrency must be a positive integer, got 0",
    });
  });
});

/** A port nothing listens on: bound by us, then released. */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}
