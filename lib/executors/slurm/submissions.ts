/**
 * <study>/slurm/submissions.json: every submission of the study to Slurm (the first, and one
 * per resume): its arrays (job id, offset, positions) and merge job. Written whole, only by the
 * submitting process, which holds the study's lock; read by status, --wait, resume and the
 * tasks (fail-fast cancels the arrays).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { LemError } from "../../errors.js";
import { writeFileAtomic } from "../../fs/atomic-write.js";
import { assertInsideDir } from "../../fs/inside-dir.js";

export const SubmittedArraySchema = z.object({
  jobId: z.string(),
  offset: z.number().int().nonnegative(),
  positions: z.array(z.number().int().nonnegative()),
  spec: z.string(),
});
export type SubmittedArray = z.infer<typeof SubmittedArraySchema>;

export const SubmissionSchema = z.object({
  submittedAt: z.string(),
  arrays: z.array(SubmittedArraySchema),
  mergeJobId: z.string(),
  /** sbatch's arguments of the arrays (the last array's) and of the merge job, as given. */
  taskArgs: z.array(z.string()),
  mergeArgs: z.array(z.string()),
});
export type Submission = z.infer<typeof SubmissionSchema>;

const SubmissionsSchema = z.object({ schemaVersion: z.literal(1), submissions: z.array(SubmissionSchema) });

export function submissionsPath(dir: string): string {
  return join(dir, "slurm", "submissions.json");
}

/** Every submission of the study, oldest first; none for a study never submitted to Slurm. */
export function readSubmissions(dir: string): Submission[] {
  const file = submissionsPath(dir);
  assertInsideDir(dir, file);
  if (!existsSync(file)) return [];
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new LemError("LEM_SLURM_SUBMISSIONS", `${file} is not valid JSON (${(error as Error).message}); it was edited or damaged outside lem. Restore it, or find the study's jobs with squeue --me.`);
  }
  const parsed = SubmissionsSchema.safeParse(json);
  if (!parsed.success) {
    throw new LemError("LEM_SLURM_SUBMISSIONS", `${file} is not a submissions record this lem can read (${parsed.error.issues[0]?.message}); it was edited or damaged outside lem, or written by another lem version.`);
  }
  return parsed.data.submissions;
}

export function appendSubmission(dir: string, submission: Submission): void {
  const all = [...readSubmissions(dir), submission];
  writeFileAtomic(submissionsPath(dir), `${JSON.stringify({ schemaVersion: 1, submissions: all }, null, 2)}\n`);
}

/** The array task that runs `position` in a submission, as Slurm names it ("123_4"), or null. */
export function taskIdOf(submission: Submission, position: number): string | null {
  const a = submission.arrays.find((x) => x.positions.includes(position));
  return a ? `${a.jobId}_${position - a.offset}` : null;
}
