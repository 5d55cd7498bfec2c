/**
 * manifest.json: every planned run of a study, and an index of their state.
 *
 * Each run's own state lives in its directory (`state.json`, see run-state.ts), written whole
 * by the one process that runs it: on Slurm many nodes write into one study directory at
 * once, and none of them ever rewrites a file that another writes. The manifest's run entries
 * are an index derived from those files, written only by the process that coordinates the
 * study (the local runner, the submitting process, the merge job); whoever loads a manifest
 * sees every run as its state file says, so the index may lag but is never believed over them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { LemError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { manifestProblem, unreadableManifest } from "./manifest-errors.js";
import { assertInsideDir, pathInside } from "../fs/inside-dir.js";
import { RUN_STATUSES, type RunStatus } from "./run-status.js";
import { AttemptRecordSchema, ManifestRunSchema, type AttemptRecord, type ManifestRun } from "./run-record.js";
import { readRunStates, writeRunState } from "./run-state.js";

export { RUN_STATUSES, type RunStatus, AttemptRecordSchema, ManifestRunSchema, type AttemptRecord, type ManifestRun };

export const ManifestSchema = z.object({
  schemaVersion: z.literal(1),
  study: z.object({
    name: z.string(),
    file: z.string(),
    studyHash: z.string(),
    createdAt: z.string(),
  }),
  experiments: z.array(z.object({ hash: z.string(), slug: z.string(), name: z.string() })),
  execution: z.record(z.string(), z.unknown()),
  runs: z.array(ManifestRunSchema),
  updatedAt: z.string(),
});

export type ManifestData = z.infer<typeof ManifestSchema>;

export class ManifestError extends LemError {
  constructor(message: string) {
    super("LEM_MANIFEST", message);
  }
}

export function manifestPath(dir: string): string {
  return join(dir, "manifest.json");
}

export interface ManifestOptions {
  /**
   * Whether this process writes manifest.json (the index): the local runner, the submitting
   * process and the merge job do; a Slurm task writes only its run's state file.
   */
  writeIndex?: boolean;
}

export class Manifest {
  /** Problems met while reading the runs' state files (each such run is seen as the index has it). */
  readonly warnings: string[] = [];
  readonly writeIndex: boolean;

  constructor(
    readonly dir: string,
    readonly data: ManifestData,
    o: ManifestOptions = {},
  ) {
    this.writeIndex = o.writeIndex ?? true;
  }

  static load(dir: string, o: ManifestOptions = {}): Manifest {
    const file = manifestPath(dir);
    assertInsideDir(dir, file);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new ManifestError(unreadableManifest(dir, file, error));
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ManifestError(`${file} is not valid JSON (${(error as Error).message}); it was edited or damaged outside lem. Restore it from a backup, or start the study anew.`);
    }
    const parsed = ManifestSchema.safeParse(json);
    if (!parsed.success) {
      throw new ManifestError(`${file} is not a manifest this lem can read: ${manifestProblem(parsed.error, ManifestSchema)}; it was edited or damaged outside lem, or written by another lem version.`);
    }
    for (const r of parsed.data.runs) {
      if (r.resultPath !== null && pathInside(dir, r.resultPath) === null) {
        throw new ManifestError(
          `${file}: run ${r.position + 1} has resultPath "${r.resultPath}", which leads outside the study directory; lem reads only inside it. The manifest was edited or damaged outside lem: restore it from a backup, or start the study anew.`,
        );
      }
    }
    const manifest = new Manifest(dir, parsed.data, o);
    manifest.warnings.push(...readRunStates(dir, parsed.data.runs));
    return manifest;
  }

  /** Writes manifest.json, the index, as this process sees every run now. */
  save(): void {
    if (!this.writeIndex) throw new ManifestError("this process runs one run of the study and writes only that run's state file, never the manifest");
    this.data.updatedAt = new Date().toISOString();
    writeFileAtomic(manifestPath(this.dir), `${JSON.stringify(this.data, null, 2)}\n`);
  }

  run(position: number): ManifestRun {
    const r = this.data.runs[position];
    if (!r) throw new ManifestError(`the manifest has no run ${position}`);
    return r;
  }

  /** Updates a run and writes its state file at once (and the index, where this process writes it). */
  update(position: number, change: Partial<ManifestRun>): ManifestRun {
    const r = this.run(position);
    Object.assign(r, change);
    writeRunState(this.dir, r);
    if (this.writeIndex) this.save();
    return r;
  }

  counts(): Record<RunStatus, number> {
    const c = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
    for (const r of this.data.runs) c[r.status]++;
    return c;
  }
}

const EXECUTOR_KEYS = new Set(["executor", "slurm"]);

/** What changed between the study a manifest recorded and the study file as it is now. */
export function studyDifferences(
  recorded: ManifestData,
  now: { experiments: { hash: string; slug: string }[]; execution: Record<string, unknown> },
): string[] {
  const diffs: string[] = [];
  const before = new Map(recorded.experiments.map((e) => [e.hash, e.slug]));
  const after = new Map(now.experiments.map((e) => [e.hash, e.slug]));
  for (const [hash, slug] of after) if (!before.has(hash)) diffs.push(`experiment added: ${slug} (${hash})`);
  for (const [hash, slug] of before) if (!after.has(hash)) diffs.push(`experiment removed or changed: ${slug} (${hash})`);
  if (diffs.length === 0 && recorded.experiments.map((e) => e.hash).join() !== now.experiments.map((e) => e.hash).join()) {
    diffs.push("the experiments are listed in another order");
  }
  for (const key of new Set([...Object.keys(recorded.execution), ...Object.keys(now.execution)])) {
    // Where the runs execute changes no figure: a study may move executor or partition on resume.
    if (EXECUTOR_KEYS.has(key)) continue;
    const a = JSON.stringify(recorded.execution[key]);
    const b = JSON.stringify(now.execution[key]);
    if (a !== b) diffs.push(`execution.${key}: ${a ?? "unset"} -> ${b ?? "unset"}`);
  }
  return diffs;
}
