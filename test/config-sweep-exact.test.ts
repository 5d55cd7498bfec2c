// The sweep's backend-prefixed keys and slug collisions, with exact expected experiments.
import { describe, expect, it } from "vitest";
import { StudySchema } from "../lib/config/schema.js";
import { expandStudy } from "../lib/config/sweep.js";

const base = { model: "sim/tiny-model", backend: "command", command: { argv: ["node", "run.mjs"] } };
const expand = (fields: Record<string, unknown>, b: Record<string, unknown> = base) => expandStudy(StudySchema.parse({ name: "s", ...fields }), b);

describe("backend-prefixed keys, exactly", () => {
  it("apply only to points of their backend; the other backend's points collapse to one", () => {
    const x = expand({ sweep: { backend: ["command", "llamacpp"], "llamacpp:params.batch_size": [1, 8] } });
    const got = x.experiments.map((e) => [e.config.backend, e.config.params.batch_size]);
    expect(got).toEqual([
      ["command", undefined],
      ["llamacpp", 1],
      ["llamacpp", 8],
    ]);
    expect(x.duplicates).toBe(1);
  });

  it("inside a dependent group apply only to their backend too", () => {
    const x = expand({
      sweep: { backend: ["command", "llamacpp"], g: [{ "llamacpp:params.batch_size": 4, "params.precision": "fp16" }] },
    });
    expect(x.experiments.map((e) => [e.config.backend, e.config.params])).toEqual([
      ["command", { precision: "fp16" }],
      ["llamacpp", { batch_size: 4, precision: "fp16" }],
    ]);
  });
});

describe("slug collisions", () => {
  it("tell apart three experiments whose readable slugs are the same", () => {
    const x = expand({ sweep: { "params.model_path": ["a/x", "b/x", "c/x"] } });
    const slugs = x.experiments.map((e) => e.slug);
    expect(new Set(slugs).size).toBe(3);
    expect(slugs).toEqual(["x", `x-${x.experiments[1]!.hash.slice(0, 6)}`, `x-${x.experiments[2]!.hash.slice(0, 6)}`]);
  });

  it("tell apart explicit experiments of the same name", () => {
    const x = expand({ experiments: [{ name: "run", "params.batch_size": 1 }, { name: "run", "params.batch_size": 2 }] });
    const [a, b] = x.experiments;
    expect(a!.slug).toBe("run");
    expect(b!.slug).toBe(`run-${b!.hash.slice(0, 6)}`);
  });

  it("tell apart a suffixed slug from an experiment whose own name is that suffixed slug", () => {
    const first = expand({ experiments: [{ name: "run", "params.batch_size": 1 }, { name: "run", "params.batch_size": 2 }] });
    const taken = first.experiments[1]!.slug;
    const x = expand({
      experiments: [{ name: "run", "params.batch_size": 1 }, { name: taken, "params.batch_size": 3 }, { name: "run", "params.batch_size": 2 }],
    });
    const slugs = x.experiments.map((e) => e.slug);
    expect(new Set(slugs).size).toBe(3);
  });

  it("tell apart slugs cut to 40 characters that differ only after the cut", () => {
    const long = "m".repeat(45);
    const x = expand({ sweep: { "params.model_path": [`${long}a`, `${long}b`] } });
    const [a, b] = x.experiments.map((e) => e.slug);
    expect(a).toBe("m".repeat(40));
    expect(b).not.toBe(a);
    expect(b!.length).toBeLessThanOrEqual(40);
  });
});
