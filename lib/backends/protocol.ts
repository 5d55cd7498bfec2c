/**
 * The child protocol (architecture.md): a child writes JSON lines on file descriptor 3.
 *
 *   {"event":"ready"}
 *   {"event":"window_start","t_ns":"<CLOCK_MONOTONIC ns>"}
 *   {"event":"request","input_tokens":N,"output_tokens":M,"ttft_ns":...,"latency_ns":...}
 *   {"event":"batch","size":B,"input_tokens":N,"output_tokens":M,"ttft_ns":...,"latency_ns":...}
 *   {"event":"window_end","t_ns":"..."}
 *   {"event":"result", ...engine facts...}
 *   {"event":"error","message":"..."}
 */
import { z } from "zod";

const nsValue = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform((v) => BigInt(v));

export const ChildEventSchema = z.discriminatedUnion("event", [
  z.object({ event: z.literal("ready") }).passthrough(),
  z.object({ event: z.literal("window_start"), t_ns: nsValue }).passthrough(),
  z.object({ event: z.literal("window_end"), t_ns: nsValue }).passthrough(),
  z
    .object({
      event: z.literal("request"),
      input_tokens: z.number().int().nonnegative().optional(),
      output_tokens: z.number().int().nonnegative().optional(),
      ttft_ns: z.number().nonnegative().optional(),
      latency_ns: z.number().nonnegative().optional(),
    })
    .passthrough(),
  z
    .object({
      event: z.literal("batch"),
      size: z.number().int().positive(),
      input_tokens: z.number().int().nonnegative().optional(),
      output_tokens: z.number().int().nonnegative().optional(),
      ttft_ns: z.number().nonnegative().optional(),
      latency_ns: z.number().nonnegative().optional(),
    })
    .passthrough(),
  z.object({ event: z.literal("result") }).passthrough(),
  z.object({ event: z.literal("error"), message: z.string() }).passthrough(),
]);

export type ChildEvent = z.infer<typeof ChildEventSchema>;

/** A child that has ended, with what it said on its protocol channel (lem measure and study runs alike). */
export interface EndedChild {
  /** CLOCK_MONOTONIC ns just before the spawn and just after the exit was seen. */
  startedNs: bigint;
  endedNs: bigint;
  exitCode: number | null;
  signal: string | null;
  events: ChildEvent[];
  protocolProblems: ProtocolProblem[];
}

/** The ended child's record from its exit (execa's result) and what its protocol reader kept. */
export function endedChild(
  times: { startedNs: bigint; endedNs: bigint },
  exit: { exitCode?: number | undefined; signal?: string | undefined },
  reader: ProtocolReader,
): EndedChild {
  return {
    ...times,
    exitCode: exit.exitCode ?? null,
    signal: exit.signal ?? null,
    events: reader.events,
    protocolProblems: reader.problems,
  };
}

export interface ProtocolProblem {
  line: number;
  text: string;
  problem: string;
}

/** Incremental parser of fd 3: feed chunks, get events; bad lines are kept as problems, not thrown. */
export class ProtocolReader {
  readonly events: ChildEvent[] = [];
  readonly problems: ProtocolProblem[] = [];
  #buffer = "";
  #line = 0;

  push(chunk: string): ChildEvent[] {
    this.#buffer += chunk;
    const lines = this.#buffer.split("\n");
    this.#buffer = lines.pop() ?? "";
    return lines.flatMap((l) => this.#parse(l));
  }

  /** Parses a last line without its newline. */
  end(): ChildEvent[] {
    const rest = this.#buffer;
    this.#buffer = "";
    return rest.trim() ? this.#parse(rest) : [];
  }

  #parse(text: string): ChildEvent[] {
    this.#line++;
    if (!text.trim()) return [];
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.problems.push({ line: this.#line, text, problem: "not JSON" });
      return [];
    }
    const parsed = ChildEventSchema.safeParse(json);
    if (!parsed.success) {
      this.problems.push({
        line: this.#line,
        text,
        problem: parsed.error.issues.map((i) => `${i.path.join(".") || "event"}: ${i.message}`).join("; "),
      });
      return [];
    }
    this.events.push(parsed.data);
    return [parsed.data];
  }
}

/** The measurement window the child marked, if it marked one (the last start/end pair). */
export function markedWindow(events: ChildEvent[]): { startNs: bigint; endNs: bigint } | undefined {
  let start: bigint | undefined;
  let end: bigint | undefined;
  for (const e of events) {
    if (e.event === "window_start") start = e.t_ns;
    if (e.event === "window_end") end = e.t_ns;
  }
  return start !== undefined && end !== undefined && end > start ? { startNs: start, endNs: end } : undefined;
}

/**
 * The request events that belong to the window: those the child sent after the window_start
 * and before the window_end that define it (all of them for a lifetime window).
 */
export function requestsInWindow(events: ChildEvent[], marked: boolean): { inside: ChildEvent[]; outside: number } {
  if (!marked) return { inside: events.filter((e) => e.event === "request"), outside: 0 };
  let lastStart = -1;
  let lastEnd = -1;
  events.forEach((e, i) => {
    if (e.event === "window_start") lastStart = i;
    if (e.event === "window_end") lastEnd = i;
  });
  const inside: ChildEvent[] = [];
  let outside = 0;
  events.forEach((e, i) => {
    if (e.event !== "request") return;
    if (i > lastStart && i < lastEnd) inside.push(e);
    else outside++;
  });
  return { inside, outside };
}

/**
 * Whether marks lie within the child's lifetime (with `slackNs` either side): marks taken on
 * another clock than CLOCK_MONOTONIC would select samples that have nothing to do with them.
 */
export function windowWithinLifetime(
  window: { startNs: bigint; endNs: bigint },
  lifetime: { startedNs: bigint; endedNs: bigint },
  slackNs = 1_000_000_000n,
): boolean {
  return window.startNs >= lifetime.startedNs - slackNs && window.endNs <= lifetime.endedNs + slackNs;
}
