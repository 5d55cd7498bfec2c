#!/usr/bin/env node
// Mutation testing of lib/measure, lib/results, lib/study, lib/config and lib/gpu with StrykerJS
// (stryker.config.mjs). `npm run mutation` runs every file of those folders (it takes long);
// `npm run mutation -- lib/measure/window-energy.ts ...` runs only the files named;
// `--tests test/a.test.ts,test/b.test.ts` runs the mutants against those test files only
// (default: every test file of vitest.mutation.config.ts that imports the file); `--incremental`
// reuses the previous run of the same files (Stryker's incremental mode: mutants whose code and
// covering tests did not change keep their result; survivors meet any new test); `--report` runs
// nothing and rewrites today's report with the equivalent mutants as now listed. Each run is
// merged into today's report, bench/results/<date>-mutation.json (+ .md): per file its score,
// when it was run, and every surviving mutant, named equivalent (bench/mutation/equivalent-mutants.json,
// with the reason) or not. Files of the scope never run are listed as such.
import { readFileSync, readdirSync, writeFileSync, existsSync, mkdirSync, renameSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Stryker } from "@stryker-mutator/core";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const SCOPE = ["lib/measure", "lib/results", "lib/study", "lib/study-format", "lib/random", "lib/config", "lib/gpu"];
/** Files held to 90 %; every other file of the scope to 80 %. */
const HIGH_GOAL = new Set([
  "lib/measure/window-energy.ts",
  "lib/measure/piecewise-linear.ts",
  "lib/results/bootstrap.ts",
  "lib/results/stats.ts",
  "lib/study/williams.ts",
  "lib/study/plan.ts",
]);
const goalOf = (file) => (HIGH_GOAL.has(file) ? 90 : 80);

function scopeFiles() {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(p);
    }
  };
  SCOPE.forEach(walk);
  return out.sort();
}

function usage(message) {
  console.error(`${message}\nusage: npm run mutation [-- [--report] [--incremental] [--tests T.test.ts,...] FILE.ts ...]   (files under ${SCOPE.join(", ")})`);
  process.exit(2);
}

const all = scopeFiles();
const argv = process.argv.slice(2);
let tests = null;
let incremental = false;
let reportOnly = false;
const args = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--tests") {
    tests = argv[++i];
    if (!tests) usage("--tests needs a comma-separated list of test files");
    for (const t of tests.split(",")) if (!existsSync(join(root, t))) usage(`no such test file: ${t}`);
  } else if (argv[i] === "--incremental") incremental = true;
  else if (argv[i] === "--report") reportOnly = true;
  else if (argv[i].startsWith("-")) usage(`unknown option ${argv[i]}`);
  else args.push(argv[i]);
}
if (tests) process.env.LEM_MUTATION_TESTS = tests;
else delete process.env.LEM_MUTATION_TESTS;
for (const a of args) if (!all.includes(a)) usage(`not a file of the mutation scope: ${a}`);
const targets = args.length ? args : all;

/** Source text of a mutant's span (Stryker locations: 1-based lines, 1-based columns). */
function originalOf(source, loc) {
  const lines = source.split("\n");
  if (loc.start.line === loc.end.line) return lines[loc.start.line - 1].slice(loc.start.column - 1, loc.end.column - 1);
  const parts = [lines[loc.start.line - 1].slice(loc.start.column - 1)];
  for (let l = loc.start.line; l < loc.end.line - 1; l++) parts.push(lines[l]);
  parts.push(lines[loc.end.line - 1].slice(0, loc.end.column - 1));
  return parts.join("\n");
}

const squash = (s) => s.replace(/\s+/g, " ").trim();
const equivalents = JSON.parse(readFileSync(join(root, "bench/mutation/equivalent-mutants.json"), "utf8")).mutants;
function equivalenceOf(file, m) {
  const e = equivalents.find(
    (q) => q.file === file && q.mutator === m.mutator && squash(q.original) === squash(m.original) && squash(q.replacement) === squash(m.replacement),
  );
  return e ? e.reason : null;
}

const before = JSON.parse(readFileSync(join(root, "bench/mutation/before-issue-16.json"), "utf8")).scorePercent;
const started = new Date();
// Stryker's own report of this set of files, also the base of an incremental run of them.
const strykerReport = `bench/results/tmp/mutation/${args.length ? args.map((a) => a.replace(/^lib\//, "").replace(/[^\w.-]+/g, "_")).join("+").slice(0, 180) : "all"}.json`;
// --report: no run; today's report is rewritten with the equivalent mutants as listed now.
const results = reportOnly
  ? []
  : await new Stryker({
      mutate: targets,
      jsonReporter: { fileName: strykerReport },
      ...(incremental ? { incremental: true, incrementalFile: strykerReport } : {}),
    }).runMutationTest();

const byFile = new Map(reportOnly ? [] : targets.map((f) => [f, []]));
for (const r of results) {
  const file = relative(root, resolve(root, r.fileName));
  if (!byFile.has(file)) byFile.set(file, []);
  byFile.get(file).push(r);
}

const date = started.toISOString().slice(0, 10);
const reportPath = join(root, `bench/results/${date}-mutation.json`);
const previous = existsSync(reportPath) ? JSON.parse(readFileSync(reportPath, "utf8")) : { files: {} };
const files = { ...previous.files };
for (const [file, rs] of byFile) {
  const source = readFileSync(join(root, file), "utf8");
  const count = (s) => rs.filter((r) => r.status === s).length;
  const killed = count("Killed");
  const timeout = count("Timeout");
  const survived = count("Survived");
  const noCoverage = count("NoCoverage");
  const errors = count("CompileError") + count("RuntimeError");
  const survivors = rs
    .filter((r) => r.status === "Survived" || r.status === "NoCoverage")
    .map((r) => {
      return { line: r.location.start.line, status: r.status, mutator: r.mutatorName, original: originalOf(source, r.location), replacement: r.replacement ?? "" };
    })
    .sort((a, b) => a.line - b.line);
  const valid = killed + timeout + survived + noCoverage;
  files[file] = {
    ranAt: started.toISOString(),
    incremental,
    tests: tests ? tests.split(",") : "every related test file of vitest.mutation.config.ts",
    mutants: valid,
    killed,
    timeout,
    survived,
    noCoverage,
    errors,
    survivors,
  };
}
// Equivalence and scores, for every file of the report (the list may have grown since a file ran).
const pct = (x, n) => (n === 0 ? null : Math.round((1000 * x) / n) / 10);
for (const [file, f] of Object.entries(files)) {
  const survivors = f.survivors.map((m) => ({ ...m, equivalent: equivalenceOf(file, m) }));
  const detected = f.killed + f.timeout;
  const equivalent = survivors.filter((m) => m.equivalent !== null).length;
  const { survivors: _old, ...counts } = f;
  files[file] = {
    ...counts,
    equivalent,
    /** Stryker's score: detected / valid mutants. */
    scorePercent: pct(detected, f.mutants),
    beforeIssue16Percent: before[file] ?? null,
    /** Score over the mutants not named equivalent. */
    scoreExcludingEquivalentPercent: pct(detected, f.mutants - equivalent),
    goalPercent: goalOf(file),
    meetsGoal: f.mutants === 0 || pct(detected, f.mutants - equivalent) >= goalOf(file),
    unexplainedSurvivors: survivors.length - equivalent,
    survivors,
  };
}
const run = Object.keys(files).filter((f) => all.includes(f)).sort();
const report = {
  tool: "StrykerJS 9.6.1 (@stryker-mutator/core, @stryker-mutator/vitest-runner), stryker.config.mjs, tests of vitest.mutation.config.ts",
  command: "npm run mutation [-- [--report] [--incremental] [--tests T.test.ts,...] FILE.ts ...]",
  updatedAt: new Date().toISOString(),
  scope: SCOPE,
  filesRun: run,
  filesNotRun: all.filter((f) => !run.includes(f)),
  files: Object.fromEntries(run.map((f) => [f, files[f]])),
};
mkdirSync(join(root, "bench/results"), { recursive: true });
writeFileSync(`${reportPath}.tmp`, JSON.stringify(report, null, 2) + "\n");
renameSync(`${reportPath}.tmp`, reportPath);

const md = [
  `# Mutation testing, ${date}`,
  "",
  `StrykerJS 9.6.1 over ${SCOPE.join(", ")} (\`npm run mutation\`). Score = killed / (mutants - named equivalent).`,
  "",
  "| file | before (issue 16) | mutants | killed | survived | no coverage | equivalent | score | goal | run at |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  ...run.map((f) => {
    const s = files[f];
    return `| ${f} | ${before[f] === undefined ? "-" : `${before[f]} %`} | ${s.mutants} | ${s.killed + s.timeout} | ${s.survived} | ${s.noCoverage} | ${s.equivalent} | ${s.scoreExcludingEquivalentPercent ?? "-"} % (raw ${s.scorePercent ?? "-"} %) | ${s.goalPercent} % ${s.meetsGoal ? "met" : "NOT met"} | ${s.ranAt} |`;
  }),
  "",
  `Not run: ${report.filesNotRun.length ? report.filesNotRun.join(", ") : "none"}.`,
  "",
  "## Surviving mutants named equivalent",
  "",
  ...run.flatMap((f) =>
    files[f].survivors.filter((s) => s.equivalent).map((s) => `- ${f}:${s.line} ${s.mutator} \`${squash(s.original).slice(0, 60)}\` -> \`${squash(s.replacement).slice(0, 60)}\`: ${s.equivalent}`),
  ),
  "",
  "## Surviving mutants not explained",
  "",
  ...run.flatMap((f) =>
    files[f].survivors.filter((s) => !s.equivalent).map((s) => `- ${f}:${s.line} ${s.status} ${s.mutator} \`${squash(s.original).slice(0, 60)}\` -> \`${squash(s.replacement).slice(0, 60)}\``),
  ),
  "",
];
writeFileSync(reportPath.replace(/\.json$/, ".md"), md.join("\n"));
for (const f of [...byFile.keys()]) {
  const s = files[f];
  console.log(`${f}: ${s.scoreExcludingEquivalentPercent ?? "-"} % (raw ${s.scorePercent ?? "-"} %, ${s.unexplainedSurvivors} unexplained survivor(s)), goal ${s.goalPercent} %`);
}
console.log(`report: ${relative(root, reportPath)}`);
