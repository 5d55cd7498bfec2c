// Names and places of a study's files.
import { describe, expect, it } from "vitest";
import { runDirName, runPaths, studyPaths } from "../lib/study-format/layout.js";

describe("runDirName", () => {
  it("pads position + 1 to 3 digits and shows the cycle 1-based", () => {
    expect(runDirName(0, 0, "bs8", "3fa2b1c0deadbeef")).toBe("001_c1_bs8_3fa2b1c0");
    expect(runDirName(41, 2, "llama-fp16", "0123456789")).toBe("042_c3_llama-fp16_01234567");
  });

  it("uses more digits beyond 999 runs", () => {
    expect(runDirName(999, 9, "x", "abcdef012")).toBe("1000_c10_x_abcdef01");
  });

  it("rejects a slug that would leave the study directory", () => {
    expect(() => runDirName(0, 0, "../x", "3fa2b1c0")).toThrow(/path separators/);
    expect(() => runDirName(0, 0, "..", "3fa2b1c0")).toThrow(/path separators/);
    expect(() => runDirName(0, 0, "", "3fa2b1c0")).toThrow(/non-empty/);
  });

  it("rejects a hash shorter than 8 characters", () => {
    expect(() => runDirName(0, 0, "a", "abc")).toThrow(/at least 8/);
  });
});

describe("paths", () => {
  it("places the study files in the study directory", () => {
    expect(studyPaths("/r/s")).toEqual({
      dir: "/r/s",
      studyJson: "/r/s/study.json",
      summaryCsv: "/r/s/summary.csv",
      configJson: "/r/s/config.resolved.json",
      environmentJson: "/r/s/environment.json",
      manifestJson: "/r/s/manifest.json",
    });
  });

  it("places a run's files in its directory", () => {
    expect(runPaths("/r/s/001_c1_a_12345678")).toEqual({
      dir: "/r/s/001_c1_a_12345678",
      resultJson: "/r/s/001_c1_a_12345678/result.json",
      timeseriesParquet: "/r/s/001_c1_a_12345678/timeseries.parquet",
    });
  });
});
