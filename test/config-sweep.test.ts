// The sweep grammar: axes, dependent groups, backend-prefixed keys, explicit experiments,
// validation of each point, deduplication, order and slugs.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../lib/config/config-error.js";
import { configHash } from "../lib/config/hash.js";
import { StudySchema } from "../lib/config/schema.js";
import { describeInvalidPoint, expandStudy } from "../lib/config/sweep.js";

const base = { model: "sim/tiny-model", backend: "command", command: { argv: ["node", "run.mjs"] } };
const study = (fields: Record<string, unknown>) => StudySchema.parse({ name: "s", ...fields });
const expand = (fields: Record<string, unknown>, b: Record<string, unknown> = base) => expandStudy(study(fields), b);
const values = (fields: Record<string, unknown>, b?: Record<string, unknown>) => expand(fields, b).experiments.map((e) => e.sweepValues);

describe("axes", () => {
  it("multiply: two axes of 2 and 3 values give 6 experiments", () => {
    const x = expand({ sweep: { "params.batch_size": [1, 8], "generation.maxOutputTokens": [64, 128, 256] } });
    expect(x.experiments).toHaveLength(6);
    expect(x.invalid).toEqual([]);
    expect(x.duplicates).toBe(0);
  });

  it("run in the order written, the last axis varying fastest", () => {
    expect(values({ sweep: { "params.batch_size": [1, 8], "params.precision": ["fp16", "bf16"] } })).toEqual([
      { "params.batch_size": 1, "params.precision": "fp16" },
      { "params.batch_size": 1, "params.precision": "bf16" },
      { "params.batch_size": 8, "params.precision": "fp16" },
      { "params.batch_size": 8, "params.precision": "bf16" },
    ]);
  });

  it("set dotted paths, creating the objects on the way", () => {
    const [e] = expand({ sweep: { "measurement.baseline.durationS": [5] } }).experiments;
    expect(e!.config.measurement.baseline).toEqual({ enabled: true, durationS: 5, cacheTtlS: 86_400 });
  });

  it("keep a dotted name inside a free-form map as one key", () => {
    const [e] = expand({ sweep: { "params.tensor.parallel": [2] } }).experiments;
    expect(e!.config.params).toEqual({ "tensor.parallel": 2 });
  });

  it("override the base value at that path", () => {
    const [e] = expand({ sweep: { "dataset.prompts": [7] } }, { ...base, dataset: { prompts: 100, seed: 3 } }).experiments;
    expect(e!.config.dataset).toMatchObject({ prompts: 7, seed: 3 });
  });

  it("may sweep a list-valued field, each list being one value", () => {
    const x = expand({ sweep: { "command.argv": [["node", "a.mjs"], ["node", "b.mjs"]] } });
    expect(x.experiments.map((e) => e.config.command?.argv)).toEqual([["node", "a.mjs"], ["node", "b.mjs"]]);
  });

  it("reject an empty list with a clear message naming the axis", () => {
    const s = study({ sweep: {} });
    s.sweep["params.batch_size"] = [];
    expect(() => expandStudy(s, base)).toThrow('sweep["params.batch_size"]: an axis needs at least one value');
  });

  it("reject a path that is not a field of an experiment", () => {
    expect(() => expand({ sweep: { "paramz.batch_size": [1] } })).toThrow(
      /sweep\["paramz.batch_size"\]: "paramz" is not a field of an experiment: unknown key, .*\(did you mean "params"\?\)/,
    );
  });
});

describe("dependent groups", () => {
  const precision = [
    { "params.precision": "fp16", "params.batch_size": 8 },
    { params: { precision: "fp8", batch_size: 32 } },
  ];

  it("merge each alternative whole (dotted or nested keys) instead of crossing its fields", () => {
    expect(values({ sweep: { precision_group: precision } })).toEqual([
      { "params.precision": "fp16", "params.batch_size": 8 },
      { "params.precision": "fp8", "params.batch_size": 32 },
    ]);
  });

  it("are crossed with the axes", () => {
    const x = expand({ sweep: { precision_group: precision, "generation.maxOutputTokens": [64, 256] } });
    expect(x.experiments.map((e) => [e.config.params.precision, e.config.generation.maxOutputTokens])).toEqual([
      ["fp16", 64],
      ["fp16", 256],
      ["fp8", 64],
      ["fp8", 256],
    ]);
  });

  it("are crossed with each other", () => {
    const x = expand({
      sweep: {
        precision_group: precision,
        data_group: [{ "dataset.prompts": 10, "dataset.seed": 1 }, { "dataset.prompts": 20, "dataset.seed": 2 }, { "dataset.prompts": 30, "dataset.seed": 3 }],
      },
    });
    expect(x.experiments).toHaveLength(6);
    expect(x.experiments.map((e) => `${e.config.params.precision}/${e.config.dataset.prompts}`)).toEqual([
      "fp16/10", "fp16/20", "fp16/30", "fp8/10", "fp8/20", "fp8/30",
    ]);
  });

  it("reject a list mixing values and mappings, naming the key", () => {
    const run = () => expand({ sweep: { "params.batch_size": [1, { "params.batch_size": 2 }] } });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(
      'sweep["params.batch_size"]: expected a list of values (an axis) or a list of mappings (a dependent group), found a mix: item 1 is a mapping, item 0 is a number',
    );
  });
});

describe("backend-prefixed keys", () => {
  it("apply to points of that backend", () => {
    const x = expand({ sweep: { "command:params.batch_size": [1, 8] } });
    expect(x.experiments.map((e) => e.config.params.batch_size)).toEqual([1, 8]);
    expect(x.experiments[0]!.sweepValues).toEqual({ "params.batch_size": 1 });
  });

  it("reject a backend lem does not know, listing the known ones", () => {
    expect(() => expand({ sweep: { "vllm-turbo:params.max_num_seqs": [64] } })).toThrow(
      `sweep["vllm-turbo:params.max_num_seqs"]: expected a known backend before ":", one of "command", "transformers", "llamacpp", "vllm", "sglang", "tgi", "llama-server", "trtllm", "openai", found "vllm-turbo"`,
    );
  });

  it("apply inside a dependent group's alternative too", () => {
    const x = expand({ sweep: { g: [{ "command:params.batch_size": 4, "params.precision": "fp16" }] } });
    expect(x.experiments[0]!.config.params).toEqual({ batch_size: 4, precision: "fp16" });
  });
});

describe("explicit experiments", () => {
  it("are merged over the base and added after the grid", () => {
    const x = expand({
      sweep: { "params.batch_size": [1, 8] },
      experiments: [{ name: "long-outputs", generation: { maxOutputTokens: 1024 } }],
    });
    expect(x.experiments.map((e) => e.config.name)).toEqual(["bs1", "bs8", "long-outputs"]);
    expect(x.experiments[2]!.config.generation).toMatchObject({ maxInputTokens: 512, maxOutputTokens: 1024, temperature: 0 });
    expect(x.experiments[2]!.config.model).toBe("sim/tiny-model");
  });

  it("replace the base alone when the sweep is empty", () => {
    const x = expand({ experiments: [{ "params.batch_size": 2 }, { "params.batch_size": 4 }] });
    expect(x.experiments.map((e) => e.config.params.batch_size)).toEqual([2, 4]);
  });
});

describe("an empty sweep", () => {
  it("with no experiments is the base alone", () => {
    const x = expand({});
    expect(x.experiments).toHaveLength(1);
    expect(x.experiments[0]!.hash).toBe(configHash(x.experiments[0]!.config));
  });

  it("with no experiments and an incomplete base says there is nothing to run", () => {
    expect(() => expand({}, { backend: "command" })).toThrow(
      /^sweep: nothing to run: the sweep is empty and there are no experiments, so the study is its base alone, but the base is not a complete experiment \(model: expected a string, found nothing/,
    );
  });
});

describe("invalid points", () => {
  it("are skipped, each with its values and a reason naming the field", () => {
    const x = expand({ sweep: { "dataset.prompts": [8, 0, -1] } });
    expect(x.experiments.map((e) => e.config.dataset.prompts)).toEqual([8]);
    expect(x.invalid).toEqual([
      { sweepValues: { "dataset.prompts": 0 }, reason: "dataset.prompts: expected an integer > 0, found 0" },
      { sweepValues: { "dataset.prompts": -1 }, reason: "dataset.prompts: expected an integer > 0, found -1" },
    ]);
  });

  it("warn when more than half of the points are invalid", () => {
    const x = expand({ sweep: { "dataset.prompts": [8, 0, -1] } });
    expect(x.warnings).toEqual([
      "2 of 3 points of the study are invalid (more than half): check the sweep. First: skipped the point dataset.prompts=0: dataset.prompts: expected an integer > 0, found 0",
    ]);
  });

  it("do not warn when half or fewer are invalid", () => {
    const x = expand({ sweep: { "dataset.prompts": [8, 0] } });
    expect(x.invalid).toHaveLength(1);
    expect(x.warnings).toEqual([]);
  });

  it("may be completed by the sweep: a base without a model is fine when the sweep sets it", () => {
    const { model: _m, ...noModel } = base;
    const x = expand({ sweep: { model: ["a/one", "b/two"] } }, noModel);
    expect(x.experiments.map((e) => e.config.model)).toEqual(["a/one", "b/two"]);
  });

  it("may be completed by the sweep: the backend too", () => {
    const { backend: _b, ...noBackend } = base;
    expect(expand({ sweep: { backend: ["command"] } }, noBackend).experiments).toHaveLength(1);
  });

  it("read as a line for the log", () => {
    expect(describeInvalidPoint({ sweepValues: { "params.batch_size": 0 }, reason: "why" })).toBe("skipped the point params.batch_size=0: why");
  });
});

describe("deduplication", () => {
  it("keeps one of equivalent points and counts the others", () => {
    const x = expand({ sweep: { "dataset.prompts": [64, 32, 64] } });
    expect(x.experiments.map((e) => e.config.dataset.prompts)).toEqual([64, 32]);
    expect(x.duplicates).toBe(1);
  });

  it("treats a value equal to the default as the same as leaving it out", () => {
    const x = expand({ sweep: { "dataset.seed": [0] }, experiments: [{}] });
    expect(x.experiments).toHaveLength(1);
    expect(x.duplicates).toBe(1);
  });

  it("drops an explicit experiment equal to a grid point", () => {
    const x = expand({ sweep: { "params.batch_size": [1, 8] }, experiments: [{ name: "again", params: { batch_size: 8 } }] });
    expect(x.experiments.map((e) => e.slug)).toEqual(["bs1", "bs8"]);
    expect(x.duplicates).toBe(1);
  });
});

describe("slugs", () => {
  it("are short and readable: a number with its abbreviated key, a string by itself", () => {
    const x = expand({ sweep: { "params.batch_size": [8], "params.precision": ["fp16"], "generation.maxOutputTokens": [256] } });
    expect(x.experiments[0]!.slug).toBe("bs8_fp16_mot256");
  });

  it("are filesystem-safe and at most 40 characters", () => {
    const x = expand({ sweep: { "params.quantization": ["awq int4 / group size 128 with act-order and more words"] } });
    const slug = x.experiments[0]!.slug;
    expect(slug).toMatch(/^[A-Za-z0-9._-]{1,40}$/);
  });

  it("are unique within a study", () => {
    const x = expand({ sweep: { "params.model_path": ["a/x", "b/x"] } });
    const [first, second] = x.experiments;
    expect(first!.slug).toBe("x");
    expect(second!.slug).toBe(`x-${second!.hash.slice(0, 6)}`);
  });

  it("name an unnamed point after its swept values, and suffix a name from the base", () => {
    expect(expand({ sweep: { "params.batch_size": [2] } }).experiments[0]!.config.name).toBe("bs2");
    expect(expand({ sweep: { "params.batch_size": [2] } }, { ...base, name: "toy" }).experiments[0]!.config.name).toBe("toy_bs2");
  });
});

it("gives every experiment the hash of its resolved config", () => {
  const x = expand({ sweep: { "params.batch_size": [1, 8] } });
  for (const e of x.experiments) expect(e.hash).toBe(configHash(e.config));
});
