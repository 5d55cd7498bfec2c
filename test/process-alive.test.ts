// A zombie holds nothing: where PID 1 does not reap (some containers, this machine's micro-VM), a
// dead child of a killed lem stays a zombie, and its GPU lock must still count as stale.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { groupAlive, pidAlive } from "../lib/process/alive.js";

/** A process that has ended but is never reaped: its parent (sleep) does not wait for it. */
async function unreapedZombie(): Promise<{ zombie: number; stop: () => void }> {
  // setsid: the zombie leads a group of its own, apart from its parent's.
  const parent = spawn("sh", ["-c", 'setsid sh -c "exit 0" & echo $!; exec sleep 30'], { stdio: ["ignore", "pipe", "inherit"] });
  const zombie = await new Promise<number>((resolve) => parent.stdout!.once("data", (b: Buffer) => resolve(Number(b.toString().trim()))));
  for (let i = 0; i < 200; i++) {
    if (readFileSync(`/proc/${zombie}/stat`, "utf8").split(") ")[1]!.startsWith("Z")) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return { zombie, stop: () => parent.kill("SIGKILL") };
}

describe("process liveness", () => {
  it("counts a zombie, and a group of only zombies, as gone", async () => {
    const { zombie, stop } = await unreapedZombie();
    try {
      expect(readFileSync(`/proc/${zombie}/stat`, "utf8").split(") ")[1]![0]).toBe("Z");
      expect(() => process.kill(zombie, 0)).not.toThrow(); // what kill(pid, 0) alone would say
      expect(pidAlive(zombie)).toBe(false);
      expect(groupAlive(zombie)).toBe(false);
    } finally {
      stop();
    }
  });

  it("counts a running process and its group as alive, and a pid that never existed as gone", () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(groupAlive(Number(readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ")[2]))).toBe(true);
    expect(pidAlive(2 ** 22 + 1)).toBe(false);
    expect(groupAlive(0)).toBe(false);
  });
});
