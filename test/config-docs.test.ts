// The YAML examples of docs/configuration.md are valid as written.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../lib/config/load.js";
import { StudySchema } from "../lib/config/schema.js";
import { expandStudy } from "../lib/config/sweep.js";
import { repoRoot } from "./support/run-lem.js";

const doc = readFileSync(join(repoRoot, "docs", "configuration.md"), "utf8");
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe("docs/configuration.md YAML examples", () => {
  it("exist", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  blocks.forEach((text, i) => {
    it(`example ${i + 1} parses${/^base:/m.test(text) ? " and expands" : ""}`, () => {
      const value = parseConfigText(text, "example.yaml") as Record<string, unknown>;
      if (!/^base:/m.test(text)) return;
      const study = StudySchema.parse(value);
      const x = expandStudy(study, study.base);
      expect(x.invalid).toEqual([]);
      expect(x.experiments.length).toBeGreaterThan(0);
    });
  });

  it("the axes example gives the 4 experiments it names, in that order", () => {
    const study = StudySchema.parse(parseConfigText(blocks.find((b) => b.startsWith("name: axes"))!, "axes.yaml"));
    expect(expandStudy(study, study.base).experiments.map((e) => e.slug)).toEqual(["bs1_mot64", "bs1_mot256", "bs8_mot64", "bs8_mot256"]);
  });
});
