// compareStudies and the bootstrap interval of a ratio of means, on made-up results.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareStudies, ratioOfMeans } from "../lib/results/compare.js";
import type { RunResult } from "../lib/results/result-schema.js";
import { listStudies, readStudy, type StudyOnDisk } from "../lib/results/study-reader.js";

interface Figures {
  hash: string;
  slug: string;
  perToken: (number | null)[];
  status?: RunResult["status"];
}

/** A study with just what compareStudies reads. */
function study(name: string, configs: Figures[], simulated = false): StudyOnDisk {
  const results = configs.flatMap((c) =>
    c.perToken.map(
      (v) =>
        ({
          identity: { configHash: c.hash, slug: c.slug },
          status: c.status ?? "completed",
          simulated,
          perToken: { energyPerOutputTokenJ: v, energyPerRequestJ: v === null ? null : v * 10 },
          throughput: { outputTokensPerS: v === null ? null : 1 / v },
          energy: { totalJ: v === null ? null : v * 100 },
        }) as unknown as RunResult,
    ),
  );
  return {
    dir: `/studies/${name}`,
    manifest: { study: { name, studyHash: "0123456789abcdef" } },
    experiments: configs.map((c) => ({ hash: c.hash, slug: c.slug, name: c.slug, sweepValues: {} })),
    results,
    simulated,
  } as unknown as StudyOnDisk;
}

describe("ratioOfMeans", () => {
  it("is mean(B) / mean(A) with a seeded interval around it", () => {
    const a = [1, 1.1, 0.9, 1.05];
    const b = [2, 2.2, 1.8, 2.1];
    const r = ratioOfMeans(a, b, { seed: 7, resamples: 2000 });
    expect(r.ratio).toBeCloseTo(8.1 / 4.05, 12);
    expect(r.a).toEqual({ n: 4, mean: 4.05 / 4 });
    expect(r.ci95!.low).toBeLessThan(r.ratio!);
    expect(r.ci95!.high).toBeGreaterThan(r.ratio!);
    expect(r.ci95!.low).toBeGreaterThan(1);
    expect(r.differs).toBe(true);
    expect(ratioOfMeans(a, b, { seed: 7, resamples: 2000 })).toEqual(r);
    expect(ratioOfMeans(a, b, { seed: 8, resamples: 2000 }).ci95).not.toEqual(r.ci95);
  });

  it("is null where a side has no value or A's mean is 0; no interval with fewer than 2 values a side", () => {
    expect(ratioOfMeans([], [1, 2]).ratio).toBeNull();
    expect(ratioOfMeans([null, null], [1, 2]).ratio).toBeNull();
    expect(ratioOfMeans([1, 2], [null]).ratio).toBeNull();
    expect(ratioOfMeans([0, 0], [1, 2]).ratio).toBeNull();
    const one = ratioOfMeans([2], [1, 3]);
    expect(one.ratio).toBe(1);
    expect(one.ci95).toBeNull();
    expect(one.differs).toBe(false);
    expect(ratioOfMeans([1, 2, null, Number.NaN], [2, 4]).a.n).toBe(2);
  });

  it("overlaps 1 when the sides are alike", () => {
    const r = ratioOfMeans([1, 1.2, 0.8, 1.1, 0.9], [1.05, 0.95, 1.15, 0.85, 1], { resamples: 4000 });
    expect(r.ci95!.low).toBeLessThan(1);
    expect(r.ci95!.high).toBeGreaterThan(1);
    expect(r.differs).toBe(false);
  });
});

describe("compareStudies", () => {
  const a = study("a", [
    { hash: "h1", slug: "bs1", perToken: [1, 1.1, 0.9] },
    { hash: "h2", slug: "bs4", perToken: [0.5, 0.55] },
    { hash: "h3", slug: "bs8", perToken: [0.3, 0.31] },
  ]);
  const b = study("b", [
    { hash: "h1", slug: "bs1", perToken: [1.5, 1.6, 1.4] },
    { hash: "h2", slug: "bs4", perToken: [null, null] },
    { hash: "h9", slug: "bs16", perToken: [0.2, 0.21] },
  ]);

  it("matches configurations by hash; reports those in one study only", () => {
    const c = compareStudies(a, b, { seed: 3, resamples: 1000 });
    expect(c.match).toBe("config");
    expect(c.configurations.map((x) => x.key)).toEqual(["h1", "h2"]);
    expect(c.onlyInA.map((x) => x.slug)).toEqual(["bs8"]);
    expect(c.onlyInB.map((x) => x.slug)).toEqual(["bs16"]);
    const bs1 = c.configurations[0]!.metrics;
    expect(bs1.energyPerOutputTokenJ.ratio).toBeCloseTo(1.5, 12);
    expect(bs1.energyPerRequestJ.ratio).toBeCloseTo(1.5, 12);
    expect(bs1.energyJ.ratio).toBeCloseTo(1.5, 12);
    expect(bs1.outputTokensPerS.ratio!).toBeLessThan(1);
    for (const m of Object.values(bs1)) {
      expect(m.ci95!.low).toBeLessThanOrEqual(m.ratio!);
      expect(m.ci95!.high).toBeGreaterThanOrEqual(m.ratio!);
    }
    // B's bs4 has no value: every ratio is null, not NaN.
    for (const m of Object.values(c.configurations[1]!.metrics)) {
      expect(m.ratio).toBeNull();
      expect(m.ci95).toBeNull();
      expect(m.b.n).toBe(0);
    }
    expect(compareStudies(a, b, { seed: 3, resamples: 1000 })).toEqual(c);
  });

  it("leaves failed runs out", () => {
    const failed = study("f", [{ hash: "h1", slug: "bs1", perToken: [5, 5], status: "failed" }]);
    const c = compareStudies(a, failed);
    expect(c.configurations[0]!.metrics.energyPerOutputTokenJ.b.n).toBe(0);
    expect(c.configurations[0]!.metrics.energyPerOutputTokenJ.ratio).toBeNull();
  });

  it("matches by slug on request", () => {
    const other = study("o", [{ hash: "x1", slug: "bs1", perToken: [2, 2.2] }]);
    expect(compareStudies(a, other).configurations).toHaveLength(0);
    expect(compareStudies(a, other).notes.join(" ")).toContain("--match slug");
    const c = compareStudies(a, other, { match: "slug" });
    expect(c.configurations.map((x) => x.key)).toEqual(["bs1"]);
    expect(c.configurations[0]!.a.configHash).toBe("h1");
    expect(c.configurations[0]!.b.configHash).toBe("x1");
    expect(c.onlyInA.map((x) => x.slug)).toEqual(["bs4", "bs8"]);
  });

  it("says when a side was simulated", () => {
    const sim = study("s", [{ hash: "h1", slug: "bs1", perToken: [1, 1] }], true);
    expect(compareStudies(a, sim).notes.join(" ")).toContain("study B ran on the simulated GPU");
    expect(compareStudies(sim, sim).notes.join(" ")).toContain("both studies ran on the simulated GPU");
  });
});

describe("readStudy and listStudies", () => {
  it("refuse what is not a study, saying what to give", () => {
    const dir = mkdtempSync(join(tmpdir(), "lem-not-study-"));
    expect(() => readStudy(dir)).toThrow(/is not a lem study directory: .*manifest\.json does not exist/);
    expect(() => readStudy(join(dir, "missing"))).toThrow(/missing does not exist\. Give a study directory/);
    expect(listStudies(dir)).toEqual([]);
    expect(() => listStudies(join(dir, "missing"))).toThrow(/does not exist\. Give a results directory/);
  });
});
