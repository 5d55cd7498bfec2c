// What a study writes and reads stays in its directory, and nothing is lost (issue 12: items 6, 7, 9, 12, 17).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, repoRoot, runLem } from "./support/run-lem.js";
import { readJson, studyDirIn, writeStudy } from "./support/study.js";

interface ManifestRun {
  status: string;
  attempts: number;
  resultPath: string | null;
  error: string | null;
  history?: { attempt: number; status: string; error: string | null; evidence: string | null }[];
}
const failOnce = join(repoRoot, "test", "fixtures", "fail-once-child.mjs");

/** A one-run study whose child fails its first attempt and succeeds on resume; run once (it fails). */
async function failedOnce(): Promise<{ dir: string; file: string; studyDir: string; runDir: string }> {
  const { dir, file } = withStudy((s) => {
    s.base.command = { argv: [process.execPath, failOnce, "FLAG"], measure: "lifetime" };
  });
  const study = readJson<Record<string, any>>(file);
  study.base.command.argv[2] = join(dir, "attempted.flag");
  writeFileSync(file, JSON.stringify(study));
  const r = await runLem(["run", file, "--quiet"], envFor(dir));
  expect(r.exitCode, r.stderr).toBe(1); // completed with failures
  const studyDir = studyDirIn(dir);
  const runDir = join(studyDir, readdirSync(studyDir).find((n) => /^001_/.test(n))!);
  return { dir, file, studyDir, runDir };
}
const manifestRuns = (studyDir: string) => readJson<{ runs: ManifestRun[] }>(join(studyDir, "manifest.json")).runs;

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

describe("a failed run measured again on resume", () => {
  it("keeps the first attempt's files in attempt-1/, its outcome in the manifest's history, and a child.log of the second attempt alone", { timeout: 60_000 }, async () => {
    const { dir, studyDir, runDir } = await failedOnce();
    expect(manifestRuns(studyDir)[0]!.status).toBe("failed");
    const r = await runLem(["run", "--resume", studyDir, "--quiet"], envFor(dir));
    expect(r.exitCode, r.stderr).toBe(0);
    const [run] = manifestRuns(studyDir);
    expect(run!.status).toBe("completed");
    expect(run!.attempts).toBe(2);
    expect(run!.error).toBeNull();
    expect(run!.history).toEqual([
      { attempt: 1, status: "failed", error: expect.stringContaining("exited with code 1"), startedAt: expect.any(String), endedAt: expect.any(String), evidence: `${runDir.slice(studyDir.length + 1)}/attempt-1` },
    ]);
    expect(readFileSync(join(runDir, "attempt-1", "child.log"), "utf8")).toBe("output of attempt one\n");
    expect(readJson<{ status: string }>(join(runDir, "attempt-1", "result.json")).status).toBe("failed");
    expect(readFileSync(join(runDir, "child.log"), "utf8")).toBe("output of attempt two\n");
    const report = readFileSync(join(studyDir, "report.html"), "utf8");
    expect(report).toContain("A failed or interrupted run is measured again when the study is resumed");
    expect(report).toContain(`files in <code>${runDir.slice(studyDir.length + 1)}/attempt-1</code>`);
  });
});

describe("a resumed study whose completed run has a truncated result.json", () => {
  it("measures that run again with a warning, keeping the damaged file, instead of failing with a stack trace", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ baselineS: false });
    const first = await runLem(["run", file, "--quiet"], envFor(dir));
    expect(first.exitCode, first.stderr).toBe(0);
    const studyDir = studyDirIn(dir);
    const resultPath = join(studyDir, manifestRuns(studyDir)[0]!.resultPath!);
    const truncated = readFileSync(resultPath, "utf8").slice(0, 200);
    writeFileSync(resultPath, truncated);
    const r = await runLem(["run", "--resume", studyDir, "--quiet"], envFor(dir));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("internal error");
    expect(r.stderr).toMatch(/lem: warning: run 1 \(\S+\): its result\.json could not be read \(.*JSON.*\); it is measured again, and its damaged files are kept in attempt-1\/ of its directory/);
    const [run] = manifestRuns(studyDir);
    expect([run!.status, run!.attempts]).toEqual(["completed", 2]);
    expect(readFileSync(join(resultPath, "..", "attempt-1", "result.json"), "utf8")).toBe(truncated);
    expect(readJson<{ status: string }>(resultPath).status).toBe("completed");
  });
});

describe("paths inside a study directory", () => {
  it("refuses a manifest resultPath that leads outside the directory, on resume and in results show", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ baselineS: false });
    expect((await runLem(["run", file, "--quiet"], envFor(dir))).exitCode).toBe(0);
    const studyDir = studyDirIn(dir);
    const manifest = readJson<{ runs: ManifestRun[] }>(join(studyDir, "manifest.json"));
    manifest.runs[0]!.resultPath = "../../../../etc/passwd";
    writeFileSync(join(studyDir, "manifest.json"), JSON.stringify(manifest));
    const expected = `run 1 has resultPath "../../../../etc/passwd", which leads outside the study directory; lem reads only inside it.`;
    const resume = await runLem(["run", "--resume", studyDir], envFor(dir));
    expect([resume.exitCode, resume.stderr.includes(expected)]).toEqual([1, true]);
    const show = await runLem(["results", "show", studyDir], envFor(dir));
    expect([show.exitCode, show.stderr.includes(expected)]).toEqual([1, true]);
  });

  it("refuses to write prompts through a prompts/ symbolic link, naming it, and writes nothing outside", { timeout: 60_000 }, async () => {
    const { dir, studyDir } = await failedOnce();
    const outside = mkdtempSync(join(tmpdir(), "lem-outside-"));
    rmSync(join(studyDir, "prompts"), { recursive: true });
    symlinkSync(outside, join(studyDir, "prompts"));
    const r = await runLem(["run", "--resume", studyDir], envFor(dir));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`lem: ${join(studyDir, "prompts")} is a symbolic link (to ${outside}); lem reads and writes only inside the study directory`);
    expect(readdirSync(outside)).toEqual([]);
  });

  it("never appends to a file outside through a child.log symbolic link", { timeout: 60_000 }, async () => {
    const { dir, studyDir, runDir } = await failedOnce();
    const outside = join(mkdtempSync(join(tmpdir(), "lem-outside-")), "victim.txt");
    writeFileSync(outside, "untouched\n");
    rmSync(join(runDir, "child.log"));
    symlinkSync(outside, join(runDir, "child.log"));
    const r = await runLem(["run", "--resume", studyDir, "--quiet"], envFor(dir));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(outside, "utf8")).toBe("untouched\n");
    expect(readFileSync(join(runDir, "child.log"), "utf8")).toBe("output of attempt two\n");
  });

  it("refuses a run directory replaced by a symbolic link", { timeout: 60_000 }, async () => {
    const { dir, studyDir, runDir } = await failedOnce();
    const outside = mkdtempSync(join(tmpdir(), "lem-outside-"));
    rmSync(runDir, { recursive: true });
    symlinkSync(outside, runDir);
    const r = await runLem(["run", "--resume", studyDir], envFor(dir));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`lem: ${runDir} is a symbolic link (to ${outside})`);
    expect(readdirSync(outside)).toEqual([]);
  });
});
