// Studies with the "openai" server backend: lem starts an OpenAI-compatible server (the fake
// one in test/fixtures, which streams with known timing and usage), waits until it serves,
// drives the workload, and stops it; on the simulated GPU.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, repoRoot, runLem } from "./support/run-lem.js";
import { readJson, studyDirIn } from "./support/study.js";

const fakeServer = join(repoRoot, "test", "fixtures", "fake-openai-server.mjs");

interface Manifest {
  runs: { status: string; resultPath: string | null; slug: string; error: string | null }[];
}
interface Result {
  status: string;
  failure?: { message: string };
  window: { source: string; startNs: string; endNs: string };
  tokens: { input: number | null; output: number | null; requests: number | null };
  latency: { ttftMs: { mean: number } | null; interTokenMs: { mean: number } | null; requestMs: { mean: number } | null };
  energy: { totalJ: number | null };
  perToken: { energyPerOutputTokenJ: number | null };
  engine: { name: string; version: string | null } | null;
  steadyState?: { unavailable: string } | { outputTokens: number; energyJ: number | null; windowS: number; energyPerOutputTokenJ: number | null };
  backendDetails: { server: { attached: boolean; url: string }; readyAfterS?: number; peakInFlight?: number };
  requestOutcomes?: { failed: number; errors: { message: string; count: number }[] };
  warnings: { code: string; message: string }[];
  config: { workload: { concurrency: number } };
}

function writeServerStudy(o: { name: string; serverArgs?: string[]; sweep?: Record<string, unknown[]>; cycles?: number; prompts?: number; workload?: Record<string, unknown>; server?: Record<string, unknown> }) {
  const dir = mkdtempSync(join(tmpdir(), "lem-server-study-"));
  const file = join(dir, "study.json");
  const study = {
    name: o.name,
    base: {
      model: "fake-model",
      backend: "openai",
      server: {
        argv: [process.execPath, fakeServer, "--port", "{port}", "--host", "{host}", "--engine-version", "9.9.9-fake", ...(o.serverArgs ?? [])],
        readyTimeoutS: 20,
        shutdownGraceS: 2,
        ...(o.server ?? {}),
      },
      workload: { concurrency: 2, ...(o.workload ?? {}) },
      dataset: { source: "synthetic", prompts: o.prompts ?? 8, synthetic: { distribution: "fixed", meanTokens: 32, minTokens: 16, maxTokens: 64 } },
      generation: { maxOutputTokens: 8 },
      measurement: { intervalMs: 10, baseline: { enabled: false }, settling: { mode: "none" }, residualMemoryWaitS: 0 },
    },
    sweep: o.sweep ?? {},
    execution: { cycles: o.cycles ?? 1, order: "interleaved", circuitPauseS: 0, maxConsecutiveFailures: 10 },
    output: { dir: "results" },
  };
  writeFileSync(file, JSON.stringify(study, null, 2));
  return { dir, file };
}

const windowS = (res: Result) => Number(BigInt(res.window.endNs) - BigInt(res.window.startNs)) / 1e9;

async function runStudy(dir: string, file: string, scenario = "steady") {
  const r = await runLem(["run", file], cleanEnv({ LEM_SIMULATE: scenario, LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") }));
  const studyDir = studyDirIn(dir);
  const m = readJson<Manifest>(join(studyDir, "manifest.json"));
  const results = m.runs.map((run) => (run.resultPath ? readJson<Result>(join(studyDir, run.resultPath)) : null));
  return { ...r, studyDir, manifest: m, results };
}

describe("a server study (2 concurrency levels x 2 cycles) against the fake OpenAI server", () => {
  it("completes every run with the tokens, latencies and engine the server reported", { timeout: 120_000 }, async () => {
    // 8 output tokens per request, 40 ms to the first, 10 ms between the others.
    const { dir, file } = writeServerStudy({
      name: "server-sweep",
      serverArgs: ["--ttft-ms", "40", "--token-ms", "10", "--tokens", "8"],
      sweep: { "workload.concurrency": [1, 4] },
      cycles: 2,
      workload: { steadyState: true },
    });
    const r = await runStudy(dir, file);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.manifest.runs.map((x) => x.status)).toEqual(["completed", "completed", "completed", "completed"]);
    for (const res of r.results) {
      expect(res!.window.source).toBe("workload");
      expect(res!.tokens.requests).toBe(8);
      expect(res!.tokens.output).toBe(64); // 8 requests x 8 tokens, from the server's usage
      expect(res!.tokens.input).toBeGreaterThan(0);
      // The server waits 40 ms before the first token and 10 ms between tokens; lem adds HTTP overhead only.
      expect(res!.latency.ttftMs!.mean).toBeGreaterThanOrEqual(39);
      expect(res!.latency.ttftMs!.mean).toBeLessThan(40 + 60);
      expect(res!.latency.interTokenMs!.mean).toBeGreaterThanOrEqual(8);
      expect(res!.latency.interTokenMs!.mean).toBeLessThan(10 + 15);
      expect(res!.energy.totalJ).toBeGreaterThan(0);
      expect(res!.perToken.energyPerOutputTokenJ).toBeGreaterThan(0);
      expect(res!.engine).toMatchObject({ version: "9.9.9-fake" });
      expect(res!.backendDetails.server.attached).toBe(false);
      expect(res!.backendDetails.peakInFlight).toBe(res!.config.workload.concurrency);
      // The steady state is found, inside the workload, with fewer tokens than the whole run.
      const ss = res!.steadyState as { outputTokens: number; energyJ: number | null; windowS: number; energyPerOutputTokenJ: number | null };
      expect(ss).not.toHaveProperty("unavailable");
      expect(ss.outputTokens).toBeGreaterThan(0);
      expect(ss.outputTokens).toBeLessThanOrEqual(64);
      expect(ss.windowS).toBeGreaterThan(0);
      expect(ss.windowS).toBeLessThanOrEqual(windowS(res!));
      expect(ss.energyJ).toBeGreaterThan(0);
      expect(ss.energyJ!).toBeLessThanOrEqual(res!.energy.totalJ!);
    }
    // Concurrency 4 finishes 8 requests in about a quarter of the time of concurrency 1.
    const c1 = r.results.filter((x) => x!.config.workload.concurrency === 1).map((x) => windowS(x!));
    const c4 = r.results.filter((x) => x!.config.workload.concurrency === 4).map((x) => windowS(x!));
    expect(Math.min(...c1)).toBeGreaterThan(1.5 * Math.max(...c4));
    // Every request is on record.
    const lines = readFileSync(join(r.studyDir, r.manifest.runs[0]!.resultPath!, "..", "requests.jsonl"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(8);
    expect(JSON.parse(lines[0]!)).toMatchObject({ outputTokens: 8, tokensFrom: "usage", error: null });
  });

  it("fails a run whose server cannot start, showing the server's own message", { timeout: 60_000 }, async () => {
    const { dir, file } = writeServerStudy({ name: "server-fails", serverArgs: ["--fail-start"] });
    const r = await runStudy(dir, file);
    expect(r.exitCode).not.toBe(0);
    expect(r.results[0]!.status).toBe("failed");
    // What the server said and how it ended, not a generic stop.
    expect(r.results[0]!.failure!.message).toMatch(/exited with code 1/);
    expect(r.results[0]!.failure!.message).toContain("failing at start as asked (--fail-start)");
    expect(existsSync(join(r.studyDir, r.manifest.runs[0]!.resultPath!, "..", "server.log"))).toBe(true);
  });

  it("fails a run whose server never gets ready, within server.readyTimeoutS", { timeout: 60_000 }, async () => {
    const { dir, file } = writeServerStudy({ name: "server-never-ready", serverArgs: ["--never-ready"], server: { readyTimeoutS: 2 } });
    const started = Date.now();
    const r = await runStudy(dir, file);
    expect(r.results[0]!.status).toBe("failed");
    expect(r.results[0]!.failure!.message).toMatch(/ready|health/i);
    expect(Date.now() - started).toBeLessThan(45_000);
  });

  it("fails a run whose server dies mid-run, saying how many requests had finished", { timeout: 60_000 }, async () => {
    const { dir, file } = writeServerStudy({ name: "server-dies", serverArgs: ["--exit-after-requests", "4"], prompts: 12, workload: { concurrency: 1 } });
    const r = await runStudy(dir, file);
    expect(r.results[0]!.status).toBe("failed");
    // The fake server exits with code 3 once its 4th request (the readiness probe is the 1st) has started.
    expect(r.results[0]!.failure!.message).toMatch(/^the server exited with code 3 during the run \([0-3] of 12 requests had finished\)/);
  });

  it("waits for the GPU memory to be released after the server stops, and says so when it is not", { timeout: 60_000 }, async () => {
    const { dir, file } = writeServerStudy({ name: "server-memory-held", prompts: 4 });
    // The steady GPU, with 2 GiB held all along by another process (the memory the stopped server would leave).
    const steady = JSON.parse(readFileSync(join(repoRoot, "scenarios", "steady.json"), "utf8")) as { devices: Record<string, unknown>[] };
    steady.devices[0]!.processes = [{ pid: 4242, name: "vllm", usedMiB: 2048 }];
    const scenario = join(dir, "held.json");
    writeFileSync(scenario, JSON.stringify(steady));
    const study = JSON.parse(readFileSync(file, "utf8"));
    study.base.measurement.residualMemoryWaitS = 0.5;
    writeFileSync(file, JSON.stringify(study));
    const r = await runStudy(dir, file, scenario);
    const res = r.results[0]! as Result & { backendDetails: { memoryReleaseWaitS?: number } };
    expect(res.status).toBe("completed");
    const held = res.warnings.find((w) => w.code === "memory-not-released");
    expect(held?.message).toMatch(/^after the server stopped: GPU 0 .*2048 MiB in use beyond the idle level.*held by vllm \(pid 4242/);
    expect(res.backendDetails.memoryReleaseWaitS).toBeGreaterThanOrEqual(0.5);
  });

  it("records failed requests and completes the run when others succeed", { timeout: 60_000 }, async () => {
    const { dir, file } = writeServerStudy({ name: "server-some-fail", serverArgs: ["--fail-every", "4"], prompts: 8 });
    const r = await runStudy(dir, file);
    const res = r.results[0]!;
    expect(res.status).toBe("completed");
    expect(res.requestOutcomes!.failed).toBe(2);
    expect(res.tokens.requests).toBe(6);
    expect(res.warnings.some((w) => w.code === "request-errors")).toBe(true);
  });
});
