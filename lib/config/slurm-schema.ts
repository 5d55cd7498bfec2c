/**
 * `execution.slurm`: how a study's runs are submitted to Slurm (one job array per study, one
 * task per planned run, then a merge job). Every value reaches sbatch as one argument of an
 * argument array, never through a shell; `setup` alone is shell, by design (module loads).
 */
import { z } from "zod";

/** A partition, account, QOS or GRES type name: what Slurm accepts there, and nothing that could start another option. */
const slurmName = (what: string) =>
  z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9][\w.+@-]*$/, `a Slurm ${what} name: letters, digits, '_', '.', '+', '@' and '-', starting with a letter or digit`);

/** Slurm's time formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
export const SLURM_TIME = /^(\d+-\d{1,2}(:\d{1,2}){0,2}|\d+(:\d{1,2}){0,2})$/;

/** Lead of the USR1 that Slurm sends before the time limit; its timer is coarse (~30 s late seen), so generous. */
export const DEFAULT_SIGNAL_LEAD_S = 180;

export const SlurmSchema = z
  .object({
    partition: slurmName("partition").optional(),
    account: slurmName("account").optional(),
    qos: slurmName("QOS").optional(),
    /** Per run; default runTimeoutS plus a margin for pre-flight, baseline and settling. */
    timeLimit: z.string().regex(SLURM_TIME, "a Slurm time: minutes, HH:MM:SS or D-HH:MM:SS").optional(),
    gpusPerRun: z.number().int().positive().max(64).optional(),
    gpuType: slurmName("GPU type").optional(),
    constraint: z
      .string()
      .min(1)
      .regex(/^[\w.&|,*\[\]()!:-]+$/, "a Slurm constraint expression: feature names with & | , * [ ] ( ) !")
      .optional(),
    exclusive: z.boolean().default(true),
    maxParallel: z.number().int().positive().optional(),
    sbatchArgs: z.array(z.string().regex(/^[^\n\r\0]*$/, "one sbatch argument per entry, without line breaks")).default([]),
    setup: z.array(z.string().regex(/^[^\n\r\0]*$/, "one line per entry")).default([]),
    lem: z.array(z.string().min(1).regex(/^[^\n\r\0]*$/, "one argument per entry")).min(1).optional(),
    signalLeadS: z.number().int().min(30).max(86_400).default(DEFAULT_SIGNAL_LEAD_S),
    maxRequeues: z.number().int().nonnegative().max(100).default(2),
    mergeTimeLimit: z.string().regex(SLURM_TIME, "a Slurm time: minutes, HH:MM:SS or D-HH:MM:SS").default("1:00:00"),
  })
  .strict();

export type SlurmSettings = z.output<typeof SlurmSchema>;

export const SLURM_DOCS: Record<string, string> = {
  "execution.executor": "Where the runs execute: `local` (this process, one run after another; the default) or `slurm` (one job array task per run, then a merge job). `lem run --executor` overrides it.",
  "execution.slurm": "How the study is submitted to Slurm (executor `slurm`); see docs/slurm.md.",
  "execution.slurm.partition": "The partition (`sbatch --partition`); default: the cluster's default partition. Checked with scontrol before anything is submitted.",
  "execution.slurm.account": "The account to charge (`--account`).",
  "execution.slurm.qos": "The quality of service (`--qos`).",
  "execution.slurm.timeLimit": "Time limit of each run's task (`--time`, e.g. `30`, `1:30:00`, `1-00:00:00`); default: runTimeoutS plus 10 minutes for pre-flight, baseline and settling, plus signalLeadS.",
  "execution.slurm.gpusPerRun": "GPUs of each task (`--gres=gpu:N`); default: the experiments' `devices` count, else 1. All experiments of a study must need the same count.",
  "execution.slurm.gpuType": "The GPU model to ask for (`--gres=gpu:TYPE:N`), e.g. `h100`: with `constraint`, the way to keep every run on the same hardware.",
  "execution.slurm.constraint": "Node features every task needs (`--constraint`), e.g. `gh200`.",
  "execution.slurm.exclusive": "Whole nodes for each task (`--exclusive`): other jobs on the node would disturb power, temperature and host energy. Turn off only where the GPUs are the only shared part and you accept that.",
  "execution.slurm.maxParallel": "Tasks running at once at most (the array's `%N`); default: as many as Slurm starts.",
  "execution.slurm.sbatchArgs": "Extra sbatch arguments, one per entry (an array, never a shell string), e.g. [\"--mem=64G\", \"--reservation=energy\"]; they come after lem's own.",
  "execution.slurm.setup": "Shell lines the batch script runs before lem, e.g. [\"module load cuda/12.4\", \"source ~/venv/bin/activate\"].",
  "execution.slurm.lem": "How to start lem on the nodes, as an argument array, e.g. [\"lem\"] or [\"/apps/node/bin/node\", \"/home/me/lem/dist/cli/main.js\"]; default: the Node.js and lem files of the submitting process.",
  "execution.slurm.signalLeadS": "Seconds before the time limit at which Slurm sends USR1 (`--signal=B:USR1@N`); the run in progress is stopped, kept as an attempt, and the task requeued.",
  "execution.slurm.maxRequeues": "How often a task lem stopped on USR1 (time limit near, preemption) is requeued; beyond that the run stays interrupted for `lem run --resume`.",
  "execution.slurm.mergeTimeLimit": "Time limit of the final merge job that writes study.json, summary.csv and the report.",
};
