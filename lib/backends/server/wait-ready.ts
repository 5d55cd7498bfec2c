/**
 * Waits until a server serves: its health path answers 2xx, then one first completion
 * succeeds (a health check alone passes on servers that still fail every request). Stops early
 * when the process ends or the wait is aborted, and says why in a ServerError.
 */
import { logTail } from "./log-tail.js";
import { ServerError, type ServerErrorCode } from "./server-error.js";
import type { ServerExit, ServerHandle } from "./server-process.js";

export interface WaitForServerOptions {
  /** e.g. http://127.0.0.1:8000 (no trailing /v1). */
  baseUrl: string;
  healthPath: string;
  timeoutMs: number;
  /** The process lem started; absent when attached to a running server. */
  server?: ServerHandle;
  logFile?: string;
  /** One first completion; lem's workload client sends it, within `timeoutMs` (what is left of the wait). */
  probeCompletion: (timeoutMs: number) => Promise<{ ok: boolean; error?: string }>;
  signal?: AbortSignal;
  /** Pause between health polls (default 500 ms). */
  pollMs?: number;
  /**
   * An attached server: connections refused for this long mean nothing is running there, and
   * the wait ends (server-unreachable) instead of lasting the whole time-out.
   */
  refusedLimitMs?: number;
}

export interface ServerReady {
  /** From the spawn (or from the call, when attached) to the first completion's success. */
  readyAfterMs: number;
}

/** The longest one health request may take before it counts as "no answer". */
const HEALTH_REQUEST_MS = 5000;

type Interrupt = { kind: "exited"; exit: ServerExit } | { kind: "aborted"; reason: string };

function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return r instanceof Error ? r.message : typeof r === "string" ? r : "aborted";
}

/** What a failed fetch looked like, in words ("connection refused", "no answer within 5000 ms"). */
export function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  switch (e?.cause?.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return "connection reset";
    case "ENOTFOUND":
      return "host not found";
    case "EHOSTUNREACH":
      return "host unreachable";
  }
  return e?.cause?.message ?? e?.message ?? String(error);
}

async function healthOnce(url: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<{ ok: boolean; seen: string; timedOut: boolean }> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { signal: signal ? AbortSignal.any([timeout, signal]) : timeout });
    await response.body?.cancel().catch(() => undefined);
    return { ok: response.ok, seen: `health returned ${response.status}`, timedOut: false };
  } catch (error) {
    return { ok: false, seen: describeFetchError(error, timeoutMs), timedOut: timeout.aborted };
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function waitForServer(o: WaitForServerOptions): Promise<ServerReady> {
  const callMs = performance.now();
  const startMs = o.server?.startedMs ?? callMs;
  const deadline = callMs + o.timeoutMs;
  const pollMs = o.pollMs ?? 500;
  const healthUrl = new URL(o.healthPath, o.baseUrl).href;
  const logFile = o.logFile ?? o.server?.logFile;

  // Whatever step is running, the process ending or an abort ends the wait.
  let interrupted: Interrupt | null = null;
  let wake: () => void = () => undefined;
  const interrupt = new Promise<void>((resolve) => (wake = resolve));
  const onAbort = () => {
    interrupted ??= { kind: "aborted", reason: abortReason(o.signal!) };
    wake();
  };
  void o.server?.exited.then((exit) => {
    interrupted ??= { kind: "exited", exit };
    wake();
  });
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener("abort", onAbort);

  const fail = (code: ServerErrorCode, message: string, fix: string): ServerError => {
    const tail = logFile ? logTail(logFile) : "";
    const log = logFile ? (tail ? `\nLast lines of its log (${logFile}):\n${tail}\n` : `\nIts log (${logFile}) is empty.\n`) : "\n";
    return new ServerError(code, `${message}${log}${fix}`, { ...(logFile ? { logFile } : {}), logTail: tail });
  };
  const interruption = (i: Interrupt): ServerError => {
    if (i.kind === "aborted") {
      return fail("server-aborted", `waiting for the server at ${o.baseUrl} was aborted (${i.reason}).`, "Nothing to fix: lem was asked to stop.");
    }
    const after = seconds(performance.now() - startMs);
    const command = o.server ? `: ${o.server.argv.join(" ")}` : "";
    if (i.exit.spawnError) {
      return fail(
        "server-exited",
        `the server could not be started (${i.exit.spawnError})${command}.`,
        "Install the engine, or give the full path of its executable; with docker, check the image has it.",
      );
    }
    const how = i.exit.signal ? `was ended by ${i.exit.signal}` : `exited with code ${i.exit.exitCode ?? "?"}`;
    return fail(
      "server-exited",
      `the server ${how} after ${after}, before it was ready${command}.`,
      `Read ${logFile ?? "its output"} for the cause (a wrong model name or flag, too little GPU memory, a missing package), fix it and run again.`,
    );
  };
  const race = async <T>(step: Promise<T>): Promise<T> => {
    if (interrupted) throw interruption(interrupted);
    const winner = await Promise.race([step, interrupt.then(() => null)]);
    if (interrupted) throw interruption(interrupted);
    return winner as T;
  };

  try {
    let lastSeen: string | null = null;
    let refusedSinceMs: number | null = null;
    for (;;) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        throw fail(
          "server-not-ready",
          `the server at ${o.baseUrl} was not ready within ${seconds(o.timeoutMs)} (last seen: ${lastSeen ?? "no answer yet"} on ${o.healthPath}).`,
          o.server
            ? `If the model is still loading, raise server.readyTimeoutS; otherwise read ${logFile ?? "the server's output"} for what holds it up.`
            : `Check that the server at ${o.baseUrl} is running and that server.url and server.healthPath are right.`,
        );
      }
      const requestMs = Math.max(1, Math.ceil(Math.min(HEALTH_REQUEST_MS, remaining)));
      const health = await race(healthOnce(healthUrl, requestMs, o.signal));
      if (health.ok) break;
      refusedSinceMs = health.seen === "connection refused" ? (refusedSinceMs ?? performance.now()) : null;
      if (o.refusedLimitMs !== undefined && refusedSinceMs !== null && performance.now() - refusedSinceMs >= o.refusedLimitMs) {
        throw fail(
          "server-unreachable",
          `nothing answers at ${o.baseUrl}: connection refused for ${seconds(performance.now() - refusedSinceMs)} (the attached server is not running, or not at this address).`,
          `Start the server (or check server.url), then resume the study with lem run --resume.`,
        );
      }
      // A last request cut short by the deadline says less than what was seen before it.
      if (!(health.timedOut && requestMs < HEALTH_REQUEST_MS && lastSeen !== null)) lastSeen = health.seen;
      const left = deadline - performance.now();
      if (left > 0) await race(new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, left))));
    }
    // The first completion is part of getting ready: it gets what is left of the time-out.
    const probeMs = Math.max(1, Math.ceil(deadline - performance.now()));
    const probe = await race(
      o.probeCompletion(probeMs).catch((error: unknown) => ({ ok: false, error: error instanceof Error ? error.message : String(error) })),
    );
    if (!probe.ok) {
      throw fail(
        "server-probe-failed",
        `the server at ${o.baseUrl} answers ${o.healthPath}, but its first completion failed: ${probe.error ?? "no reason given"}.`,
        isAboutTheModel(probe.error)
          ? `Check that the server serves the model name lem asks for (server.servedModelName, else the model) and read ${logFile ?? "the server's output"}.`
          : `Read ${logFile ?? "the server's output"} for why the server refused or failed the request (a flag, the API lem uses: workload.api, the server's limits), fix it and run again.`,
      );
    }
    return { readyAfterMs: performance.now() - startMs };
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
  }
}

/** Whether a failed completion's error is about the model name (404, "model ... does not exist"), not some other failure. */
export function isAboutTheModel(error: string | undefined): boolean {
  if (!error) return false;
  return /^HTTP 404\b/.test(error) || /model\b[^.]*\b(does not exist|not found|unknown|not available|not served)|\b(unknown|no such|invalid) model\b/i.test(error);
}
