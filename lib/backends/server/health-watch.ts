/**
 * Watches a server while the workload runs: its health path polled every `pollMs`. A server
 * that refuses connections twice in a row (it died) or that leaves the health path unanswered
 * for `stallMs` (frozen: SIGSTOP, a wedged engine; connections are still accepted by the kernel)
 * is declared gone within seconds, not after runTimeoutS. Any HTTP answer counts as alive.
 */
import { describeFetchError } from "./wait-ready.js";

export interface HealthWatchOptions {
  healthUrl: string;
  /** Called once, with what was seen ("connection refused", "no answer on /health for 10.0 s"). */
  onGone: (reason: string) => void;
  /** Default 1000 ms. */
  pollMs?: number;
  /** The longest one health request may take (default 2000 ms). */
  requestTimeoutMs?: number;
  /** How long without any answer counts as frozen (default HEALTH_STALL_MS). */
  stallMs?: number;
}

/** Without an answer on its health path for this long, a server has stopped answering. */
export const HEALTH_STALL_MS = 10_000;

/** How many refused connections in a row mean that nothing listens any more. */
const REFUSED_IN_A_ROW = 2;

export function watchServerHealth(o: HealthWatchOptions): { stop: () => void } {
  const pollMs = o.pollMs ?? 1000;
  const requestTimeoutMs = o.requestTimeoutMs ?? 2000;
  const stallMs = o.stallMs ?? HEALTH_STALL_MS;
  const stopping = new AbortController();
  let lastAnswerMs = performance.now();
  let refused = 0;
  let timer: NodeJS.Timeout | undefined;
  const path = new URL(o.healthUrl).pathname;

  const poll = async () => {
    const timeout = AbortSignal.timeout(requestTimeoutMs);
    let seen: string | null = null;
    try {
      const response = await fetch(o.healthUrl, { signal: AbortSignal.any([timeout, stopping.signal]) });
      await response.body?.cancel().catch(() => undefined);
      lastAnswerMs = performance.now();
      refused = 0;
    } catch (error) {
      if (stopping.signal.aborted) return;
      seen = describeFetchError(error, requestTimeoutMs);
      refused = seen === "connection refused" ? refused + 1 : 0;
    }
    if (stopping.signal.aborted) return;
    if (refused >= REFUSED_IN_A_ROW) return gone(`connection refused: nothing listens at ${new URL(o.healthUrl).origin} any more`);
    const silentMs = performance.now() - lastAnswerMs;
    if (seen !== null && silentMs >= stallMs) return gone(`no answer on ${path} for ${(silentMs / 1000).toFixed(1)} s (last: ${seen})`);
    timer = setTimeout(() => void poll(), pollMs);
  };
  const gone = (reason: string) => {
    stopping.abort();
    o.onGone(reason);
  };
  timer = setTimeout(() => void poll(), pollMs);
  return {
    stop: () => {
      stopping.abort();
      clearTimeout(timer);
    },
  };
}
