// `lem monitor`: a live table in a real terminal (tmux), plain blocks or JSON lines off one, CSV as it goes.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MONITOR_CSV_COLUMNS } from "../lib/cli/monitor/monitor-csv.js";
import type { MonitorSnapshot } from "../lib/cli/monitor/gpu-snapshot.js";
import { execa } from "execa";
import { cleanEnv, lemBin, repoRoot, runLem } from "./support/run-lem.js";
import { parseCsv } from "./support/study.js";
import { PROMPT, shellQuote, TmuxServer } from "./support/tmux.js";

const ESC = "\u001b";
const lemCommand = (...args: string[]) => [process.execPath, lemBin, ...args].map(shellQuote).join(" ");
/** A table row of the h100x8 scenario: GPU index, name, then power now in W. */
const ROW = /^([0-7]) +NVIDIA H100 80GB HBM3 +(\d+\.\d) /gm;
const tmp = () => mkdtempSync(join(tmpdir(), "lem-monitor-"));

function snapshots(stdout: string): MonitorSnapshot[] {
  return stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as MonitorSnapshot);
}

describe("lem monitor on a terminal", () => {
  const tmux = new TmuxServer();
  beforeAll(async () => {
    await tmux.tmux("start-server");
  });
  afterAll(async () => {
    await tmux.kill();
  });

  it("shows every GPU's row with watts; Ctrl-C leaves the last table once, the cursor shown, exit 0 and a CSV with header and rows", { timeout: 120_000 }, async () => {
    const csv = join(tmp(), "gpus.csv");
    const term = await tmux.session({ LEM_SIMULATE: "h100x8" });
    await term.type(`${lemCommand("monitor", "--csv", csv)}; echo EXIT=$?`);
    const live = await term.waitFor((s) => [...s.matchAll(ROW)].length === 8);
    expect([...live.matchAll(ROW)].map((m) => m[1])).toEqual(["0", "1", "2", "3", "4", "5", "6", "7"]);
    expect(live).toMatch(/^GPU  name\s+power W  mean W  energy J  temp °C  SM MHz  memory MiB\s+util %  throttle$/m);
    expect(await term.cursorVisible()).toBe(false);

    await term.keys("C-c");
    const end = await term.waitFor(/^EXIT=\d+$/m);
    expect(end).toMatch(/^EXIT=0$/m);
    expect(end.match(/^lem monitor: 8 GPU\(s\)/gm)).toHaveLength(1);
    expect([...end.matchAll(ROW)]).toHaveLength(8);
    expect(end.trimEnd().split("\n").slice(-2)).toEqual(["EXIT=0", PROMPT.trimEnd()]);
    expect(await term.cursorVisible()).toBe(true);

    const rows = parseCsv(readFileSync(csv, "utf8"));
    expect(rows[0]).toEqual([...MONITOR_CSV_COLUMNS]);
    const data = rows.slice(1);
    expect(data.length).toBeGreaterThanOrEqual(8);
    expect(data.length % 8).toBe(0);
    for (const r of data) {
      expect(r).toHaveLength(MONITOR_CSV_COLUMNS.length);
      expect(Number(r[MONITOR_CSV_COLUMNS.indexOf("power_w")])).toBeGreaterThan(0);
      expect(r[MONITOR_CSV_COLUMNS.indexOf("memory_total_mib")]).toBe("81559");
      expect(r[MONITOR_CSV_COLUMNS.indexOf("throttle_reasons")]).toBe("none");
    }
  });
});

describe("lem monitor off a terminal", () => {
  it("prints one plain block per refresh, every GPU in each, with no escape codes, and stops at --duration with exit 0", { timeout: 60_000 }, async () => {
    const r = await runLem(["monitor", "--duration", "1.2", "--interval-ms", "300"], cleanEnv({ LEM_SIMULATE: "h100x8" }));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).not.toContain(ESC);
    expect(r.stdout).not.toContain("\r");
    const blocks = r.stdout.trim().split("\n\n");
    expect(blocks.length).toBeGreaterThanOrEqual(1);
    for (const block of blocks) {
      expect(block).toMatch(/^lem monitor: 8 GPU\(s\), \d+\.\d s since start \(refresh 300 ms, sampling every 10 ms\)\n/);
      expect([...block.matchAll(ROW)]).toHaveLength(8);
    }
    expect(r.stderr).toContain('SIMULATED GPU (scenario "h100x8")');
  });

  it("prints one JSON line per refresh with clocks, throttle reasons and an energy that only grows", { timeout: 60_000 }, async () => {
    // The throttle scenario's GPU slows down thermally from 2 s to 5 s, its SM clock at 1410 MHz.
    const r = await runLem(["monitor", "--json", "--duration", "4.5", "--interval-ms", "250"], cleanEnv({ LEM_SIMULATE: "throttle" }));
    expect(r.exitCode, r.stderr).toBe(0);
    const snaps = snapshots(r.stdout);
    expect(snaps.length).toBeGreaterThanOrEqual(2);
    const gpu0 = snaps.map((s) => s.gpus[0]!);
    expect(gpu0.every((g) => g.index === 0 && g.memoryTotalMiB === 81559 && g.energySource === "counter")).toBe(true);
    const energies = gpu0.map((g) => g.energyJ!);
    expect(energies).toEqual([...energies].sort((a, b) => a - b));
    expect(gpu0.some((g) => g.throttleReasons!.includes("SwThermalSlowdown") && g.smClockMHz === 1410)).toBe(true);
    expect(gpu0.some((g) => g.throttleReasons!.length === 0 && g.smClockMHz === 1980)).toBe(true);
  });

  it("ends with exit 0 on SIGINT, leaving a CSV of whole rows", { timeout: 60_000 }, async () => {
    const csv = join(tmp(), "gpus.csv");
    const child = execa(process.execPath, [lemBin, "monitor", "--json", "--interval-ms", "100", "--csv", csv], {
      env: cleanEnv({ LEM_SIMULATE: "h100x8" }),
      extendEnv: false,
      reject: false,
      cwd: repoRoot,
    });
    // Wait for the first refresh, then interrupt as Ctrl-C would.
    await new Promise<void>((resolve) => child.stdout!.once("data", () => resolve()));
    child.kill("SIGINT");
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(0);
    const rows = parseCsv(readFileSync(csv, "utf8"));
    expect(rows[0]).toEqual([...MONITOR_CSV_COLUMNS]);
    expect((rows.length - 1) % 8).toBe(0);
    expect(rows.every((row) => row.length === MONITOR_CSV_COLUMNS.length)).toBe(true);
  });

  it("shows only the GPUs --devices names", { timeout: 60_000 }, async () => {
    const r = await runLem(["monitor", "--json", "--devices", "3,1", "--duration", "0.3"], cleanEnv({ LEM_SIMULATE: "h100x8" }));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(snapshots(r.stdout).map((s) => s.gpus.map((g) => g.index))).toContainEqual([1, 3]);
  });

  it("appends to an existing CSV without a second header", { timeout: 60_000 }, async () => {
    const csv = join(tmp(), "gpus.csv");
    const env = cleanEnv({ LEM_SIMULATE: "steady" });
    for (let i = 0; i < 2; i++) expect((await runLem(["monitor", "--csv", csv, "--duration", "0.3", "--json"], env)).exitCode).toBe(0);
    const rows = parseCsv(readFileSync(csv, "utf8"));
    expect(rows.filter((r) => r[0] === "time_iso")).toHaveLength(1);
    expect(rows.length).toBeGreaterThanOrEqual(3);
  });

  it("refuses a CSV file that holds other columns, saying what to do", async () => {
    const csv = join(tmp(), "other.csv");
    writeFileSync(csv, "a,b\n1,2\n");
    const r = await runLem(["monitor", "--csv", csv, "--duration", "0.3"], cleanEnv({ LEM_SIMULATE: "steady" }));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`lem: --csv ${csv}: the file exists with other columns than lem monitor writes; give a new file name, or remove the file to start over.`);
    expect(readFileSync(csv, "utf8")).toBe("a,b\n1,2\n");
  });

  it("rejects a refresh interval outside 50 to 60000 ms as a usage error", async () => {
    const r = await runLem(["monitor", "--interval-ms", "10"], cleanEnv({ LEM_SIMULATE: "steady" }));
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toBe(`lem: --interval-ms must be a number from 50 to 60000, got "10"\n`.trimEnd());
  });

  it("documents its options with examples in --help", async () => {
    const r = await runLem(["monitor", "--help"]);
    expect(r.exitCode).toBe(0);
    for (const option of ["--devices", "--interval-ms", "--sample-ms", "--duration", "--csv", "--json"]) expect(r.stdout).toContain(option);
    expect(r.stdout).toContain("LEM_SIMULATE=h100x8 lem monitor --duration 2 --json");
  });
});
