// A configuration's identity: canonical JSON and a stable SHA-256 prefix.
import { describe, expect, it } from "vitest";
import { canonicalJson, configHash } from "../lib/config/hash.js";
import { ExperimentSchema, type ExperimentConfig } from "../lib/config/schema.js";

const experiment = (extra: Record<string, unknown> = {}): ExperimentConfig =>
  ExperimentSchema.parse({ model: "sim/tiny-model", backend: "command", command: { argv: ["node", "run.mjs"] }, ...extra });

describe("canonicalJson", () => {
  it("sorts keys recursively and writes no whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: "x" } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it("gives the same text whatever the key order", () => {
    expect(canonicalJson({ x: 1, y: { p: 2, q: 3 } })).toBe(canonicalJson({ y: { q: 3, p: 2 }, x: 1 }));
  });

  it("drops undefined members", () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });

  it("keeps the order of lists", () => {
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });
});

describe("configHash", () => {
  it("is 16 hex characters", () => {
    expect(configHash(experiment())).toMatch(/^[0-9a-f]{16}$/);
  });

  it("is stable across runs and versions (a change of hashing must be deliberate)", () => {
    // Changed deliberately in 0.1 when generation, workload and dataset gained fields, and again when
    // workload.cache, measurement.phaseShift and dataset.maxPrompts came (their defaults are hashed).
    expect(configHash(experiment({ params: { batch_size: 8 } }))).toBe("285e9101b2e8b920");
  });

  it("does not depend on the key order of the config", () => {
    const a = experiment({ params: { batch_size: 8, precision: "fp16" } });
    const b = ExperimentSchema.parse({ params: { precision: "fp16", batch_size: 8 }, command: { argv: ["node", "run.mjs"] }, backend: "command", model: "sim/tiny-model" });
    expect(configHash(b)).toBe(configHash(a));
  });

  it("leaves the display name out", () => {
    expect(configHash(experiment({ name: "first" }))).toBe(configHash(experiment({ name: "second" })));
    expect(configHash(experiment({ name: "first" }))).toBe(configHash(experiment()));
  });

  it("includes the defaults, so omitted defaults and written-out defaults hash the same", () => {
    const written = experiment({
      params: {},
      dataset: { source: "synthetic", prompts: 64, order: "file", seed: 0 },
      generation: { maxInputTokens: 512, maxOutputTokens: 128, temperature: 0, topP: 1, seed: 0, ignoreEos: false },
      measurement: { intervalMs: 10, baseline: { durationS: 30 } },
    });
    expect(configHash(written)).toBe(configHash(experiment()));
  });

  it("changes when a value that matters changes", () => {
    expect(configHash(experiment({ params: { batch_size: 8 } }))).not.toBe(configHash(experiment({ params: { batch_size: 16 } })));
    expect(configHash(experiment())).not.toBe(configHash(experiment({ dataset: { prompts: 65 } })));
  });
});
