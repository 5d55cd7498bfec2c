// lem's main job on a fresh machine: run the example study (4 configurations x 2 cycles of a
// toy workload) and show where the results went. Without an NVIDIA driver it runs on the
// simulated GPU and says so.   Run: npm run demo
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { nvmlStatus } from "lem-energy";

const root = fileURLToPath(new URL("..", import.meta.url));
const env = { ...process.env };
if (!env.LEM_SIMULATE && !nvmlStatus().available) {
  console.log("No usable NVIDIA driver here: running on lem's simulated GPU (scenario \"steady\"); every figure is SIMULATED.\n");
  env.LEM_SIMULATE = "steady";
}
const lem = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const r = spawnSync(process.execPath, [lem, "run", "examples/study-command.yaml", ...process.argv.slice(2)], { cwd: root, env, stdio: "inherit" });
process.exit(r.status ?? 1);
