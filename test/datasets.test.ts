// Prompts for every backend: token estimates, synthetic prompts, JSONL files, orders, truncation.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../lib/config/load.js";
import { DatasetSchema, ExperimentSchema } from "../lib/config/schema.js";
import {
  approxTokenCount,
  loadDataset,
  parseJsonlPrompts,
  promptsJsonl,
  syntheticPrompts,
  truncateToApproxTokens,
  writePromptsJsonl,
  type DatasetConfig,
  type SyntheticLength,
} from "../lib/datasets/index.js";
import { repoRoot } from "./support/run-lem.js";
import { datasetError } from "./support/dataset-error.js";

const fixtures = join(repoRoot, "test", "fixtures", "datasets");
const sha256 = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");
const dataset = (d: Record<string, unknown> = {}): DatasetConfig => DatasetSchema.parse(d);
const spec = (s: Partial<SyntheticLength>): SyntheticLength => DatasetSchema.parse({ synthetic: s }).synthetic;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

describe("approxTokenCount", () => {
  it("counts a common English word as one token and ignores whitespace", () => {
    expect(approxTokenCount("the cat sat on the mat")).toBe(6);
    expect(approxTokenCount("  the\n\tcat  ")).toBe(2);
    expect(approxTokenCount("")).toBe(0);
  });

  it("counts words longer than 8 letters as ceil(letters / 6)", () => {
    expect(approxTokenCount("children")).toBe(1); // 8 letters
    expect(approxTokenCount("following")).toBe(2); // 9
    expect(approxTokenCount("internationalisation")).toBe(4); // 20
  });

  it("counts every digit and every punctuation mark or symbol", () => {
    expect(approxTokenCount("2024")).toBe(4);
    expect(approxTokenCount("Hello, world!")).toBe(4);
    expect(approxTokenCount("a+b=c")).toBe(5);
  });

  it("counts accented words as words and each CJK character once", () => {
    expect(approxTokenCount("café naïve")).toBe(2);
    expect(approxTokenCount("你好世界")).toBe(4);
  });
});

describe("truncateToApproxTokens", () => {
  it("returns a text within the limit unchanged", () => {
    expect(truncateToApproxTokens("one two three.", 4)).toBe("one two three.");
  });

  it("cuts at a piece boundary, never inside a word, and keeps the cut within the limit", () => {
    const text = "Summarise the following notes: alpha beta gamma.";
    expect(approxTokenCount(text)).toBe(11); // 2 + 1 + 2 + 1 + 1 (":") + 3 + 1 (".")
    expect(truncateToApproxTokens(text, 5)).toBe("Summarise the following"); // 2 + 1 + 2
    // "following" (2 tokens) does not fit in 4: the cut falls before it.
    expect(truncateToApproxTokens(text, 4)).toBe("Summarise the");
    expect(truncateToApproxTokens(text, 0)).toBe("");
  });
});

describe("synthetic prompts", () => {
  it("are identical for the same seed, and the first one has a fixed hash on every platform", () => {
    const s = spec({});
    const a = syntheticPrompts(s, 20, 42);
    expect(syntheticPrompts(s, 20, 42)).toEqual(a);
    expect(a[0]!.id).toBe("synthetic-0");
    // A snapshot: changing the generator, the word list or the length rule changes it.
    const first = syntheticPrompts(s, 1, 0)[0]!;
    expect(first.approxInputTokens).toBe(301);
    expect(first.text.startsWith("List the main points of this report:\n\nBack moment find let idea.")).toBe(true);
    expect(sha256(first.text)).toBe("5448533bf2801c01eb2d911d0e588958f46013bae441b962fde0ddc9475b87be");
  });

  it("differ between seeds", () => {
    const s = spec({});
    const a = syntheticPrompts(s, 20, 1).map((p) => p.text);
    const b = syntheticPrompts(s, 20, 2).map((p) => p.text);
    expect(a.filter((t, i) => t === b[i])).toEqual([]);
  });

  it("asking for more only adds to the end", () => {
    const s = spec({});
    expect(syntheticPrompts(s, 50, 7).slice(0, 10)).toEqual(syntheticPrompts(s, 10, 7));
  });

  it("read as a request and are exactly as long as drawn, in approximate tokens", () => {
    const prompts = syntheticPrompts(spec({ distribution: "uniform", minTokens: 1, maxTokens: 300 }), 500, 3);
    for (const p of prompts) expect(approxTokenCount(p.text)).toBe(p.approxInputTokens);
    const long = prompts.find((p) => p.approxInputTokens > 50)!;
    expect(long.text).toMatch(/^(Summarise|List|Rewrite|Explain|Write|Answer) .*:\n\n[A-Z][a-z]+ [a-z ]+\./);
    expect(prompts.some((p) => p.approxInputTokens === 1 && /^[A-Z][a-z]+$/.test(p.text))).toBe(true);
  });

  it("fixed: every prompt is meanTokens long", () => {
    const lengths = syntheticPrompts(spec({ distribution: "fixed", meanTokens: 100 }), 50, 0).map((p) => p.approxInputTokens);
    expect(new Set(lengths)).toEqual(new Set([100]));
  });

  it("uniform: lengths cover [min, max] with the mean in the middle", () => {
    const lengths = syntheticPrompts(spec({ distribution: "uniform", minTokens: 100, maxTokens: 300 }), 500, 0).map((p) => p.approxInputTokens);
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(300);
    // Spread 200: sd of the mean = 200 / sqrt(12 * 500) ≈ 2.6 tokens; 4 sd of slack. The
    // seed is fixed, so this is also a regression check, not a flaky one.
    expect(Math.abs(mean(lengths) - 200)).toBeLessThan(10.5);
    expect(Math.min(...lengths)).toBeLessThan(105);
    expect(Math.max(...lengths)).toBeGreaterThan(295);
  });

  it("normal: mean and standard deviation as asked, within sampling error", () => {
    const lengths = syntheticPrompts(spec({ distribution: "normal", meanTokens: 256, stddevTokens: 32, minTokens: 1, maxTokens: 2048 }), 500, 0).map(
      (p) => p.approxInputTokens,
    );
    // sd of the mean = 32 / sqrt(500) ≈ 1.4 tokens; of the sd ≈ 32 / sqrt(1000) ≈ 1.0.
    expect(Math.abs(mean(lengths) - 256)).toBeLessThan(6);
    expect(Math.abs(sd(lengths) - 32)).toBeLessThan(4);
  });

  it("lognormal: mean and standard deviation as asked, skewed to the right", () => {
    const lengths = syntheticPrompts(spec({ distribution: "lognormal", meanTokens: 256, stddevTokens: 64, minTokens: 1, maxTokens: 4096 }), 500, 0).map(
      (p) => p.approxInputTokens,
    );
    // sd of the mean = 64 / sqrt(500) ≈ 2.9 tokens; the sample sd of a skewed law varies more.
    expect(Math.abs(mean(lengths) - 256)).toBeLessThan(12);
    expect(Math.abs(sd(lengths) - 64)).toBeLessThan(10);
    const sorted = [...lengths].sort((a, b) => a - b);
    expect(sorted[250]!).toBeLessThan(mean(lengths)); // median below mean
  });

  it("clips every distribution to [minTokens, maxTokens]", () => {
    const lengths = syntheticPrompts(spec({ distribution: "normal", meanTokens: 100, stddevTokens: 200, minTokens: 50, maxTokens: 150 }), 500, 0).map(
      (p) => p.approxInputTokens,
    );
    expect(Math.min(...lengths)).toBe(50);
    expect(Math.max(...lengths)).toBe(150);
    expect(syntheticPrompts(spec({ distribution: "fixed", meanTokens: 2000, maxTokens: 1024 }), 3, 0).map((p) => p.approxInputTokens)).toEqual([1024, 1024, 1024]);
  });
});

describe("JSONL prompt fields", () => {
  it("takes the first present of prompt, text, instruction, input, question", () => {
    const records = parseJsonlPrompts(
      [
        '{"question": "q", "input": "i", "instruction": "n", "text": "t", "prompt": "p"}',
        '{"question": "q", "input": "i", "instruction": "n", "text": "t"}',
        '{"question": "q", "input": "i", "instruction": "n"}',
        '{"question": "q", "input": "i", "output": "o"}',
        '{"question": "q", "prompt": null}',
      ].join("\n"),
      "order.jsonl",
    );
    expect(records.map((r) => r.text)).toEqual(["p", "t", "n", "i", "q"]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 4, 5]);
  });

  it("takes dataset.field when given, ignoring the default fields", () => {
    const records = parseJsonlPrompts('{"prompt": "p", "body": "the body"}', "f.jsonl", { field: "body" });
    expect(records[0]!.text).toBe("the body");
  });

  it("takes the last user message of chat records (messages, conversations, content parts)", () => {
    const { records } = loadRecords("chat.jsonl");
    expect(records.map((r) => r.text)).toEqual(["What is 2 + 2?", "Tell me a joke.", "Describe this picture."]);
  });

  it("skips blank lines, # and // comments and a first header line", () => {
    const { records } = loadRecords("with-header.jsonl");
    expect(records.map((r) => [r.line, r.text])).toEqual([
      [5, "First prompt."],
      [7, "Second prompt."],
    ]);
    expect(parseJsonlPrompts('["id", "prompt"]\n{"prompt": "x"}', "h.jsonl").map((r) => r.line)).toEqual([2]);
  });

  it("does not take a first line with a prompt field, or without header keys, for a header", () => {
    expect(parseJsonlPrompts('{"columns": 2, "prompt": "real"}', "h.jsonl").map((r) => r.text)).toEqual(["real"]);
    const e = datasetError(() => parseJsonlPrompts('{"name": "not a header"}\n{"prompt": "x"}', "h.jsonl"));
    expect(e.line).toBe(1);
    // A header is only ever the first record line.
    expect(datasetError(() => parseJsonlPrompts('{"prompt": "x"}\n{"columns": ["prompt"]}', "h.jsonl")).line).toBe(2);
  });
});

function loadRecords(name: string) {
  const file = join(fixtures, name);
  return { file, records: parseJsonlPrompts(readFileSync(file, "utf8"), file) };
}

describe("JSONL errors", () => {
  it("a malformed line names the file, the line, what was found and what to do", () => {
    const file = join(fixtures, "bad-line.jsonl");
    const e = datasetError(() => loadDataset({ dataset: dataset({ source: file, prompts: 2 }), generation: { maxInputTokens: 512 } }));
    expect(e.code).toBe("LEM_DATASET");
    expect(e.file).toBe(file);
    expect(e.line).toBe(3);
    expect(e.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3: not valid JSON \\(.+\\), found "\\{\\\\"prompt\\\\": \\\\"broken"\\. Each line must be one JSON object`));
  });

  it("a record without a prompt field names the fields it has and dataset.field", () => {
    const e = datasetError(() => parseJsonlPrompts('{"prompt": "a"}\n\n{"query": "b", "id": 3}', "q.jsonl"));
    expect(e.line).toBe(3);
    expect(e.message).toBe(
      "q.jsonl:3: the record has no prompt: none of the fields prompt, text, instruction, input, question, messages, conversations is present; " +
        "its fields: query, id. Set dataset.field to the field that holds the prompt, or fix the record.",
    );
  });

  it("a prompt field that is not a string, or empty, is an error", () => {
    expect(datasetError(() => parseJsonlPrompts('{"prompt": 42}', "n.jsonl")).message).toBe(
      'n.jsonl:1: the prompt field "prompt" must be a string, found 42 (a number). Fix the record, or set dataset.field to the field that holds the prompt.',
    );
    expect(datasetError(() => parseJsonlPrompts('{"text": "  "}', "e.jsonl")).message).toBe(
      'e.jsonl:1: the prompt (field "text") is empty. Remove the record or give it a prompt.',
    );
  });

  it("a conversation without a user message is an error", () => {
    const e = datasetError(() => parseJsonlPrompts('{"messages": [{"role": "system", "content": "s"}]}', "c.jsonl"));
    expect(e.message).toMatch(/^c\.jsonl:1: the conversation in "messages" yields no prompt: it has no user message/);
  });

  it("a record missing dataset.field is an error naming the field", () => {
    const e = datasetError(() => parseJsonlPrompts('{"body": "x"}\n{"prompt": "y"}', "f.jsonl", { field: "body" }));
    expect(e.line).toBe(2);
    expect(e.message).toContain('the record has no field "body" (dataset.field); its fields: prompt.');
  });

  it("a JSON array file gets a hint that lem reads JSONL", () => {
    expect(datasetError(() => parseJsonlPrompts('[{"prompt": "a"},\n{"prompt": "b"}]', "a.json")).message).toContain(
      "This looks like a JSON array: lem reads JSONL, one JSON object per line.",
    );
  });

  it("a missing file says so and what dataset.source is relative to", () => {
    const e = datasetError(() => loadDataset({ dataset: dataset({ source: "nope.jsonl" }), generation: { maxInputTokens: 512 } }, fixtures));
    expect(e.message).toBe(
      `dataset.source: the file ${join(fixtures, "nope.jsonl")} does not exist. Give the path of a JSONL file (relative to the study file), or "synthetic".`,
    );
  });

  it("fewer records than dataset.prompts is an error saying how many there are", () => {
    const e = datasetError(() => loadDataset({ dataset: dataset({ source: "prompts.jsonl", prompts: 10 }), generation: { maxInputTokens: 512 } }, fixtures));
    expect(e.message).toBe(
      `${join(fixtures, "prompts.jsonl")} holds 6 prompt(s) and dataset.prompts asks for 10. Lower dataset.prompts to 6 or less, or use a file with more records.`,
    );
  });
});

describe("orders", () => {
  const load = (d: Record<string, unknown>) => loadDataset({ dataset: dataset(d), generation: { maxInputTokens: 512 } }, fixtures).prompts;

  it("file: the first dataset.prompts records, in file order, with line ids", () => {
    expect(load({ source: "prompts.jsonl", prompts: 3 }).map((p) => p.id)).toEqual(["line-1", "line-2", "line-3"]);
  });

  it("shuffled: a seeded permutation of the whole file, the same for the same seed", () => {
    const a = load({ source: "prompts.jsonl", prompts: 6, order: "shuffled", seed: 5 }).map((p) => p.id);
    expect(load({ source: "prompts.jsonl", prompts: 6, order: "shuffled", seed: 5 }).map((p) => p.id)).toEqual(a);
    expect([...a].sort()).toEqual(["line-1", "line-2", "line-3", "line-4", "line-5", "line-6"]);
    expect(a).not.toEqual(["line-1", "line-2", "line-3", "line-4", "line-5", "line-6"]);
    const seeds = [0, 1, 2, 3].map((seed) => load({ source: "prompts.jsonl", prompts: 6, order: "shuffled", seed }).map((p) => p.id).join());
    expect(new Set(seeds).size).toBeGreaterThan(1);
  });

  it("grouped: equal groupBy values together, groups by first appearance, file order within", () => {
    const prompts = load({ source: "grouped.jsonl", prompts: 6, order: "grouped", groupBy: "doc" });
    expect(prompts.map((p) => p.text)).toEqual(["b1", "b2", "b3", "a1", "a2", "n1"]);
    expect(prompts.map((p) => p.group)).toEqual(["b", "b", "b", "a", "a", "7"]);
  });

  it("grouped: a record without the groupBy field is an error with its line number", () => {
    const e = datasetError(() => load({ source: "prompts.jsonl", prompts: 2, order: "grouped", groupBy: "doc" }));
    expect(e.line).toBe(1);
    expect(e.message).toMatch(/prompts\.jsonl:1: the record has no field "doc" \(dataset\.groupBy\), so it cannot be grouped; its fields: prompt, topic\./);
  });

  it("grouped: synthetic prompts cannot be grouped", () => {
    expect(datasetError(() => load({ order: "grouped", groupBy: "doc" })).message).toMatch(/synthetic prompts have none/);
  });
});

describe("loadDataset", () => {
  it("counts and truncates prompts longer than generation.maxInputTokens", () => {
    const d = dataset({ prompts: 200, synthetic: { distribution: "uniform", minTokens: 10, maxTokens: 200 } });
    const full = loadDataset({ dataset: d, generation: { maxInputTokens: 10_000 } });
    const cut = loadDataset({ dataset: d, generation: { maxInputTokens: 100 } });
    const longer = full.prompts.filter((p) => p.approxInputTokens > 100).length;
    expect(full.truncated).toBe(0);
    expect(longer).toBeGreaterThan(50); // about half of U[10, 200]
    expect(cut.truncated).toBe(longer);
    for (const [i, p] of cut.prompts.entries()) {
      expect(p.approxInputTokens).toBeLessThanOrEqual(100);
      expect(p.approxInputTokens).toBe(approxTokenCount(p.text));
      expect(full.prompts[i]!.text.startsWith(p.text)).toBe(true);
    }
    expect(cut.source).toEqual({ kind: "synthetic" });
  });

  it("records the file's absolute path and the SHA-256 of its bytes", () => {
    const file = join(fixtures, "prompts.jsonl");
    const loaded = loadDataset({ dataset: dataset({ source: "prompts.jsonl", prompts: 6 }), generation: { maxInputTokens: 512 } }, fixtures);
    expect(loaded.source).toEqual({ kind: "jsonl", path: file, sha256: sha256(readFileSync(file)) });
    expect(loaded.prompts[0]).toEqual({ id: "line-1", text: "What is the capital of France?", approxInputTokens: 7 });
  });

  it("takes the defaults of an experiment without a dataset block: 64 synthetic prompts, cut to 512 tokens", () => {
    const e = ExperimentSchema.parse({ model: "m", backend: "command", command: { argv: ["true"] } });
    const loaded = loadDataset(e);
    expect(loaded.prompts).toHaveLength(64);
    expect(Math.max(...loaded.prompts.map((p) => p.approxInputTokens))).toBeLessThanOrEqual(512);
  });
});

describe("writePromptsJsonl", () => {
  it('writes one {"id","prompt"} object per line, in order', () => {
    const dir = mkdtempSync(join(tmpdir(), "lem-prompts-"));
    const file = join(dir, "prompts.jsonl");
    writePromptsJsonl(file, [
      { id: "line-1", text: 'say "hi"\nthen stop', approxInputTokens: 7 },
      { id: "synthetic-0", text: "x", approxInputTokens: 1, group: "g" },
    ]);
    const text = readFileSync(file, "utf8");
    expect(text).toBe('{"id":"line-1","prompt":"say \\"hi\\"\\nthen stop"}\n{"id":"synthetic-0","prompt":"x"}\n');
    expect(promptsJsonl([])).toBe("");
  });

  it("round-trips through the JSONL reader", () => {
    const dir = mkdtempSync(join(tmpdir(), "lem-prompts-"));
    const file = join(dir, "p.jsonl");
    const prompts = syntheticPrompts(spec({}), 5, 9);
    writePromptsJsonl(file, prompts);
    writeFileSync(join(dir, "copy.jsonl"), readFileSync(file));
    const back = loadDataset({ dataset: dataset({ source: "copy.jsonl", prompts: 5 }), generation: { maxInputTokens: 4096 } }, dir);
    expect(back.prompts.map((p) => p.text)).toEqual(prompts.map((p) => p.text));
  });
});

describe("docs/datasets.md", () => {
  const doc = readFileSync(join(repoRoot, "docs", "datasets.md"), "utf8");
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

  it("has YAML examples", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
  });

  blocks.forEach((text, i) => {
    it(`example ${i + 1} is a valid experiment fragment`, () => {
      const value = parseConfigText(text, "example.yaml") as Record<string, unknown>;
      const parsed = ExperimentSchema.safeParse({ model: "m", backend: "command", command: { argv: ["true"] }, ...value });
      expect(parsed.error?.issues ?? []).toEqual([]);
    });
  });
});
