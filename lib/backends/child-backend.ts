/**
 * A backend that is one child program: a plain command, or a harness (transformers, llama.cpp)
 * that speaks the child protocol. Runs it (lib/backends/child-process.ts), then reads its
 * window, requests and engine facts from the protocol, and says how it ended.
 */
import { closeSync, existsSync, openSync, readSync, rmSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import type { MeasurementWarning } from "../warnings/measurement-warning.js";
import type { BackendOutcome, EngineFacts, RequestTotals } from "./backend-outcome.js";
import { runChild, type ChildOutcome } from "./child-process.js";
import {
  markedWindow,
  markedWindowProblem,
  ProtocolReader,
  requestsInWindow,
  windowWithinLifetime,
  type ChildEvent,
  type ProtocolProblemKind,
} from "./protocol.js";

export interface ChildBackendOptions {
  argv: string[];
  env: Record<string, string>;
  cwd?: string;
  /** window: the child must mark its window; lifetime: its whole life is measured; auto: the window when marked. */
  measure: "auto" | "window" | "lifetime";
  logFile: string;
  runTimeoutMs: number;
  silenceTimeoutMs: number;
  signal: AbortSignal;
  onSpawn?: (pid: number) => void;
  /** A file the child writes its protocol lines to instead of fd 3 (a child in a container). */
  protocolFile?: string;
  /** Runs once the child has ended, however it ended (e.g. removing its container). */
  afterExit?: (child: ChildOutcome) => Promise<void>;
}

/** Token counts and latencies from the child's `request` events. */
export function totalsFromEvents(events: ChildEvent[]): RequestTotals {
  const ttft: number[] = [];
  const interToken: number[] = [];
  const request: number[] = [];
  let input = 0;
  let output = 0;
  let requests = 0;
  // A count left out is unknown, not zero: one request without it makes the total unknown.
  let allInput = true;
  let allOutput = true;
  for (const e of events) {
    if (e.event !== "request") continue;
    requests++;
    if (e.input_tokens !== undefined) input += e.input_tokens;
    else allInput = false;
    if (e.output_tokens !== undefined) output += e.output_tokens;
    else allOutput = false;
    if (e.ttft_ns !== undefined) ttft.push(e.ttft_ns);
    if (e.latency_ns !== undefined) request.push(e.latency_ns);
    const it = (e as { inter_token_ns?: unknown }).inter_token_ns;
    if (typeof it === "number") interToken.push(it);
  }
  return {
    inputTokens: requests > 0 && allInput ? input : null,
    outputTokens: requests > 0 && allOutput ? output : null,
    requests: requests > 0 ? requests : null,
    failed: 0,
    errors: [],
    latenciesNs: { ttft, interToken, request },
  };
}

/** The engine's facts from the child's `result` event (engine, engine_version, the rest as settings). */
export function engineFromEvents(events: ChildEvent[]): EngineFacts | null {
  const r = events.find((e) => e.event === "result") as Record<string, unknown> | undefined;
  if (!r) return null;
  const { event: _event, engine, engine_version, ...settings } = r;
  return {
    name: typeof engine === "string" ? engine : "command",
    version: typeof engine_version === "string" ? engine_version : null,
    settings,
  };
}

/** Protocol lines a containerised child wrote to its file (fd 3 does not cross `docker run`). */
function eventsFromFile(path: string): { events: ChildEvent[]; problems: ChildOutcome["protocolProblems"]; kinds: ProtocolProblemKind[] } {
  const reader = new ProtocolReader();
  if (existsSync(path)) {
    // Read in pieces, as fd 3 is: a file of millions of lines is never one string in memory.
    const fd = openSync(path, "r");
    try {
      const decoder = new StringDecoder("utf8");
      const buffer = Buffer.alloc(1 << 20);
      for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0; ) reader.push(decoder.write(buffer.subarray(0, n)));
      reader.push(decoder.end());
    } finally {
      closeSync(fd);
    }
    reader.end();
  }
  return { events: reader.events, problems: reader.problems, kinds: reader.problemKinds() };
}

/** One warning per kind of protocol problem, however many lines had it. */
export function protocolProblemWarnings(kinds: ProtocolProblemKind[]): MeasurementWarning[] {
  return kinds.map((k) => ({
    code: "protocol" as const,
    message:
      k.count === 1
        ? `protocol line ${k.firstLine} ignored: ${k.problem}`
        : `${k.count} protocol lines ignored (lines ${k.firstLine} to ${k.lastLine}): ${k.problem}`,
  }));
}

function howItEnded(child: ChildOutcome, o: ChildBackendOptions, marked: boolean): Pick<BackendOutcome, "status" | "failure"> {
  const errorEvent = child.events.find((e) => e.event === "error") as { message?: string } | undefined;
  const said = errorEvent?.message ? `: ${errorEvent.message}` : "";
  if (child.stopReason === "aborted") return { status: "interrupted", failure: { message: "interrupted: the study was stopped during this run" } };
  if (child.spawnError) return { status: "failed", failure: { message: `the command could not be started: ${child.spawnError}` } };
  if (child.stopReason === "timeout") {
    return { status: "failed", failure: { message: `the run exceeded its time limit of ${o.runTimeoutMs / 1000} s and was stopped${said}` } };
  }
  if (child.stopReason === "silence") {
    return { status: "failed", failure: { message: `the child was silent for more than ${o.silenceTimeoutMs / 1000} s and was stopped${said}` } };
  }
  if (child.exitCode !== 0) {
    return {
      status: "failed",
      failure: {
        message: `the child ${child.signal ? `was ended by ${child.signal}` : `exited with code ${child.exitCode}`}${said} (see child.log)`,
        ...(child.exitCode !== null ? { exitCode: child.exitCode } : {}),
        ...(child.signal ? { signal: child.signal } : {}),
      },
    };
  }
  if (o.measure === "window" && !marked) {
    return { status: "failed", failure: { message: 'the child marked no measurement window on its protocol channel (measure is "window")' } };
  }
  return { status: "completed" };
}

export async function runChildBackend(o: ChildBackendOptions): Promise<BackendOutcome> {
  // Children append to it, and a retried run reuses its directory: an earlier attempt's events
  // (its window, result, error) must not be read as this one's. Removed, not truncated: a
  // container may have created it as another user.
  if (o.protocolFile) rmSync(o.protocolFile, { force: true });
  let child = await runChild({
    argv: o.argv,
    env: o.env,
    ...(o.cwd ? { cwd: o.cwd } : {}),
    logFile: o.logFile,
    runTimeoutMs: o.runTimeoutMs,
    silenceTimeoutMs: o.silenceTimeoutMs,
    signal: o.signal,
    ...(o.onSpawn ? { onSpawn: o.onSpawn } : {}),
    ...(o.protocolFile ? { protocolFile: o.protocolFile } : {}),
  });
  if (o.afterExit) await o.afterExit(child);
  if (o.protocolFile) {
    const fromFile = eventsFromFile(o.protocolFile);
    child = {
      ...child,
      events: [...child.events, ...fromFile.events],
      protocolProblems: [...child.protocolProblems, ...fromFile.problems],
      protocolProblemKinds: [...child.protocolProblemKinds, ...fromFile.kinds],
    };
  }
  const warnings: MeasurementWarning[] = [];
  let marked = o.measure === "lifetime" ? undefined : markedWindow(child.events);
  const markProblem = o.measure === "lifetime" ? undefined : markedWindowProblem(child.events);
  if (markProblem) warnings.push({ code: "protocol", message: `${markProblem}: its marks make no measurement window` });
  if (marked && !windowWithinLifetime(marked, child)) {
    warnings.push({
      code: "protocol",
      message:
        `the window the child marked (${marked.startNs}..${marked.endNs} ns) lies outside its own lifetime ` +
        `(${child.startedNs}..${child.endedNs} ns): its marks are not CLOCK_MONOTONIC ns (use time.monotonic_ns() or ` +
        `process.hrtime.bigint()); the whole lifetime was measured instead.`,
    });
    marked = undefined;
  }
  for (const w of protocolProblemWarnings(child.protocolProblemKinds)) warnings.push(w);
  const inWindow = requestsInWindow(child.events, marked !== undefined);
  if (inWindow.outside > 0) {
    warnings.push({
      code: "protocol",
      message: `${inWindow.outside} request(s) reported outside the measurement window were not counted (their energy is not in the window either).`,
    });
  }
  return {
    startedNs: child.startedNs,
    endedNs: child.endedNs,
    window: marked ? { source: "protocol", ...marked } : undefined,
    ...howItEnded(child, o, marked !== undefined),
    requests: totalsFromEvents(inWindow.inside),
    warnings,
    engine: engineFromEvents(child.events),
    details: {},
  };
}
