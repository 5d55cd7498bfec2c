/**
 * What a backend hands back for one run, whichever kind it is (a child speaking the protocol,
 * a plain command, or a server driven by lem's workload): the window it marked, the requests
 * inside it, how it ended, and the engine's facts. lib/study turns it into energy and a result.
 */
import type { MeasurementWarning } from "../warnings/measurement-warning.js";
import type { RequestRecord } from "./request-record.js";

export interface EngineFacts {
  /** "vllm", "transformers", "llama.cpp", ... */
  name: string;
  version: string | null;
  /** The engine's effective settings, as it reported them (its endpoints, its result event). */
  settings: Record<string, unknown>;
}

/** Token counts and latencies of a window's requests; null where the backend did not say. */
export interface RequestTotals {
  inputTokens: number | null;
  outputTokens: number | null;
  /** Requests that succeeded. */
  requests: number | null;
  failed: number;
  /** Failure messages with how often each occurred. */
  errors: { message: string; count: number }[];
  latenciesNs: { ttft: number[]; interToken: number[]; request: number[] };
}

export interface SteadyStateMarks {
  startNs: bigint;
  endNs: bigint;
  /** Output tokens streamed inside the window. */
  outputTokens: number;
  /** Requests that finished inside it. */
  requests: number;
}

export interface BackendOutcome {
  /** What lem ran, start to end: the child's lifetime, or the workload's span for a server. */
  startedNs: bigint;
  endedNs: bigint;
  /**
   * The measurement window: "protocol" when the child marked it on fd 3, "workload" when lem
   * drove the requests itself (first sent to last finished); undefined: the lifetime is measured.
   */
  window: { source: "protocol" | "workload"; startNs: bigint; endNs: bigint } | undefined;
  status: "completed" | "failed" | "interrupted";
  failure?: { message: string; exitCode?: number; signal?: string };
  /** Totals of the requests that belong to the window (all of them for a lifetime window). */
  requests: RequestTotals;
  /** Each request, where lem drove them itself (written to requests.jsonl). */
  records?: RequestRecord[];
  warnings: MeasurementWarning[];
  engine: EngineFacts | null;
  /** The ML.ENERGY steady-state window, when asked for (server backends). */
  steadyState?: SteadyStateMarks | { unavailable: string };
  /** Backend facts kept in the result as they are (server start time, image digest, ...). */
  details: Record<string, unknown>;
  /** Why no later run of the study can succeed either (an attached server is gone): the study stops. */
  stopStudy?: string;
}
