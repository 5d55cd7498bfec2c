/** Check "gpu-lock": no other live lem study holds any of the GPUs. */
import { gpuLockFile, gpuLockHolder } from "../gpu/gpu-lock.js";
import { emptyOutcome, type CheckOutcome, type PreflightGpu } from "./types.js";

export async function checkGpuLocks(gpus: PreflightGpu[]): Promise<CheckOutcome> {
  const out = emptyOutcome();
  for (const uuid of new Set(gpus.map((g) => g.uuid))) {
    try {
      const holder = await gpuLockHolder(uuid);
      if (holder) {
        out.failures.push({
          check: "gpu-lock",
          message: `GPU ${uuid} is in use by lem study "${holder.study}" (pid ${holder.pid} on ${holder.host}, since ${holder.since}).`,
          fix: `Wait for that study to finish, or choose other GPUs with CUDA_VISIBLE_DEVICES; if that process is really gone, delete ${gpuLockFile(uuid)}.`,
        });
      }
    } catch (error) {
      out.failures.push({
        check: "gpu-lock",
        message: `the lock of GPU ${uuid} (${gpuLockFile(uuid)}) cannot be read: ${(error as Error).message}.`,
        fix: "Fix the permissions of the lock directory, or set LEM_LOCK_DIR to a directory every lem study on this machine can write.",
      });
    }
  }
  return out;
}
