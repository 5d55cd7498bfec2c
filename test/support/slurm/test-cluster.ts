/** A real single-node Slurm for a test file: started in beforeAll, stopped in afterAll (start-slurm.sh). */
import { execFileSync, execSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));

export interface TestSlurm {
  root: string;
  /** To merge into the environment of every Slurm command and of lem. */
  env: Record<string, string>;
  partition: string;
  hostname: string;
  /** The daemons' pids (slurmctld, slurmd, munged). */
  pids(): number[];
  stop(): Promise<void>;
}

/** Whether this machine can run the test cluster, and why not. */
export function slurmInstalled(): { ok: true } | { ok: false; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: "the test cluster needs root (mknod, SlurmUser=root)" };
  for (const cmd of ["slurmctld", "slurmd", "munged", "sbatch"]) {
    try {
      execSync(`command -v ${cmd}`, { stdio: "ignore" });
    } catch {
      return { ok: false, reason: `${cmd} is not installed (apt-get install slurm-wlm munge; test/support/install-test-deps.sh does it)` };
    }
  }
  return { ok: true };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startTestSlurm(o: { maxArraySize?: number } = {}): Promise<TestSlurm> {
  const root = mkdtempSync(join(tmpdir(), "lem-slurm-"));
  const ctld = await freePort();
  let slurmd = await freePort();
  while (slurmd === ctld) slurmd = await freePort();
  const pidsOf = () =>
    ["slurmctld", "slurmd", "munged"].flatMap((d) => {
      const f = join(root, "run", `${d}.pid`);
      return existsSync(f) ? [Number(readFileSync(f, "utf8").trim())] : [];
    });
  const stop = async () => {
    execFileSync(join(here, "stop-slurm.sh"), [root], { stdio: "ignore" });
    rmSync(root, { recursive: true, force: true });
  };
  try {
    execFileSync(join(here, "start-slurm.sh"), [root, String(ctld), String(slurmd), String(o.maxArraySize ?? 1001)], { stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? "");
    await stop();
    throw new Error(`the test Slurm did not start: ${stderr}`);
  }
  return { root, env: { SLURM_CONF: join(root, "etc", "slurm.conf") }, partition: "debug", hostname: hostname().split(".")[0]!, pids: pidsOf, stop };
}
