/** `lem run STUDY [--dry-run]` and `lem run --resume DIR`: run a study. */
import { parseArgs } from "node:util";
import { loadStudy } from "../config/load.js";
import { activeSimulation } from "../gpu/provider.js";
import { resolve } from "node:path";
import { estimateDuration, runTimeHistory } from "../study/estimate.js";
import { loadDatasets, planOf, validateTemplates } from "../study/prepare-study.js";
import { runStudy } from "../executors/run-study.js";
import { simulationBanner, toJson, UsageError } from "./output.js";
import { createProgress, wantsLiveProgress } from "./progress/create-progress.js";
import { formatTable } from "./table.js";

export const runHelp = `Usage: lem run STUDY.yaml [options]
       lem run --resume DIR

Run a study: every configuration of its sweep, each for several cycles, in an order that
does not bias the comparison, each run in its own child process. Results go to
<output.dir>/<name>_<timestamp>/: one directory per run (result.json, timeseries.parquet,
child.log), manifest.json (every run's status), study.json and summary.csv (statistics per
configuration). Ctrl-C stops the current run's process group, marks it interrupted and
exits with 130; "lem run --resume DIR" continues without repeating completed runs, and
measures failed and interrupted runs again (each earlier attempt's files kept in attempt-N/).
One lem at a time runs a study: --resume of a study another lem is running changes nothing
and exits with 75.

Progress goes to standard error. On a terminal, a live region at the bottom shows the runs
done, the run in progress, the time left and the GPUs' power and temperature now, under one
line per finished run; elsewhere (a pipe, a file, CI, TERM=dumb) or with --quiet, only the
plain lines, without colour or escape codes (FORCE_COLOR=1 colours them, e.g. for CI logs).
NO_COLOR or FORCE_COLOR=0 turn colour off.

Options:
  --dry-run          print the plan, the estimated duration and any invalid points; run nothing
  --resume DIR       continue the study in DIR (refused if its study file changed since)
  --output DIR       results directory (default: the study's output.dir, relative to the study file; not with --resume)
  --fail-fast        stop at the first failed run
  --skip-preflight   run without pre-flight checks (recorded in every result)
  --json             one JSON event per line on stdout instead of text
  --quiet            no live progress display: plain lines only, as when not on a terminal
  --executor E       where the runs execute: local (this process, the default) or slurm
                     (one job array task per run, then a merge job); overrides execution.executor
  --wait             slurm: follow the study with the usual progress until its merge job ends
                     (default: print the job ids and the study directory, and return at once)
  --simulate [SCENARIO]  use the simulated GPU
  -h, --help         show this help

Examples:
  lem run examples/study-command.yaml --dry-run
  LEM_SIMULATE=default lem run examples/study-command.yaml
  lem run --resume results/my-study_20261123-101500
  lem run examples/study-command.yaml --executor slurm --dry-run

On Slurm (docs/slurm.md): lem run STUDY --executor slurm submits and returns; lem status DIR
shows where it stands; lem run --resume DIR submits again exactly the runs not completed.
`;

function formatDuration(s: number): string {
  if (s < 120) return `${s.toFixed(0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

async function dryRun(file: string, json: boolean, outputDir: string | undefined): Promise<number> {
  const loaded = await loadStudy(file);
  validateTemplates(loaded);
  // A missing or malformed dataset fails here, as it would fail the run.
  loadDatasets(loaded);
  const plan = planOf(loaded);
  const ex = loaded.expansion.experiments;
  const history = runTimeHistory(resolve(outputDir ?? resolve(loaded.file, "..", loaded.study.output.dir)));
  const estimate = estimateDuration(plan, ex, history);
  if (json) {
    process.stdout.write(
      `${toJson({ study: loaded.study.name, studyHash: loaded.studyHash, experiments: ex.map((e) => ({ hash: e.hash, slug: e.slug, sweepValues: e.sweepValues })), invalid: loaded.expansion.invalid, duplicates: loaded.expansion.duplicates, warnings: loaded.expansion.warnings, plan, estimate })}\n`,
    );
    return 0;
  }
  const out: string[] = [
    `study ${loaded.study.name} (${loaded.studyHash}): ${ex.length} configuration(s) x ${loaded.study.execution.cycles} cycle(s), order ${loaded.study.execution.order}`,
    "",
    formatTable(
      ["#", "cycle", "configuration", "hash"],
      plan.map((p) => [String(p.position + 1), String(p.cycle + 1), ex[p.experiment]!.slug, ex[p.experiment]!.hash]),
    ),
    "",
    estimate.runsWithoutHistory === 0
      ? `estimated duration: ${formatDuration(estimate.knownS)} (${estimate.explanation})`
      : `estimated duration: at least ${formatDuration(estimate.knownS)} (${estimate.explanation})`,
  ];
  if (loaded.expansion.duplicates) out.push(`${loaded.expansion.duplicates} duplicate configuration(s) removed`);
  for (const p of loaded.expansion.invalid) out.push(`skipped invalid point ${JSON.stringify(p.sweepValues)}: ${p.reason}`);
  for (const w of loaded.expansion.warnings) out.push(`warning: ${w}`);
  process.stdout.write(`${out.join("\n")}\n`);
  return 0;
}

export async function runRun(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      "dry-run": { type: "boolean" },
      resume: { type: "string" },
      output: { type: "string" },
      "fail-fast": { type: "boolean" },
      "skip-preflight": { type: "boolean" },
      json: { type: "boolean" },
      quiet: { type: "boolean" },
      executor: { type: "string" },
      wait: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(runHelp);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (extra.length) throw new UsageError(`lem run takes one study file, got: ${positionals.join(" ")}`);
  if (!file && !values.resume) throw new UsageError('give a study file (lem run STUDY.yaml) or a study to resume (lem run --resume DIR). See "lem run --help".');
  if (file && values.resume) throw new UsageError("give either a study file or --resume DIR, not both");
  if (values.resume && values.output) {
    throw new UsageError(`--output does not apply to --resume: a resumed study stays in its directory (${values.resume}). Leave out --output.`);
  }
  const executor = values.executor;
  if (executor !== undefined && executor !== "local" && executor !== "slurm") {
    throw new UsageError(`--executor takes local or slurm, got "${executor}". See "lem run --help".`);
  }
  if (values["dry-run"]) {
    if (!file) throw new UsageError("--dry-run needs a study file");
    return dryRun(file, values.json ?? false, values.output);
  }
  const startedAtMs = Date.now();
  const json = values.json ?? false;
  const quiet = values.quiet ?? false;
  const sim = activeSimulation();
  if (sim) process.stderr.write(`${simulationBanner(sim.name)}\n`);
  const initialEstimateS = file && wantsLiveProgress({ json, quiet }) ? await studyEstimateS(file, values.output) : null;
  const progress = createProgress({ json, quiet, startedAtMs, initialEstimateS });
  const controller = new AbortController();
  let interrupts = 0;
  let runActive = false;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts === 1) {
      progress.note(
        runActive ? "lem: stopping the current run (Ctrl-C again to leave at once)..." : "lem: stopping the study (Ctrl-C again to leave at once)...",
      );
      controller.abort();
    } else {
      progress.close();
      process.exit(130);
    }
  };
  process.on("SIGINT", onInterrupt);
  process.on("SIGTERM", onInterrupt);
  try {
    const outcome = await runStudy({
      ...(file ? { studyFile: file } : {}),
      ...(values.resume ? { resumeDir: values.resume } : {}),
      ...(values.output ? { outputDir: values.output } : {}),
      failFast: values["fail-fast"] ?? false,
      skipPreflight: values["skip-preflight"] ?? false,
      ...(executor ? { executor } : {}),
      wait: values.wait ?? false,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "run-start") runActive = true;
        if (e.type === "run-end") runActive = false;
        progress.onEvent(e);
      },
    });
    // A study on Slurm: its directory on stdout, for scripts (lem status "$(lem run ...)").
    if (outcome.slurm && !json) process.stdout.write(`${outcome.dir}\n`);
    if (outcome.status === "submitted") return 0;
    if (outcome.status === "interrupted") return 130;
    return outcome.status === "completed" ? 0 : 1;
  } finally {
    progress.close();
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onInterrupt);
  }
}

/**
 * The whole study's expected seconds from earlier runs of its configurations, or null when
 * some have none (or the study does not load: runStudy then reports why).
 */
async function studyEstimateS(file: string, outputDir: string | undefined): Promise<number | null> {
  try {
    const loaded = await loadStudy(file);
    const history = runTimeHistory(resolve(outputDir ?? resolve(loaded.file, "..", loaded.study.output.dir)));
    const estimate = estimateDuration(planOf(loaded), loaded.expansion.experiments, history);
    return estimate.runsWithoutHistory === 0 ? estimate.knownS : null;
  } catch {
    return null;
  }
}
