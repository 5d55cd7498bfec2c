/**
 * What pre-flight must check for an experiment's backend: the program, Python modules or
 * container image it needs, and the checks only that backend knows (node-llama-cpp and a GGUF
 * file, an attached server that answers). Experiments needing the same checks share one key.
 */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { isServerBackend, type ExperimentConfig } from "../config/schema.js";
import { fillArgv } from "../backends/command-template.js";
import { checkNodeLlamaCpp } from "../preflight/check-node-llama-cpp.js";
import { llamaCppModelPath } from "../backends/llamacpp/llamacpp-argv.js";
import { defaultHealthPath, engineExecutable, isGgufPath } from "../backends/server/index.js";
import { baseUrlOf } from "../backends/server-backend.js";
import type { CheckOutcome, PreflightIssue, PreflightRequest } from "../preflight/types.js";

export interface BackendPreflight {
  /** Experiments with equal keys need the same checks. */
  key: string;
  request: Pick<PreflightRequest, "command" | "python" | "docker" | "model">;
  /** Checks of this backend alone, run with the others (collect-all). */
  checks: (() => Promise<CheckOutcome>)[];
}

const outcome = (failures: PreflightIssue[]): CheckOutcome => ({ failures, warnings: [] });

/** An attached server must answer its health path now: the study cannot start it. */
async function checkAttachedServer(url: string, healthPath: string): Promise<CheckOutcome> {
  const target = `${baseUrlOf(url)}${healthPath}`;
  try {
    const r = await fetch(target, { signal: AbortSignal.timeout(5000) });
    if (r.ok) return outcome([]);
    return outcome([
      { check: "backend", message: `the attached server at ${url} answered ${target} with HTTP ${r.status}.`, fix: "Wait until the server has loaded its model, or correct server.url / server.healthPath." },
    ]);
  } catch (e) {
    const why = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
    return outcome([
      { check: "backend", message: `the attached server at ${url} does not answer (${target}: ${why}).`, fix: "Start the server first (lem attaches to it, it does not start it), or correct server.url." },
    ]);
  }
}

export function backendPreflight(cfg: ExperimentConfig, baseDir: string, where: string): BackendPreflight {
  if (cfg.docker) {
    const d = cfg.docker;
    const envFile = d.envFile ? resolve(baseDir, d.envFile) : undefined;
    return {
      key: `docker\u0000${d.docker}\u0000${d.image}\u0000${d.pull}\u0000${envFile ?? ""}`,
      request: { docker: [{ docker: d.docker, image: d.image, pull: d.pull, ...(envFile ? { envFile } : {}) }] },
      checks: [],
    };
  }
  switch (cfg.backend) {
    case "command": {
      const executable = fillArgv(cfg.command!.argv, cfg as unknown as Record<string, unknown>, where)[0]!;
      return { key: `command\u0000${executable}`, request: { command: { executable } }, checks: [] };
    }
    case "transformers": {
      const interpreter = cfg.transformers?.python ?? process.env.LEM_PYTHON ?? "python3";
      const model = modelToCheck(cfg, baseDir);
      return {
        key: `transformers\u0000${interpreter}\u0000${model ?? ""}`,
        request: { python: { interpreter, modules: ["torch", "transformers"] }, ...(model !== undefined ? { model } : {}) },
        checks: [],
      };
    }
    case "llamacpp": {
      // The same path the run loads (~/ expanded, then relative to the study file).
      const model = llamaCppModelPath(cfg.model, baseDir);
      return { key: `llamacpp\u0000${model}`, request: {}, checks: [async () => outcome(checkNodeLlamaCpp(model))] };
    }
    default: {
      if (!isServerBackend(cfg.backend)) throw new Error(`no pre-flight for backend ${cfg.backend}`);
      const server = cfg.server;
      if (server?.url) {
        const health = server.healthPath ?? defaultHealthPath(cfg.backend);
        return { key: `attach\u0000${server.url}\u0000${health}`, request: {}, checks: [() => checkAttachedServer(server.url!, health)] };
      }
      const model = modelToCheck(cfg, baseDir);
      const withModel = model !== undefined ? { model } : {};
      if (cfg.backend === "sglang") {
        // The interpreter the launch command runs (LEM_PYTHON is the transformers backend's, not SGLang's).
        const interpreter = server?.executable ?? engineExecutable("sglang");
        return { key: `sglang\u0000${interpreter}\u0000${model ?? ""}`, request: { python: { interpreter, modules: ["sglang"] }, ...withModel }, checks: [] };
      }
      const executable = cfg.backend === "openai" ? server!.argv![0]! : (server?.executable ?? engineExecutable(cfg.backend));
      return { key: `server\u0000${executable}\u0000${model ?? ""}`, request: { command: { executable }, ...withModel }, checks: [] };
    }
  }
}

/**
 * The model pre-flight looks for ("model" check: a path exists, or a hub id is in the local
 * Hugging Face cache), as `lem preflight --model` does; undefined where lem cannot know where
 * the engine finds it: backend "openai" (the model is the name it serves), llama-server's
 * `--hf-repo` (llama.cpp's own cache). A relative path is the study file's, as the run's.
 */
function modelToCheck(cfg: ExperimentConfig, baseDir: string): string | undefined {
  if (cfg.backend === "openai") return undefined;
  const local = cfg.model.startsWith(".") || cfg.model.startsWith("~/") || isAbsolute(cfg.model);
  if (cfg.backend === "llama-server") return isGgufPath(cfg.model) ? llamaCppModelPath(cfg.model, baseDir) : undefined;
  // A relative path without "./" that exists beside the study file is a path too.
  return local || existsSync(resolve(baseDir, cfg.model)) ? llamaCppModelPath(cfg.model, baseDir) : cfg.model;
}
