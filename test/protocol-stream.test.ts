// The child protocol channel (fd 3) under abuse, with real children: read as it streams, a
// line without end discarded, bad lines counted into one warning, marks that make no window
// said so, and a grandchild holding fd 3 never holding lem past the child's exit.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runChildBackend } from "../lib/backends/child-backend.js";
import { runChild } from "../lib/backends/child-process.js";
import { PROTOCOL_LIMITS, ProtocolReader } from "../lib/backends/protocol.js";
import { cleanEnv, runLem } from "./support/run-lem.js";
import { readJson, studyDirIn, writeStudy } from "./support/study.js";

const CHILD = resolve("test/fixtures/hostile-protocol-child.mjs");
const tmp = () => mkdtempSync(join(tmpdir(), "lem-protocol-"));
const env = (): Record<string, string> => Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));

function backend(args: string[], o: { runTimeoutMs?: number } = {}) {
  return runChildBackend({
    argv: [process.execPath, CHILD, ...args],
    env: env(),
    measure: "auto",
    logFile: join(tmp(), "child.log"),
    runTimeoutMs: o.runTimeoutMs ?? 30_000,
    silenceTimeoutMs: 30_000,
    signal: new AbortController().signal,
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("the protocol reader", () => {
  it("discards a line longer than its limit as it arrives, and reads the lines after it", () => {
    const reader = new ProtocolReader();
    const piece = "y".repeat(64 * 1024);
    for (let sent = 0; sent <= PROTOCOL_LIMITS.lineChars; sent += piece.length) reader.push(piece);
    const events = reader.push('\n{"event":"ready"}\n');
    expect(events).toEqual([{ event: "ready" }]);
    expect(reader.problemKinds()).toEqual([
      { problem: `line longer than ${PROTOCOL_LIMITS.lineChars} characters (not read)`, count: 1, firstLine: 1, lastLine: 1 },
    ]);
  });

  it("joins a line split across many chunks", () => {
    const reader = new ProtocolReader();
    const line = JSON.stringify({ event: "request", input_tokens: 1, output_tokens: 2 });
    const events = [...line].flatMap((ch) => reader.push(ch));
    expect(events).toEqual([]);
    expect(reader.push("\n")).toEqual([{ event: "request", input_tokens: 1, output_tokens: 2 }]);
  });

  it("keeps a request's extra fields, and still rejects a bad one with the schema's reason", () => {
    const reader = new ProtocolReader();
    reader.push('{"event":"request","input_tokens":3,"output_tokens":5,"ttft_ns":10,"latency_ns":20,"prompt":"a long text"}\n');
    reader.push('{"event":"request","input_tokens":-1}\n');
    expect(reader.events).toEqual([{ event: "request", input_tokens: 3, output_tokens: 5, ttft_ns: 10, latency_ns: 20, prompt: "a long text" }]);
    expect(reader.problems.map((p) => p.line)).toEqual([2]);
    expect(reader.problems[0]!.problem).toMatch(/^input_tokens: /);
  });

  it("keeps the first bad lines only, and counts every one of them", () => {
    const reader = new ProtocolReader();
    reader.push("nope\n".repeat(1000));
    expect(reader.problems).toHaveLength(PROTOCOL_LIMITS.problemsKept);
    expect(reader.problemCount).toBe(1000);
    expect(reader.problemKinds()).toEqual([{ problem: "not JSON", count: 1000, firstLine: 1, lastLine: 1000 }]);
  });
});

describe("a child abusing fd 3", () => {
  it("20,000 bad lines give one counted warning and the run still completes", { timeout: 60_000 }, async () => {
    const outcome = await backend(["--bad-lines", "20000"]);
    expect(outcome.status).toBe("completed");
    expect(outcome.warnings).toEqual([{ code: "protocol", message: "20000 protocol lines ignored (lines 2 to 20001): not JSON" }]);
    expect(outcome.requests.requests).toBe(1);
  });

  it("a 24 MiB line without a newline is discarded with one warning; the window after it is read", { timeout: 60_000 }, async () => {
    const outcome = await backend(["--long-line-mb", "24"]);
    expect(outcome.status).toBe("completed");
    expect(outcome.window?.source).toBe("protocol");
    expect(outcome.warnings).toEqual([
      { code: "protocol", message: `protocol line 2 ignored: line longer than ${PROTOCOL_LIMITS.lineChars} characters (not read)` },
    ]);
  });

  it("a window whose end precedes its start is reported, and the lifetime is measured", { timeout: 30_000 }, async () => {
    const outcome = await backend(["--backwards-window"]);
    expect(outcome.window).toBeUndefined();
    expect(outcome.warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(/^the child's window_end \(t_ns \d+\) is not after its window_start \(t_ns \d+\): its marks make no measurement window$/),
    ]);
  });

  it("lem measure reports a window whose end precedes its start too", { timeout: 30_000 }, async () => {
    const r = await runLem(["measure", "--json", "--", process.execPath, CHILD, "--backwards-window"], cleanEnv({ LEM_SIMULATE: "default" }));
    expect(r.exitCode, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as { window: { source: string }; energy: { warnings: { code: string; message: string }[] } };
    expect(m.window.source).toBe("lifetime");
    expect(m.energy.warnings.filter((w) => w.code === "protocol").map((w) => w.message)).toEqual([
      expect.stringMatching(/^the child's window_end \(t_ns \d+\) is not after its window_start \(t_ns \d+\): the whole lifetime was measured instead$/),
    ]);
  });

  it("a grandchild that left the group holding fd 3 does not keep lem waiting after the child exits", { timeout: 20_000 }, async () => {
    const pidFile = join(tmp(), "grandchild.pid");
    const started = Date.now();
    try {
      const outcome = await runChild({
        argv: [process.execPath, CHILD, "--escape-grandchild", pidFile],
        logFile: join(tmp(), "child.log"),
        runTimeoutMs: 60_000,
        silenceTimeoutMs: 60_000,
      });
      expect(outcome.exitCode).toBe(0);
      expect(outcome.events.map((e) => e.event)).toEqual(["ready", "window_start", "request", "window_end", "result"]);
      // The grandchild lives on (it escaped), yet lem stopped waiting within the drain grace.
      expect(alive(Number(readFileSync(pidFile, "utf8")))).toBe(true);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      try {
        process.kill(Number(readFileSync(pidFile, "utf8")), "SIGKILL");
      } catch {
        // gone already
      }
    }
  });
});

describe("a study whose child sends 150,000 bad protocol lines", () => {
  it("writes its result with one counted protocol warning", { timeout: 90_000 }, async () => {
    const { dir, file } = writeStudy({ name: "noisy", baselineS: false });
    const study = JSON.parse(readFileSync(file, "utf8")) as { base: { command: { argv: string[] } } };
    study.base.command.argv = [process.execPath, CHILD, "--bad-lines", "150000", "--requests", "4"];
    writeFileSync(file, JSON.stringify(study));
    const r = await runLem(["run", file], cleanEnv({ LEM_SIMULATE: "default", LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") }));
    expect(r.exitCode, r.stderr).toBe(0);
    const studyDir = studyDirIn(dir);
    const manifest = readJson<{ runs: { resultPath: string }[] }>(join(studyDir, "manifest.json"));
    const result = readJson<{ status: string; warnings: { code: string; message: string }[] }>(join(studyDir, manifest.runs[0]!.resultPath));
    expect(result.status).toBe("completed");
    expect(result.warnings.filter((w) => w.code === "protocol")).toEqual([
      { code: "protocol", message: "150000 protocol lines ignored (lines 2 to 150001): not JSON" },
    ]);
  });
});
