// A real engine end to end: llama.cpp (node-llama-cpp's prebuilt CPU build) runs a tiny
// random-weight GGUF model that the test writes itself, in a study of 2 configurations x 2
// cycles on the simulated GPU.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, runLem } from "./support/run-lem.js";
import { readJson, studyDirIn } from "./support/study.js";
import { writeTinyLlamaGguf } from "./support/tiny-gguf.js";

interface Result {
  status: string;
  window: { source: string };
  tokens: { input: number; output: number; requests: number };
  throughput: { outputTokensPerS: number };
  latency: { ttftMs: { mean: number }; requestMs: { mean: number } };
  energy: { totalJ: number };
  perToken: { energyPerOutputTokenJ: number };
  engine: { name: string; version: string | null; settings: Record<string, unknown> } | null;
  config: { llamacpp: { batchSize: number } };
}

describe("a llama.cpp study (batch size 1 and 2, 2 cycles) with a tiny GGUF model on this CPU", () => {
  it("completes every run with exact token counts and plausible latencies", { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "lem-llamacpp-study-"));
    writeTinyLlamaGguf(join(dir, "tiny.gguf"));
    const study = {
      name: "llamacpp-tiny",
      base: {
        model: "tiny.gguf", // relative to the study file
        backend: "llamacpp",
        llamacpp: { gpuLayers: 0, contextSize: 256, threads: 1 },
        dataset: { prompts: 6, synthetic: { distribution: "uniform", minTokens: 8, maxTokens: 24, meanTokens: 16 } },
        generation: { maxInputTokens: 64, maxOutputTokens: 12 },
        measurement: { intervalMs: 10, warmupRequests: 1, baseline: { enabled: false }, settling: { mode: "none" }, residualMemoryWaitS: 0 },
      },
      sweep: { "llamacpp.batchSize": [1, 2] },
      execution: { cycles: 2, order: "interleaved", circuitPauseS: 0 },
      output: { dir: "results" },
    };
    const file = join(dir, "study.json");
    writeFileSync(file, JSON.stringify(study, null, 2));
    const r = await runLem(["run", file], cleanEnv({ LEM_SIMULATE: "steady", LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") }));
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    const studyDir = studyDirIn(dir);
    const m = readJson<{ runs: { status: string; resultPath: string }[] }>(join(studyDir, "manifest.json"));
    expect(m.runs.map((x) => x.status)).toEqual(["completed", "completed", "completed", "completed"]);
    for (const run of m.runs) {
      const res = readJson<Result>(join(studyDir, run.resultPath));
      expect(res.window.source).toBe("protocol");
      expect(res.tokens.requests).toBe(6);
      // The tiny model never emits its end-of-sequence token: every request generates the maximum.
      expect(res.tokens.output).toBe(6 * 12);
      expect(res.tokens.input).toBeGreaterThanOrEqual(6 * 8);
      expect(res.latency.ttftMs.mean).toBeGreaterThan(0);
      expect(res.latency.ttftMs.mean).toBeLessThan(res.latency.requestMs.mean);
      expect(res.throughput.outputTokensPerS).toBeGreaterThan(10);
      expect(res.energy.totalJ).toBeGreaterThan(0);
      expect(res.engine!.name).toBe("llama.cpp");
      expect(res.engine!.settings).toMatchObject({ batch_size: res.config.llamacpp.batchSize });
    }
  });
});
