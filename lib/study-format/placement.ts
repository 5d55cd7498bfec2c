/**
 * Where a run was measured: the machine, the executor, the Slurm job (when on Slurm) and the
 * hardware, so that figures from different GPU models, drivers or power limits are never
 * pooled unawares.
 */
import { z } from "zod";

export const SlurmPlacementSchema = z.object({
  /** SLURM_JOB_ID: the task's own job id. */
  jobId: z.string(),
  /** SLURM_ARRAY_JOB_ID and SLURM_ARRAY_TASK_ID: address the task as `<arrayJobId>_<arrayTaskId>`. */
  arrayJobId: z.string().nullable(),
  arrayTaskId: z.number().int().nullable(),
  /** SLURM_RESTART_COUNT: how often Slurm requeued this task (0 on its first start). */
  restartCount: z.number().int().nonnegative(),
  partition: z.string().nullable(),
  nodeName: z.string().nullable(),
});
export type SlurmPlacement = z.infer<typeof SlurmPlacementSchema>;

export const PlacedGpuSchema = z.object({
  index: z.number().int(),
  uuid: z.string(),
  name: z.string(),
  driverVersion: z.string().nullable(),
  powerLimitW: z.number().nullable(),
});
export type PlacedGpu = z.infer<typeof PlacedGpuSchema>;

export const PlacementSchema = z.object({
  executor: z.enum(["local", "slurm"]),
  hostname: z.string(),
  slurm: SlurmPlacementSchema.nullable(),
  /** The GPUs the run measured; empty until they are known. */
  gpus: z.array(PlacedGpuSchema),
});
export type Placement = z.infer<typeof PlacementSchema>;

/**
 * What a run's energy depends on beyond its configuration: GPU model, driver and power limit
 * of each GPU, e.g. "NVIDIA H100 80GB HBM3 · driver 550.54 · 700 W". Runs with different keys
 * are never pooled into one statistic.
 */
export function hardwareKey(gpus: readonly Pick<PlacedGpu, "name" | "driverVersion" | "powerLimitW">[]): string {
  if (gpus.length === 0) return "unknown hardware";
  const parts = gpus.map((g) => `${g.name} · driver ${g.driverVersion ?? "unknown"} · ${g.powerLimitW === null ? "power limit unknown" : `${Math.round(g.powerLimitW)} W`}`);
  // One GPU model repeated (a multi-GPU run) reads as "2 x ..."
  const counts = new Map<string, number>();
  for (const p of parts) counts.set(p, (counts.get(p) ?? 0) + 1);
  return [...counts].map(([p, n]) => (n > 1 ? `${n} x ${p}` : p)).join(" + ");
}

/** The Slurm job this process runs in, from Slurm's environment; null outside Slurm. */
export function slurmPlacementFromEnv(env: NodeJS.ProcessEnv = process.env): SlurmPlacement | null {
  const jobId = env.SLURM_JOB_ID;
  if (!jobId) return null;
  const task = env.SLURM_ARRAY_TASK_ID;
  return {
    jobId,
    arrayJobId: env.SLURM_ARRAY_JOB_ID ?? null,
    arrayTaskId: task !== undefined && /^\d+$/.test(task) ? Number(task) : null,
    restartCount: /^\d+$/.test(env.SLURM_RESTART_COUNT ?? "") ? Number(env.SLURM_RESTART_COUNT) : 0,
    partition: env.SLURM_JOB_PARTITION ?? null,
    nodeName: env.SLURMD_NODENAME ?? null,
  };
}
