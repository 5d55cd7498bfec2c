// Step 5, end to end: a 2-configuration x 2-cycle study with the transformers backend on a
// small random-weight model built here (no download). The study file is always written and
// dry-run (validated, planned) first, so that part is checked even where torch is missing.
import { existsSync, readdirSync } from "node:fs";
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { StepRecord, kitEnv, lastJsonLine, pyDir, readJson, run, runLem, stepArgs, tail } from "../kit/common.mjs";

const args = stepArgs();
const rec = new StepRecord(args);
const env = kitEnv(args, { CUDA_VISIBLE_DEVICES: args.uuid });
const dir = join(args.work, "study");
const modelDir = join(dir, "tiny-llama");
mkdirSync(dir, { recursive: true });

const study = `# Written by bench/gpu/steps/study.mjs: the GPU validation kit's end-to-end study.
name: gpu-validation-e2e
base:
  model: ${JSON.stringify(modelDir)}
  backend: transformers
  transformers:
    python: ${JSON.stringify(args.python)}
    dtype: bfloat16
    batchSize: 1
  dataset:
    source: synthetic
    prompts: ${args.prompts}
  generation:
    maxOutputTokens: ${args.maxOutputTokens}
  measurement:
    intervalMs: 10
    warmupRequests: 2
    baseline:
      durationS: ${args.baselineS}
    settling:
      mode: gap
      gapS: 1
sweep:
  transformers.batchSize: [1, 4]
execution:
  cycles: 2
  order: interleaved
  runTimeoutS: 300
output:
  dir: ${JSON.stringify(join(dir, "results"))}
`;
const studyFile = join(dir, "study.yaml");
writeFileSync(studyFile, study);
rec.set("studyFile", { path: studyFile, text: study });

const dry = await runLem(["run", studyFile, "--dry-run"], { env, timeoutMs: 60_000 });
rec.set("dryRun", { exitCode: dry.code, output: tail(dry.stdout + dry.stderr, 4000) });
if (dry.code !== 0) {
  rec.finish("failed", `lem run --dry-run refused the study: ${tail(dry.stdout + dry.stderr, 800)}`);
  process.exit(0);
}
if (args.transformersSkip) {
  rec.finish("skipped", `study written and dry-run only: ${args.transformersSkip}`);
  process.exit(0);
}

const built = await run(args.python, [join(pyDir, "tiny_model.py"), "--out", modelDir], { env, timeoutMs: 180_000 });
rec.set("model", { exitCode: built.code, result: lastJsonLine(built.stdout) ?? null, stderr: tail(built.stderr, 2000) });
if (built.code !== 0) {
  rec.finish("failed", `building the tiny model failed: ${tail(built.stderr, 800)}`);
  process.exit(0);
}

const r = await runLem(["run", studyFile, "--json", "--quiet"], { env, timeoutMs: args.timeoutS * 1000 });
const events = r.stdout.trim().split("\n").flatMap((l) => {
  try {
    return [JSON.parse(l)];
  } catch {
    return [];
  }
});
rec.set("run", { exitCode: r.code, timedOut: r.timedOut, events: events.slice(-40), stderr: tail(r.stderr, 4000) });

// The study's own files: its summary per configuration and each run's status.
const resultsDir = join(dir, "results");
const studyDir = !existsSync(resultsDir) ? undefined : readdirSync(resultsDir, { withFileTypes: true }).find((e) => e.isDirectory())?.name;
if (studyDir) {
  const manifest = readJson(join(resultsDir, studyDir, "manifest.json"));
  const summary = readJson(join(resultsDir, studyDir, "study.json"));
  rec.set("study", { dir: join(resultsDir, studyDir), manifest, summary });
}
rec.finish(r.code === 0 ? "ok" : "failed", r.code === 0 ? undefined : `lem run exited ${r.code ?? r.signal}${r.timedOut ? " (timed out)" : ""}`);
