/**
 * Debian's arm64 Node.js run under qemu-user, to load the linux-arm64 prebuild (installed by
 * install-test-deps.sh, which the test setup runs when root on Debian); `unavailable` says
 * why it cannot run here.
 */
import { execa } from "execa";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./run-lem.js";

export const arm64NodeRoot = process.env.LEM_TEST_ARM64_NODE_ROOT ?? join(repoRoot, "test", ".artifacts", "arm64-node");

export interface Arm64Node {
  unavailable?: string;
  run(args: string[], options?: { cwd?: string; env?: Record<string, string> }): Promise<{ stdout: string; stderr: string; exitCode: number | undefined }>;
}

async function has(cmd: string): Promise<boolean> {
  return (await execa("sh", ["-c", `command -v ${cmd}`], { reject: false })).exitCode === 0;
}

export async function arm64Node(): Promise<Arm64Node> {
  const run: Arm64Node["run"] = async (args, options = {}) => {
    const r = await execa("qemu-aarch64", ["-L", arm64NodeRoot, join(arm64NodeRoot, "usr", "bin", "node"), ...args], {
      cwd: options.cwd,
      env: options.env,
      extendEnv: false,
      reject: false,
    });
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
  };
  const install = "run test/support/install-test-deps.sh as root on Debian";
  if (!(await has("qemu-aarch64"))) return { unavailable: `qemu-aarch64 is not installed (apt-get install qemu-user; or ${install})`, run };
  if (!existsSync(join(arm64NodeRoot, "usr", "bin", "node"))) return { unavailable: `Debian's arm64 Node.js is not unpacked in ${arm64NodeRoot} (${install})`, run };
  const probe = await run(["-p", "process.arch"]);
  if (probe.stdout.trim() !== "arm64") return { unavailable: `qemu-aarch64 cannot run arm64 Node.js here: ${probe.stderr.trim() || probe.stdout.trim()}`, run };
  return { run };
}
