// The example children of docs/protocol.md, run exactly as written under `lem measure` and
// `lem run` on the simulated GPU: lem must measure the window they mark, not their lifetime,
// and count the requests they report for the prompts lem gave them.
import { execaSync } from "execa";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, repoRoot, runLem } from "./support/run-lem.js";

const doc = readFileSync(join(repoRoot, "docs", "protocol.md"), "utf8");
const fenced = (lang: string) => [...doc.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);
const pythonChild = fenced("python").find((c) => c.includes("window_start"));
const nodeChild = fenced("js").find((c) => c.includes("window_start"));

const hasPython = (() => {
  try {
    return execaSync("python3", ["--version"], { reject: false }).exitCode === 0;
  } catch {
    return false;
  }
})();

interface Measurement {
  command: { exitCode: number; durationS: number };
  window: { source: string; startNs: string; endNs: string };
  energy: { durationS: number; total: { energyJ: number }; warnings: { code: string }[] };
  protocol: { events: number; problems: unknown[] };
}

async function measureChild(file: string, interpreter: string) {
  const r = await runLem(["measure", "--json", "--", interpreter, file], cleanEnv({ LEM_SIMULATE: "default" }));
  return { r, m: r.exitCode === 0 ? (JSON.parse(r.stdout) as Measurement) : undefined };
}

function expectProtocolWindow(m: Measurement) {
  expect(m.window.source).toBe("protocol");
  // ready, window_start, 8 requests, window_end, result.
  expect(m.protocol.events).toBe(12);
  expect(m.protocol.problems).toEqual([]);
  // 8 requests of at least 220 ms of sleep each: sleeps never end early, so this lower bound holds on any machine.
  expect(m.energy.durationS).toBeGreaterThan(8 * 0.22);
  // Start-up and warm-up lie outside the window.
  expect(m.energy.durationS).toBeLessThan(m.command.durationS);
  expect(m.energy.total.energyJ).toBeGreaterThan(0);
}

describe("docs/protocol.md example children", () => {
  const dir = mkdtempSync(join(tmpdir(), "lem-protocol-doc-"));

  it("are both in the page", () => {
    expect(pythonChild).toContain("time.monotonic_ns()");
    expect(nodeChild).toContain("process.hrtime.bigint()");
  });

  it.skipIf(!hasPython)("the Python child has its marked window measured by lem measure", async () => {
    const file = join(dir, "child.py");
    writeFileSync(file, pythonChild!);
    const { r, m } = await measureChild(file, "python3");
    expect(r.exitCode, r.stderr).toBe(0);
    expectProtocolWindow(m!);
    // With --json the child's own output goes to standard error.
    expect(r.stderr).toContain("generated 8 prompts");
  });

  it("the Node child has its marked window measured by lem measure", async () => {
    const file = join(dir, "child.mjs");
    writeFileSync(file, nodeChild!);
    const { r, m } = await measureChild(file, process.execPath);
    expect(r.exitCode, r.stderr).toBe(0);
    expectProtocolWindow(m!);
    expect(r.stderr).toContain("generated 8 prompts");
  });

  it("the Node child, in a study, reads LEM_PROMPTS_FILE and has its requests counted", async () => {
    const study = mkdtempSync(join(tmpdir(), "lem-protocol-doc-study-"));
    writeFileSync(join(study, "child.mjs"), nodeChild!);
    writeFileSync(
      join(study, "study.json"),
      JSON.stringify({
        name: "protocol-doc",
        base: {
          model: "example",
          backend: "command",
          command: { argv: [process.execPath, "child.mjs"], cwd: ".", measure: "window" },
          dataset: { prompts: 5 },
          measurement: { warmupRequests: 1, baseline: { enabled: false }, settling: { mode: "none" }, residualMemoryWaitS: 0 },
        },
        execution: { cycles: 1 },
        output: { dir: "results" },
      }),
    );
    const env = cleanEnv({ LEM_SIMULATE: "steady", LEM_LOCK_DIR: join(study, "locks"), LEM_CACHE_DIR: join(study, "cache") });
    const r = await runLem(["run", join(study, "study.json"), "--quiet"], env);
    expect(r.exitCode, r.stderr).toBe(0);
    const results = join(study, "results");
    const studyDir = join(results, readdirSync(results)[0]!);
    const runDir = readdirSync(studyDir).find((d) => /^\d{3}_c1_/.test(d))!;
    const result = JSON.parse(readFileSync(join(studyDir, runDir, "result.json"), "utf8"));
    expect(result.status).toBe("completed");
    expect(result.window.source).toBe("protocol");
    // One request per prompt of the dataset (5, not the child's own 8), 32 output tokens each.
    expect(result.tokens).toMatchObject({ requests: 5, output: 160 });
    expect(result.identity.engineVersion).toBe("1.0");
    expect(result.warnings.map((w: { code: string }) => w.code)).not.toContain("protocol");
  });
});
