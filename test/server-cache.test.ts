// Prompt caches, dropped connections and engine facts of server studies, run with `lem run`
// against the fake OpenAI server (test/fixtures) on the simulated GPU: the warm-up never
// primes the measured prompts, workload.cache decides whether a run starts cold, cached prompt
// tokens and retried requests are counted and warned about.
import { execa, type ResultPromise } from "execa";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanEnv, repoRoot, runLem } from "./support/run-lem.js";
import { readJson, studyDirIn } from "./support/study.js";

const fakeServer = join(repoRoot, "test", "fixtures", "fake-openai-server.mjs");

interface Result {
  status: string;
  engine: { name: string; version: string | null } | null;
  latency: { ttftMs: { mean: number } | null };
  warnings: { code: string; message: string }[];
  backendDetails: {
    cache?: { policy: string; mechanism: string; done: boolean | null; note?: string; cachedInputTokens: number | null; inputTokens: number | null };
    requestRetries?: { retried: number; requests: number };
    engineInfoSources?: string[];
  };
}
interface Seen {
  promptHead: string;
  cachePrompt: boolean | null;
}
interface Stats {
  cacheResets: number;
  droppedOnReuse?: number;
  requests: Seen[];
}

const children: ResultPromise[] = [];
afterAll(() => {
  for (const c of children) c.kill();
});

/** A fake server the study attaches to (server.url), as a user's running engine. */
async function attachable(args: string[]): Promise<{ url: string; stats: () => Promise<Stats> }> {
  const child = execa(process.execPath, [fakeServer, "--port", "0", ...args], { reject: false, stdin: "ignore" });
  children.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void child.then((r) => reject(new Error(`the fake server exited early: ${r.stderr}`)));
  });
  return { url, stats: async () => (await (await fetch(`${url}/stats`)).json()) as Stats };
}

/** Prompts that start differently (no shared prefix between them), 40 to 60 characters each. */
function dataset(dir: string, count: number): string {
  const file = join(dir, "prompts.jsonl");
  const lines = Array.from({ length: count }, (_, i) => JSON.stringify({ prompt: `${String.fromCharCode(65 + i)}${i} describe the energy of inference in detail, please` }));
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

function writeStudy(o: { backend: string; server: Record<string, unknown>; cycles?: number; workload?: Record<string, unknown>; warmup?: number; prompts?: number }) {
  const dir = mkdtempSync(join(tmpdir(), "lem-server-cache-"));
  const file = join(dir, "study.json");
  const prompts = o.prompts ?? 6;
  const study = {
    name: "cache-study",
    base: {
      model: "fake-model",
      backend: o.backend,
      server: { readyTimeoutS: 20, shutdownGraceS: 2, ...o.server },
      workload: { concurrency: 2, ...(o.workload ?? {}) },
      dataset: { source: dataset(dir, prompts), prompts },
      generation: { maxOutputTokens: 4 },
      measurement: { intervalMs: 10, warmupRequests: o.warmup ?? 0, baseline: { enabled: false }, settling: { mode: "none" }, residualMemoryWaitS: 0 },
    },
    execution: { cycles: o.cycles ?? 1, order: "interleaved", circuitPauseS: 0 },
    output: { dir: "results" },
  };
  writeFileSync(file, JSON.stringify(study, null, 2));
  return { dir, file };
}

async function run(dir: string, file: string) {
  const r = await runLem(["run", file], cleanEnv({ LEM_SIMULATE: "steady", LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") }));
  const studyDir = studyDirIn(dir);
  const m = readJson<{ runs: { resultPath: string | null }[] }>(join(studyDir, "manifest.json"));
  const results = m.runs.map((x) => readJson<Result>(join(studyDir, x.resultPath!)));
  const requests = m.runs.map((x) =>
    readFileSync(join(studyDir, x.resultPath!, "..", "requests.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { cachedInputTokens: number | null; retries: number }),
  );
  return { ...r, results, requests };
}

const started = (args: string[]) => ({ argv: [process.execPath, fakeServer, "--port", "{port}", "--host", "{host}", "--ttft-ms", "5", "--token-ms", "2", ...args] });
const codes = (r: Result) => r.warnings.map((w) => w.code);

describe("warm-up and readiness probe", () => {
  it("send prompts that share no prefix with the measured ones, so no measured prompt is served from the cache", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ backend: "openai", server: started(["--prompt-cache"]), warmup: 3 });
    const r = await run(dir, file);
    expect(r.exitCode, r.stderr).toBe(0);
    // Before: the warm-up sent measured prompts 0..2, which the measured run then found cached.
    expect(r.requests[0]!.map((q) => q.cachedInputTokens)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(r.results[0]!.backendDetails.cache).toMatchObject({ policy: "cold", cachedInputTokens: 0 });
  });
});

describe("workload.cache", () => {
  it("cold empties an attached SGLang's cache before each run with POST /flush_cache", { timeout: 60_000 }, async () => {
    const server = await attachable(["--prompt-cache", "--ttft-ms", "5", "--token-ms", "2"]);
    const { dir, file } = writeStudy({ backend: "sglang", server: { url: server.url }, cycles: 2 });
    const r = await run(dir, file);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await server.stats()).cacheResets).toBe(2);
    // Cycle 2 repeats cycle 1's prompts: without the reset every one would be cached.
    expect(r.requests[1]!.map((q) => q.cachedInputTokens)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(r.results[1]!.backendDetails.cache).toMatchObject({ policy: "cold", mechanism: "POST /flush_cache", done: true, cachedInputTokens: 0 });
    expect(codes(r.results[1]!)).not.toContain("cache-hits");
  });

  it("cold sends cache_prompt: false on every measured request to llama-server", { timeout: 60_000 }, async () => {
    const server = await attachable(["--prompt-cache", "--ttft-ms", "5", "--token-ms", "2"]);
    const { dir, file } = writeStudy({ backend: "llama-server", server: { url: server.url }, cycles: 2 });
    const r = await run(dir, file);
    expect(r.exitCode, r.stderr).toBe(0);
    const completions = (await server.stats()).requests.filter((q) => !q.promptHead.startsWith("[lem warm-up"));
    expect(completions.map((q) => q.cachePrompt)).toEqual(Array(12).fill(false));
    expect(r.requests[1]!.every((q) => q.cachedInputTokens === 0)).toBe(true);
    expect(r.results[1]!.backendDetails.cache?.mechanism).toBe("cache_prompt: false on every measured request");
  });

  it("warm leaves the cache: cycle 2 finds its prompts cached, and nothing warns", { timeout: 60_000 }, async () => {
    const server = await attachable(["--prompt-cache", "--ttft-ms", "5", "--token-ms", "2"]);
    const { dir, file } = writeStudy({ backend: "sglang", server: { url: server.url }, cycles: 2, workload: { cache: "warm" } });
    const r = await run(dir, file);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await server.stats()).cacheResets).toBe(0);
    const cache = r.results[1]!.backendDetails.cache!;
    expect(cache).toMatchObject({ policy: "warm", done: null });
    // Each repeated prompt is cached but its last token (prompt_tokens - 1), as llama.cpp does.
    expect(cache.cachedInputTokens).toBe(cache.inputTokens! - 6);
    expect(codes(r.results[1]!)).not.toContain("cache-hits");
  });

  it("cold on an engine lem cannot reset warns that the cache was not emptied, and that the prompts were served from it", { timeout: 60_000 }, async () => {
    const server = await attachable(["--prompt-cache", "--ttft-ms", "5", "--token-ms", "2"]);
    const { dir, file } = writeStudy({ backend: "openai", server: { url: server.url }, cycles: 2 });
    const r = await run(dir, file);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(codes(r.results[0]!)).toContain("cache-not-reset");
    expect(codes(r.results[0]!)).not.toContain("cache-hits");
    const hits = r.results[1]!.warnings.find((w) => w.code === "cache-hits");
    expect(hits?.message).toMatch(/^\d+ of \d+ prompt tokens \(9\d %\) were served from the engine's cache under workload.cache: cold/);
  });
});

describe("dropped kept-alive connections", () => {
  it("are counted per run, warned about, and their requests left out of the latency statistics", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ backend: "openai", server: started(["--close-idle-after", "1"]), prompts: 12 });
    const r = await run(dir, file);
    expect(r.exitCode, r.stderr).toBe(0);
    const retried = r.requests[0]!.filter((q) => q.retries === 1).length;
    expect(retried).toBeGreaterThan(0);
    expect(r.results[0]!.backendDetails.requestRetries).toEqual({ retried, requests: 12 });
    const w = r.results[0]!.warnings.find((x) => x.code === "request-retries");
    expect(w?.message).toBe(
      `${retried} of 12 request(s) were sent again after the server dropped a kept-alive connection (more than 1 %); they are left out of the latency statistics and marked in requests.jsonl (retries: 1)`,
    );
  });
});

describe("engine version", () => {
  it("an openai backend on a server without /version records the build its responses name in system_fingerprint", { timeout: 60_000 }, async () => {
    const server = await attachable(["--no-version", "--system-fingerprint", "b6100-d1e2f3a4", "--ttft-ms", "5", "--token-ms", "2"]);
    const { dir, file } = writeStudy({ backend: "openai", server: { url: server.url } });
    const r = await run(dir, file);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.results[0]!.engine).toMatchObject({ name: "openai", version: "b6100-d1e2f3a4" });
    expect(r.results[0]!.backendDetails.engineInfoSources).toContain("system_fingerprint");
  });
});
