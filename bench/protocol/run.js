// Benchmark of the child protocol channel (fd 3) under load: a child sending N request lines,
// and one sending a line of M MiB without a newline. Measures the lem side only: the peak
// resident memory of a fresh Node process running runChildBackend (dist/), its wall time, and
// whether the run completed. Writes a JSON report under bench/results/.
//
//   node bench/protocol/run.js [--requests 2000000] [--long-line-mb 100] [--dist DIR] [--out FILE]
//
// --dist points at another build of lem (e.g. an older commit's dist/) to compare.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { requests: { type: "string", default: "2000000" }, "long-line-mb": { type: "string", default: "100" }, dist: { type: "string" }, out: { type: "string" } },
});
const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(values.dist ?? join(here, "..", "..", "dist"));
const child = join(here, "..", "..", "test", "fixtures", "hostile-protocol-child.mjs");
const out = values.out ?? join(here, "..", "results", `${new Date().toISOString().slice(0, 10)}-protocol-stream.json`);
const work = mkdtempSync(join(tmpdir(), "lem-bench-protocol-"));

/** One case in a fresh process, so that its peak RSS is its own. */
function measure(args) {
  const script = `
    import { runChildBackend } from ${JSON.stringify(join(dist, "backends", "child-backend.js"))};
    const t0 = performance.now();
    const o = await runChildBackend({ argv: [process.execPath, ${JSON.stringify(child)}, ...${JSON.stringify(args)}], env: process.env,
      measure: "auto", logFile: ${JSON.stringify(join(work, "child.log"))}, runTimeoutMs: 600000, silenceTimeoutMs: 600000, signal: new AbortController().signal });
    console.log(JSON.stringify({ wallS: (performance.now() - t0) / 1000, peakRssMiB: process.resourceUsage().maxRSS / 1024, status: o.status,
      requests: o.requests.requests, windowSource: o.window?.source ?? null, warnings: o.warnings.length, firstWarning: o.warnings[0]?.message.slice(0, 160) ?? null,
      failure: o.failure?.message.slice(0, 160) ?? null }));`;
  const text = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", maxBuffer: 1 << 20 });
  return JSON.parse(text.trim().split("\n").pop());
}

const report = {
  benchmark: "protocol-stream",
  date: new Date().toISOString(),
  dist,
  machine: { cpus: cpus().length, loadavg: loadavg() },
  cases: {
    requests: { args: ["--requests", values.requests], ...measure(["--requests", values.requests]) },
    longLine: { args: ["--long-line-mb", values["long-line-mb"]], ...measure(["--long-line-mb", values["long-line-mb"]]) },
  },
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
