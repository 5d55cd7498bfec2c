// `lem run` progress: a live region in a real terminal (tmux), plain lines off a terminal.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventLine, runEndLine } from "../lib/cli/progress/event-lines.js";
import type { GpuReading } from "../lib/cli/progress/latest-readings.js";
import { formatGpuNow, progressBar } from "../lib/cli/progress/render-region.js";
import { StudyProgress } from "../lib/cli/progress/study-progress.js";
import { colorEnabled, colorsFor } from "../lib/cli/progress/terminal.js";
import { cleanEnv, lemBin, runLem } from "./support/run-lem.js";
import { writeStudy } from "./support/study.js";
import { PROMPT, shellQuote, TmuxServer } from "./support/tmux.js";

const lemEnv = (dir: string) => ({ LEM_SIMULATE: "steady", LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") });
const lemCommand = (...args: string[]) => [process.execPath, lemBin, ...args].map(shellQuote).join(" ");
const ESC = "\u001b";
const SGR = /\u001b\[[0-9;]*m/;

/** The live region's two lines, as drawn while a run of the steady scenario's one GPU is in progress. */
const REGION =
  /^runs \d\/\d \[[#-]{24}\] +\d+%  elapsed .+  remaining .+  \d+ failed\n^now \S+ \(cycle \d\), run \d of \d, .+ \| \d+\.\d W, \d+ °C$/m;
const RUN_END = /^\[\d\/4\] bs[12] \(cycle [12]\) completed: \d+\.\d\d J, \d+\.\d{3} mJ\/output token over \d+\.\d\d s, \d+\.\d output tokens\/s$/gm;

describe("lem run on a terminal", () => {
  // One tmux server for the file; each test opens its own 120x40 terminal with a shell.
  const tmux = new TmuxServer();
  beforeAll(async () => {
    await tmux.tmux("start-server");
  });
  afterAll(async () => {
    await tmux.kill();
  });

  it("shows runs done of total, the configuration, live watts and °C, then leaves only the finished-run lines and a usable prompt", { timeout: 180_000 }, async () => {
    const { dir, file } = writeStudy({ sweep: { "params.batch_size": [1, 2] }, cycles: 2, prompts: 24, stepMs: 10, baselineS: false });
    const term = await tmux.session(lemEnv(dir));
    await term.type(`${lemCommand("run", file)}; echo EXIT=$?`);

    const live = await term.waitFor(REGION);
    expect(live).toMatch(/^lem: study in .*: 4 of 4 runs to go$/m);
    // log-update hides the cursor while the region is drawn.
    expect(await term.cursorVisible()).toBe(false);

    const end = await term.waitFor(/^EXIT=\d+$/m);
    expect(end).toMatch(/^EXIT=0$/m);
    expect(end.match(RUN_END)).toHaveLength(4);
    expect(end).toMatch(/^lem: study completed: 4 completed; results in /m);
    // The region is gone: no progress line survives, and the prompt follows the exit code.
    expect(end).not.toMatch(/^(runs \d|now |lem: preparing)/m);
    expect(end.trimEnd().split("\n").slice(-2)).toEqual(["EXIT=0", PROMPT.trimEnd()]);
    expect(await term.cursorVisible()).toBe(true);
    // Colour on a terminal by default: the status words are green.
    expect(await term.screen({ escapes: true })).toContain(`${ESC}[32mcompleted`);

    await term.type("echo ready-$((6 * 7))");
    await term.waitFor(/^ready-42$/m);
  });

  it("on Ctrl-C stops the run, keeps its line, clears the region, shows the cursor and exits 130", { timeout: 180_000 }, async () => {
    // --hang: the run never ends by itself, so Ctrl-C always arrives during it.
    const { dir, file } = writeStudy({ extraArgs: ["--hang"], baselineS: false });
    const term = await tmux.session(lemEnv(dir));
    await term.type(`${lemCommand("run", file)}; echo EXIT=$?`);
    await term.waitFor(/^now tiny-sim \(cycle 1\), run 1 of 1, .* W, \d+ °C$/m);
    expect(await term.cursorVisible()).toBe(false);

    await term.keys("C-c");
    const end = await term.waitFor(/^EXIT=\d+$/m);
    expect(end).toMatch(/^EXIT=130$/m);
    expect(end).toContain("lem: stopping the current run (Ctrl-C again to leave at once)...");
    expect(end).toMatch(/^\[1\/1\] tiny-sim \(cycle 1\) interrupted after \d+\.\d\d s/m);
    expect(end).not.toMatch(/interrupted.* J/);
    expect(end).toMatch(/^lem: study interrupted: 1 interrupted; results in /m);
    expect(end).not.toMatch(/^(runs \d|now )/m);
    expect(await term.cursorVisible()).toBe(true);
  });

  it("clears the region and shows the cursor when the study fails before its first run", { timeout: 180_000 }, async () => {
    const { dir, file } = writeStudy({ baselineS: false });
    const study = JSON.parse(readFileSync(file, "utf8")) as { base: { command: { argv: string[] } } };
    study.base.command.argv[0] = "/nonexistent/engine";
    writeFileSync(file, JSON.stringify(study));
    const term = await tmux.session(lemEnv(dir));
    await term.type(`${lemCommand("run", file)}; echo EXIT=$?`);
    const end = await term.waitFor(/^EXIT=\d+$/m);
    expect(end).toMatch(/^EXIT=1$/m);
    expect(end).toMatch(/^lem: pre-flight found \d+ problem\(s\):/m);
    expect(end).not.toContain("preparing the study");
    expect(await term.cursorVisible()).toBe(true);
  });

  it.each([
    ["NO_COLOR", "1"],
    ["FORCE_COLOR", "0"],
  ])("draws the region without colour when %s=%s", { timeout: 180_000 }, async (name, value) => {
    const { dir, file } = writeStudy({ prompts: 48, stepMs: 10, baselineS: false });
    const term = await tmux.session({ ...lemEnv(dir), [name]: value });
    await term.type(`${lemCommand("run", file)}; echo EXIT=$?`);
    const live = await term.waitFor((s) => /^runs 0\/1 .*\n^now tiny-sim .* W, \d+ °C$/m.test(s), { escapes: true });
    expect(live).not.toMatch(SGR);
    const end = await term.waitFor(/^EXIT=0$/m, { escapes: true });
    expect(end).toMatch(/^\[1\/1\] tiny-sim \(cycle 1\) completed: /m);
    expect(end).not.toMatch(SGR);
  });

  it("prints plain lines, every run's start included, without escape codes with --quiet", { timeout: 180_000 }, async () => {
    const { dir, file } = writeStudy({ baselineS: false });
    const term = await tmux.session(lemEnv(dir));
    await term.type(`${lemCommand("run", file, "--quiet")}; echo EXIT=$?`);
    const end = await term.waitFor(/^EXIT=0$/m, { escapes: true });
    expect(end).toMatch(/^\[1\/1\] tiny-sim \(cycle 1\) \.\.\.$/m);
    expect(end).toMatch(/^\[1\/1\] tiny-sim \(cycle 1\) completed: /m);
    expect(end).not.toMatch(SGR);
  });
});

describe("lem run off a terminal", () => {
  it("writes plain lines with no escape codes and no carriage returns to a pipe", { timeout: 120_000 }, async () => {
    const { dir, file } = writeStudy({ sweep: { "params.batch_size": [1, 2] }, cycles: 2, baselineS: false });
    const r = await runLem(["run", file], cleanEnv(lemEnv(dir)));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toContain(ESC);
    expect(r.stderr).not.toContain("\r");
    expect(r.stderr.match(/^\[\d\/4\] bs[12] \(cycle [12]\) \.\.\.$/gm)).toHaveLength(4);
    expect(r.stderr.match(RUN_END)).toHaveLength(4);
    expect(r.stdout).toBe("");
  });
});

describe("lem run with FORCE_COLOR=1 in a pipe", () => {
  it("colours its plain lines (as CI logs show them) but draws no live region: no carriage returns, no cursor movement", { timeout: 120_000 }, async () => {
    const { dir, file } = writeStudy({ cycles: 1, baselineS: false });
    const r = await runLem(["run", file], cleanEnv({ ...lemEnv(dir), FORCE_COLOR: "1" }));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain("\u001b[32mcompleted\u001b[39m");
    expect(r.stderr).not.toContain("\r");
    expect(r.stderr).not.toMatch(/\u001b\[\d*[ABCDGJK]/);
  });
});

describe("progress display pieces", () => {
  const start = { type: "study-start", dir: "/r", runs: 4, pending: 4, simulated: true, devices: [0] } as const;
  const runStart = (position: number) => ({ type: "run-start", position, total: 4, slug: "bs1", cycle: 0, devices: [0] }) as const;
  const runEnd = (position: number, status: "completed" | "failed") =>
    ({ type: "run-end", position, total: 4, slug: "bs1", cycle: 0, status, energyJ: 10, energyPerOutputTokenJ: 0.002, windowS: 2, outputTokensPerS: 50 }) as const;

  it("estimates the time left from the mean duration of the runs finished so far", () => {
    const p = new StudyProgress(0);
    p.apply(start, 1_000);
    p.apply(runStart(0), 1_000);
    expect(p.remainingS(5_000)).toBeNull();
    p.apply(runEnd(0, "completed"), 11_000); // 10 s
    p.apply(runStart(1), 11_000);
    p.apply(runEnd(1, "failed"), 41_000); // 30 s: mean 20 s
    p.apply(runStart(2), 41_000);
    // 5 s into run 3 of 4: 15 s left of it, then one more mean run.
    expect(p.remainingS(46_000)).toBe(35);
    expect(p.done).toBe(2);
    expect(p.failed).toBe(1);
  });

  it("uses the whole study's estimate until the first run finishes", () => {
    // 100 s expected from lem's start: 30 s in, 70 s are left.
    const p = new StudyProgress(0, 100);
    p.apply(start, 10_000);
    expect(p.remainingS(30_000)).toBe(70);
  });

  it("counts the runs a resumed study finished earlier as done", () => {
    const p = new StudyProgress(0);
    p.apply({ ...start, runs: 10, pending: 3 }, 0);
    expect(p.done).toBe(7);
    expect(progressBar(p.done, p.total, 10)).toBe("[#######---]");
  });

  it("shows the summed power and each GPU's power and temperature for up to four GPUs, the sum and the hottest beyond", () => {
    const reading = (index: number, powerW: number, temperatureC: number): GpuReading => ({
      index,
      powerW,
      temperatureC,
      smClockMHz: null,
      memoryUsedMiB: null,
      throttleReasons: null,
      utilizationGpuPct: null,
      utilizationMemoryPct: null,
    });
    const plain = colorsFor({ isTTY: false });
    expect(formatGpuNow([reading(0, 300, 60)], plain)).toBe("300.0 W, 60 °C");
    expect(formatGpuNow([reading(0, 300, 60), reading(2, 250.5, 55)], plain)).toBe("550.5 W (GPU 0 300.0 W 60 °C, GPU 2 250.5 W 55 °C)");
    const eight = Array.from({ length: 8 }, (_, i) => reading(i, 100, 50 + i));
    expect(formatGpuNow(eight, plain)).toBe("800.0 W on 8 GPUs, hottest 57 °C");
  });

  it("formats a finished run with energy, energy per output token, window and tokens/s", () => {
    expect(runEndLine(runEnd(2, "completed"))).toBe("[3/4] bs1 (cycle 1) completed: 10.00 J, 2.000 mJ/output token over 2.00 s, 50.0 output tokens/s");
    expect(eventLine({ ...runEnd(0, "failed"), energyJ: null, energyPerOutputTokenJ: null, outputTokensPerS: null, windowS: 0, error: "boom" })).toBe(
      "[1/4] bs1 (cycle 1) failed after 0.00 s — boom",
    );
  });

  it("prints no energy figures for a failed or interrupted run, even when it has some", () => {
    expect(runEndLine({ ...runEnd(0, "failed"), error: "the child exited with code 1" })).toBe("[1/4] bs1 (cycle 1) failed after 2.00 s — the child exited with code 1");
    expect(runEndLine({ ...runEnd(0, "completed"), status: "interrupted", error: null })).toBe("[1/4] bs1 (cycle 1) interrupted after 2.00 s");
  });

  it("cuts a child's huge error message to its first line and 300 characters, counting the rest, control bytes escaped", () => {
    const huge = `\u0000${"x".repeat(10_000_000)}`;
    const line = runEndLine({ ...runEnd(0, "failed"), error: huge });
    expect(line).toBe(`[1/4] bs1 (cycle 1) failed after 2.00 s — \\u0000${"x".repeat(299)}... (9999701 more characters)`);
    expect(runEndLine({ ...runEnd(0, "failed"), error: "first line\nsecond line" })).toBe("[1/4] bs1 (cycle 1) failed after 2.00 s — first line");
  });

  it("turns colour on on a terminal or with FORCE_COLOR=1 (even in a pipe), and off for NO_COLOR, FORCE_COLOR=0 and TERM=dumb", () => {
    const tty = { isTTY: true };
    expect(colorEnabled(tty, { TERM: "xterm" })).toBe(true);
    expect(colorEnabled({ isTTY: false }, { TERM: "xterm" })).toBe(false);
    expect(colorEnabled({ isTTY: false }, { TERM: "xterm", FORCE_COLOR: "1" })).toBe(true);
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(false);
    expect(colorEnabled(tty, { TERM: "xterm", FORCE_COLOR: "false" })).toBe(false);
    expect(colorEnabled(tty, { TERM: "xterm", NO_COLOR: "1" })).toBe(false);
    expect(colorEnabled(tty, { TERM: "xterm", NO_COLOR: "" })).toBe(true);
    expect(colorEnabled(tty, { TERM: "xterm", FORCE_COLOR: "0" })).toBe(false);
    expect(colorEnabled(tty, { TERM: "dumb" })).toBe(false);
  });
});
