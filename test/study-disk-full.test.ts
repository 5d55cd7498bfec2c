// A study whose disk fills (a real 1 MiB tmpfs): a clear error, no temporary file, a resumable study.
import { readdirSync, statfsSync, statSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanEnv, runLem } from "./support/run-lem.js";
import { mountSmallDisk } from "./support/small-disk.js";
import { readJson, writeStudy } from "./support/study.js";

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)]));
}

const mountPoint = join(tmpdir(), `lem-full-disk-${process.pid}`);
const disk = mountSmallDisk(mountPoint, 1024);
afterAll(() => {
  if (disk.ok) disk.unmount();
});

describe.skipIf(!disk.ok)(`a study on a disk that fills${disk.ok ? "" : ` (skipped: ${disk.reason})`}`, () => {
  it("stops with a clear error naming the directory, leaves no .tmp file, and resumes to the end once space is freed", { timeout: 120_000 }, async () => {
    const { dir, file } = writeStudy({ name: "full", sweep: { "generation.maxOutputTokens": [16, 32] }, cycles: 2, baselineS: false });
    const study = readJson<Record<string, { dir?: string } & Record<string, unknown>>>(file);
    (study.base as Record<string, unknown>).dataset = { prompts: 8 };
    study.output = { dir: join(mountPoint, "results") };
    writeFileSync(file, JSON.stringify(study));
    // Room for the study's first files and about one run, not for four.
    const free = (() => {
      const s = statfsSync(mountPoint);
      return Number(s.bavail) * Number(s.bsize);
    })();
    const filler = join(mountPoint, "filler");
    writeFileSync(filler, Buffer.alloc(free - 48 * 1024));
    const env = cleanEnv({ LEM_SIMULATE: "steady", LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") });

    const full = await runLem(["run", file, "--skip-preflight", "--quiet"], env);
    const [name] = readdirSync(join(mountPoint, "results"));
    const studyDir = join(mountPoint, "results", name!);
    expect(full.exitCode, full.stderr).toBe(1);
    expect(full.stderr).not.toContain("internal error");
    expect(full.stderr).toMatch(
      new RegExp(`lem: no space left to write \\S+ in ${studyDir}\\S* \\(ENOSPC\\)\\. The study stopped; nothing written so far is lost\\. .* lem run --resume ${studyDir}$`),
    );
    expect(filesUnder(mountPoint).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    const stopped = readJson<{ runs: { status: string }[] }>(join(studyDir, "manifest.json"));
    expect(stopped.runs.filter((r) => r.status === "completed").length).toBeLessThan(4);

    rmSync(filler);
    const resumed = await runLem(["run", "--resume", studyDir, "--skip-preflight", "--quiet"], env);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const done = readJson<{ runs: { status: string }[] }>(join(studyDir, "manifest.json"));
    expect(done.runs.map((r) => r.status)).toEqual(["completed", "completed", "completed", "completed"]);
  });
});
