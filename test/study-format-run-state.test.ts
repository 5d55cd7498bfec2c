// The study directory's per-run state files and the manifest as their index (lib/study-format).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Manifest, type ManifestData } from "../lib/study-format/manifest.js";
import { runDirOf } from "../lib/study-format/layout.js";
import { runStatePath } from "../lib/study-format/run-state.js";
import { hardwareKey, slurmPlacementFromEnv } from "../lib/study-format/placement.js";
import { statusFromCounts } from "../lib/study-format/study-status.js";

function planned(position: number): ManifestData["runs"][number] {
  return { position, cycle: position % 2, experiment: 0, configHash: "3fa2b1c0deadbeef", slug: "bs8", status: "pending", attempts: 0, resultPath: null, startedAt: null, endedAt: null, error: null, child: null };
}

function study(): { dir: string; manifest: Manifest } {
  const dir = mkdtempSync(join(tmpdir(), "lem-state-"));
  const data: ManifestData = {
    schemaVersion: 1,
    study: { name: "s", file: "/nowhere/s.yaml", studyHash: "abcdef0123456789", createdAt: "2026-12-02T00:00:00.000Z" },
    experiments: [{ hash: "3fa2b1c0deadbeef", slug: "bs8", name: "bs8" }],
    execution: {},
    runs: [planned(0), planned(1), planned(2)],
    updatedAt: "2026-12-02T00:00:00.000Z",
  };
  const manifest = new Manifest(dir, data);
  manifest.save();
  return { dir, manifest };
}

describe("per-run state files", () => {
  it("are written by a process that writes no index, and seen by every reader of the manifest", () => {
    const { dir } = study();
    const task = Manifest.load(dir, { writeIndex: false });
    task.update(1, { status: "running", attempts: 1, placement: { executor: "slurm", hostname: "node7", slurm: null, gpus: [] } });
    expect(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).runs[1].status).toBe("pending");
    const seen = Manifest.load(dir);
    expect(seen.run(1).status).toBe("running");
    expect(seen.run(1).placement?.hostname).toBe("node7");
    expect(seen.counts()).toMatchObject({ pending: 2, running: 1 });
  });

  it("live in the run's own directory", () => {
    const { dir, manifest } = study();
    manifest.update(2, { status: "completed" });
    expect(runStatePath(dir, manifest.run(2))).toBe(join(dir, "003_c1_bs8_3fa2b1c0", "state.json"));
    expect(runDirOf(manifest.run(2))).toBe("003_c1_bs8_3fa2b1c0");
  });

  it("become the index when the coordinating process saves the manifest", () => {
    const { dir } = study();
    Manifest.load(dir, { writeIndex: false }).update(0, { status: "completed", attempts: 1 });
    Manifest.load(dir).save();
    expect(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).runs[0].status).toBe("completed");
  });

  it("never let a task's process write the index", () => {
    const { dir } = study();
    expect(() => Manifest.load(dir, { writeIndex: false }).save()).toThrow(/never the manifest/);
  });

  it("that are damaged leave the run as the index has it, with a warning naming the file", () => {
    const { dir, manifest } = study();
    const file = runStatePath(dir, manifest.run(0));
    mkdirSync(join(dir, runDirOf(manifest.run(0))), { recursive: true });
    writeFileSync(file, '{"schemaVersion": 1, "run": {');
    const seen = Manifest.load(dir);
    expect(seen.run(0).status).toBe("pending");
    expect(seen.warnings).toHaveLength(1);
    expect(seen.warnings[0]).toContain(file);
    expect(seen.warnings[0]).toContain("not valid JSON");
  });

  it("that describe another run, or point outside the study, are not believed", () => {
    const { dir, manifest } = study();
    manifest.update(0, { status: "completed" });
    const file = runStatePath(dir, manifest.run(0));
    const state = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify({ ...state, run: { ...state.run, position: 2 } }));
    expect(Manifest.load(dir).warnings[0]).toContain("describes run 3");
    writeFileSync(file, JSON.stringify({ ...state, run: { ...state.run, resultPath: "../../etc/passwd" } }));
    const seen = Manifest.load(dir);
    expect(seen.warnings[0]).toContain("leads outside the study directory");
  });
});

describe("placement", () => {
  it("names hardware by model, driver and power limit, counting identical GPUs", () => {
    const h100 = { name: "NVIDIA H100 80GB HBM3", driverVersion: "550.54.15", powerLimitW: 700 };
    expect(hardwareKey([h100])).toBe("NVIDIA H100 80GB HBM3 · driver 550.54.15 · 700 W");
    expect(hardwareKey([h100, h100])).toBe("2 x NVIDIA H100 80GB HBM3 · driver 550.54.15 · 700 W");
    expect(hardwareKey([{ ...h100, powerLimitW: 500 }])).not.toBe(hardwareKey([h100]));
    expect(hardwareKey([])).toBe("unknown hardware");
  });

  it("reads the Slurm job from Slurm's environment, and nothing outside Slurm", () => {
    expect(slurmPlacementFromEnv({})).toBeNull();
    expect(
      slurmPlacementFromEnv({ SLURM_JOB_ID: "118", SLURM_ARRAY_JOB_ID: "112", SLURM_ARRAY_TASK_ID: "6", SLURM_RESTART_COUNT: "1", SLURM_JOB_PARTITION: "gpu", SLURMD_NODENAME: "gh001" }),
    ).toEqual({ jobId: "118", arrayJobId: "112", arrayTaskId: 6, restartCount: 1, partition: "gpu", nodeName: "gh001" });
  });
});

describe("a study's status from its counts", () => {
  it("is interrupted while any run is unfinished, else completed, with failures where any failed", () => {
    expect(statusFromCounts({ completed: 3, pending: 1 })).toBe("interrupted");
    expect(statusFromCounts({ completed: 3, interrupted: 1 })).toBe("interrupted");
    expect(statusFromCounts({ completed: 3, failed: 1 })).toBe("completed-with-failures");
    expect(statusFromCounts({ completed: 4, skipped: 1 })).toBe("completed");
  });
});
