// `lem schema`: the JSON Schema of study and experiment files, generated from the zod schemas.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { runSchema } from "../lib/cli/schema.js";
import { experimentJsonSchema, studyJsonSchema } from "../lib/config/json-schema.js";

type Json = Record<string, any>;

describe("experimentJsonSchema", () => {
  const schema = experimentJsonSchema() as Json;

  it("requires only the fields without a default", () => {
    expect(schema.required).toEqual(["model", "backend"]);
  });

  it("lists the known backends and refuses unknown keys", () => {
    expect(schema.properties.backend.enum).toEqual(["command", "transformers", "llamacpp", "vllm", "sglang", "tgi", "llama-server", "trtllm", "openai"]);
    expect(schema.additionalProperties).toBe(false);
  });

  it("carries the defaults and bounds for completion", () => {
    const baseline = schema.properties.measurement.properties.baseline;
    expect(baseline.properties.durationS).toMatchObject({ type: "number", exclusiveMinimum: 0, default: 30 });
  });
});

describe("studyJsonSchema", () => {
  const schema = studyJsonSchema() as Json;

  it("requires only the name", () => {
    expect(schema.required).toEqual(["name"]);
  });

  it("describes base and explicit experiments as experiments with nothing required", () => {
    expect(schema.properties.base.$ref).toBe("#/$defs/experiment");
    expect(schema.properties.experiments.items.$ref).toBe("#/$defs/experiment");
    expect(schema.$defs.experiment.required).toBeUndefined();
    expect(schema.$defs.experiment.properties.backend.enum).toEqual(["command", "transformers", "llamacpp", "vllm", "sglang", "tgi", "llama-server", "trtllm", "openai"]);
  });

  it("describes a sweep entry as a non-empty list", () => {
    expect(schema.properties.sweep.additionalProperties).toMatchObject({ type: "array", minItems: 1 });
  });

  it("describes each field for the editor", () => {
    expect(schema.properties.execution.properties.cycles.description).toBe("How many times every experiment runs.");
    expect(schema.$defs.experiment.properties.dataset.properties.source.description).toMatch(/^"synthetic"/);
  });

  it("is plain JSON", () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});

describe("lem schema", () => {
  async function capture(args: string[]) {
    let out = "";
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    try {
      const code = await runSchema(args);
      return { code, out };
    } finally {
      spy.mockRestore();
    }
  }

  it("prints the study schema by default", async () => {
    const { code, out } = await capture([]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(studyJsonSchema());
  });

  it("prints the experiment schema when asked", async () => {
    const { out } = await capture(["experiment"]);
    expect(JSON.parse(out)).toEqual(experimentJsonSchema());
  });

  it("writes to --output", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "lem-schema-")), "study.schema.json");
    const spy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect((await capture(["--output", file])).out).toBe("");
    } finally {
      spy.mockRestore();
    }
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(studyJsonSchema());
  });

  it("refuses an unknown kind of file", async () => {
    await expect(runSchema(["studies"])).rejects.toThrow('"lem schema" knows "study" and "experiment", got "studies".');
  });
});
