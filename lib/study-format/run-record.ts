/** What a study records of one planned run: its place in the plan, its state, its attempts. */
import { z } from "zod";
import { RUN_STATUSES } from "./run-status.js";
import { PlacementSchema } from "./placement.js";

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
  /** Where the latest attempt runs or ran (machine, Slurm job, GPUs); absent in older studies. */
  placement: PlacementSchema.nullable().optional(),
});

export type ManifestRun = z.infer<typeof ManifestRunSchema>;
