// Sizes and durations a study may ask for are bounded, counted before anything is built (issue 12: items 11, 15).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../lib/config/config-error.js";
import { loadStudy } from "../lib/config/load.js";

const base = { model: "m", backend: "command", command: { argv: ["true"] } };

function studyFile(study: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), "lem-limits-")), "study.json");
  writeFileSync(file, JSON.stringify({ name: "limits", base, ...study }));
  return file;
}

async function loadError(study: Record<string, unknown>): Promise<ConfigError> {
  const error = await loadStudy(studyFile(study)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe("durations lem waits for", () => {
  it("refuses measurement.settling.gapS above 2^31 − 1 ms (Node would wait 1 ms instead)", async () => {
    const e = await loadError({ base: { ...base, measurement: { settling: { mode: "gap", gapS: 1e9 } } } });
    expect(e.message).toContain("measurement.settling.gapS");
    expect(e.message).toContain("at most 2147483 s (24.8 days, the longest wait Node's timers can do)");
  });

  it("refuses execution.circuitPauseS: 1e9 and accepts 2147483", async () => {
    const e = await loadError({ execution: { circuitPauseS: 1e9 } });
    expect(e.message).toContain("execution.circuitPauseS");
    const ok = await loadStudy(studyFile({ execution: { circuitPauseS: 2_147_483 } }));
    expect(ok.study.execution.circuitPauseS).toBe(2_147_483);
  });
});

describe("the size of a study", () => {
  it("refuses a sweep of 10^7 points before expanding it, naming execution.maxRuns", async () => {
    const axis = Array.from({ length: 10 }, (_, i) => i + 1);
    const sweep = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`params.p${i}`, axis]));
    const e = await loadError({ sweep, execution: { cycles: 1 } });
    expect(e.message).toContain(
      "the study plans 10,000,000 runs (10 × 10 × 10 × 10 × 10 × 10 × 10 sweep points, × 1 cycle(s)), more than execution.maxRuns (10,000). " +
        "Sweep fewer values or cycles; if you really mean a study this large, raise execution.maxRuns to at least 10000000.",
    );
  });

  it("counts cycles too, and accepts the same study once execution.maxRuns is raised", async () => {
    const sweep = { "params.bs": [1, 2] };
    const e = await loadError({ sweep, execution: { cycles: 1000, maxRuns: 1000 } });
    expect(e.message).toContain("the study plans 2,000 runs");
    const ok = await loadStudy(studyFile({ sweep, execution: { cycles: 1000, maxRuns: 2000 } }));
    expect(ok.expansion.experiments).toHaveLength(2);
  });

  it("refuses dataset.prompts: 100000000 above dataset.maxPrompts, with what to do", async () => {
    const e = await loadError({ base: { ...base, dataset: { prompts: 100_000_000 } } });
    expect(e.message).toContain("dataset.prompts");
    expect(e.message).toContain("100000000 prompts is more than dataset.maxPrompts (100000), and every prompt is held in memory");
  });

  it("refuses a synthetic prompt length above 2^20 tokens", async () => {
    const e = await loadError({ base: { ...base, dataset: { synthetic: { maxTokens: 1e9 } } } });
    expect(e.message).toContain("dataset.synthetic.maxTokens");
  });
});
