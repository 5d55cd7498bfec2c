// The malformed-input corpus (test/fixtures/malformed: 126 cases of bad study files, damaged study
// directories and bad command lines): every case is rejected with a usage or configuration
// exit code, a message that names what is wrong and where (the manifest's words), no stack
// trace, no raw control bytes, a bounded length.
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs module shared with bench/malformed/run.mjs
import { loadCorpus, runCorpus } from "./support/malformed-corpus.mjs";

interface CaseResult {
  id: string;
  outcome: string;
  reasons: string[];
  exit: number | string;
  message: string;
}

describe("the malformed-input corpus", () => {
  it("holds at least 80 cases, each with an exit code and the words its message must say", () => {
    const cases = loadCorpus() as { id: string; exit: number; says: string[] }[];
    expect(cases.length).toBeGreaterThanOrEqual(80);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    for (const c of cases) {
      expect([1, 64]).toContain(c.exit);
      expect(c.says.length).toBeGreaterThan(0);
    }
  });

  it("rejects every case clearly: the expected exit code and words, no stack, no control bytes, bounded", async () => {
    const results = (await runCorpus({ skipFixedElsewhere: true })) as CaseResult[];
    const notClear = results.filter((r) => r.outcome !== "clear").map((r) => ({ id: r.id, outcome: r.outcome, reasons: r.reasons, message: r.message }));
    expect(notClear).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(100);
  }, 120_000);
});
