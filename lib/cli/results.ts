/** `lem results list|show|compare|export`: read back the studies lem wrote. */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { COMPARE_METRICS, compareStudies, type CompareMetric, type MetricComparison } from "../results/compare.js";
import { EXPORT_FORMATS, exportStudy, type ExportFormat } from "../results/export.js";
import { VARIATION_METRICS, type ConfigSummary } from "../results/summary-csv.js";
import type { Statistic } from "../results/stats.js";
import { readStudy, scanStudies, type StudyOnDisk } from "../results/study-reader.js";
import { toJson, UsageError } from "./output.js";
import { formatTable } from "./table.js";
import { hardwareWarnings, HARDWARE_NOT_RECORDED } from "../results/hardware-strata.js";

export const resultsHelp = `Usage: lem results list [DIR] [--json]
       lem results show STUDY_DIR [--json]
       lem results compare STUDY_DIR_A STUDY_DIR_B [--match config|slug] [--json]
       lem results export STUDY_DIR --format csv|parquet|json [--output FILE]

Read back the studies "lem run" wrote.

  list      the studies in a results directory (default ./results), oldest first
  show      a study's statistics per configuration: mean and 95 % bootstrap interval of the
            energy per output token (mJ), energy per request (J) and throughput (output
            tokens/s); the largest CV between cycles, "!" when above 5 %; warnings by code
  compare   the configurations two studies share: each figure's ratio of means B / A with
            a 95 % bootstrap interval ("*" when the interval excludes 1); configurations
            found in only one study are listed
  export    one row per run (swept values, status, energy, per-token figures, tokens,
            throughput, median latencies, window, warnings) as CSV, Parquet or JSON;
            default file STUDY_DIR/export.<format>

Options:
  --json            machine-readable output (list, show, compare)
  --match KEY       compare: pair configurations by "config" hash (default) or by "slug"
                    (same swept values, other settings may differ)
  --format FORMAT   export: csv, parquet or json
  --output FILE     export: where to write
  -h, --help        show this help

Examples:
  lem results list
  lem results show results/my-study_20261123-101500
  lem results compare results/a_20261123-101500 results/b_20261124-090000
  lem results export results/my-study_20261123-101500 --format parquet
`;

const SUBCOMMANDS = ["list", "show", "compare", "export"] as const;

/** A number with about 4 significant digits, plain decimals. */
export function formatFigure(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "n/a";
  if (x === 0) return "0";
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(x))));
  return x.toFixed(Math.min(decimals, 12));
}

function statCell(s: Statistic, scale = 1): string {
  if (s.mean === null) return "n/a";
  const mean = formatFigure(s.mean * scale);
  return s.ci95 ? `${mean} [${formatFigure(s.ci95.low * scale)}, ${formatFigure(s.ci95.high * scale)}]` : mean;
}

function cvCell(c: ConfigSummary): string {
  const cvs = VARIATION_METRICS.map((k) => c.stats[k].cv).filter((v): v is number => v !== null);
  if (cvs.length === 0) return "n/a";
  return `${(Math.max(...cvs) * 100).toFixed(1)}%${c.highVariation ? " !" : ""}`;
}

function warningCounts(study: StudyOnDisk, configHash?: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of study.results) {
    if (configHash !== undefined && r.identity.configHash !== configHash) continue;
    for (const code of new Set(r.warnings.map((w) => w.code))) counts[code] = (counts[code] ?? 0) + 1;
  }
  return counts;
}

function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([code, n]) => `${code} x${n}`)
    .join(", ");
}

function simulatedLine(what: string): string {
  return `SIMULATED: ${what} ran on the simulated GPU; these figures are not measurements of real hardware`;
}

function list(args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean" } }, strict: true });
  if (positionals.length > 1) throw new UsageError(`lem results list takes one results directory, got: ${positionals.join(" ")}`);
  const dir = positionals[0] ?? "results";
  const scan = scanStudies(dir);
  if (values.json) {
    process.stdout.write(`${toJson(scan)}\n`);
    return 0;
  }
  for (const u of scan.unreadable) process.stderr.write(`lem: skipped ${u.dir}: ${u.reason}\n`);
  if (scan.studies.length === 0) {
    process.stdout.write(`no studies in ${resolve(dir)}\n`);
    return 0;
  }
  const rows = scan.studies.map((s) => [
    s.name,
    s.created.replace("T", " ").replace(/\.\d+Z$/, "Z"),
    s.status,
    `${s.counts.completed}/${s.runs}`,
    String(s.counts.failed + s.counts.interrupted),
    String(s.counts.running),
    String(s.counts.pending),
    String(s.configurations),
    s.executor,
    s.simulated === null ? "?" : s.simulated ? "yes" : "no",
    s.dir,
  ]);
  process.stdout.write(`${formatTable(["study", "created", "status", "completed", "failed", "running", "pending", "configs", "executor", "simulated", "directory"], rows)}\n`);
  return 0;
}

function show(args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean" } }, strict: true });
  if (positionals.length !== 1) {
    throw new UsageError(`lem results show takes one study directory${positionals.length ? `, got: ${positionals.join(" ")}` : ' (see "lem results list")'}`);
  }
  const study = readStudy(positionals[0]!);
  const warnings = warningCounts(study);
  const labels = new Map(study.experiments.map((e) => [e.hash, e.slug]));
  const strata = hardwareWarnings(study.results, labels);
  if (values.json) {
    process.stdout.write(
      `${toJson({
        dir: study.dir,
        study: study.manifest.study,
        status: study.status,
        simulated: study.simulated,
        counts: countsOf(study),
        statistics: study.studyJson?.statistics ?? null,
        configurations: study.configurations.map((c) => ({ ...c, warnings: warningCounts(study, c.configHash) })),
        warnings,
        hardwareWarnings: strata,
      })}\n`,
    );
    return 0;
  }
  const counts = countsOf(study);
  const out: string[] = [];
  if (study.simulated) out.push(simulatedLine("this study"));
  out.push(
    `study ${study.manifest.study.name} (${study.manifest.study.studyHash}), created ${study.manifest.study.createdAt}: ${study.status}; ` +
      Object.entries(counts)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${n} ${s}`)
        .join(", "),
  );
  out.push(study.dir, "");
  // Figures are grouped by configuration and hardware; the column shows once any is recorded.
  const showHardware = study.configurations.some((c) => c.hardware !== HARDWARE_NOT_RECORDED);
  out.push(
    formatTable(
      ["configuration", ...(showHardware ? ["hardware"] : []), "n", "mJ/output token [95% CI]", "J/request [95% CI]", "output tokens/s [95% CI]", "max CV", "warnings"],
      study.configurations.map((c) => {
        const w = warningCounts(study, c.configHash);
        return [
          c.slug,
          ...(showHardware ? [c.hardware] : []),
          `${c.runs.completed}${c.runs.failed ? ` (+${c.runs.failed} failed or interrupted)` : ""}`,
          statCell(c.stats.energyPerOutputTokenJ, 1000),
          statCell(c.stats.energyPerRequestJ),
          statCell(c.stats.outputTokensPerS),
          cvCell(c),
          String(Object.values(w).reduce((a, b) => a + b, 0)),
        ];
      }),
    ),
  );
  out.push("");
  if (study.configurations.some((c) => c.highVariation)) {
    out.push("! the cycles of this configuration disagree by more than 5 % (CV): read its figures with care (throttling, temperature drift, too few cycles)");
  }
  for (const w of strata) out.push(`! ${w}`);
  out.push(Object.keys(warnings).length ? `warnings (runs): ${formatCounts(warnings)}` : "warnings: none");
  if (!study.studyJson) out.push("study.json is missing (the study did not finish): statistics computed from the results on disk");
  process.stdout.write(`${out.join("\n")}\n`);
  return 0;
}

function countsOf(study: StudyOnDisk): Record<string, number> {
  const c: Record<string, number> = {};
  for (const r of study.runs) c[r.manifest.status] = (c[r.manifest.status] ?? 0) + 1;
  return c;
}

const METRIC_LABELS: Record<CompareMetric, string> = {
  energyPerOutputTokenJ: "energy/output token",
  energyPerRequestJ: "energy/request",
  outputTokensPerS: "output tokens/s",
  energyJ: "energy",
};

function ratioCell(m: MetricComparison): string {
  if (m.ratio === null) return "n/a";
  const r = formatFigure(m.ratio);
  return m.ci95 ? `${r} [${formatFigure(m.ci95.low)}, ${formatFigure(m.ci95.high)}]${m.differs ? " *" : ""}` : r;
}

function compare(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: "boolean" }, match: { type: "string" } },
    strict: true,
  });
  if (positionals.length !== 2) {
    throw new UsageError(`lem results compare takes two study directories (A, then B: ratios are B / A)${positionals.length ? `, got: ${positionals.join(" ")}` : ""}`);
  }
  const match = values.match ?? "config";
  if (match !== "config" && match !== "slug") throw new UsageError(`--match must be "config" or "slug", got "${match}"`);
  const a = readStudy(positionals[0]!);
  const b = readStudy(positionals[1]!);
  const c = compareStudies(a, b, { match });
  if (values.json) {
    process.stdout.write(`${toJson(c)}\n`);
    return 0;
  }
  const out: string[] = [];
  if (a.simulated || b.simulated) out.push(simulatedLine(a.simulated && b.simulated ? "both studies" : a.simulated ? "study A" : "study B"));
  out.push(`A: ${c.a.name} (${c.a.dir})`, `B: ${c.b.name} (${c.b.dir})`, "");
  if (c.configurations.length) {
    out.push(
      formatTable(
        ["configuration", "n A/B", ...COMPARE_METRICS.map((m) => `${METRIC_LABELS[m]} B/A [95% CI]`)],
        c.configurations.map((x) => [
          x.a.slug === x.b.slug ? x.a.slug : `${x.a.slug} / ${x.b.slug}`,
          `${x.metrics.energyPerOutputTokenJ.a.n}/${x.metrics.energyPerOutputTokenJ.b.n}`,
          ...COMPARE_METRICS.map((m) => ratioCell(x.metrics[m])),
        ]),
      ),
    );
    if (c.configurations.some((x) => COMPARE_METRICS.some((m) => x.metrics[m].differs))) {
      out.push("", "* the interval excludes 1: the studies differ by more than the spread between their cycles");
    }
  } else out.push("no configuration in both studies");
  if (c.onlyInA.length) out.push(`only in A: ${c.onlyInA.map((r) => `${r.slug} (${r.configHash})`).join(", ")}`);
  if (c.onlyInB.length) out.push(`only in B: ${c.onlyInB.map((r) => `${r.slug} (${r.configHash})`).join(", ")}`);
  for (const note of c.notes) out.push(`note: ${note}`);
  process.stdout.write(`${out.join("\n")}\n`);
  return 0;
}

function exportCommand(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: "string" }, output: { type: "string", short: "o" } },
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError(`lem results export takes one study directory${positionals.length ? `, got: ${positionals.join(" ")}` : ""}`);
  const format = values.format;
  if (format === undefined) throw new UsageError(`lem results export needs --format ${EXPORT_FORMATS.join("|")}`);
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown export format "${format}": use --format ${EXPORT_FORMATS.join("|")}`);
  const study = readStudy(positionals[0]!);
  const file = resolve(values.output ?? join(study.dir, `export.${format}`));
  const table = exportStudy(study, format as ExportFormat, file);
  process.stderr.write(`lem: wrote ${table.rows.length} run(s) to ${file}\n`);
  process.stdout.write(`${file}\n`);
  return 0;
}

export async function runResults(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined) throw new UsageError(`lem results needs a subcommand: ${SUBCOMMANDS.join(", ")}. See "lem results --help".`);
  if (sub === "--help" || sub === "-h" || sub === "help" || rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(resultsHelp);
    return 0;
  }
  switch (sub) {
    case "list":
      return list(rest);
    case "show":
      return show(rest);
    case "compare":
      return compare(rest);
    case "export":
      return exportCommand(rest);
    default:
      throw new UsageError(`unknown subcommand "lem results ${sub}": use ${SUBCOMMANDS.join(", ")}. See "lem results --help".`);
  }
}
