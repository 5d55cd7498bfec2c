/**
 * The Slurm executor's submitting side (`lem run --executor slurm`, on a login node): plans the
 * study, runs the pre-flight a login node can run, writes the study directory (manifest,
 * configuration, prompts, batch scripts), submits one job array per MaxArraySize chunk (task
 * i runs planned run offset + i) and a merge job after them, records the job ids, and
 * returns at once, or follows the study to its end with `wait`. On resume it submits exactly
 * the runs not completed. Slurm allocates, starts, cancels and requeues; lem never schedules.
 */
import { chmodSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadStudy, type LoadedStudy } from "../../config/load.js";
import { SlurmSchema, type SlurmSettings } from "../../config/slurm-schema.js";
import { LemError } from "../../errors.js";
import { writeFileAtomic } from "../../fs/atomic-write.js";
import { checkOutputDir } from "../../preflight/check-output-dir.js";
import { PreflightError } from "../../preflight/preflight-error.js";
import type { PreflightIssue } from "../../preflight/types.js";
import { redactRecordedConfig } from "../../redact/index.js";
import { studyPaths } from "../../study-format/layout.js";
import { Manifest, studyDifferences } from "../../study-format/manifest.js";
import { isRunDone } from "../../study-format/run-status.js";
import { loadDatasets, newManifest, planOf, studyDirName, validateTemplates, writePromptFiles } from "../../study/prepare-study.js";
import { requireStudyFile } from "../../study/resume-study-file.js";
import { StudyChangedError } from "../../study/study-changed.js";
import { createStudyDir, removeStudyDir } from "../../study/study-dir.js";
import { acquireStudyLock } from "../../study/study-lock.js";
import type { RunStudyOptions, StudyOutcome } from "../study-events.js";
import { arrayChunks } from "./array-chunks.js";
import { mergeScript, taskScript } from "./batch-script.js";
import { globalArgsOnNodes } from "./lem-on-nodes.js";
import { mergeSbatchArgs, taskSbatchArgs, taskTimeLimit } from "./sbatch-args.js";
import { activeJobsOf } from "./study-jobs.js";
import { followSlurmStudy } from "./follow-study.js";
import { cancelJob, submitBatch } from "./slurm-cli.js";
import { slurmPreflight } from "./slurm-preflight.js";
import { appendSubmission, type SubmittedArray } from "./submissions.js";

/** A resumed Slurm study whose earlier jobs are still in Slurm: submitting again would run runs twice. */
export class SlurmStudyActiveError extends LemError {
  constructor(dir: string, active: string[]) {
    super(
      "LEM_SLURM_STUDY_ACTIVE",
      `the study in ${dir} still has jobs in Slurm: ${active.slice(0, 8).join(", ")}${active.length > 8 ? `, ... (${active.length})` : ""}; nothing was submitted. ` +
        `Wait for them to end (lem status ${dir} shows them), or cancel them with scancel, then resume.`,
    );
  }
}

export function slurmSettingsOf(loaded: LoadedStudy): SlurmSettings {
  return loaded.study.execution.slurm ?? SlurmSchema.parse({});
}

export async function submitSlurmStudy(o: RunStudyOptions): Promise<StudyOutcome> {
  const env = process.env;
  let loaded: LoadedStudy;
  let dir: string;
  let manifest: Manifest | undefined;
  let lock: { release(): void } | undefined;
  try {
    if (o.resumeDir) {
      dir = resolve(o.resumeDir);
      manifest = Manifest.load(dir);
      lock = acquireStudyLock(dir);
      requireStudyFile(dir, manifest.data.study.file);
      loaded = await loadStudy(manifest.data.study.file);
      const diffs = studyDifferences(manifest.data, {
        experiments: loaded.expansion.experiments.map((e) => ({ hash: e.hash, slug: e.slug })),
        execution: loaded.study.execution as unknown as Record<string, unknown>,
      });
      if (diffs.length) throw new StudyChangedError(dir, diffs);
    } else {
      if (!o.studyFile) throw new LemError("LEM_USAGE", "runStudy needs a study file or a directory to resume");
      loaded = await loadStudy(o.studyFile);
      dir = resolve(o.outputDir ?? resolve(loaded.file, "..", loaded.study.output.dir));
    }
    validateTemplates(loaded);
    const datasets = loadDatasets(loaded);
    const settings = slurmSettingsOf(loaded);

    const issues: PreflightIssue[] = [];
    const { plan, issues: slurmIssues } = await slurmPreflight(loaded, settings, env);
    issues.push(...slurmIssues);
    if (!o.resumeDir && !o.skipPreflight) issues.push(...(await checkOutputDir(dir, 1024)).failures);
    if (issues.length > 0 || !plan) throw new PreflightError(issues);

    if (o.resumeDir && manifest) {
      const active = await activeJobsOf(dir, env);
      if (active.length > 0) throw new SlurmStudyActiveError(dir, active.map((j) => `${j.id} (${j.state})`));
      // A run left "running" by a task that no longer exists (killed, its node lost) ran no further.
      for (const r of manifest.data.runs) {
        if (r.status === "running") manifest.update(r.position, { status: "interrupted", child: null, error: "its Slurm task ended while the run was in progress (cancelled, node failure or time limit)" });
      }
    } else {
      const study = loaded;
      const created = createStudyDir(dir, studyDirName(loaded), (d) => {
        const data = newManifest(study, planOf(study));
        data.execution = { ...data.execution, executor: "slurm" };
        const m = new Manifest(d, data);
        m.save();
        writeFileAtomic(
          studyPaths(d).configJson,
          `${JSON.stringify(redactRecordedConfig({ study: study.study, experiments: study.expansion.experiments, invalid: study.expansion.invalid }), null, 2)}\n`,
        );
        return m;
      });
      dir = created.dir;
      manifest = created.manifest;
      try {
        lock = acquireStudyLock(dir);
        writePromptFiles(dir, loaded.expansion.experiments, datasets);
      } catch (error) {
        removeStudyDir(created.createdDirs);
        throw error;
      }
    }

    const todo = manifest.data.runs.filter((r) => !isRunDone(r.status)).map((r) => r.position);
    const total = manifest.data.runs.length;
    if (todo.length === 0) {
      o.onEvent?.({ type: "warning", message: `every run of the study in ${dir} is completed already: nothing to submit` });
      return { dir, status: "completed", counts: manifest.counts() };
    }
    const slurmDir = join(dir, "slurm");
    mkdirSync(join(slurmDir, "logs"), { recursive: true });
    const scriptOptions = { studyName: loaded.study.name, studyDir: dir, lem: plan.lem, globalArgs: globalArgsOnNodes(),
      setup: settings.setup,
      taskArgs: [...(o.failFast ? ["--fail-fast"] : []), ...(o.skipPreflight ? ["--skip-preflight"] : [])],
    };
    const taskFile = join(slurmDir, "task.sbatch");
    const mergeFile = join(slurmDir, "merge.sbatch");
    writeFileAtomic(taskFile, taskScript(scriptOptions));
    writeFileAtomic(mergeFile, mergeScript(scriptOptions));
    chmodSync(taskFile, 0o755);
    chmodSync(mergeFile, 0o755);

    const timeLimit = taskTimeLimit(settings, loaded.study.execution.runTimeoutS);
    const arrays: SubmittedArray[] = [];
    let taskArgs: string[] = [];
    try {
      for (const chunk of arrayChunks(todo, plan.maxArraySize)) {
        taskArgs = taskSbatchArgs({ settings, studyName: loaded.study.name, studyDir: dir, arraySpec: chunk.spec, gpusPerRun: plan.gpusPerRun, timeLimit });
        const jobId = await submitBatch(taskFile, { env, sbatchArgs: taskArgs, scriptArgs: [String(chunk.offset)] });
        arrays.push({ jobId, offset: chunk.offset, positions: chunk.positions, spec: chunk.spec });
      }
    } catch (error) {
      // Half a submission would run some runs and merge nothing: take back what was submitted.
      for (const a of arrays) await cancelJob(a.jobId, { env }).catch(() => undefined);
      throw error;
    }
    const mergeArgs = mergeSbatchArgs({ settings, studyName: loaded.study.name, studyDir: dir, afterJobIds: arrays.map((a) => a.jobId) });
    let mergeJobId: string;
    try {
      mergeJobId = await submitBatch(mergeFile, { env, sbatchArgs: mergeArgs });
    } catch (error) {
      for (const a of arrays) await cancelJob(a.jobId, { env }).catch(() => undefined);
      throw error;
    }
    const submittedAt = new Date().toISOString();
    appendSubmission(dir, { submittedAt, arrays, mergeJobId, taskArgs, mergeArgs });
    manifest.save();
    lock?.release();
    lock = undefined;
    o.onEvent?.({ type: "slurm-submitted", dir, runs: total, submitted: todo.length, arrayJobIds: arrays.map((a) => a.jobId), mergeJobId });
    const slurm = { arrayJobIds: arrays.map((a) => a.jobId), mergeJobId };
    if (!o.wait) return { dir, status: "submitted", counts: manifest.counts(), slurm };
    const followed = await followSlurmStudy({ dir, mergeJobId, submittedAt, env, ...(o.signal ? { signal: o.signal } : {}), ...(o.onEvent ? { onEvent: o.onEvent } : {}) });
    return { ...followed, slurm };
  } finally {
    lock?.release();
  }
}
