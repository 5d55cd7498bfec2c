/**
 * How each engine's prompt cache is emptied before a window under `workload.cache: cold`,
 * through the engine's own mechanism (docs/backends.md#prompt-caches):
 *   vLLM:         POST /reset_prefix_cache (served only with VLLM_SERVER_DEV_MODE=1, which lem
 *                 sets for a vLLM it starts; an attached one must have it)
 *   SGLang:       POST /flush_cache
 *   llama-server: every measured request carries `cache_prompt: false` (no reuse of a slot's
 *                 cached prompt), as llama-server has no reset endpoint of its own
 *   TGI, TensorRT-LLM, openai: no reset mechanism lem knows; a server lem starts is new for
 *                 each run (so only the warm-up, with prompts disjoint from the measured ones,
 *                 comes before the window), an attached one keeps its cache (warned).
 * Only the fake server of the tests and llama.cpp in node-llama-cpp run on lem's own test
 * machine: the endpoints above follow each engine's documentation and are untested here.
 */
import type { ServerBackendName } from "../../config/schema.js";
import { describeFetchError } from "./wait-ready.js";

export type CacheResetMechanism =
  | { kind: "endpoint"; method: "POST"; path: string }
  | { kind: "request-field"; body: Record<string, unknown> }
  | { kind: "none"; why: string };

export function cacheResetMechanism(backend: ServerBackendName): CacheResetMechanism {
  switch (backend) {
    case "vllm":
      return { kind: "endpoint", method: "POST", path: "/reset_prefix_cache" };
    case "sglang":
      return { kind: "endpoint", method: "POST", path: "/flush_cache" };
    case "llama-server":
      return { kind: "request-field", body: { cache_prompt: false } };
    case "tgi":
    case "trtllm":
    case "openai":
      return { kind: "none", why: `lem knows no way to empty the prompt cache of backend "${backend}"` };
  }
}

/** What was done about the cache before the window, for the result's details. */
export interface CacheReset {
  policy: "cold" | "warm";
  /** "POST /flush_cache", "cache_prompt: false on every request", "none". */
  mechanism: string;
  /** True when the mechanism was applied (the endpoint answered 2xx, or the field was sent); null under warm. */
  done: boolean | null;
  /** Why it was not done, when it was not. */
  note?: string;
}

/** Applies an endpoint mechanism now (a request-field one is applied by the caller to each request). */
export async function resetEngineCache(baseUrl: string, m: CacheResetMechanism, timeoutMs: number): Promise<CacheReset> {
  if (m.kind === "none") return { policy: "cold", mechanism: "none", done: false, note: m.why };
  if (m.kind === "request-field") return { policy: "cold", mechanism: `${Object.entries(m.body).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ")} on every measured request`, done: true };
  const mechanism = `${m.method} ${m.path}`;
  try {
    const r = await fetch(new URL(m.path, baseUrl), { method: m.method, signal: AbortSignal.timeout(timeoutMs) });
    await r.body?.cancel().catch(() => undefined);
    return r.ok ? { policy: "cold", mechanism, done: true } : { policy: "cold", mechanism, done: false, note: `${mechanism} answered HTTP ${r.status}` };
  } catch (error) {
    return { policy: "cold", mechanism, done: false, note: `${mechanism} failed: ${describeFetchError(error, timeoutMs)}` };
  }
}
