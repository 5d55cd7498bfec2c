/**
 * Baselines cached per machine, GPU set and driver, with a time to live; a short spot
 * check re-measures the full baseline when idle power has drifted since.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { listDevices } from "../gpu/devices.js";
import { activeSimulation, nvmlStatus } from "../gpu/provider.js";
import { type Baseline, BaselineSchema, measureBaseline } from "./baseline.js";

export interface BaselineRequest {
  devices?: number[];
  durationS?: number;
  intervalMs?: number;
  /** How long a cached baseline stays valid; default 24 h. 0 disables the cache. */
  ttlS?: number;
  /** Length of the spot check that validates a cached baseline; default 5 s, 0 skips it. */
  spotCheckS?: number;
  /** Relative drift of idle power that invalidates the cache; default 0.1 (10 %). */
  maxDrift?: number;
  /** Where the cache lives; default $LEM_CACHE_DIR or ~/.cache/lem. */
  cacheDir?: string;
  /** What else the idle state depends on, e.g. "docker:IMAGE" when measured beside an idle container; part of the cache key. */
  context?: string;
  /** Aborting ends a measurement in progress (BaselineInterruptedError); nothing is cached then. */
  signal?: AbortSignal;
}

export interface BaselineOutcome {
  baseline: Baseline;
  source: "measured" | "cache" | "remeasured-after-drift";
  /** The spot check of a cached baseline: worst relative drift of idle power, and on which GPU. */
  spotCheck?: { durationS: number; worstDrift: number; device: number };
  cacheFile?: string;
}

const CacheFileSchema = z.object({ entries: z.record(z.string(), BaselineSchema) });

export function defaultCacheDir(): string {
  return process.env.LEM_CACHE_DIR ?? join(homedir(), ".cache", "lem");
}

/** Machine + GPU UUIDs + driver (+ the scenario when simulated): what a baseline is valid for. */
export function baselineKey(devices?: number[], context = ""): string {
  const facts = listDevices().filter((d) => !devices || devices.includes(d.index));
  const sim = activeSimulation();
  const parts = [hostname(), nvmlStatus().driverVersion ?? "", sim ? `sim:${sim.source}` : "", ...facts.map((d) => d.uuid)];
  if (context) parts.push(`context:${context}`);
  return createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 16);
}

function readCache(file: string): z.infer<typeof CacheFileSchema> {
  try {
    return CacheFileSchema.parse(JSON.parse(readFileSync(file, "utf8")));
  } catch {
    return { entries: {} }; // missing or unreadable: measure afresh (the file is only a cache)
  }
}

/** A valid baseline for the GPUs: from the cache when fresh and confirmed, else measured. */
export async function getBaseline(request: BaselineRequest = {}): Promise<BaselineOutcome> {
  const ttlS = request.ttlS ?? 86_400;
  const spotCheckS = request.spotCheckS ?? 5;
  const maxDrift = request.maxDrift ?? 0.1;
  const measure = () =>
    measureBaseline({
      ...(request.devices ? { devices: request.devices } : {}),
      ...(request.durationS !== undefined ? { durationS: request.durationS } : {}),
      ...(request.intervalMs !== undefined ? { intervalMs: request.intervalMs } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
  if (ttlS <= 0) return { baseline: await measure(), source: "measured" };

  const dir = request.cacheDir ?? defaultCacheDir();
  const file = join(dir, "baselines.json");
  const key = baselineKey(request.devices, request.context);
  const cache = readCache(file);
  const cached = cache.entries[key];
  const store = (baseline: Baseline) => {
    // A refused baseline (the GPU was not idle) must not stand in for the next study's.
    if (baseline.devices.some((d) => d.validity?.status === "refused")) return;
    mkdirSync(dir, { recursive: true });
    const fresh = readCache(file); // another lem may have written meanwhile
    fresh.entries[key] = baseline;
    writeFileAtomic(file, `${JSON.stringify(fresh, null, 2)}\n`);
  };

  const ageS = cached ? (Date.now() - Date.parse(cached.measuredAt)) / 1000 : Infinity;
  // A cached baseline only stands in for one at least as long (5 % slack for timer jitter).
  const longEnough = cached !== undefined && cached.durationS >= 0.95 * (request.durationS ?? 30);
  // Baselines cached by an older lem were never checked for idleness: measure afresh.
  const judged = cached !== undefined && cached.devices.every((d) => d.validity !== undefined && d.validity.status !== "refused");
  if (cached && ageS <= ttlS && longEnough && judged) {
    if (spotCheckS <= 0) return { baseline: cached, source: "cache", cacheFile: file };
    const spot = await measureBaseline({
      devices: cached.devices.map((d) => d.index),
      durationS: spotCheckS,
      intervalMs: cached.intervalMs,
      ...(request.signal ? { signal: request.signal } : {}),
    });
    let worst = 0;
    let worstDevice = cached.devices[0]?.index ?? 0;
    for (const d of cached.devices) {
      const now = spot.devices.find((s) => s.uuid === d.uuid);
      const drift = now && now.meanW !== null && d.meanW !== null ? Math.abs(now.meanW - d.meanW) / d.meanW : 0;
      if (drift > worst) {
        worst = drift;
        worstDevice = d.index;
      }
    }
    const spotCheck = { durationS: spot.durationS, worstDrift: worst, device: worstDevice };
    if (worst <= maxDrift) return { baseline: cached, source: "cache", spotCheck, cacheFile: file };
    const baseline = await measure();
    store(baseline);
    return { baseline, source: "remeasured-after-drift", spotCheck, cacheFile: file };
  }
  const baseline = await measure();
  store(baseline);
  return { baseline, source: "measured", cacheFile: file };
}
