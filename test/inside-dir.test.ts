// Paths read from a study directory stay inside it, and no symbolic link there is followed.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assertInsideDir, openAppendNoFollow, pathInside, UnsafePathError } from "../lib/fs/inside-dir.js";

const tmp = () => mkdtempSync(join(tmpdir(), "lem-inside-"));

describe("pathInside", () => {
  it("resolves a relative path below the directory, and refuses one that climbs out or is absolute", () => {
    expect(pathInside("/s", "001_c1_x/result.json")).toBe("/s/001_c1_x/result.json");
    expect(pathInside("/s", "../../../../etc/passwd")).toBeNull();
    expect(pathInside("/s", "a/../../etc")).toBeNull();
    expect(pathInside("/s", "/etc/passwd")).toBeNull();
  });
});

describe("assertInsideDir", () => {
  it("refuses a symbolic link anywhere between the directory and the path (environment.json, a run directory)", () => {
    const dir = tmp();
    const outside = tmp();
    writeFileSync(join(outside, "secret"), "x");
    symlinkSync(join(outside, "secret"), join(dir, "environment.json"));
    symlinkSync(outside, join(dir, "001_run"));
    expect(() => assertInsideDir(dir, join(dir, "environment.json"))).toThrow(UnsafePathError);
    expect(() => assertInsideDir(dir, join(dir, "001_run", "timeseries.parquet"))).toThrow(`${join(dir, "001_run")} is a symbolic link (to ${outside})`);
  });

  it("accepts real files and paths not created yet", () => {
    const dir = tmp();
    mkdirSync(join(dir, "prompts"));
    expect(() => assertInsideDir(dir, join(dir, "prompts", "a.jsonl"))).not.toThrow();
    expect(() => assertInsideDir(dir, join(dir, "new", "child.log"))).not.toThrow();
  });
});

describe("openAppendNoFollow", () => {
  it("refuses a log file that is a symbolic link (O_NOFOLLOW)", () => {
    const dir = tmp();
    writeFileSync(join(dir, "victim"), "");
    symlinkSync(join(dir, "victim"), join(dir, "child.log"));
    expect(() => openAppendNoFollow(join(dir, "child.log"))).toThrow(`${join(dir, "child.log")} is a symbolic link`);
  });
});
