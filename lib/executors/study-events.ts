/** What a study tells whoever runs it (the progress display, a script), and the options and outcome of running one: the executor boundary. */
import type { RunResult } from "../results/result-schema.js";
import type { StudyStatus } from "../study-format/study-status.js";

export type { StudyStatus };

export type StudyEvent =
  | { type: "study-start"; dir: string; runs: number; pending: number; simulated: boolean; devices: number[] }
  | { type: "run-start"; position: number; total: number; slug: string; cycle: number; devices: number[] }
  | {
      type: "run-end";
      position: number;
      total: number;
      slug: string;
      cycle: number;
      status: RunResult["status"];
      energyJ: number | null;
      energyPerOutputTokenJ: number | null;
      windowS: number;
      outputTokensPerS: number | null;
      error?: string;
    }
  | { type: "circuit-pause"; pauseS: number; failures: number }
  /** A study handed to Slurm: its arrays (one per MaxArraySize chunk) and the merge job after them. */
  | { type: "slurm-submitted"; dir: string; runs: number; submitted: number; arrayJobIds: string[]; mergeJobId: string }
  /** The study stops before its runs are done, and why (e.g. an attached server is gone). */
  | { type: "study-stopping"; reason: string }
  | { type: "warning"; message: string }
  | {
      type: "study-end";
      dir: string;
      status: StudyStatus;
      counts: Record<string, number>;
      /** The HTML report written beside the results; null with the reason when it could not be. */
      report: { path: string } | { error: string };
    };


export interface RunStudyOptions {
  /** A study file to start, or a study directory to resume. */
  studyFile?: string;
  resumeDir?: string;
  /** Overrides the study's output.dir. */
  outputDir?: string;
  failFast?: boolean;
  skipPreflight?: boolean;
  /** Overrides execution.executor (and, on resume, the executor the study was started with). */
  executor?: "local" | "slurm";
  /** Slurm: follow the study until its merge job ends instead of returning once submitted. */
  wait?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: StudyEvent) => void;
}

export interface StudyOutcome {
  dir: string;
  /** "submitted": handed to Slurm, which runs it now (lem run without --wait). */
  status: StudyStatus | "submitted";
  counts: Record<string, number>;
  report?: { path: string } | { error: string };
  /** The jobs of a study on Slurm: one array per MaxArraySize chunk, and the merge job. */
  slurm?: { arrayJobIds: string[]; mergeJobId: string };
}
