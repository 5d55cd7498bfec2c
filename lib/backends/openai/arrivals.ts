/**
 * Poisson arrivals for a request rate: exponential gaps with mean 1/rate, drawn from a seeded
 * generator so the same seed gives the same schedule on every run and platform.
 */
import { InvalidOptionsError } from "../../errors.js";
import { seededRandom } from "../../random/seeded-random.js";

/**
 * When each of `count` requests is due, in ns after the first: 0 for the first (as vLLM's
 * benchmark sends it at once), then cumulative exponential gaps with mean 1e9/ratePerS ns.
 */
export function poissonArrivalOffsetsNs(count: number, ratePerS: number, seed: number): number[] {
  if (!Number.isInteger(count) || count < 0) throw new InvalidOptionsError(`arrivals: count must be a non-negative integer, got ${count}`);
  if (!Number.isFinite(ratePerS) || ratePerS <= 0) {
    throw new InvalidOptionsError(`arrivals: the request rate must be a positive number of requests per second, got ${ratePerS}`);
  }
  const random = seededRandom(seed);
  const meanGapNs = 1e9 / ratePerS;
  const offsetsNs: number[] = [];
  let tNs = 0;
  for (let i = 0; i < count; i++) {
    if (i > 0) tNs += -Math.log(1 - random()) * meanGapNs; // 1 - u is in (0, 1]: log is finite
    offsetsNs.push(Math.round(tNs));
  }
  return offsetsNs;
}
