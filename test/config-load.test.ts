// Study and experiment files: good ones load and expand; each kind of bad one gets one clear
// error naming the file and the place.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../lib/config/config-error.js";
import { loadExperiment, loadStudy } from "../lib/config/load.js";
import { repoRoot } from "./support/run-lem.js";

const fixture = (name: string) => join("test", "fixtures", "config", name);

/** The ConfigError a load throws (fails the test if it throws anything else, or nothing). */
async function configError(load: Promise<unknown>): Promise<ConfigError> {
  const error = await load.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe("good studies", () => {
  it("load from YAML, extending a base file given relative to the study", async () => {
    const s = await loadStudy(fixture("good-study.yaml"));
    expect(s.file).toBe(join(repoRoot, "test/fixtures/config/good-study.yaml"));
    expect(s.base).toEqual({
      model: "sim/tiny-model",
      backend: "command",
      command: { argv: ["node", "-e", "process.exit(0)"] },
      params: { precision: "fp16" },
      measurement: { baseline: { durationS: 2 } },
    });
    expect(s.expansion.experiments.map((e) => e.slug)).toEqual(["bs1_mot64", "bs1_mot256", "bs8_mot64", "bs8_mot256"]);
    expect(s.expansion.experiments[3]!.config.params).toEqual({ precision: "fp16", batch_size: 8 });
    expect(s.study.execution).toMatchObject({ cycles: 2, order: "interleaved" });
    expect(s.studyHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it("load from JSON, with explicit experiments after the grid", async () => {
    const s = await loadStudy(fixture("good-study.json"));
    expect(s.expansion.experiments.map((e) => e.slug)).toEqual(["bs1", "bs2", "bs4", "big-batch"]);
  });

  it("have a study hash that depends on the experiments and the execution settings only", async () => {
    const a = await loadStudy(fixture("good-study.yaml"));
    const b = await loadStudy(fixture("good-study.yaml"));
    expect(b.studyHash).toBe(a.studyHash);
    expect((await loadStudy(fixture("good-study.json"))).studyHash).not.toBe(a.studyHash);
  });

  it("examples/study-command.yaml loads and expands to 4 experiments", async () => {
    const s = await loadStudy(join(repoRoot, "examples", "study-command.yaml"));
    expect(s.expansion.experiments.map((e) => e.sweepValues)).toEqual([
      { "params.batch_size": 1, "generation.maxOutputTokens": 64 },
      { "params.batch_size": 1, "generation.maxOutputTokens": 256 },
      { "params.batch_size": 8, "generation.maxOutputTokens": 64 },
      { "params.batch_size": 8, "generation.maxOutputTokens": 256 },
    ]);
    expect(s.expansion.invalid).toEqual([]);
    expect(s.study.execution).toMatchObject({ cycles: 2, order: "interleaved" });
    expect(s.expansion.experiments[0]!.config.measurement).toMatchObject({
      intervalMs: 10,
      baseline: { durationS: 2, cacheTtlS: 0 },
      settling: { mode: "gap", gapS: 1 },
    });
  });
});

describe("an experiment file", () => {
  it("loads with defaults applied and top-level dotted keys", async () => {
    const e = await loadExperiment(fixture("experiment.yaml"));
    expect(e.params).toEqual({ batch_size: 4 });
    expect(e.dataset.prompts).toBe(64);
  });

  it("that is not a mapping is refused", async () => {
    const e = await configError(loadExperiment(fixture("bad-yaml-not-a-mapping.yaml")));
    expect(e.message).toBe(`${fixture("bad-yaml-not-a-mapping.yaml")}: expected an experiment (a mapping of fields) at the top level, found a list of 2`);
  });
});

describe("bad studies", () => {
  it("a wrong type names the field, what was expected and what was found", async () => {
    const e = await configError(loadStudy(fixture("bad-wrong-type.yaml")));
    expect(e.message).toBe(`${fixture("bad-wrong-type.yaml")}: execution.cycles: expected an integer, found "three" (a string)`);
    expect(e.file).toBe(fixture("bad-wrong-type.yaml"));
    expect(e.path).toBe("execution.cycles");
    expect(e.code).toBe("LEM_CONFIG");
  });

  it("an unknown key names it, the keys allowed there, and the likely typo", async () => {
    const e = await configError(loadStudy(fixture("bad-unknown-key.yaml")));
    expect(e.path).toBe("execution.ordr");
    expect(e.message).toContain(`${fixture("bad-unknown-key.yaml")}: execution.ordr: unknown key, expected one of cycles, order, seed,`);
    expect(e.message).toContain('(did you mean "order"?), found "ordr"');
  });

  it("an empty sweep axis says an axis needs a value", async () => {
    const e = await configError(loadStudy(fixture("bad-empty-axis.yaml")));
    expect(e.message).toBe(`${fixture("bad-empty-axis.yaml")}: sweep["params.batch_size"]: an axis needs at least one value`);
  });

  it("an empty sweep with an incomplete base says there is nothing to run", async () => {
    const e = await configError(loadStudy(fixture("bad-empty-sweep.yaml")));
    expect(e.path).toBe("sweep");
    expect(e.message).toMatch(/bad-empty-sweep\.yaml: sweep: nothing to run: the sweep is empty and there are no experiments/);
    expect(e.message).toContain("model: expected a string, found nothing (the field is required)");
  });

  it("an unknown backend lists the known backends", async () => {
    const e = await configError(loadStudy(fixture("bad-unknown-backend.yaml")));
    expect(e.message).toBe(`${fixture("bad-unknown-backend.yaml")}: base.backend: expected a known backend, one of "command", "transformers", "llamacpp", "vllm", "sglang", "tgi", "llama-server", "trtllm", "openai", found "vllm-turbo" (a string)`);
  });

  it("a negative duration names the field and the bound", async () => {
    const e = await configError(loadStudy(fixture("bad-negative-duration.yaml")));
    expect(e.message).toBe(`${fixture("bad-negative-duration.yaml")}: base.measurement.baseline.durationS: expected a number > 0, found -5`);
  });

  it("a base file that does not exist is named with the study file that extends it", async () => {
    const e = await configError(loadStudy(fixture("bad-missing-extends.yaml")));
    expect(e.message).toBe(
      `${fixture("bad-missing-extends.yaml")}: extends: the base file ${fixture("bases/no-such-base.yaml")} does not exist (it is resolved relative to the study file)`,
    );
  });

  it("a bad value in the base file is reported in that file", async () => {
    const e = await configError(loadStudy(fixture("bad-base-value.yaml")));
    expect(e.file).toBe(fixture("bases/bad-base.yaml"));
    expect(e.message).toBe(`${fixture("bases/bad-base.yaml")}: dataset.prompts: expected an integer > 0, found 0`);
  });

  it("a YAML syntax error gives the line and column", async () => {
    const e = await configError(loadStudy(fixture("bad-yaml-syntax.yaml")));
    expect(e.message).toMatch(/^test\/fixtures\/config\/bad-yaml-syntax\.yaml:4:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a \]$/);
  });

  it("a JSON syntax error gives the line and column", async () => {
    const e = await configError(loadStudy(fixture("bad-json-syntax.json")));
    expect(e.message).toMatch(/^test\/fixtures\/config\/bad-json-syntax\.json:3:\d+: JSON syntax error: /);
  });

  it("a study file that does not exist is named", async () => {
    const e = await configError(loadStudy(fixture("no-such-study.yaml")));
    expect(e.message).toBe(`${fixture("no-such-study.yaml")}: the file does not exist`);
  });

  it("several problems come in one error, one per line, the first line counting them", async () => {
    const e = await configError(loadStudy(fixture("bad-several.yaml")));
    expect(e.message.split("\n")).toEqual([
      `${fixture("bad-several.yaml")}: 2 problems:`,
      '  name: expected letters, digits, \'.\', \'_\' and \'-\' only (it names a directory), found "my study" (a string)',
      "  execution.cycles: expected an integer > 0, found 0",
    ]);
  });

  it("a study whose every point is invalid says so", async () => {
    const e = await configError(loadStudy(fixture("bad-all-invalid.yaml")));
    expect(e.message).toBe(
      `${fixture("bad-all-invalid.yaml")}: sweep: no valid experiment: all 2 point(s) are invalid; the first: dataset.prompts: expected an integer > 0, found 0`,
    );
  });
});
