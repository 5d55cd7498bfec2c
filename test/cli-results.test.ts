// `lem results list|show|compare|export` on two small real studies run on the simulated GPU.
// Every case runs twice: through the built command (runLem) and through runResults in process.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { beforeAll, describe, expect, it } from "vitest";
import { runResults } from "../lib/cli/results.js";
import { reportError } from "../lib/cli/output.js";
import { cleanEnv, runLem } from "./support/run-lem.js";
import { parseCsv, readJson, writeStudy } from "./support/study.js";

interface Outcome {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

/** runResults in this process, with stdout and stderr captured and errors reported as main does. */
async function inProcess(args: string[]): Promise<Outcome> {
  let stdout = "";
  let stderr = "";
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  let exitCode: number;
  try {
    exitCode = await runResults(args);
  } catch (error) {
    exitCode = reportError(error);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return { exitCode, stdout, stderr };
}

const viaCli = async (args: string[]): Promise<Outcome> => {
  const r = await runLem(["results", ...args], cleanEnv());
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
};

interface StudyJson {
  configurations: { configHash: string; slug: string; stats: Record<string, { n: number; mean: number | null; ci95: { low: number; high: number } | null }> }[];
}
interface Comparison {
  configurations: {
    key: string;
    a: { slug: string };
    metrics: Record<string, { ratio: number | null; ci95: { low: number; high: number } | null; a: { n: number }; b: { n: number } }>;
  }[];
  onlyInA: { slug: string }[];
  onlyInB: { slug: string }[];
  notes: string[];
}

let resultsDir = "";
let dirA = "";
let dirB = "";

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), "lem-results-"));
  resultsDir = join(root, "results");
  mkdirSync(resultsDir);
  writeFileSync(join(resultsDir, "notes.txt"), "not a study\n");
  mkdirSync(join(resultsDir, "not-a-study"));
  const env = cleanEnv({ LEM_SIMULATE: "steady", LEM_CACHE_DIR: join(root, "cache"), LEM_LOCK_DIR: join(root, "locks") });
  const a = writeStudy({ name: "rate-a", sweep: { "params.batch_size": [1, 4] }, cycles: 2, prompts: 4, stepMs: 1, baselineS: false });
  const ra = await runLem(["run", a.file, "--output", resultsDir], env);
  expect(ra.exitCode, ra.stderr).toBe(0);
  // B decodes 3 times slower (another configuration hash) and adds batch size 8.
  const b = writeStudy({ name: "rate-b", sweep: { "params.batch_size": [1, 4, 8] }, cycles: 2, prompts: 4, stepMs: 3, baselineS: false });
  const rb = await runLem(["run", b.file, "--output", resultsDir], env);
  expect(rb.exitCode, rb.stderr).toBe(0);
  const dirs = readdirSync(resultsDir);
  dirA = join(resultsDir, dirs.find((d) => d.startsWith("rate-a_"))!);
  dirB = join(resultsDir, dirs.find((d) => d.startsWith("rate-b_"))!);
}, 120_000);

describe.each([
  ["the lem command", viaCli],
  ["runResults in process", inProcess],
])("lem results, through %s", (_how, lem) => {
  it("list: the studies in a results directory, oldest first, simulated marked", async () => {
    const r = await lem(["list", resultsDir]);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^study\s+created\s+status\s+completed\s+failed\s+running\s+pending\s+configs\s+executor\s+simulated\s+directory$/);
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^rate-a\s+\S+ \S+\s+completed\s+4\/4\s+0\s+0\s+0\s+2\s+local\s+yes\s+/);
    expect(lines[3]).toMatch(/^rate-b\s+\S+ \S+\s+completed\s+6\/6\s+0\s+0\s+0\s+3\s+local\s+yes\s+/);

    const j = await lem(["list", resultsDir, "--json"]);
    const scan = JSON.parse(j.stdout) as { studies: { name: string; dir: string; runs: number; counts: { completed: number }; simulated: boolean }[] };
    expect(scan.studies.map((s) => s.name)).toEqual(["rate-a", "rate-b"]);
    expect(scan.studies[0]).toMatchObject({ dir: dirA, runs: 4, counts: { completed: 4 }, simulated: true });
  });

  it("show: a table per configuration with mean and interval, the SIMULATED line and the warnings by code", async () => {
    const r = await lem(["show", dirA]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^SIMULATED: /);
    expect(r.stdout).toMatch(/configuration\s+hardware\s+n\s+mJ\/output token \[95% CI\]\s+J\/request \[95% CI\]\s+output tokens\/s \[95% CI\]\s+max CV\s+warnings/);
    const s = readJson<StudyJson>(join(dirA, "study.json"));
    for (const c of s.configurations) {
      const row = r.stdout.split("\n").find((l) => l.startsWith(`${c.slug} `));
      expect(row, c.slug).toBeDefined();
      const mJ = c.stats["energyPerOutputTokenJ"]!.mean! * 1000;
      // The hardware each row's runs were measured on: the simulated H100.
      expect(row).toContain("NVIDIA H100 80GB HBM3 · driver 550.54.15 · 700 W");
      const shown = Number(/ W\s+2\s+([\d.]+) \[/.exec(row!)![1]);
      expect(Math.abs(shown - mJ) / mJ).toBeLessThan(1e-3);
      expect(row).toMatch(/\d+(\.\d+)?%( !)?\s+\d+$/);
    }
    expect(r.stdout).toMatch(/warnings \(runs\): .*simulated x4/);
  });

  it("show --json: the configurations' statistics equal study.json's", async () => {
    const r = await lem(["show", dirA, "--json"]);
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { simulated: boolean; configurations: StudyJson["configurations"]; warnings: Record<string, number> };
    const s = readJson<StudyJson>(join(dirA, "study.json"));
    expect(out.simulated).toBe(true);
    expect(out.configurations.map((c) => ({ configHash: c.configHash, stats: c.stats }))).toEqual(
      s.configurations.map((c) => ({ configHash: c.configHash, stats: c.stats })),
    );
    expect(out.warnings["simulated"]).toBe(4);
  });

  it("compare: matched by configuration hash, nothing is shared when the commands differ; each side's configurations are listed", async () => {
    const r = await lem(["compare", dirA, dirB, "--json"]);
    expect(r.exitCode, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout) as Comparison;
    expect(c.configurations).toHaveLength(0);
    expect(c.onlyInA.map((x) => x.slug)).toEqual(["bs1", "bs4"]);
    expect(c.onlyInB.map((x) => x.slug)).toEqual(["bs1", "bs4", "bs8"]);
    expect(c.notes.join("\n")).toContain("--match slug");
  });

  it("compare a study with itself: every ratio is 1 and its interval contains 1", async () => {
    const r = await lem(["compare", dirA, dirA, "--json"]);
    const c = JSON.parse(r.stdout) as Comparison;
    expect(c.configurations).toHaveLength(2);
    for (const x of c.configurations) {
      for (const m of Object.values(x.metrics)) {
        expect(m.ratio).toBeCloseTo(1, 12);
        expect(m.ci95!.low).toBeLessThanOrEqual(1 + 1e-12);
        expect(m.ci95!.high).toBeGreaterThanOrEqual(1 - 1e-12);
      }
    }
  });

  it("compare --match slug: B is slower, so it costs more energy per token and makes fewer tokens per second; intervals contain the ratios", async () => {
    const r = await lem(["compare", dirA, dirB, "--match", "slug", "--json"]);
    expect(r.exitCode, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout) as Comparison;
    expect(c.configurations.map((x) => x.key)).toEqual(["bs1", "bs4"]);
    expect(c.onlyInA).toEqual([]);
    expect(c.onlyInB.map((x) => x.slug)).toEqual(["bs8"]);
    for (const x of c.configurations) {
      const e = x.metrics["energyPerOutputTokenJ"]!;
      expect(e.a.n).toBe(2);
      expect(e.b.n).toBe(2);
      expect(e.ratio!).toBeGreaterThan(1.5);
      expect(x.metrics["energyPerRequestJ"]!.ratio!).toBeGreaterThan(1.5);
      expect(x.metrics["energyJ"]!.ratio!).toBeGreaterThan(1.5);
      expect(x.metrics["outputTokensPerS"]!.ratio!).toBeLessThan(0.7);
      for (const m of Object.values(x.metrics)) {
        expect(m.ci95!.low).toBeLessThanOrEqual(m.ratio!);
        expect(m.ci95!.high).toBeGreaterThanOrEqual(m.ratio!);
      }
    }
    const text = await lem(["compare", dirA, dirB, "--match", "slug"]);
    expect(text.stdout).toMatch(/^SIMULATED: both studies/);
    expect(text.stdout).toMatch(/^bs1\s+2\/2\s+\d+\.\d+ \[\d+\.\d+, \d+\.\d+\]/m);
    expect(text.stdout).toContain("only in B: bs8");
  });

  it("export --format csv: one row per run, with the swept values", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "lem-export-")), "runs.csv");
    const r = await lem(["export", dirA, "--format", "csv", "--output", out]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    const rows = parseCsv(readFileSync(out, "utf8").trim());
    const [header, ...body] = rows;
    expect(body).toHaveLength(4);
    const col = (name: string) => header!.indexOf(name);
    for (const name of ["position", "cycle", "config_hash", "slug", "params.batch_size", "status", "energy_j", "energy_per_output_token_j", "output_tokens", "output_tokens_per_s", "ttft_p50_ms", "window_s", "simulated", "warnings"]) {
      expect(col(name), name).toBeGreaterThanOrEqual(0);
    }
    expect(body.map((row) => row[col("position")])).toEqual(["0", "1", "2", "3"]);
    expect(new Set(body.map((row) => row[col("params.batch_size")]))).toEqual(new Set(["1", "4"]));
    for (const row of body) {
      expect(row).toHaveLength(header!.length);
      expect(row[col("status")]).toBe("completed");
      expect(row[col("simulated")]).toBe("true");
      expect(Number(row[col("energy_per_output_token_j")])).toBeGreaterThan(0);
      expect(row[col("warnings")]).toContain("simulated");
      const result = readJson<{ energy: { totalJ: number } }>(join(dirA, row[col("run_dir")]!, "result.json"));
      expect(Number(row[col("energy_j")])).toBe(result.energy.totalJ);
    }
  });

  it("export --format parquet: reads back with a Parquet reader; the default file is next to the study", async () => {
    const r = await lem(["export", dirB, "--format", "parquet"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(join(dirB, "export.parquet"));
    const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(join(dirB, "export.parquet")) })) as Record<string, unknown>[];
    expect(rows).toHaveLength(6);
    expect(rows.map((x) => x.position)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new Set(rows.map((x) => x["params.batch_size"]))).toEqual(new Set([1, 4, 8]));
    for (const x of rows) {
      expect(x.status).toBe("completed");
      expect(x.simulated).toBe(true);
      expect(typeof x.energy_j).toBe("number");
      expect(typeof x.output_tokens).toBe("bigint");
      expect(x.adjusted_energy_j).toBeNull();
    }
  });

  it("export --format json: an array of rows", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "lem-export-")), "runs.json");
    const r = await lem(["export", dirA, "--format", "json", "--output", out]);
    expect(r.exitCode, r.stderr).toBe(0);
    const rows = readJson<Record<string, unknown>[]>(out);
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatchObject({ position: 0, cycle: 0, status: "completed", simulated: true, "params.batch_size": 1 });
    expect(typeof rows[0]!.energy_per_output_token_j).toBe("number");
  });

  it("refuses a directory that is not a study with a clear message (exit 1)", async () => {
    const r = await lem(["show", join(resultsDir, "not-a-study")]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/not-a-study is not a lem study directory: .*manifest\.json does not exist/);
    const missing = await lem(["export", join(resultsDir, "nowhere"), "--format", "csv"]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/nowhere does not exist/);
  });

  it("refuses an unknown format, subcommand or missing argument (exit 64)", async () => {
    const f = await lem(["export", dirA, "--format", "xlsx"]);
    expect(f.exitCode).toBe(64);
    expect(f.stderr).toContain('unknown export format "xlsx": use --format csv|parquet|json');
    const s = await lem(["frobnicate"]);
    expect(s.exitCode).toBe(64);
    expect(s.stderr).toContain("list, show, compare, export");
    expect((await lem(["compare", dirA])).exitCode).toBe(64);
    expect((await lem(["export", dirA])).exitCode).toBe(64);
    expect((await lem([])).exitCode).toBe(64);
  });
});
