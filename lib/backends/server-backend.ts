/**
 * A backend that is an OpenAI-compatible server (vLLM, SGLang, TGI, llama-server,
 * trtllm-serve, or any other): lem starts it (or attaches to it), waits until it serves a
 * first completion, runs the warm-up, drives the measured workload, asks the engine for its
 * version and settings, and stops it as a process group. The window is the workload: from the
 * first request sent to the last one finished; loading and warm-up are never in it.
 */
import type { ExperimentConfig, ServerBackendName } from "../config/schema.js";
import type { Prompt } from "../datasets/prompt.js";
import type { MeasurementWarning } from "../warnings/measurement-warning.js";
import type { BackendOutcome } from "./backend-outcome.js";
import { runWorkload, sendRequest, steadyStateWindow, summarizeRequests, type WorkloadOptions } from "./openai/index.js";
import { llamaCppModelPath } from "./llamacpp/llamacpp-argv.js";
import {
  defaultHealthPath,
  engineInfo,
  isGgufPath,
  freePort,
  logTail,
  ServerError,
  serverLaunchArgv,
  startServer,
  waitForServer,
  watchServerHealth,
  type ServerHandle,
} from "./server/index.js";
import { fillArgv } from "./command-template.js";
import { warmupPrompts } from "./openai/warmup-prompts.js";
import { cacheHitWarning, cacheTotals } from "./openai/cache-share.js";
import { retryCount, retryWarning } from "./openai/retry-share.js";
import { fingerprintVersion } from "./openai/fingerprint.js";
import { cacheResetMechanism, resetEngineCache, type CacheReset } from "./server/cache-reset.js";

export interface ServerBackendOptions {
  backend: ServerBackendName;
  config: ExperimentConfig;
  slug: string;
  prompts: Prompt[];
  /** The server's environment (CUDA_VISIBLE_DEVICES set by the caller). */
  env: Record<string, string>;
  logFile: string;
  runTimeoutMs: number;
  signal: AbortSignal;
  onSpawn?: (pid: number) => void;
  /** The study file's directory: a relative GGUF path of llama-server is resolved against it. */
  baseDir?: string;
  /** Wraps the launch command (e.g. in `docker run`); `stop` removes what it started. */
  wrap?: { argv: (argv: string[]) => string[]; stop: () => Promise<void>; details: Record<string, unknown> };
}

/** The base URL of an attached server, without a trailing "/" or "/v1". */
export function baseUrlOf(url: string): string {
  return url.replace(/\/+$/, "").replace(/\/v1$/, "");
}

/** The launch command of a server lem starts: the engine's template, or the user's argv with {host} and {port} filled. */
export function launchArgvOf(o: { backend: ServerBackendName; config: ExperimentConfig; slug: string; host: string; port: number; baseDir?: string }): string[] {
  const server = o.config.server;
  // A GGUF file is found where the study file is, as the llamacpp backend and datasets find theirs.
  const model = o.backend === "llama-server" && isGgufPath(o.config.model) && o.baseDir !== undefined ? llamaCppModelPath(o.config.model, o.baseDir) : o.config.model;
  const custom = server?.argv?.map((a) => a.replaceAll("{host}", o.host).replaceAll("{port}", String(o.port)));
  return serverLaunchArgv(o.backend, {
    model,
    host: o.host,
    port: o.port,
    ...(server?.servedModelName ? { servedModelName: server.servedModelName } : {}),
    ...(server?.executable ? { executable: server.executable } : {}),
    engineArgs: server?.engineArgs ?? {},
    extraArgs: server?.extraArgs ?? [],
    ...(custom ? { argv: fillArgv(custom, o.config as unknown as Record<string, unknown>, `${o.slug}: server`) } : {}),
  });
}

function workloadOptions(o: ServerBackendOptions, baseUrl: string, prompts: Prompt[], signal: AbortSignal): WorkloadOptions {
  const c = o.config;
  return {
    baseUrl,
    model: c.server?.servedModelName ?? c.model,
    api: c.workload.api,
    prompts,
    concurrency: c.workload.concurrency,
    ...(c.workload.requestRate !== undefined ? { requestRate: c.workload.requestRate } : {}),
    seed: c.generation.seed,
    maxOutputTokens: c.generation.maxOutputTokens,
    temperature: c.generation.temperature,
    topP: c.generation.topP,
    ignoreEos: c.generation.ignoreEos,
    stream: c.workload.stream,
    requestTimeoutMs: c.workload.requestTimeoutS * 1000,
    signal,
  };
}

/** An attached server refusing connections this long during the start-up wait is not running. */
const ATTACHED_REFUSED_LIMIT_MS = 3000;

function failed(message: string, details: Record<string, unknown>, nowNs = process.hrtime.bigint()): BackendOutcome {
  return {
    startedNs: nowNs,
    endedNs: nowNs,
    window: undefined,
    status: "failed",
    failure: { message },
    requests: { inputTokens: null, outputTokens: null, requests: null, failed: 0, errors: [], latenciesNs: { ttft: [], interToken: [], request: [] } },
    warnings: [],
    engine: null,
    details,
  };
}

export async function runServerBackend(o: ServerBackendOptions): Promise<BackendOutcome> {
  const c = o.config;
  const server = c.server;
  const details: Record<string, unknown> = { ...(o.wrap?.details ?? {}) };
  const attached = server?.url !== undefined;
  let handle: ServerHandle | undefined;
  let baseUrl: string;
  if (attached) {
    baseUrl = baseUrlOf(server!.url!);
    details.server = { attached: true, url: baseUrl };
  } else {
    const host = server?.host ?? "127.0.0.1";
    const port = server?.port || (await freePort());
    const launch = launchArgvOf({ backend: o.backend, config: c, slug: o.slug, host, port, ...(o.baseDir !== undefined ? { baseDir: o.baseDir } : {}) });
    const argv = o.wrap ? o.wrap.argv(launch) : launch;
    baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    details.server = { attached: false, url: baseUrl, argv: launch };
    // vLLM serves /reset_prefix_cache only in its development mode (see server/cache-reset.ts).
    const devMode: Record<string, string> = o.backend === "vllm" && c.workload.cache === "cold" ? { VLLM_SERVER_DEV_MODE: "1" } : {};
    handle = startServer({ argv, env: { ...o.env, ...devMode, ...(server?.env ?? {}) }, logFile: o.logFile, ...(o.onSpawn ? { onSpawn: o.onSpawn } : {}) });
  }

  // The run's own limit, the study's Ctrl-C, and the server's death all end the workload.
  const stopRun = new AbortController();
  const onStudyAbort = () => stopRun.abort(new Error("interrupted"));
  o.signal.addEventListener("abort", onStudyAbort);
  if (o.signal.aborted) onStudyAbort();
  const runTimer = setTimeout(() => stopRun.abort(new Error("timeout")), o.runTimeoutMs);
  let serverDied: { exitCode: number | null; signal: string | null } | null = null;
  const model = server?.servedModelName ?? c.model;
  const warnings: MeasurementWarning[] = [];
  const healthPath = server?.healthPath ?? defaultHealthPath(o.backend);
  // A frozen or dead server is seen within seconds (its health path), not after runTimeoutS.
  let unresponsive: string | null = null;
  let watch: { stop: () => void } | undefined;
  // Where to read more: the log of a server lem started; an attached one has none.
  const seeLog = attached ? "" : `; see ${o.logFile}`;
  const attachedGone = (why: string) =>
    `the attached server at ${baseUrl} is gone (${why}): the study stops, since every later run would fail too. Start the server again, then lem run --resume`;
  try {
    const readyStart = Date.now();
    try {
      const ready = await waitForServer({
        baseUrl,
        healthPath,
        timeoutMs: (server?.readyTimeoutS ?? 900) * 1000,
        ...(handle ? { server: handle, logFile: o.logFile } : { refusedLimitMs: ATTACHED_REFUSED_LIMIT_MS }),
        probeCompletion: async (timeoutMs) => {
          const options = workloadOptions(o, baseUrl, [], stopRun.signal);
          const r = await sendRequest({
            ...options,
            // Disjoint from the measured prompts: its cached prompt must serve none of them.
            prompt: warmupPrompts(o.prompts, 1)[0]!,
            index: -1,
            maxOutputTokens: Math.min(4, c.generation.maxOutputTokens),
            requestTimeoutMs: Math.min(timeoutMs, options.requestTimeoutMs),
          });
          return r.error === null ? { ok: true } : { ok: false, error: r.error };
        },
        signal: stopRun.signal,
      });
      details.readyAfterS = ready.readyAfterMs / 1000;
    } catch (e) {
      if (o.signal.aborted) return { ...failed("interrupted: the study was stopped while the server was starting", details), status: "interrupted" };
      if (stopRun.signal.aborted) {
        return failed(
          `the run exceeded its time limit of ${o.runTimeoutMs / 1000} s while the server was starting (execution.runTimeoutS counts the start-up too); ` +
            `raise execution.runTimeoutS, or read ${o.logFile} for what holds the server up`,
          { ...details, readyAfterS: (Date.now() - readyStart) / 1000 },
        );
      }
      if (e instanceof ServerError) {
        const out = failed(e.message, { ...details, readyAfterS: (Date.now() - readyStart) / 1000 });
        return e.code === "server-unreachable" ? { ...out, stopStudy: attachedGone("connection refused") } : out;
      }
      throw e;
    }
    // Registered only now: while it starts, waitForServer watches the process itself and says
    // why it ended (exit code, log); an abort raced ahead of it would hide that.
    void handle?.exited.then((x) => {
      serverDied = x;
      stopRun.abort(new Error("server-exited"));
    });
    watch = watchServerHealth({
      healthUrl: new URL(healthPath, baseUrl).href,
      onGone: (reason) => {
        unresponsive = reason;
        stopRun.abort(new Error("server-unresponsive"));
      },
    });

    const warmup = c.measurement.warmupRequests;
    if (warmup > 0) {
      const warm = await runWorkload(workloadOptions(o, baseUrl, warmupPrompts(o.prompts, warmup), stopRun.signal));
      const bad = warm.requests.filter((r) => r.error !== null).length;
      if (bad > 0) warnings.push({ code: "request-errors", message: `${bad} of ${warmup} warm-up request(s) failed (not measured)` });
    }

    const cache = await prepareCache(o, baseUrl, attached);
    if (cache.warning) warnings.push(cache.warning);
    const measured = workloadOptions(o, baseUrl, o.prompts, stopRun.signal);
    const outcome = await runWorkload(cache.extraBody ? { ...measured, extraBody: cache.extraBody } : measured);
    watch.stop();
    const totals = summarizeRequests(outcome.requests);
    // A server that stopped answering would only make lem wait for these too.
    const engine =
      unresponsive === null && serverDied === null
        ? await engineInfo(o.backend, baseUrl, 5000)
        : { engine: o.backend, version: null, settings: {}, sources: ["not asked: the server had stopped answering"] };
    details.peakInFlight = outcome.peakInFlight;
    const cached = cacheTotals(outcome.requests);
    details.cache = { ...cache.reset, ...cached };
    const hits = cacheHitWarning(c.workload.cache, cached);
    if (hits) warnings.push(hits);
    const retries = retryCount(outcome.requests);
    details.requestRetries = retries;
    const retried = retryWarning(retries);
    if (retried) warnings.push(retried);
    // An engine whose endpoints give no version (an "openai" backend on llama-server) may still name its build in every response.
    const fingerprint = engine.version === null ? fingerprintVersion(outcome.requests) : null;
    if (fingerprint !== null) engine.sources.push("system_fingerprint");
    if (totals.failed > 0) {
      warnings.push({
        code: "request-errors",
        message: `${totals.failed} of ${outcome.requests.length} request(s) failed: ${totals.errors
          .slice(0, 3)
          .map((e) => `${e.count}x ${e.message}`)
          .join("; ")}`,
      });
    }
    const result: BackendOutcome = {
      startedNs: outcome.startNs,
      endedNs: outcome.endNs,
      window: { source: "workload", startNs: outcome.startNs, endNs: outcome.endNs },
      status: "completed",
      requests: totals,
      records: outcome.requests,
      warnings,
      engine: { name: engine.engine, version: engine.version ?? fingerprint, settings: engine.settings },
      ...(c.workload.steadyState ? { steadyState: steadyStateWindow(outcome.requests, c.workload.concurrency) } : {}),
      details: { ...details, engineInfoSources: engine.sources },
    };
    const reason = stopRun.signal.reason instanceof Error ? stopRun.signal.reason.message : null;
    if (o.signal.aborted) {
      result.status = "interrupted";
      result.failure = { message: "interrupted: the study was stopped during this run" };
    } else if (serverDied !== null || reason === "server-exited") {
      const died = serverDied as { exitCode: number | null; signal: string | null } | null;
      result.status = "failed";
      result.failure = {
        message:
          `the server ${died?.signal ? `was ended by ${died.signal}` : `exited with code ${died?.exitCode ?? "?"}`} during the run ` +
          `(${totals.requests ?? 0} of ${o.prompts.length} requests had finished). Last lines of ${o.logFile}:\n${logTail(o.logFile, 20)}`,
      };
    } else if (unresponsive !== null) {
      result.status = "failed";
      result.failure = {
        message: `the server at ${baseUrl} stopped answering during the run: ${unresponsive} (${totals.requests ?? 0} of ${o.prompts.length} requests had finished)${seeLog}`,
      };
      if (attached) result.stopStudy = attachedGone(unresponsive);
    } else if (reason === "timeout") {
      result.status = "failed";
      result.failure = { message: `the run exceeded its time limit of ${o.runTimeoutMs / 1000} s and was stopped` };
    } else if (outcome.serverGone) {
      result.status = "failed";
      result.failure = { message: `the server stopped answering during the run (connection errors)${seeLog}` };
      if (attached) result.stopStudy = attachedGone("connection errors");
    } else if ((totals.requests ?? 0) === 0) {
      result.status = "failed";
      result.failure = { message: `every request failed: ${totals.errors[0]?.message ?? "no request was sent"}` };
    }
    return result;
  } finally {
    watch?.stop();
    clearTimeout(runTimer);
    o.signal.removeEventListener("abort", onStudyAbort);
    if (handle) await handle.stop((server?.shutdownGraceS ?? 30) * 1000);
    if (o.wrap) await o.wrap.stop();
  }
}

/**
 * Empties the engine's prompt cache before the window under workload.cache: cold (after the
 * warm-up, so nothing it cached reaches the window), or says why it could not.
 */
async function prepareCache(
  o: ServerBackendOptions,
  baseUrl: string,
  attached: boolean,
): Promise<{ reset: CacheReset; extraBody?: Record<string, unknown>; warning?: MeasurementWarning }> {
  if (o.config.workload.cache === "warm") return { reset: { policy: "warm", mechanism: "none", done: null } };
  const mechanism = cacheResetMechanism(o.backend);
  const reset = await resetEngineCache(baseUrl, mechanism, 10_000);
  const extraBody = mechanism.kind === "request-field" ? mechanism.body : undefined;
  // A server lem started is new for this run: a missing mechanism leaves only the warm-up's (disjoint) prompts in its cache.
  const warn = !reset.done && (attached || mechanism.kind === "endpoint");
  return {
    reset,
    ...(extraBody ? { extraBody } : {}),
    ...(warn
      ? {
          warning: {
            code: "cache-not-reset" as const,
            message: `workload.cache is cold but the engine's prompt cache was not emptied before the window (${reset.note ?? "no mechanism"})${attached ? "; the attached server keeps what earlier runs cached" : ""}`,
          },
        }
      : {}),
  };
}
