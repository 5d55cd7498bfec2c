/**
 * manifest.json: every planned run of a study with its status, attempts and result path,
 * rewritten atomically after every change, so that a study killed at any moment can be
 * resumed without repeating a completed run.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { LemError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { manifestProblem, unreadableManifest } from "./manifest-errors.js";
import { assertInsideDir, pathInside } from "../fs/inside-dir.js";

export const RUN_STATUSES = ["pending", "running", "completed", "failed", "interrupted", "skipped"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** One earlier attempt of a run: its outcome, and its files (relative to the study directory), moved aside. */
export const AttemptRecordSchema = z.object({
  attempt: z.number().int().positive(),
  status: z.enum(RUN_STATUSES),
  error: z.string().nullable(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  /** e.g. `001_c1_bs8_3fa2b1c0/attempt-1`; null when the attempt left no file. */
  evidence: z.string().nullable(),
});
export type AttemptRecord = z.infer<typeof AttemptRecordSchema>;

export const ManifestRunSchema = z.object({
  position: z.number().int().nonnegative(),
  cycle: z.number().int().nonnegative(),
  experiment: z.number().int().nonnegative(),
  configHash: z.string(),
  slug: z.string(),
  status: z.enum(RUN_STATUSES),
  attempts: z.number().int().nonnegative(),
  /** Relative to the study directory. */
  resultPath: z.string().nullable(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  error: z.string().nullable(),
  /** The child of a run in progress, so that a resumed study can stop one left behind. */
  child: z.object({ pid: z.number().int(), startTicks: z.string().nullable() }).nullable(),
  /** Earlier attempts of a run measured again on resume: how each ended, and where its files are kept. */
  history: z.array(AttemptRecordSchema).optional(),
});

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
export type ManifestRun = z.infer<typeof ManifestRunSchema>;

export class ManifestError extends LemError {
  constructor(message: string) {
    super("LEM_MANIFEST", message);
  }
}

export function manifestPath(dir: string): string {
  return join(dir, "manifest.json");
}

export class Manifest {
  constructor(
    readonly dir: string,
    readonly data: ManifestData,
  ) {}

  static load(dir: string): Manifest {
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
    return new Manifest(dir, parsed.data);
  }

  save(): void {
    this.data.updatedAt = new Date().toISOString();
    writeFileAtomic(manifestPath(this.dir), `${JSON.stringify(this.data, null, 2)}\n`);
  }

  run(position: number): ManifestRun {
    const r = this.data.runs[position];
    if (!r) throw new ManifestError(`the manifest has no run ${position}`);
    return r;
  }

  /** Updates a run and writes the manifest at once. */
  update(position: number, change: Partial<ManifestRun>): ManifestRun {
    const r = this.run(position);
    Object.assign(r, change);
    this.save();
    return r;
  }

  counts(): Record<RunStatus, number> {
    const c = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
    for (const r of this.data.runs) c[r.status]++;
    return c;
  }
}

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
    const a = JSON.stringify(recorded.execution[key]);
    const b = JSON.stringify(now.execution[key]);
    if (a !== b) diffs.push(`execution.${key}: ${a ?? "unset"} -> ${b ?? "unset"}`);
  }
  return diffs;
}
