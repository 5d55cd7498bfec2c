/**
 * The Python each experiment's backend actually runs, and its packages (torch, vllm,
 * transformers ...), for the study's environment.json: the transformers interpreter, SGLang's
 * Python, the interpreter of a `vllm` or `trtllm-serve` script (its #! line), or, for a
 * backend in a container, `python3` inside its image, asked through the same docker program
 * the backend uses (`docker run --rm --entrypoint python3 IMAGE -m pip freeze`). Backends
 * without Python (command, llamacpp, llama-server, TGI's launcher, openai) record none.
 */
import { closeSync, openSync, readSync } from "node:fs";
import type { ExperimentConfig } from "../config/schema.js";
import { collectPython } from "../environment/python-packages.js";
import { findOnPath } from "../environment/run-command.js";
import type { PythonPart } from "../environment/schema.js";

export type PythonSource = { runsIn: "host"; python: string } | { runsIn: "docker"; docker: string; image: string; python: string };

/** Backends whose engine is Python, with the interpreter they run on the host. */
async function hostPython(cfg: ExperimentConfig): Promise<string | null> {
  switch (cfg.backend) {
    case "transformers":
      return cfg.transformers?.python ?? process.env.LEM_PYTHON ?? "python3";
    case "sglang":
      return cfg.server?.url ? null : (cfg.server?.executable ?? "python3");
    case "vllm":
    case "trtllm":
      return cfg.server?.url ? null : shebangPython(cfg.server?.executable ?? (cfg.backend === "vllm" ? "vllm" : "trtllm-serve"));
    default:
      return null;
  }
}

/** The interpreter named by a script's #! line, when it is a Python. */
async function shebangPython(executable: string): Promise<string | null> {
  const path = executable.includes("/") ? executable : await findOnPath(executable, process.env);
  if (!path) return null;
  let head = "";
  try {
    const fd = openSync(path, "r");
    try {
      const buffer = Buffer.alloc(256);
      head = buffer.subarray(0, readSync(fd, buffer, 0, 256, 0)).toString("utf8");
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(head);
  if (!m) return null;
  // "#!/usr/bin/env python3" names the interpreter second.
  const interpreter = m[1]!.endsWith("/env") && m[2] ? m[2] : m[1]!;
  return /python/.test(interpreter) ? interpreter : null;
}

export async function pythonSourceOf(cfg: ExperimentConfig): Promise<PythonSource | null> {
  if (cfg.docker) {
    const pythonBackends = ["transformers", "sglang", "vllm", "tgi", "trtllm"];
    return pythonBackends.includes(cfg.backend) ? { runsIn: "docker", docker: cfg.docker.docker, image: cfg.docker.image, python: "python3" } : null;
  }
  const python = await hostPython(cfg);
  return python ? { runsIn: "host", python } : null;
}

export interface BackendPython {
  /** Slugs of the experiments that run on it. */
  experiments: string[];
  runsIn: "host" | "docker";
  image?: string;
  python: PythonPart;
}

/** One entry per distinct interpreter or image, with the experiments that use it. */
export async function backendPythons(experiments: { slug: string; config: ExperimentConfig }[]): Promise<BackendPython[]> {
  const bySource = new Map<string, { source: PythonSource; experiments: string[] }>();
  for (const e of experiments) {
    const source = await pythonSourceOf(e.config);
    if (!source) continue;
    const key = JSON.stringify(source);
    const entry = bySource.get(key) ?? { source, experiments: [] };
    entry.experiments.push(e.slug);
    bySource.set(key, entry);
  }
  return Promise.all(
    [...bySource.values()].map(async ({ source, experiments: slugs }) => {
      let python =
        source.runsIn === "host"
          ? await collectPython({ python: source.python })
          : await collectPython({ python: source.docker, argvPrefix: ["run", "--rm", "--entrypoint", source.python, source.image] });
      // Inside an image, the interpreter is the image's python3, never the docker program.
      if (source.runsIn === "docker" && !python.interpreter.startsWith("/")) python = { ...python, interpreter: `${source.python} in ${source.image}` };
      else if (source.runsIn === "docker" && python.interpreter === source.docker) python = { ...python, interpreter: `${source.python} in ${source.image}` };
      return { experiments: slugs, runsIn: source.runsIn, ...(source.runsIn === "docker" ? { image: source.image } : {}), python };
    }),
  );
}

/** The environment snapshot's Python fields of a study: `python` (the first experiment's backend that has one) and `backendPythons` (all of them). */
export async function studyPythonFields(experiments: { slug: string; config: ExperimentConfig }[]): Promise<{ python?: PythonPart; backendPythons: BackendPython[] }> {
  const all = await backendPythons(experiments);
  return { ...(all[0] ? { python: all[0].python } : {}), backendPythons: all };
}
