/** Runs the built `lem` command (dist/cli/main.js) as a user would, capturing its output. */
import { execa } from "execa";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const lemBin = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

/** Environment without any GPU or simulation selection inherited from the caller. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("LEM_") && k !== "CUDA_VISIBLE_DEVICES") env[k] = v;
  }
  // Never pick up a real driver by accident: tests decide what NVML is.
  env.LEM_NVML_LIBRARY = "/nonexistent/libnvidia-ml.so.1";
  env.LEM_CUDA_LIBRARY = "/nonexistent/libcuda.so.1";
  return { ...env, ...extra };
}

export async function runLem(args: string[], env: Record<string, string> = cleanEnv()) {
  return execa(process.execPath, [lemBin, ...args], { env, extendEnv: false, reject: false, cwd: repoRoot });
}
