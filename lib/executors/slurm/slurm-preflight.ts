/**
 * What can be checked on the login node before anything is submitted: that Slurm answers,
 * the partition exists, the cluster's MaxArraySize, that every experiment needs the same GPU
 * count, and lem can be started on the nodes. Every problem is collected (check "slurm"), so
 * that a user fixes all of them in one go; the GPU checks run on each node, per task.
 */
import type { LoadedStudy } from "../../config/load.js";
import type { SlurmSettings } from "../../config/slurm-schema.js";
import type { PreflightIssue } from "../../preflight/types.js";
import { parseCudaVisibleDevices } from "../../gpu/cuda-visible-devices.js";
import { checkPartition, slurmConfig, SlurmError } from "./slurm-cli.js";
import { lemOnNodes } from "./lem-on-nodes.js";

export interface SlurmPlan {
  maxArraySize: number;
  gpusPerRun: number;
  lem: string[];
}

function issueOf(error: unknown, fix: string): PreflightIssue {
  if (error instanceof SlurmError) return { check: "slurm", message: (error as SlurmError).message, fix };
  throw error;
}

/** GPUs each task asks for: execution.slurm.gpusPerRun, else the experiments' one `devices` count, else 1. */
export function gpusPerRunOf(loaded: LoadedStudy, settings: SlurmSettings): number | PreflightIssue {
  if (settings.gpusPerRun !== undefined) return settings.gpusPerRun;
  const counts = new Map<number, string[]>();
  for (const e of loaded.expansion.experiments) {
    const n = e.config.devices === undefined ? 1 : parseCudaVisibleDevices(e.config.devices).length || 1;
    counts.set(n, [...(counts.get(n) ?? []), e.slug]);
  }
  if (counts.size === 1) return [...counts.keys()][0]!;
  return {
    check: "slurm",
    message: `the experiments need different GPU counts (${[...counts].map(([n, slugs]) => `${n}: ${slugs.slice(0, 3).join(", ")}${slugs.length > 3 ? ", ..." : ""}`).join("; ")}), but one study is one job array with one GPU count.`,
    fix: "Give every experiment the same devices count, or split the study into one study per GPU count (execution.slurm.gpusPerRun sets the count of all).",
  };
}

export async function slurmPreflight(loaded: LoadedStudy, settings: SlurmSettings, env: NodeJS.ProcessEnv): Promise<{ plan: SlurmPlan | null; issues: PreflightIssue[] }> {
  const issues: PreflightIssue[] = [];
  let maxArraySize: number | null = null;
  try {
    maxArraySize = (await slurmConfig({ env })).maxArraySize;
  } catch (error) {
    issues.push(issueOf(error, "Run lem where Slurm's commands work (a login node of the cluster, after e.g. `module load slurm`), or use execution.executor: local."));
  }
  if (maxArraySize !== null && settings.partition) {
    try {
      await checkPartition(settings.partition, { env });
    } catch (error) {
      issues.push(issueOf(error, "Set execution.slurm.partition to one of the partitions listed (sinfo -s lists them), or leave it out for the cluster's default."));
    }
  }
  const gpus = gpusPerRunOf(loaded, settings);
  if (typeof gpus !== "number") issues.push(gpus);
  const lem = lemOnNodes(settings.lem);
  if ("issue" in lem) issues.push(lem.issue);
  if (issues.length > 0 || maxArraySize === null || typeof gpus !== "number" || !("argv" in lem)) return { plan: null, issues };
  return { plan: { maxArraySize, gpusPerRun: gpus, lem: lem.argv }, issues };
}
