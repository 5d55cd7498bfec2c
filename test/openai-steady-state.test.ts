// The ML.ENERGY steady-state window, computed from synthetic request records (times in ns).
import { describe, expect, it } from "vitest";
import { steadyStateWindow } from "../lib/backends/openai/steady-state.js";
import type { RequestRecord } from "../lib/backends/request-record.js";

/** A streamed request; `chunksAt` are absolute arrival times of its chunks (the first is its first token). */
function streamed(index: number, startNs: number, chunksAt: number[], endNs: number, error: string | null = null): RequestRecord {
  return {
    index,
    promptId: `synthetic-${index}`,
    startNs: BigInt(startNs),
    firstTokenNs: chunksAt.length > 0 ? BigInt(chunksAt[0]!) : null,
    endNs: BigInt(endNs),
    chunkOffsetsNs: chunksAt.map((t) => t - startNs),
    inputTokens: 10,
    outputTokens: chunksAt.length,
    tokensFrom: "usage",
    error,
    finishReason: error === null ? "stop" : null,
  };
}

const every = (fromNs: number, toNs: number, stepNs: number) => Array.from({ length: Math.floor((toNs - fromNs) / stepNs) + 1 }, (_, i) => fromNs + i * stepNs);

// Concurrency 2: r0 and r1 start together; r2 takes r0's slot at 100, r3 takes r1's at 120.
const fourRequests = [
  streamed(0, 0, every(10, 90, 20), 100), // chunks 10 30 50 70 90
  streamed(1, 0, every(20, 120, 20), 120), // 20 40 ... 120
  streamed(2, 100, every(115, 195, 20), 200), // 115 135 ... 195
  streamed(3, 120, every(130, 210, 20), 220), // 130 150 ... 210
];

describe("steadyStateWindow", () => {
  it("opens when `concurrency` requests are generating and closes at the (N - concurrency + 1)-th end", () => {
    expect(steadyStateWindow(fourRequests, 2)).toEqual({
      startNs: 20n, // r1's first token: r0 and r1 both generating
      endNs: 200n, // ends are 100 120 200 220: the 3rd (4 - 2 + 1) closes it
      // (20, 200]: r0 30..90 (4), r1 40..120 (5), r2 115..195 (5), r3 130..190 (4)
      outputTokens: 18,
      requests: 3, // r0, r1, r2 finished inside
    });
  });

  it("counts the server's usage tokens spread over a request's chunks when chunks carry several tokens", () => {
    // The same arrivals, but every chunk of r0 and r1 carried 2 tokens (their usage says 10 and 12).
    const doubled = fourRequests.map((r, i) => (i < 2 ? { ...r, outputTokens: 2 * r.chunkOffsetsNs.length } : r));
    // (20, 200]: r0 4 chunks x 2, r1 5 x 2, r2 5, r3 4.
    expect(steadyStateWindow(doubled, 2)).toMatchObject({ outputTokens: 8 + 10 + 5 + 4 });
    // Counted chunks (no usage) are one token each, whatever outputTokens says.
    const counted = doubled.map((r) => ({ ...r, tokensFrom: "counted" as const }));
    expect(steadyStateWindow(counted, 2)).toMatchObject({ outputTokens: 18 });
  });

  it("does not count a request ending at the instant another starts generating as overlapping it", () => {
    const records = [
      streamed(0, 0, [10, 50], 50),
      streamed(1, 0, [50, 80], 90), // first token exactly when r0 ends
      streamed(2, 55, [60, 100], 100),
    ];
    const w = steadyStateWindow(records, 2);
    expect(w).toMatchObject({ startNs: 60n, endNs: 90n });
  });

  it("ignores failed requests, whatever they streamed", () => {
    const withFailure = [...fourRequests, streamed(4, 0, every(5, 215, 10), 215, "connection closed before the response finished")];
    expect(steadyStateWindow(withFailure, 2)).toEqual(steadyStateWindow(fourRequests, 2));
  });

  it("is unavailable when the requests were not streamed", () => {
    const whole = fourRequests.map((r) => ({ ...r, firstTokenNs: null, chunkOffsetsNs: [] }));
    expect(steadyStateWindow(whole, 2)).toEqual({
      unavailable: "the steady state needs first-token times, which only streamed requests have (set workload.stream: true)",
    });
  });

  it("is unavailable when there are no more successful requests than the concurrency", () => {
    expect(steadyStateWindow(fourRequests.slice(0, 2), 2)).toEqual({
      unavailable: "the steady state needs more successful streamed requests than the concurrency (2); there were 2",
    });
  });

  it("is unavailable when `concurrency` requests were never generating at once", () => {
    const oneAtATime = [streamed(0, 0, [10], 20), streamed(1, 20, [30], 40), streamed(2, 40, [50], 60)];
    const w = steadyStateWindow(oneAtATime, 2);
    expect(w).toHaveProperty("unavailable");
    expect((w as { unavailable: string }).unavailable).toMatch(/^2 requests were never generating at once/);
  });

  it("counts a chunk arriving exactly at the close, not one exactly at the open", () => {
    const w = steadyStateWindow(fourRequests, 2);
    // r1's chunk at 20 opened the window (out), r2's last chunk at 195 and r2's end at 200 are in.
    const shifted = steadyStateWindow(
      fourRequests.map((r) => (r.index === 2 ? { ...r, chunkOffsetsNs: [...r.chunkOffsetsNs, 100], outputTokens: r.outputTokens! + 1 } : r)), // a chunk at 200
      2,
    );
    expect((shifted as { outputTokens: number }).outputTokens).toBe((w as { outputTokens: number }).outputTokens + 1);
  });
});
