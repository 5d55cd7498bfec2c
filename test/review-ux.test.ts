// Defects found in review of datasets and results export, each pinned by the behaviour it broke.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DatasetSchema } from "../lib/config/schema.js";
import { approxTokenCount, loadDataset, promptsJsonl, truncateToApproxTokens } from "../lib/datasets/index.js";
import { exportCsv, exportTable } from "../lib/results/export.js";
import type { RunResult } from "../lib/results/result-schema.js";
import { readStudy } from "../lib/results/study-reader.js";
import { cleanEnv, runLem } from "./support/run-lem.js";
import { parseCsv, studyDirIn, writeStudy } from "./support/study.js";
import { datasetError } from "./support/dataset-error.js";

function jsonlDataset(lines: string, prompts: number, maxInputTokens = 512) {
  const dir = mkdtempSync(join(tmpdir(), "lem-review-"));
  writeFileSync(join(dir, "data.jsonl"), lines);
  return () => loadDataset({ dataset: DatasetSchema.parse({ source: "data.jsonl", prompts }), generation: { maxInputTokens } }, dir);
}

describe("truncation to generation.maxInputTokens", () => {
  // Thai is written without spaces between words: a whole sentence is one run of letters.
  const thai = "ภาษาไทยเป็นภาษาที่เขียนโดยไม่เว้นวรรคระหว่างคำ".repeat(20);

  it("never cuts a prompt whose first run of letters is over the limit down to nothing", () => {
    const cut = truncateToApproxTokens(thai, 16);
    expect(cut.length).toBeGreaterThan(0);
    expect(approxTokenCount(cut)).toBeLessThanOrEqual(16);
    expect(thai.startsWith(cut)).toBe(true);
  });

  it("keeps as much of that run as the limit allows (6 letters a token)", () => {
    expect([...truncateToApproxTokens("a".repeat(200), 5)].length).toBe(30);
    expect(truncateToApproxTokens("a".repeat(200), 1)).toBe("a".repeat(8));
  });

  it("still cuts at the last whole word when one fits", () => {
    expect(truncateToApproxTokens(`Hello ${"a".repeat(200)}`, 5)).toBe("Hello");
  });

  it("loads such a JSONL prompt as a non-empty prompt within the limit", () => {
    const loaded = jsonlDataset(`${JSON.stringify({ prompt: thai })}\n`, 1, 32)();
    expect(loaded.truncated).toBe(1);
    expect(loaded.prompts[0]!.text.length).toBeGreaterThan(0);
    expect(loaded.prompts[0]!.approxInputTokens).toBeLessThanOrEqual(32);
    expect(loaded.prompts[0]!.approxInputTokens).toBeGreaterThan(0);
  });
});

describe("a JSONL file with no prompt at all", () => {
  it("an empty file says it holds no prompt, without advising dataset.prompts 0", () => {
    const e = datasetError(jsonlDataset("", 4));
    expect(e.message).toMatch(/holds no prompt/);
    expect(e.message).not.toMatch(/to 0 or less/);
  });

  it("a file of only comments and blank lines says what was skipped", () => {
    const e = datasetError(jsonlDataset("# a comment\r\n\r\n// another\n", 4));
    expect(e.message).toMatch(/holds no prompt.*blank lines, comments/);
  });
});

describe("the prompts file handed to child harnesses", () => {
  // Python's str.splitlines() (the transformers harness) also ends lines at these characters.
  const PYTHON_LINE_ENDS = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;
  const prompts = [
    { id: "line-1", text: "first\u2028second", approxInputTokens: 2 },
    { id: "line-2", text: "para\u2029graph", approxInputTokens: 1 },
    { id: "line-3", text: "next\u0085line", approxInputTokens: 2 },
  ];

  it("has one line per prompt for any line splitter, and reads back unchanged", () => {
    const lines = promptsJsonl(prompts).split(PYTHON_LINE_ENDS).filter((l) => l !== "");
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => (JSON.parse(l) as { prompt: string }).prompt)).toEqual(prompts.map((p) => p.text));
  });
});

describe("lem results export with server-backend result fields", () => {
  let studyDir = "";
  beforeAll(async () => {
    const { dir, file } = writeStudy({ name: "review-export", baselineS: false });
    const env = cleanEnv({ LEM_SIMULATE: "steady", LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") });
    const run = await runLem(["run", file], env);
    if (run.exitCode !== 0) throw new Error(`lem run failed (${run.exitCode}): ${run.stderr}`);
    studyDir = studyDirIn(dir);
  }, 120_000);

  /** The study on disk with its one result given the fields a server run records. */
  function serverStudy(steadyState: RunResult["steadyState"]) {
    const study = readStudy(studyDir);
    const result = study.runs[0]!.result!;
    result.window = { ...result.window, source: "workload" };
    result.requestOutcomes = { failed: 3, errors: [{ message: "HTTP 500", count: 3 }] };
    if (steadyState) result.steadyState = steadyState;
    return study;
  }

  it("has the steady-state figures and the failed requests of each run", () => {
    const table = exportTable(
      serverStudy({
        startNs: "1000000000",
        endNs: "3000000000",
        windowS: 2,
        energyJ: 900,
        adjustedEnergyJ: 760,
        method: ["counter"],
        outputTokens: 1500,
        requests: 12,
        energyPerOutputTokenJ: 0.6,
        outputTokensPerS: 750,
      }),
    );
    const row = table.rows[0]!;
    expect(row["window_source"]).toBe("workload");
    expect(row["failed_requests"]).toBe(3);
    expect(row["steady_state_energy_per_output_token_j"]).toBe(0.6);
    expect(row["steady_state_output_tokens_per_s"]).toBe(750);
    expect(row["steady_state_window_s"]).toBe(2);
    const csv = parseCsv(exportCsv(table));
    const at = (name: string) => csv[1]![csv[0]!.indexOf(name)];
    expect(at("steady_state_energy_per_output_token_j")).toBe("0.6");
    expect(at("failed_requests")).toBe("3");
  });

  it("leaves the steady-state figures empty when the window could not be found", () => {
    const row = exportTable(serverStudy({ unavailable: "concurrency 8 was never reached" })).rows[0]!;
    expect(row["steady_state_energy_per_output_token_j"]).toBeNull();
    expect(row["steady_state_window_s"]).toBeNull();
  });

  it("leaves the steady-state figures empty for a command backend's run, whose requests all succeeded", () => {
    const row = exportTable(readStudy(studyDir)).rows[0]!;
    expect(row["steady_state_energy_per_output_token_j"]).toBeNull();
    expect(row["failed_requests"]).toBe(0);
  });
});
