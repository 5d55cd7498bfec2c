// What a study writes and reads stays in its directory, and nothing is lost (issue 12: items 6, 7, 9, 12, 17).
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, runLem } from "./support/run-lem.js";
import { readJson, writeStudy } from "./support/study.js";

const envFor = (dir: string) => cleanEnv({ LEM_SIMULATE: "steady", LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") });

function withStudy(change: (study: Record<string, any>) => void, options: Parameters<typeof writeStudy>[0] = {}) {
  const { dir, file } = writeStudy({ baselineS: false, ...options });
  const study = readJson<Record<string, any>>(file);
  change(study);
  writeFileSync(file, JSON.stringify(study));
  return { dir, file };
}

describe("a study whose pre-flight fails", () => {
  it("leaves no study directory (nor an output directory) behind", { timeout: 60_000 }, async () => {
    const { dir, file } = withStudy((s) => {
      s.base.command.argv[0] = "/nonexistent/engine";
    });
    const r = await runLem(["run", file], envFor(dir));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("pre-flight");
    expect(existsSync(join(dir, "results"))).toBe(false);
  });

  it("fails pre-flight at once for output.dir /proc/nope, with the fix", { timeout: 60_000 }, async () => {
    const { dir, file } = withStudy((s) => {
      s.output.dir = "/proc/nope";
    });
    const r = await runLem(["run", file], envFor(dir));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("the output directory /proc/nope cannot be created: /proc/nope cannot be created in /proc (ENOENT");
    expect(r.stderr).not.toContain("internal error");
  });

  it("fails pre-flight for output.dir below a file (ENOTDIR), naming the file", { timeout: 60_000 }, async () => {
    const { dir, file } = withStudy((s) => {
      s.output.dir = "study.json/out";
    });
    const r = await runLem(["run", file], envFor(dir));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`${file} is a file, not a directory, so ${file}/out cannot be created below it.`);
    expect(r.stderr).not.toContain("internal error");
  });

  it("with --skip-preflight, still fails clearly for an output directory that cannot be created", { timeout: 60_000 }, async () => {
    const { dir, file } = withStudy((s) => {
      s.output.dir = "/proc/nope";
    });
    const r = await runLem(["run", file, "--skip-preflight"], envFor(dir));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("lem: /proc/nope cannot be created in /proc (ENOENT");
  });
});
