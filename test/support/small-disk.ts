/**
 * A real, small filesystem for full-disk tests: a tmpfs of `sizeKiB`, mounted where the test
 * says. Mounting needs root (CI runs as root); elsewhere `mountSmallDisk` returns the reason
 * it could not, for the test to skip with.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";

export function mountSmallDisk(dir: string, sizeKiB: number): { ok: true; unmount: () => void } | { ok: false; reason: string } {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKiB}k`, "tmpfs", dir], { stdio: "pipe" });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { ok: false, reason: `cannot mount a tmpfs here (${String((error as { stderr?: Buffer }).stderr ?? error).trim()})` };
  }
  return {
    ok: true,
    unmount: () => {
      execFileSync("umount", [dir], { stdio: "pipe" });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
