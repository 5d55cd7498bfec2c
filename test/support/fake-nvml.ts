/** Builds the standalone simulated libnvidia-ml.so.1 (CMake, no sanitizers) for dlopen tests. */
import { execa } from "execa";
import { join } from "node:path";
import { repoRoot } from "./run-lem.js";

export async function buildFakeNvml(): Promise<string> {
  const dir = join(repoRoot, "build", "native-tools");
  await execa("cmake", ["-S", ".", "-B", dir, "-DCMAKE_BUILD_TYPE=Release"], { cwd: repoRoot });
  await execa("cmake", ["--build", dir, "--target", "nvidia_ml_sim", "-j", "2"], { cwd: repoRoot });
  return join(dir, "libnvidia-ml.so.1");
}
