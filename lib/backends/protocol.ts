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
  /** The first few bad lines, in full detail (PROTOCOL_LIMITS.problemsKept). */
  protocolProblems: ProtocolProblem[];
  /** Every bad line, counted per kind of problem: one warning each, however many lines. */
  protocolProblemKinds: ProtocolProblemKind[];
}

/** The ended child's record from its exit (execa's result) and what its protocol reader kept. */
export function endedChild(
  times: { startedNs: bigint; endedNs: bigint },
  exit: { exitCode?: number | null | undefined; signal?: string | null | undefined },
  reader: ProtocolReader,
): EndedChild {
  return {
    ...times,
    exitCode: exit.exitCode ?? null,
    signal: exit.signal ?? null,
    events: reader.events,
    protocolProblems: reader.problems,
    protocolProblemKinds: reader.problemKinds(),
  };
}

export interface ProtocolProblem {
  line: number;
  /** The line, cut to PROTOCOL_LIMITS.problemTextChars. */
  text: string;
  problem: string;
}

export interface ProtocolProblemKind {
  problem: string;
  count: number;
  firstLine: number;
  lastLine: number;
}

/**
 * What a protocol reader keeps, whatever a child sends: a line longer than `lineChars` is
 * discarded as it streams in (never joined, never parsed); problems are counted per kind, and
 * only the first few are kept whole.
 */
export const PROTOCOL_LIMITS = { lineChars: 1 << 20, problemsKept: 20, problemTextChars: 200, problemKinds: 20 } as const;

const OTHER_PROBLEMS = "other problems (more kinds than lem lists one by one)";

/**
 * Incremental parser of fd 3: feed chunks, get events; bad lines are kept as problems, not
 * thrown. Linear in what it is fed: a partial line is kept as pieces, joined once, and each
 * chunk is searched for newlines only once.
 */
export class ProtocolReader {
  readonly events: ChildEvent[] = [];
  readonly problems: ProtocolProblem[] = [];
  /** Bad lines in all, including those not kept in `problems`. */
  problemCount = 0;
  readonly #kinds = new Map<string, ProtocolProblemKind>();
  #pieces: string[] = [];
  #pieceChars = 0;
  /** The current line is over the limit: the rest of it is skipped up to its newline. */
  #overlong = false;
  #line = 0;

  push(chunk: string): ChildEvent[] {
    const out: ChildEvent[] = [];
    let from = 0;
    for (;;) {
      const newline = chunk.indexOf("\n", from);
      if (newline === -1) {
        this.#append(chunk, from, chunk.length);
        return out;
      }
      this.#append(chunk, from, newline);
      this.#finishLine(out);
      from = newline + 1;
    }
  }

  /** Parses a last line without its newline. */
  end(): ChildEvent[] {
    const out: ChildEvent[] = [];
    if (this.#overlong || this.#pieceChars > 0) this.#finishLine(out);
    return out;
  }

  /** Every kind of problem seen, with how many lines had it. */
  problemKinds(): ProtocolProblemKind[] {
    return [...this.#kinds.values()].map((k) => ({ ...k }));
  }

  #append(chunk: string, from: number, to: number): void {
    if (to <= from || this.#overlong) return;
    if (this.#pieceChars + (to - from) > PROTOCOL_LIMITS.lineChars) {
      // Dropped at once: a line without end must cost neither memory nor parsing time.
      this.#overlong = true;
      this.#pieces = [];
      this.#pieceChars = 0;
      return;
    }
    this.#pieces.push(from === 0 && to === chunk.length ? chunk : chunk.slice(from, to));
    this.#pieceChars += to - from;
  }

  #finishLine(out: ChildEvent[]): void {
    this.#line++;
    if (this.#overlong) {
      this.#overlong = false;
      this.#problem("", `line longer than ${PROTOCOL_LIMITS.lineChars} characters (not read)`);
      return;
    }
    const text = this.#pieces.length === 1 ? this.#pieces[0]! : this.#pieces.join("");
    this.#pieces = [];
    this.#pieceChars = 0;
    const event = this.#parse(text);
    if (event) out.push(event);
  }

  #problem(text: string, problem: string): void {
    this.problemCount++;
    if (this.problems.length < PROTOCOL_LIMITS.problemsKept) {
      this.problems.push({ line: this.#line, text: text.slice(0, PROTOCOL_LIMITS.problemTextChars), problem });
    }
    const key = this.#kinds.has(problem) || this.#kinds.size < PROTOCOL_LIMITS.problemKinds ? problem : OTHER_PROBLEMS;
    const kind = this.#kinds.get(key);
    if (kind) {
      kind.count++;
      kind.lastLine = this.#line;
    } else {
      this.#kinds.set(key, { problem: key, count: 1, firstLine: this.#line, lastLine: this.#line });
    }
  }

  #parse(text: string): ChildEvent | undefined {
    if (!text.trim()) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.#problem(text, "not JSON");
      return undefined;
    }
    const request = keptRequest(json);
    if (request) {
      this.events.push(request);
      return json as ChildEvent;
    }
    const parsed = ChildEventSchema.safeParse(json);
    if (!parsed.success) {
      this.#problem(text, parsed.error.issues.map((i) => `${i.path.join(".") || "event"}: ${i.message}`).join("; "));
      return undefined;
    }
    this.events.push(parsed.data);
    return parsed.data;
  }
}

/**
 * A valid request event as JSON.parse made it (extra fields such as prompt_id kept, as the
 * schema's passthrough keeps them): the schema's rules checked directly, since a child may send
 * millions and zod is many times slower; zod stays the path that explains a bad one. Undefined
 * for anything else, valid or not.
 */
function keptRequest(json: unknown): ChildEvent | undefined {
  if (typeof json !== "object" || json === null || (json as { event?: unknown }).event !== "request") return undefined;
  const o = json as Record<string, unknown>;
  const count = (v: unknown) => v === undefined || (Number.isSafeInteger(v) && (v as number) >= 0);
  const ns = (v: unknown) => v === undefined || (typeof v === "number" && Number.isFinite(v) && v >= 0);
  if (!count(o.input_tokens) || !count(o.output_tokens) || !ns(o.ttft_ns) || !ns(o.latency_ns)) return undefined;
  return o as ChildEvent;
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
 * Why the marks the child sent make no window, when it sent some: a window_start without a
 * window_end (or the reverse), or an end that is not after its start. Undefined when they do
 * make one, or when there are no marks at all.
 */
export function markedWindowProblem(events: ChildEvent[]): string | undefined {
  let start: bigint | undefined;
  let end: bigint | undefined;
  for (const e of events) {
    if (e.event === "window_start") start = e.t_ns;
    if (e.event === "window_end") end = e.t_ns;
  }
  if (start === undefined && end === undefined) return undefined;
  if (start === undefined) return `the child sent a window_end (t_ns ${end}) but no window_start`;
  if (end === undefined) return `the child sent a window_start (t_ns ${start}) but no window_end`;
  if (end <= start) return `the child's window_end (t_ns ${end}) is not after its window_start (t_ns ${start})`;
  return undefined;
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
