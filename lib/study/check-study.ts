/**
 * Checks of a loaded study that need the file system or another room's parser, made when the
 * study is loaded (and by --dry-run), so that a mistake is reported against the study file's
 * field instead of failing each run: the command's working directory, a dataset file, the
 * `devices` value, llama.cpp's context size.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { ConfigError, joinPath } from "../config/config-error.js";
import type { LoadedStudy } from "../config/load.js";
import { expandDottedKeys, flattenLeaves, isPlainObject } from "../config/merge.js";
import type { ResolvedExperiment } from "../config/sweep.js";
import { parseCudaVisibleDevices } from "../gpu/cuda-visible-devices.js";
import { LemError } from "../errors.js";

/** Where in the study file an experiment's field was set: `sweep["dataset.source"]`, `experiments[1].devices` or `base.devices`. */
export function fieldOrigin(loaded: LoadedStudy, e: ResolvedExperiment, field: string): string {
  if (Object.hasOwn(loaded.study.sweep, field)) return `sweep[${JSON.stringify(field)}]`;
  for (const [i, x] of loaded.study.experiments.entries()) {
    const flat = isPlainObject(x) ? flattenLeaves(expandDottedKeys(x)) : {};
    if (Object.hasOwn(flat, field) && JSON.stringify(flat[field]) === JSON.stringify(e.sweepValues[field])) return `experiments[${i}].${field}`;
  }
  return joinPath(loaded.study.extends !== undefined && !hasBaseField(loaded, field) ? "extends" : "base", field);
}

function hasBaseField(loaded: LoadedStudy, field: string): boolean {
  return Object.hasOwn(flattenLeaves(expandDottedKeys(loaded.study.base)), field);
}

function pathState(path: string): "missing" | "file" | "directory" | "other" {
  if (!existsSync(path)) return "missing";
  const s = statSync(path);
  return s.isFile() ? "file" : s.isDirectory() ? "directory" : "other";
}

/** Throws a ConfigError (file and field path) for the first problem found. */
export function checkStudyAtLoad(loaded: LoadedStudy): void {
  const baseDir = dirname(loaded.file);
  const fail = (e: ResolvedExperiment, field: string, detail: string): never => {
    throw new ConfigError(loaded.file, { path: fieldOrigin(loaded, e, field), detail: `${detail} (experiment ${e.slug})` });
  };
  for (const e of loaded.expansion.experiments) {
    const c = e.config;
    // In a container, command.cwd is a path inside the image: not checkable here.
    if (c.backend === "command" && c.command?.cwd !== undefined && !c.docker) {
      const cwd = isAbsolute(c.command.cwd) ? c.command.cwd : resolve(baseDir, c.command.cwd);
      const state = pathState(cwd);
      if (state !== "directory") {
        fail(e, "command.cwd", `the working directory ${cwd} ${state === "missing" ? "does not exist" : "is not a directory"} (a relative cwd is resolved against the study file's folder)`);
      }
    }
    if (c.dataset.source !== "synthetic") {
      const source = isAbsolute(c.dataset.source) ? c.dataset.source : resolve(baseDir, c.dataset.source);
      const state = pathState(source);
      if (state !== "file") {
        fail(e, "dataset.source", `the dataset file ${source} ${state === "missing" ? "does not exist" : state === "directory" ? "is a directory, not a JSONL file" : "is not a regular file"} (a relative source is resolved against the study file's folder; "synthetic" generates prompts)`);
      }
    }
    if (c.devices !== undefined) {
      try {
        parseCudaVisibleDevices(c.devices);
      } catch (error) {
        if (!(error instanceof LemError)) throw error;
        fail(e, "devices", error.message.replace(/^CUDA_VISIBLE_DEVICES=/, "the value "));
      }
    }
    if (c.backend === "llamacpp") {
      const contextSize = c.llamacpp?.contextSize ?? 4096;
      const needed = c.generation.maxInputTokens + c.generation.maxOutputTokens;
      if (needed > contextSize) {
        fail(
          e,
          c.llamacpp?.contextSize !== undefined ? "llamacpp.contextSize" : "generation.maxInputTokens",
          `generation.maxInputTokens (${c.generation.maxInputTokens}) + generation.maxOutputTokens (${c.generation.maxOutputTokens}) = ${needed} tokens exceed llamacpp.contextSize (${contextSize}${c.llamacpp?.contextSize === undefined ? ", the default" : ""}); raise llamacpp.contextSize or lower them`,
        );
      }
    }
  }
}
