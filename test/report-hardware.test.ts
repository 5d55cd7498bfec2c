// A study whose runs of one configuration landed on different hardware: the merge, study.json
// and the report keep them apart and say so (a real simulated study, one result's placement
// edited as if that run had landed on a GH200 node).
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { gatherReportData } from "../lib/report/report-data.js";
import { cleanEnv, runLem } from "./support/run-lem.js";
import { writeStudy } from "./support/study.js";

const env = cleanEnv({ LEM_SIMULATE: "steady" });
let dir: string;
let merge: Awaited<ReturnType<typeof runLem>>;

beforeAll(async () => {
  const { dir: base, file } = writeStudy({ name: "mixed-hw", cycles: 2, baselineS: false, sweep: { "params.batch_size": [1, 2] } });
  const r = await runLem(["run", file, "--output", join(base, "results"), "--quiet"], env);
  expect(r.exitCode, r.stderr).toBe(0);
  dir = join(base, "results", readdirSync(join(base, "results"))[0]!);
  const first = readdirSync(dir).find((d) => d.startsWith("001_"))!;
  const file1 = join(dir, first, "result.json");
  const res = JSON.parse(readFileSync(file1, "utf8"));
  res.placement.gpus[0] = { ...res.placement.gpus[0], name: "NVIDIA GH200 480GB", powerLimitW: 900 };
  writeFileSync(file1, JSON.stringify(res));
  merge = await runLem(["merge", dir], env);
}, 120_000);

describe("a study on mixed hardware", () => {
  it("is merged into one row per configuration and hardware, with a warning", () => {
    expect(merge.exitCode, merge.stderr).toBe(0);
    expect(merge.stderr).toMatch(/warning: configuration \S+ was measured on 2 kinds of hardware \(1 run\(s\) on NVIDIA GH200 480GB · driver 550\.54\.15 · 900 W; 1 run\(s\) on NVIDIA H100/);
    const study = JSON.parse(readFileSync(join(dir, "study.json"), "utf8"));
    expect(study.configurations).toHaveLength(3);
    expect(study.configurations.map((c: any) => c.runs.completed).sort()).toEqual([1, 1, 2]);
    expect(study.study.warnings.some((w: string) => w.includes("was measured on 2 kinds of hardware"))).toBe(true);
  });

  it("gets report rows that name their hardware and chart labels that tell them apart", async () => {
    const d = await gatherReportData(dir);
    expect(d.configurations).toHaveLength(3);
    expect(new Set(d.configurations.map((c) => c.label)).size).toBe(3);
    expect(d.configurations.some((c) => c.label.endsWith("@ NVIDIA GH200 480GB"))).toBe(true);
    expect(d.configurations.map((c) => c.runValues.length).sort()).toEqual([1, 1, 2]);
    const html = readFileSync(join(dir, "report.html"), "utf8");
    expect(html).toContain("Figures are stratified by hardware");
    expect(html).toContain("This study ran on more than one kind of hardware");
  });
});
