// Step 6, residual memory: a child holds 1 GiB on the measured GPU; lem's residual-memory
// check must name it (pid, MiB); after it frees the memory and exits, the check with a wait
// must come back clean, and say how long the release took.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { StepRecord, kitEnv, pyDir, repoRoot, stepArgs, tail } from "../kit/common.mjs";

const args = stepArgs();
const rec = new StepRecord(args);
const lem = await import(pathToFileURL(join(repoRoot, "dist", "index.js")).href);
const device = args.device;

const before = await lem.checkResidualMemory({ devices: [device] });
rec.set("before", before);

const child = spawn(args.python, [join(pyDir, "hold_memory.py"), "--mib", "1024"],
  { env: kitEnv(args, { CUDA_VISIBLE_DEVICES: args.uuid }), stdio: ["pipe", "pipe", "pipe"] });
let stderr = "";
child.stderr.on("data", (b) => (stderr += b));
const exited = new Promise((r) => child.on("close", (code) => r(code)));
const lines = [];
let wake;
child.stdout.on("data", (b) => {
  lines.push(...b.toString().split("\n").filter(Boolean).map((l) => JSON.parse(l)));
  wake?.();
});
const nextLine = async (n, ms) => {
  const end = Date.now() + ms;
  while (lines.length < n && Date.now() < end) await Promise.race([new Promise((r) => (wake = r)), new Promise((r) => setTimeout(r, 250)), exited]);
  return lines[n - 1];
};

const held = await nextLine(1, 120_000);
if (!held || held.error) {
  child.kill("SIGKILL");
  rec.finish("failed", `the child did not allocate: ${held?.error ?? tail(stderr, 1500)}`);
  process.exit(0);
}
rec.set("child", held);
// The idle level is what was in use before the child, so only the child's memory counts.
const idleMiB = { [device]: before.devices[0]?.usedMiB ?? 0 };
const whileHeld = await lem.checkResidualMemory({ devices: [device], idleMiB, thresholdMiB: 100 });
const processes = whileHeld.devices[0]?.processes ?? [];
const named = processes.find((p) => p.pid === held.pid);
// In a container NVML reports host pids: a process of about the child's size is then the child.
const bySize = named ? undefined : processes.find((p) => (p.usedMiB ?? 0) >= held.holding);
rec.set("whileHeld", { report: whileHeld, childNamed: named ?? null, childBySize: bySize ?? null });

child.stdin.write("free\n");
const freed = await nextLine(2, 30_000);
const afterFree = await lem.checkResidualMemory({ devices: [device], idleMiB, thresholdMiB: 100 });
rec.set("afterFreeChildAlive", { child: freed, report: afterFree });

child.stdin.write("exit\n");
const t0 = performance.now();
const code = await exited;
const afterExit = await lem.checkResidualMemory({ devices: [device], idleMiB, thresholdMiB: 100, waitMs: 20_000, pollMs: 50 });
rec.set("afterExit", { childExitCode: code, report: afterExit, releaseWaitMs: afterExit.waitedMs, sinceExitMs: performance.now() - t0 });

const problems = [];
if (!named) {
  problems.push(bySize
    ? `lem named a ${bySize.usedMiB} MiB process as pid ${bySize.pid}, not the child's pid ${held.pid} (a pid namespace?)`
    : `lem did not name the child (pid ${held.pid}) while it held ${held.holding} MiB: it listed ${JSON.stringify(processes)}`);
}
if ((whileHeld.devices[0]?.residualMiB ?? 0) < 900) problems.push(`residual while held was ${whileHeld.devices[0]?.residualMiB} MiB, expected about 1024 plus the CUDA context`);
if (!afterExit.clean) problems.push(`not clean after the child exited: ${afterExit.warnings.join("; ")}`);
rec.finish(problems.length ? "failed" : "ok", problems.length ? problems.join("; ") : undefined);
