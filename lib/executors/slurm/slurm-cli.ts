/**
 * lem's only way to talk to Slurm: its commands, run with argument arrays (never a shell),
 * explicit output formats (never the user's SQUEUE_FORMAT), a time limit, and errors that say
 * what failed and what to do. No sacct: accounting is often disabled on clusters.
 */
import { execa } from "execa";
import { LemError } from "../../errors.js";

export class SlurmError extends LemError {}

export interface SlurmCallOptions {
  env?: NodeJS.ProcessEnv;
}

export type SlurmCommand = "sbatch" | "squeue" | "scontrol" | "scancel" | "sinfo";

/** Slurm's controller answers within seconds unless it is down; then its commands retry for long. */
const COMMAND_TIMEOUT_MS = 60_000;

/** The first lines of a command's error output, as Slurm wrote them. */
function quoted(text: string): string {
  const lines = text.trim().split("\n").filter((l) => l.trim() !== "");
  return lines.slice(0, 5).join("; ") || "(no message)";
}

export async function slurmCommand(cmd: SlurmCommand, args: string[], o: SlurmCallOptions = {}): Promise<string> {
  const env = o.env ?? process.env;
  const r = await execa(cmd, args, { env, extendEnv: false, reject: false, timeout: COMMAND_TIMEOUT_MS, stdin: "ignore" });
  if ((r as { code?: string }).code === "ENOENT" || (r.failed && /ENOENT/.test(String(r.message)) && r.exitCode === undefined)) {
    throw new SlurmError(
      "LEM_SLURM_MISSING",
      `${cmd} is not on PATH: lem's Slurm executor runs sbatch, squeue, scontrol and scancel. Load Slurm (e.g. \`module load slurm\`) or run lem on a login node of the cluster; or run the study with execution.executor: local.`,
    );
  }
  if (r.timedOut) {
    throw new SlurmError("LEM_SLURM_COMMAND", `${cmd} ${args.join(" ")} did not answer within ${COMMAND_TIMEOUT_MS / 1000} s: is Slurm's controller up (scontrol ping)? Try again when it answers.`);
  }
  if (r.exitCode !== 0) {
    throw new SlurmError("LEM_SLURM_COMMAND", `${cmd} failed (exit ${r.exitCode ?? r.signal}): ${quoted(String(r.stderr || r.stdout))}`);
  }
  return String(r.stdout);
}

/** KEY = VALUE lines of `scontrol show config` (or KEY=VALUE words of `scontrol -o show ...`). */
function keyValues(text: string, separator: RegExp): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(separator)) {
    const m = /^\s*([A-Za-z][\w/:.-]*)\s*=\s*(.*?)\s*$/.exec(part);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

export interface SlurmConfig {
  maxArraySize: number;
  minJobAgeS: number | null;
  clusterName: string | null;
}

export async function slurmConfig(o: SlurmCallOptions = {}): Promise<SlurmConfig> {
  const kv = keyValues(await slurmCommand("scontrol", ["show", "config"], o), /\n/);
  const int = (key: string) => {
    const v = /^\d+/.exec(kv.get(key) ?? "");
    return v ? Number(v[0]) : null;
  };
  return { maxArraySize: int("MaxArraySize") ?? 1001, minJobAgeS: int("MinJobAge"), clusterName: kv.get("ClusterName") ?? null };
}

/** The partitions Slurm has, from one line per partition. */
async function partitions(o: SlurmCallOptions): Promise<string[]> {
  const text = await slurmCommand("scontrol", ["-o", "show", "partition"], o);
  return text
    .split("\n")
    .map((l) => /PartitionName=(\S+)/.exec(l)?.[1])
    .filter((p): p is string => p !== undefined);
}

export async function checkPartition(name: string, o: SlurmCallOptions = {}): Promise<void> {
  const known = await partitions(o);
  if (!known.includes(name)) {
    throw new SlurmError("LEM_SLURM_PARTITION", `execution.slurm.partition "${name}" is not a partition of this cluster; the partitions are: ${known.join(", ") || "(none)"}.`);
  }
}

export async function submitBatch(script: string, o: SlurmCallOptions & { sbatchArgs: string[]; scriptArgs?: string[] }): Promise<string> {
  const out = await slurmCommand("sbatch", [...o.sbatchArgs, script, ...(o.scriptArgs ?? [])], o);
  // --parsable: "<job id>" or "<job id>;<cluster>"
  const id = /^(\d+)(;\S+)?$/m.exec(out.trim())?.[1];
  if (!id) throw new SlurmError("LEM_SLURM_COMMAND", `sbatch answered without a job id: ${quoted(out)}`);
  return id;
}

export interface SlurmJobState {
  /** "123_4" for an array task, "123" otherwise. */
  id: string;
  arrayJobId: string | null;
  arrayTaskId: number | null;
  /** PENDING, RUNNING, COMPLETED, ... */
  state: string;
  node: string | null;
  reason: string | null;
}

/** %i job id (123_4, or 123_[5-9] for pending tasks not yet split: -r splits them), %T state, %N nodes, %r reason. */
const SQUEUE_FORMAT = "%i|%T|%N|%r";

function parseSqueueLine(line: string): SlurmJobState | null {
  const [id, state, node, reason] = line.split("|");
  if (!id || !state) return null;
  const m = /^(\d+)_(\d+)$/.exec(id.trim());
  return {
    id: id.trim(),
    arrayJobId: m ? m[1]! : null,
    arrayTaskId: m ? Number(m[2]) : null,
    state: state.trim(),
    node: node && node.trim() !== "" && node.trim() !== "(null)" ? node.trim() : null,
    reason: reason && reason.trim() !== "" && reason.trim() !== "None" ? reason.trim() : null,
  };
}

/**
 * What Slurm knows of these jobs now, array tasks one by one (pending ones included); a job
 * Slurm has forgotten is absent. squeue refuses a whole list when one id is unknown, so the
 * ids are asked together first and one by one only then.
 */
export async function jobStates(jobIds: string[], o: SlurmCallOptions = {}): Promise<Map<string, SlurmJobState>> {
  const out = new Map<string, SlurmJobState>();
  if (jobIds.length === 0) return out;
  const ask = async (ids: string[]) => {
    const text = await slurmCommand("squeue", ["-h", "-r", "-o", SQUEUE_FORMAT, "-j", ids.join(",")], o);
    for (const line of text.split("\n")) {
      const s = parseSqueueLine(line);
      if (s) out.set(s.id, s);
    }
  };
  try {
    await ask(jobIds);
  } catch (error) {
    if (!(error instanceof SlurmError) || error.code !== "LEM_SLURM_COMMAND") throw error;
    for (const id of jobIds) {
      try {
        await ask([id]);
      } catch (inner) {
        if (!(inner instanceof SlurmError) || !/Invalid job id/i.test(inner.message)) throw inner;
      }
    }
  }
  return out;
}

export async function cancelJob(jobId: string, o: SlurmCallOptions & { pendingOnly?: boolean } = {}): Promise<void> {
  await slurmCommand("scancel", [...(o.pendingOnly ? ["--state=PENDING"] : []), jobId], o);
}

export async function requeueJob(jobId: string, o: SlurmCallOptions = {}): Promise<void> {
  await slurmCommand("scontrol", ["requeue", jobId], o);
}
