// The study examples of docs/backends.md are valid studies as written.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../lib/config/load.js";
import { StudySchema } from "../lib/config/schema.js";
import { expandStudy } from "../lib/config/sweep.js";
import { repoRoot } from "./support/run-lem.js";

const doc = readFileSync(join(repoRoot, "docs", "backends.md"), "utf8");
const studies = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((t) => /^base:/m.test(t));

describe("docs/backends.md study examples", () => {
  it("exist", () => {
    expect(studies.length).toBeGreaterThanOrEqual(2);
  });

  studies.forEach((text, i) => {
    it(`example ${i + 1} expands to the experiments its sweep names`, () => {
      const study = StudySchema.parse(parseConfigText(text, "example.yaml"));
      const x = expandStudy(study, study.base);
      expect(x.invalid).toEqual([]);
      const axis = Object.values(study.sweep)[0]!;
      expect(x.experiments).toHaveLength(axis.length);
    });
  });
});
