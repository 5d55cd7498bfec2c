/**
 * What a running server says about itself: the engine's version and its effective settings,
 * from each engine's own endpoints. Never throws: what could not be read is noted in
 * `sources` ("/version: 404"), unknown fields are simply absent.
 *   vLLM:          GET /version, GET /v1/models (max_model_len)
 *   SGLang:        GET /get_server_info (version, server args; /server_info on newer releases), GET /get_model_info
 *   TGI:           GET /info (version, max_batch_total_tokens, max_total_tokens, ...)
 *   llama-server:  GET /props (build_info, n_ctx, total_slots, ...), GET /v1/models
 *   trtllm/openai: GET /version (where it exists), GET /v1/models
 */
import type { ServerBackendName } from "../../config/schema.js";
import { describeFetchError } from "./wait-ready.js";

export interface EngineInfo {
  engine: string;
  version: string | null;
  /** `models` and `maxModelLen` where known, and each endpoint's JSON (trimmed) under `raw`. */
  settings: Record<string, unknown>;
  /** Each endpoint asked: "/version" when read, "/version: 404" (or why) when not. */
  sources: string[];
}

/** Settings kept per endpoint are trimmed: long strings (chat templates) and long arrays cut, depth bounded. */
const MAX_STRING = 500;
const MAX_ITEMS = 64;
const MAX_DEPTH = 6;

export function trimJson(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}… (${value.length} chars)` : value;
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "… (nested too deep)";
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => trimJson(v, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`… (${value.length - MAX_ITEMS} more)`);
    return items;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = trimJson(v, depth + 1);
  return out;
}

type Got = { ok: true; json: unknown } | { ok: false; why: string };

async function getJson(baseUrl: string, path: string, timeoutMs: number): Promise<Got> {
  try {
    const response = await fetch(new URL(path, baseUrl), { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      return { ok: false, why: String(response.status) };
    }
    const text = await response.text();
    try {
      return { ok: true, json: JSON.parse(text) as unknown };
    } catch {
      return { ok: false, why: "not JSON" };
    }
  } catch (error) {
    return { ok: false, why: describeFetchError(error, timeoutMs) };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : typeof v === "number" ? String(v) : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** Asks the endpoints in order; the first that answers of each group of alternatives is kept. */
async function collect(baseUrl: string, groups: string[][], timeoutMs: number): Promise<{ got: Map<string, unknown>; sources: string[] }> {
  const got = new Map<string, unknown>();
  const sources: string[] = [];
  await Promise.all(
    groups.map(async (alternatives) => {
      const notes: string[] = [];
      for (const path of alternatives) {
        const r = await getJson(baseUrl, path, timeoutMs);
        if (r.ok) {
          got.set(path, r.json);
          notes.push(path);
          break;
        }
        notes.push(`${path}: ${r.why}`);
      }
      sources.push(...notes);
    }),
  );
  // Promise.all finishes groups in any order; sources read best in the order asked.
  const order = groups.flat();
  sources.sort((a, b) => order.indexOf(a.split(":")[0]!) - order.indexOf(b.split(":")[0]!));
  return { got, sources };
}

function modelsOf(json: unknown): { models: string[]; maxModelLen: number | null } {
  const data = isObject(json) && Array.isArray(json.data) ? json.data : [];
  const models = data.map((m) => (isObject(m) ? str(m.id) : null)).filter((id): id is string => id !== null);
  const first = data.find(isObject);
  return { models, maxModelLen: first ? num(first.max_model_len) : null };
}

const ENDPOINTS: Record<ServerBackendName, string[][]> = {
  vllm: [["/version"], ["/v1/models"]],
  sglang: [["/get_server_info", "/server_info"], ["/get_model_info", "/model_info"]],
  tgi: [["/info"]],
  "llama-server": [["/props"], ["/v1/models"]],
  trtllm: [["/version"], ["/v1/models"]],
  openai: [["/version"], ["/v1/models"]],
};

export async function engineInfo(backend: ServerBackendName, baseUrl: string, timeoutMs: number): Promise<EngineInfo> {
  const { got, sources } = await collect(baseUrl, ENDPOINTS[backend], timeoutMs);
  const raw: Record<string, unknown> = {};
  for (const [path, json] of got) raw[path] = trimJson(json);
  const settings: Record<string, unknown> = {};
  let version: string | null = null;

  const models = got.has("/v1/models") ? modelsOf(got.get("/v1/models")) : null;
  if (models && models.models.length > 0) settings.models = models.models;
  if (models?.maxModelLen != null) settings.maxModelLen = models.maxModelLen;

  switch (backend) {
    case "vllm":
    case "trtllm":
    case "openai": {
      const v = got.get("/version");
      version = isObject(v) ? str(v.version) : null;
      break;
    }
    case "sglang": {
      const info = got.get("/get_server_info") ?? got.get("/server_info");
      if (isObject(info)) {
        version = str(info.version);
        const ctx = num(info.context_length);
        if (ctx !== null) settings.maxModelLen = ctx;
      }
      const model = got.get("/get_model_info") ?? got.get("/model_info");
      if (isObject(model) && str(model.model_path)) settings.models = [str(model.model_path)];
      break;
    }
    case "tgi": {
      const info = got.get("/info");
      if (isObject(info)) {
        version = str(info.version);
        const total = num(info.max_total_tokens);
        if (total !== null) settings.maxModelLen = total;
        if (str(info.model_id)) settings.models = [str(info.model_id)];
      }
      break;
    }
    case "llama-server": {
      const props = got.get("/props");
      if (isObject(props)) {
        version = str(props.build_info);
        const gen = props.default_generation_settings;
        const ctx = isObject(gen) ? num(gen.n_ctx) : null;
        if (ctx !== null) settings.maxModelLen = ctx;
      }
      break;
    }
  }
  if (Object.keys(raw).length > 0) settings.raw = raw;
  return { engine: backend, version, settings, sources };
}
