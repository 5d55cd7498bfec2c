/**
 * Everything a study needs before any executor runs it: its plan, its manifest, templates and
 * datasets checked, the prompts written into the study directory. Shared by the local runner,
 * the Slurm submission and the Slurm task.
 */
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { LoadedStudy } from "../config/load.js";
import { isServerBackend } from "../config/schema.js";
import { fillArgv } from "../backends/command-template.js";
import { launchArgvOf } from "../backends/server-backend.js";
import { loadDataset, writePromptsJsonl } from "../datasets/index.js";
import type { Prompt } from "../datasets/prompt.js";
import { assertInsideDir } from "../fs/inside-dir.js";
import { seedFromHash } from "../random/seed-from-hash.js";
import type { ManifestData } from "../study-format/manifest.js";
import { checkStudyAtLoad } from "./check-study.js";
import { planRuns, type PlannedRun } from "./plan.js";
import { addCarryOverWarning } from "./plan-warnings.js";

/** A study directory's name: the study's name and the time it started. */
export function studyDirName(loaded: LoadedStudy): string {
  return `${loaded.study.name}_${timestamp()}`;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
}

export function newManifest(loaded: LoadedStudy, plan: PlannedRun[]): ManifestData {
  const ex = loaded.expansion.experiments;
  return {
    schemaVersion: 1,
    study: { name: loaded.study.name, file: resolve(loaded.file), studyHash: loaded.studyHash, createdAt: new Date().toISOString() },
    experiments: ex.map((e) => ({ hash: e.hash, slug: e.slug, name: e.config.name ?? e.slug })),
    execution: loaded.study.execution as unknown as Record<string, unknown>,
    runs: plan.map((p) => ({
      position: p.position,
      cycle: p.cycle,
      experiment: p.experiment,
      configHash: ex[p.experiment]!.hash,
      slug: ex[p.experiment]!.slug,
      status: "pending",
      attempts: 0,
      resultPath: null,
      startedAt: null,
      endedAt: null,
      error: null,
      child: null,
    })),
    updatedAt: new Date().toISOString(),
  };
}


export function planOf(loaded: LoadedStudy): PlannedRun[] {
  const ex = loaded.study.execution;
  const plan = planRuns({
    experiments: loaded.expansion.experiments.length,
    cycles: ex.cycles,
    order: ex.order,
    seed: ex.seed ?? seedFromHash(loaded.studyHash),
  });
  addCarryOverWarning(loaded, plan);
  return plan;
}


/** Every experiment's command and server templates must fill before anything runs (typos fail at once). */
export function validateTemplates(loaded: LoadedStudy): void {
  checkStudyAtLoad(loaded);
  for (const e of loaded.expansion.experiments) {
    const where = `${loaded.file}: ${e.slug}`;
    if (e.config.command && e.config.backend === "command") fillArgv(e.config.command.argv, e.config as unknown as Record<string, unknown>, where);
    if (isServerBackend(e.config.backend) && !e.config.server?.url) {
      launchArgvOf({ backend: e.config.backend, config: e.config, slug: where, host: "127.0.0.1", port: 1 });
    }
  }
}

/** The prompts of each experiment, loaded before anything runs (a bad dataset fails at once). */
export type LoadedDataset = { prompts: Prompt[]; truncated: number; source: Record<string, unknown> };
export function loadDatasets(loaded: LoadedStudy): LoadedDataset[] {
  const baseDir = dirname(resolve(loaded.file));
  return loaded.expansion.experiments.map((e) => {
    const d = loadDataset(e.config, baseDir);
    return { prompts: d.prompts, truncated: d.truncated, source: d.source as unknown as Record<string, unknown> };
  });
}

/** One prompts file per experiment in the study directory (the file child harnesses read). */
export function writePromptFiles(dir: string, experiments: LoadedStudy["expansion"]["experiments"], datasets: LoadedDataset[]): string[] {
  assertInsideDir(dir, join(dir, "prompts")); // a planted link would take the prompts outside
  mkdirSync(join(dir, "prompts"), { recursive: true });
  return experiments.map((e, i) => {
    const file = join(dir, "prompts", `${e.hash.slice(0, 8)}.jsonl`);
    writePromptsJsonl(file, datasets[i]!.prompts);
    return file;
  });
}
